"""``list --json`` with opendev's store: the merged answer kept, and served only while true.

Everything the answer is made of can change on its own: a snapshot, a store
session's log, a project folder's marker, the dismissed sessions. After any
of them the answer must be today's (what a run without any cache says), and
an unchanged one must come from the kept answer, without reading the store.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import opendev_fixtures as fx
from helpers import NOW, write
from snaptui.catalog import dismissed, merged, pieces
from snaptui.catalog.jsonlist import json_output, json_parts
from snaptui.sources.opendev_roots import store_roots

OLD = 1_700_000_000


def age(root: Path) -> None:
    for path in root.rglob("*"):
        os.utime(path, (OLD, OLD), follow_symlinks=False)


@pytest.fixture(params=["one process", "with a helper"])
def world(tmp_path, request, monkeypatch):
    """A recovery directory (two interrupted, one completed) and a store of three sessions,
    one a twin of a snapshot; all written long ago."""
    if request.param == "with a helper":
        monkeypatch.setattr(pieces, "PARALLEL_CHECK_FROM", 1)
    d = tmp_path / "recovery"
    d.mkdir()
    write(d, "s1", ts=NOW - 1000)
    write(d, "bbbbbbbbbbbb", ts=NOW - 2000)
    write(d, "s3", ts=NOW - 3000, completed=True)
    root = tmp_path / "opendev"
    project = str(tmp_path / "proj")
    os.makedirs(project)
    minute = 60_000_000_000
    fx.finished(root, project, sid="aaaaaaaaaaaa", now_ns=fx.T0_NS)
    fx.died_mid_turn(root, project, sid="bbbbbbbbbbbb", now_ns=fx.T0_NS + 30 * minute)
    fx.stopped_with_error(root, project, sid="cccccccccccc", now_ns=fx.T0_NS + 20 * minute)
    age(root)
    return d, root, str(tmp_path / "cache")


def answer(d, root, cache, *, snapshots=True, gone=None):
    return json_output(str(d), cache, everything=False, store_roots=store_roots(str(root)), snapshots=snapshots,
                       dismissed=gone)


def kept(d, root, cache, *, snapshots=True, gone=None):
    """The kept answer if it would be served now, else None."""
    k = merged.Kept(cache, str(d), store_roots(str(root)), snapshots, gone or {})
    span = k.unchanged()
    if span is None:
        return None
    try:
        return span.read()
    finally:
        span.close()


def test_an_unchanged_world_is_answered_from_the_kept_answer(world):
    d, root, cache = world
    first = answer(d, root, cache)
    ids = [o["session_id"] for o in json.loads(first)]
    assert ids[:2] == ["s1", "bbbbbbbbbbbb"] and "cccccccccccc" in ids and "s3" not in ids
    assert first == answer(d, root, None)
    assert kept(d, root, cache) == first
    assert answer(d, root, cache) == first


def test_a_store_change_is_seen(world):
    d, root, cache = world
    before = answer(d, root, cache)
    assert kept(d, root, cache) == before
    minute = 60_000_000_000
    fx.died_mid_turn(root, str(d.parent / "proj"), sid="eeeeeeeeeeee", now_ns=fx.T0_NS + 40 * minute)
    age(root)
    assert kept(d, root, cache) is None
    after = answer(d, root, cache)
    assert after == answer(d, root, None) and after != before
    assert "eeeeeeeeeeee" in [o["session_id"] for o in json.loads(after)]


def test_a_log_appended_to_in_place_is_seen(world):
    """The debug log of the session that stopped with an error grows by a line: same
    names, same folder; only that file's size and time tell."""
    d, root, cache = world
    answer(d, root, cache)
    (log,) = root.rglob("cccccccccccc.debug")
    with open(log, "a") as f:
        f.write("\n")
    os.utime(log, (OLD + 60, OLD + 60))
    assert kept(d, root, cache) is None
    assert answer(d, root, cache) == answer(d, root, None)
    assert kept(d, root, cache) is not None  # kept again


def test_a_snapshot_change_is_seen(world):
    d, root, cache = world
    answer(d, root, cache)
    path = write(d, "s1", ts=NOW - 1000, completed=True)
    os.utime(path, (OLD + 5, OLD + 5))
    assert kept(d, root, cache) is None
    after = answer(d, root, cache)
    assert after == answer(d, root, None) and "s1" not in [o["session_id"] for o in json.loads(after)]


def test_a_dismissal_is_seen(world, tmp_path):
    d, root, cache = world
    answer(d, root, cache)
    state = str(tmp_path / "state")
    record = next(s for s in _store_sessions(root) if s.session_id == "cccccccccccc")
    dismissed.dismiss(state, [record], 0)
    gone = dismissed.load(state)
    assert kept(d, root, cache, gone=gone) is None
    after = answer(d, root, cache, gone=gone)
    assert after == answer(d, root, None, gone=gone) and "cccccccccccc" not in after.decode()
    assert kept(d, root, cache, gone=gone) == after


def test_no_recovery_directory_and_store_only(world):
    d, root, cache = world
    missing = d.parent / "no-recovery"
    first = answer(missing, root, cache)
    assert [o["source"] for o in json.loads(first)] == ["opendev", "opendev"]
    assert kept(missing, root, cache) == first
    only = answer(d, root, cache, snapshots=False)
    assert kept(d, root, cache, snapshots=False) == only == answer(d, root, None, snapshots=False)
    missing.mkdir()  # an empty recovery directory now: the same answer, kept again
    assert kept(missing, root, cache) is None
    assert answer(missing, root, cache) == first
    assert kept(missing, root, cache) == first
    write(missing, "new", ts=NOW)
    assert kept(missing, root, cache) is None


@pytest.mark.parametrize(("kind", "needle"), [("merged-*.answer", b'"session_id": "cccccccccccc"'),
                                               ("*.pieces", b'"session_id": "s1"')])
def test_a_damaged_kept_answer_is_never_served(world, kind, needle):
    """A store session's bytes are in the kept file; a snapshot's, in the ``.pieces`` file
    its recipe refers to: a flipped byte in either, and nothing kept is served."""
    d, root, cache = world
    first = answer(d, root, cache)
    assert kept(d, root, cache) == first
    (path,) = Path(cache, "index").glob(kind)
    data = bytearray(path.read_bytes())
    data[data.index(needle) + len(needle) - 2] ^= 0x20
    st = path.stat()
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # the same size and time: only a checksum tells
    assert kept(d, root, cache) is None
    assert answer(d, root, cache) == first


def test_the_kept_file_holds_the_store_sessions_not_the_snapshots(world):
    """The snapshots' part of the answer stays in the ``.pieces`` file: the kept file holds
    the recipe, the store's sessions and the prints, and is smaller than the answer."""
    d, root, cache = world
    for i in range(40):
        write(d, f"more{i:02d}", ts=NOW - 5000 - i)
    for path in d.iterdir():
        os.utime(path, (OLD, OLD))
    first = answer(d, root, cache)
    (path,) = Path(cache, "index").glob("merged-*.answer")
    data = path.read_bytes()
    assert b'"session_id": "cccccccccccc"' in data and b'"session_id": "more07"' not in data
    assert len(data) < len(first) / 2
    assert kept(d, root, cache) == first


def test_a_store_written_just_now_is_not_kept(world):
    """A session being written this very second could change again without its
    stat showing it: no answer is kept until it has settled."""
    d, root, cache = world
    (log,) = root.rglob("cccccccccccc.debug")
    os.utime(log)  # now
    answer(d, root, cache)
    assert kept(d, root, cache) is None


@pytest.mark.parametrize("store_read", ["in a helper", "here", "store only (made in memory)"])
def test_a_store_change_made_while_it_is_read_is_seen_next_time(world, monkeypatch, store_read):
    """The store's fingerprint is taken before it is read: a log appended to while the
    store is read (after that session was read) makes the kept answer stale, and it is
    not served."""
    from snaptui.base import twoproc
    from snaptui.catalog import store_survey

    d, root, cache = world
    if store_read == "here":
        monkeypatch.setattr(twoproc, "alone", lambda: False)
    (log,) = root.rglob("cccccccccccc.debug")
    real = store_survey.survey_store

    def then_appended(*args, **kwargs):
        got = real(*args, **kwargs)
        with open(log, "a") as f:
            f.write("\n")
        os.utime(log, (OLD + 60, OLD + 60))  # settled: only its size tells
        return got

    snapshots = not store_read.startswith("store only")
    monkeypatch.setattr(store_survey, "survey_store", then_appended)
    answer(d, root, cache, snapshots=snapshots)
    monkeypatch.setattr(store_survey, "survey_store", real)
    assert kept(d, root, cache, snapshots=snapshots) is None
    assert answer(d, root, cache, snapshots=snapshots) == answer(d, root, None, snapshots=snapshots)
    assert kept(d, root, cache, snapshots=snapshots) is not None


def test_the_command_line_answers_the_same(world, cli, tmp_path):
    d, root, _ = world
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    runs = [cli("list", "--json", "--dir", str(d), "--store", str(root), env=env) for _ in range(3)]
    assert all(r.code == 0 and r.err == "" for r in runs)
    assert runs[0].stdout_bytes == runs[1].stdout_bytes == runs[2].stdout_bytes == answer(d, root, None)
    assert list(Path(tmp_path, "xdg", "snaptui", "index").glob("merged-*.answer"))


def _store_sessions(root):
    from snaptui.catalog.store_survey import survey_store

    return survey_store(store_roots(str(root)), None).sessions


def test_json_parts_hands_out_the_kept_answer_as_ranges_of_files(world):
    d, root, cache = world
    first = answer(d, root, cache)
    got = json_parts(str(d), cache, everything=False, store_roots=store_roots(str(root)))
    assert isinstance(got, pieces.Spliced) and any(isinstance(p, pieces.Span) for p in got.parts)
    try:
        assert got.read() == first
    finally:
        got.close()


def test_a_snapshot_change_seen_first_by_a_run_without_the_store_is_seen(world):
    """``list --json --source snapshot`` lays the recovery directory's answer out again
    after a change; the kept merged answer, made before it, must not pass for new."""
    d, root, cache = world
    answer(d, root, cache)
    path = write(d, "s1", ts=NOW - 1000, completed=True)
    os.utime(path, (OLD + 5, OLD + 5))
    json_output(str(d), cache, everything=False)  # the pieces file now matches the directory
    laid_out = pieces.unchanged_answer(pieces.base_path(cache, str(d)), os.path.realpath(d), str(d))
    assert laid_out is not None
    laid_out.close()
    assert kept(d, root, cache) is None
    assert answer(d, root, cache) == answer(d, root, None)


@pytest.mark.parametrize("bend", ["a range before the answer", "a range past its end", "a negative size",
                                  "a size that is not an integer", "a part of no known kind",
                                  "a recipe that is not a list", "another .pieces file"])
def test_a_recipe_that_does_not_fit_its_pieces_file_is_never_served(world, bend):
    """A kept file whose checksum holds but whose recipe points outside the ``.pieces``
    answer (or at another file) is not served: only the answer's own bytes may go out."""
    import marshal
    import zlib

    d, root, cache = world
    first = answer(d, root, cache)
    (path,) = Path(cache, "index").glob("merged-*.answer")
    data = path.read_bytes()
    size = int.from_bytes(data[12:20], "little")
    owner, printed, store, gone, source, recipe = marshal.loads(data[20 : 20 + size])
    spans = [i for i, part in enumerate(recipe) if isinstance(part, tuple)]
    assert source is not None and spans
    i = spans[0]
    offset, length = recipe[i]
    if bend == "a range before the answer":
        recipe[i] = (source[4] - 1, length)  # source: ..., the answer's offset, its size
    elif bend == "a range past its end":
        recipe[i] = (offset, source[5] + 1)
    elif bend == "a negative size":
        recipe[i] = (offset, -1)
    elif bend == "a size that is not an integer":
        recipe[i] = (offset, length + 0.5)
    elif bend == "a part of no known kind":
        recipe[i] = [offset, length]
    elif bend == "a recipe that is not a list":
        recipe = 5
    else:
        source = (*source[:1], source[1] + 1, *source[2:])
    body = marshal.dumps((owner, printed, store, gone, source, recipe), 2)
    path.write_bytes(data[:8] + zlib.crc32(body).to_bytes(4, "little") + len(body).to_bytes(8, "little") + body)
    fds = len(os.listdir("/proc/self/fd"))
    assert kept(d, root, cache) is None
    assert len(os.listdir("/proc/self/fd")) == fds  # nothing left open
    assert answer(d, root, cache) == first


def test_an_answer_made_in_memory_beside_snapshots_is_not_kept(world, monkeypatch):
    """Where the answer cannot be streamed (no scratch file; a store session that came in
    meanwhile) it is made in memory: it is not copied into a kept file (hundreds of MB at
    100,000 snapshots), and the next run streams it."""
    from snaptui.catalog import answer as streaming

    d, root, cache = world
    expected = answer(d, root, None)
    with monkeypatch.context() as m:
        m.setattr(streaming, "streamed", lambda *a, **k: None)
        assert answer(d, root, cache) == expected
        assert not list(Path(cache, "index").glob("merged-*.answer"))
    assert answer(d, root, cache) == expected
    assert kept(d, root, cache) == expected
