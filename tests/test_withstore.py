"""``list --json`` with opendev's store, streamed: the same bytes as the in-memory answer.

The streamed path (:mod:`snaptui.catalog.withstore`) makes the recovery
directory's answer as without a store and merges the store's sessions into
it; the in-memory path (no cache directory) builds every record. Generated
worlds with everything that changes the merge: snapshots and store sessions
at the same millisecond, twins (a snapshot whose session the store holds:
it takes the store's lost prompt, the store's copy is not listed), a session
id held by two snapshots, one held by two store folders (what resuming
elsewhere leaves: both listed, as the list shows them), completed twins,
dismissed store sessions, damaged
files; with one reading process, two, and the store read here or by a helper.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

import opendev_fixtures as fx
from helpers import write
from snaptui.base import twoproc
from snaptui.catalog import answer, jsonlist, withstore
from snaptui.catalog.jsonlist import json_output
from snaptui.sources.opendev_roots import store_roots
from snaptui.sources.records import Session

MINUTE_NS = 60_000_000_000
KINDS = (fx.finished, fx.died_mid_turn, fx.stopped_with_error, fx.first_turn_never_ended)


def world(tmp_path: Path, seed: int) -> tuple[Path, Path, dict[str, int]]:
    rng = random.Random(seed)
    root = tmp_path / "opendev"
    project = str(tmp_path / "proj")
    os.makedirs(project, exist_ok=True)
    sids = [f"{seed:02d}store{i:05d}" for i in range(7)]
    for sid in sids:
        rng.choice(KINDS)(root, project, sid=sid, now_ns=fx.T0_NS + rng.choice((0, 5, 5, 9)) * MINUTE_NS)
    # Two folders holding one session id (what resuming elsewhere leaves): one with a snapshot
    # twin, one without.
    moved = tmp_path / "moved"
    moved.mkdir(exist_ok=True)
    (original,) = {p.parent for p in root.rglob(f"{sids[0]}.*")}
    copy = root / "projects" / str(moved).replace("/", "-")
    copy.mkdir()
    (copy / "OPENDEV_PROJECT_PATH").write_text(str(moved))
    for sid in (sids[0], sids[5]):
        for f in original.glob(f"{sid}.*"):
            (copy / f.name).write_bytes(f.read_bytes())
    for path in root.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000), follow_symlinks=False)
    stored = [r for r in fx.scan_all(root) if isinstance(r, Session)]
    assert len(stored) == len(sids) + 2
    times = sorted({s.timestamp_ms for s in stored})
    d = tmp_path / "recovery"
    d.mkdir()
    for i in range(30):
        ts = rng.choice(times) + rng.choice((-1, 0, 0, 1, 60_000))
        if i < 6:  # twins of four of the store's sessions, some completed
            sid = sids[i % 4]
        elif i < 10:  # one session id in two files
            sid = "dup-session"
        else:
            sid = f"snap{i:03d}"
        write(d, sid, name=f"{i:03d}-{sid}_session_snapshot.json", ts=ts, completed=rng.random() < 0.3)
    (d / "damaged_session_snapshot.json").write_bytes(b'{"session_id": ')
    (d / "notes.txt").write_text("not a snapshot")
    for path in d.iterdir():
        os.utime(path, (1_700_000_000, 1_700_000_000))
    gone = {s.key: s.timestamp_ms for s in rng.sample(stored, 2)}
    return d, root, gone


@pytest.fixture(params=["one process", "two readers", "store read here"])
def mode(request, monkeypatch):
    if request.param == "two readers":
        monkeypatch.setattr(answer, "PARALLEL_READ_FROM", 1)
    if request.param == "store read here":
        monkeypatch.setattr(twoproc, "alone", lambda: False)
    return request.param


@pytest.fixture
def streamed_calls(monkeypatch):
    """Every answer :func:`withstore.merged` gave (None: it could not stream)."""
    calls: list[object] = []
    real = withstore.merged

    def spy(*args, **kwargs):
        got = real(*args, **kwargs)
        calls.append(got)
        return got

    monkeypatch.setattr(withstore, "merged", spy)
    return calls


def listed(d: Path, root: Path, cache: str | None, gone: dict[str, int]) -> bytes:
    return json_output(str(d), cache, everything=False, store_roots=store_roots(str(root)), dismissed=gone)


@pytest.mark.parametrize("seed", range(6))
def test_streamed_with_the_store_is_the_in_memory_answer(tmp_path, seed, mode, streamed_calls):
    d, root, gone = world(tmp_path, seed)
    cache = str(tmp_path / "cache")
    expected = listed(d, root, None, gone)
    objects = json.loads(expected)
    ids = [o["session_id"] for o in objects]
    assert any(o.get("source") == "opendev" for o in objects)  # the store's own sessions are in it
    assert any(o.get("prompt") and o.get("source") != "opendev" for o in objects)  # a snapshot took a prompt
    assert "dup-session" in ids
    # The same sessions as the list and the TUI show (scan's merge), both copies of an id
    # held in two folders among them.
    from snaptui.catalog.scan import scan

    shown = scan(str(d), store_roots=store_roots(str(root)), dismissed=gone).incomplete
    assert sorted(o["path"] for o in objects) == sorted(s.path for s in shown)
    copies = [s for s in shown if s.session_id == f"{seed:02d}store00005"]
    assert sum(o["session_id"] == f"{seed:02d}store00005" for o in objects) == len(copies)
    assert listed(d, root, cache, gone) == expected  # streamed, cold
    assert streamed_calls and streamed_calls[-1] is not None
    assert listed(d, root, cache, gone) == expected  # the kept answer, or streamed again
    # One snapshot rewritten: the pieces of the others come from the cache.
    victim = sorted(d.glob("00*_session_snapshot.json"))[0]
    doc = json.loads(victim.read_bytes())
    write(d, doc["session_id"], name=victim.name, ts=doc["snapshot_timestamp_ms"] + 7, completed=False)
    os.utime(victim, (1_700_000_100, 1_700_000_100))
    expected = listed(d, root, None, gone)
    assert listed(d, root, cache, gone) == expected


def test_only_store_sessions_when_the_directory_is_gone(tmp_path, mode, streamed_calls):
    d, root, gone = world(tmp_path, 99)
    for path in d.iterdir():
        path.unlink()
    d.rmdir()
    expected = listed(d, root, None, gone)
    assert {o.get("source") for o in json.loads(expected)} == {"opendev"}
    assert listed(d, root, str(tmp_path / "cache"), gone) == expected
    assert streamed_calls[-1] is not None


def test_nothing_interrupted_anywhere_is_an_empty_array(tmp_path, mode):
    d = tmp_path / "recovery"
    d.mkdir()
    write(d, "done", completed=True)
    root = tmp_path / "opendev"
    fx.finished(root, str(tmp_path), sid="aaaaaaaaaaaa")
    assert listed(d, root, str(tmp_path / "cache"), {}) == listed(d, root, None, {}) == b"[]\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_an_unreadable_directory_is_one_error_and_the_helper_is_waited_for(tmp_path, mode):
    d, root, gone = world(tmp_path, 5)
    d.chmod(0)
    try:
        with pytest.raises(jsonlist.DirectoryProblem):
            listed(d, root, str(tmp_path / "cache"), gone)
    finally:
        d.chmod(0o700)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left behind


def test_no_scratch_file_falls_back_to_the_in_memory_answer(tmp_path, monkeypatch, streamed_calls):
    d, root, gone = world(tmp_path, 3)
    monkeypatch.setattr(answer, "streamed", lambda *a, **k: None)
    assert listed(d, root, str(tmp_path / "cache"), gone) == listed(d, root, None, gone)
    assert streamed_calls == [None]


def test_a_store_change_alone_reads_no_snapshot_and_rewrites_no_cache_file(tmp_path, mode, monkeypatch):
    d, root, gone = world(tmp_path, 7)
    cache = tmp_path / "cache"
    listed(d, root, str(cache), gone)  # the recovery directory's .pieces file, and the merged answer
    (piece_file,) = cache.glob("index/*.pieces")
    before = os.stat(piece_file)
    log = next(root.glob("projects/*/*.debug"))
    with open(log, "a") as f:
        f.write("2026-04-24 09:59:00.000 appended while a session runs\n")
    os.utime(log, (1_700_000_500, 1_700_000_500))
    read = []
    real = answer.files.read_bounded
    monkeypatch.setattr(answer.files, "read_bounded", lambda *a, **k: read.append(a[0]) or real(*a, **k))
    assert listed(d, root, str(cache), gone) == listed(d, root, None, gone)
    assert read == []  # every snapshot came from the cache
    after = os.stat(piece_file)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_session_that_came_into_the_store_while_snapshots_were_read(tmp_path, mode, monkeypatch, streamed_calls):
    """Only the ids the store listed are kept for the snapshots; a session the store read
    but did not list (it came in meanwhile) may be a twin: the answer is made in memory."""
    from snaptui.sources import opendev_layout

    d, root, gone = world(tmp_path, 4)
    expected = listed(d, root, None, gone)
    real = opendev_layout.session_ids
    monkeypatch.setattr(opendev_layout, "session_ids", lambda roots: real(roots) - {"04store00000"})
    assert listed(d, root, str(tmp_path / "cache"), gone) == expected
    assert streamed_calls == [None]


def test_streamed_keeps_the_ids_asked_for_only(tmp_path):
    d, _, _ = world(tmp_path, 2)
    got = answer.streamed(str(d), str(tmp_path / "cache"), ids_of={"dup-session", "02store00001", "absent"})
    try:
        assert set(got.ids.values()) == {"dup-session", "02store00001"}
        assert len(got.ids) == 6  # four snapshots of dup-session, two twins of the store's second session
        every = answer.streamed(str(d), str(tmp_path / "cache2"), ids_of=None)
        assert every.ids == {}
        every.span.close()
    finally:
        got.span.close()


def test_discovery_from_the_fingerprint_s_listing_is_discovery_s_own(tmp_path, monkeypatch):
    """``list --json``'s store helper lists and stats the store once, for its fingerprint,
    and discovers from that: the same sessions, files, stats and problems as a discovery
    of its own, with every kind of odd entry."""
    from snaptui.catalog import storeprint
    from snaptui.sources import opendev

    root = tmp_path / "opendev"
    project = str(tmp_path / "proj")
    os.makedirs(project)
    for i, kind in enumerate(KINDS):
        kind(root, project, sid=f"odd{i:09d}")
    (folder,) = (root / "projects").iterdir()
    (folder / "linked00001.json").symlink_to(folder / "odd000000000.json")
    (folder / "dangling0001.json").symlink_to(tmp_path / "nowhere.json")
    (folder / "odd000000001.jsonl").unlink()
    os.mkfifo(folder / "fifo0000001.debug")
    (folder / "dir000000001.json").mkdir()
    (folder / "sessions-index.json").write_text("{}")
    unmarked = root / "projects" / "-no-marker"
    unmarked.mkdir()
    (unmarked / "lone00000001.debug").write_text("")
    linked_marker = root / "projects" / "-linked-marker"
    linked_marker.mkdir()
    (linked_marker / "OPENDEV_PROJECT_PATH").symlink_to(folder / "OPENDEV_PROJECT_PATH")
    fx.finished(root, project, sid="elsewhere001")
    for f in folder.glob("elsewhere001.*"):
        f.rename(linked_marker / f.name)
    (root / "projects" / "not-a-folder").write_text("x")
    (root / "projects" / "-dangling-folder").symlink_to(tmp_path / "gone")

    roots = (str(root),)
    listing: dict[str, list[tuple[object, ...]]] = {}
    storeprint.fingerprint(roots, listing)
    own = opendev.discover(roots)
    stats: list[str] = []
    real_stat = opendev.file_stat
    monkeypatch.setattr(opendev, "file_stat", lambda path, *a: stats.append(path) or real_stat(path, *a))
    shared = opendev.discover(roots, listing)
    assert stats == []  # nothing stat'ed again
    assert len(listing) == 3 and len(own.sessions) >= 8
    assert shared == own
    assert [(s.session_id, s.folder_problem) for s in shared.sessions] == \
        [(s.session_id, s.folder_problem) for s in own.sessions]
