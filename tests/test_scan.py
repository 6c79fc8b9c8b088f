"""Scanning real directories: the reference's answer, damaged files, leftovers, the index."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest

from conftest import DATA
from helpers import NOW, write
from snaptui.catalog.cache import Cache
from snaptui.catalog.jsonlist import json_output
from snaptui.catalog.pieces import base_path
from snaptui.catalog.scan import scan
from snaptui.format import reader
from snaptui.sources.recovery import MAX_BYTES


def expected_incomplete():
    return json.loads((DATA / "seed-written.expected-incomplete.json").read_text())


def test_fixtures_give_the_reference_answer(fixture_dir):
    result = scan(str(fixture_dir))
    expected = expected_incomplete()
    got = [reader.parse(open(s.path, "rb").read()) for s in result.incomplete]
    assert got == expected
    assert (len(result.incomplete), len(result.completed), result.damaged, result.leftovers) == (32, 16, [], [])


def test_order_is_newest_first_with_ties_by_file_name(recovery):
    for sid in ("b", "a", "c"):
        write(recovery, sid, ts=NOW)
    write(recovery, "z", ts=NOW + 1)
    assert [s.session_id for s in scan(str(recovery)).incomplete] == ["z", "a", "b", "c"]


def test_every_json_file_counts_whatever_its_name(recovery):
    write(recovery, "x")
    os.rename(recovery / "x_session_snapshot.json", recovery / "renamed.json")
    (recovery / "notes.txt").write_text("not a snapshot")
    result = scan(str(recovery))
    assert [s.name for s in result.incomplete] == ["renamed.json"]


def test_missing_directory_is_empty_not_an_error(tmp_path):
    result = scan(str(tmp_path / "nope"))
    assert result.missing and result.sessions == []


def test_recovery_path_that_is_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    assert scan(str(tmp_path / "f")).error == "is not a directory"


def reasons(result) -> dict[str, str]:
    return {d.name: d.reason for d in result.damaged}


def test_damaged_files_are_listed_with_reasons(recovery):
    (recovery / "empty.json").write_bytes(b"")
    (recovery / "trunc.json").write_bytes(b'{"session_id": "x", ')
    (recovery / "array.json").write_bytes(b"[1, 2]")
    (recovery / "dir.json").mkdir()
    os.mkfifo(recovery / "fifo.json")
    os.symlink(recovery / "nowhere", recovery / "dangling.json")
    os.symlink(recovery / "loop.json", recovery / "loop.json")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(recovery / "sock.json"))
    with open(recovery / "huge.json", "wb") as f:
        f.truncate(2 * 1024**3)  # sparse: must be refused by its size, not read
    before = sorted(os.listdir(recovery))
    got = reasons(scan(str(recovery)))
    sock.close()
    assert got == {
        "empty.json": "empty file",
        "trunc.json": "not JSON: expecting property name enclosed in double quotes at line 1 column 21",
        "array.json": "snapshot as an array must have 7 elements, has 2",
        "dir.json": "not a regular file (a directory)",
        "fifo.json": "not a regular file (a FIFO)",
        "dangling.json": "dangling symlink (its target does not exist)",
        "loop.json": "symlink loop",
        "sock.json": "not a regular file (a socket)",
        "huge.json": "too large (2.0 GiB)",
    }
    assert sorted(os.listdir(recovery)) == before  # a scan changes nothing


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file(recovery):
    path = write(recovery, "x")
    path.chmod(0)
    assert reasons(scan(str(recovery))) == {path.name: "cannot be read: permission denied"}


def test_symlink_to_a_snapshot_elsewhere_is_read(recovery, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = write(elsewhere, "far")
    os.symlink(target, recovery / "link.json")
    (session,) = scan(str(recovery)).incomplete
    assert session.session_id == "far" and session.is_link


def test_leftovers_are_compared_with_the_file_beside_them(recovery):
    write(recovery, "a", ts=NOW)
    (recovery / "a_session_snapshot.json.tmp").write_bytes(
        (recovery / "a_session_snapshot.json").read_bytes().replace(str(NOW).encode(), str(NOW + 5).encode())
    )
    write(recovery, "b", ts=NOW)
    (recovery / "b_session_snapshot.json.tmp").write_bytes(b'{"trunc')
    same = (recovery / "a_session_snapshot.json").read_bytes()
    (recovery / "c_session_snapshot.json.tmp.123.1.abc").write_bytes(same)
    got = {lo.name: (lo.state, lo.target) for lo in scan(str(recovery)).leftovers}
    assert got == {
        "a_session_snapshot.json.tmp": ("newer", "a_session_snapshot.json"),
        "b_session_snapshot.json.tmp": ("damaged", "b_session_snapshot.json"),
        "c_session_snapshot.json.tmp.123.1.abc": ("orphan", "c_session_snapshot.json"),
    }


def test_max_bytes_is_generous_for_real_snapshots():
    assert MAX_BYTES >= 16 * 1024 * 1024


# -- the index -----------------------------------------------------------------


def as_dicts(result):
    return [(s.name, s.session_id, s.cost_usd, s.completed, s.last_tool, s.failures, s.tool_names)
            for s in result.sessions], reasons(result)


def test_index_gives_the_same_answer_and_is_used(fixture_dir, tmp_path):
    cache = str(tmp_path / "cache")
    cold = scan(str(fixture_dir), cache_dir=cache)
    warm = scan(str(fixture_dir), cache_dir=cache)
    assert as_dicts(cold) == as_dicts(warm)
    assert len(Cache(cache, str(fixture_dir))) == 48


def test_index_never_serves_a_replaced_file(recovery, tmp_path):
    cache = str(tmp_path / "cache")
    path = write(recovery, "a", cost=1.0)
    scan(str(recovery), cache_dir=cache)
    st = os.stat(path)
    # Replaced the way the reference saves (temp file + rename), same size, same mtime:
    write(recovery, "a", cost=2.0, age_s=None)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.path.getsize(path) == st.st_size
    assert [s.cost_usd for s in scan(str(recovery), cache_dir=cache).incomplete] == [2.0]


def test_index_never_serves_a_file_rewritten_in_place(recovery, tmp_path):
    cache = str(tmp_path / "cache")
    path = write(recovery, "a", cost=1.0)
    scan(str(recovery), cache_dir=cache)
    with open(path, "r+b") as f:  # same inode, same size
        data = f.read().replace(b'"cost_usd": 1.0', b'"cost_usd": 2.0')
        f.seek(0)
        f.write(data)
    assert [s.cost_usd for s in scan(str(recovery), cache_dir=cache).incomplete] == [2.0]


def test_recently_modified_files_are_not_indexed(recovery, tmp_path):
    cache = str(tmp_path / "cache")
    write(recovery, "fresh", age_s=None)
    scan(str(recovery), cache_dir=cache)
    assert len(Cache(cache, str(recovery))) == 0


def damage_file(path, damage, tmp_path):
    data = bytearray(open(path, "rb").read())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "garbage":
        data = bytearray(os.urandom(len(data)))
    elif damage == "flip":
        data[len(data) // 2] ^= 0x20
    elif damage == "empty":
        data = bytearray()
    open(path, "wb").write(data)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip", "empty", "other-dir"])
def test_a_broken_index_is_rebuilt_not_trusted(fixture_dir, tmp_path, damage):
    cache = str(tmp_path / "cache")
    good = as_dicts(scan(str(fixture_dir), cache_dir=cache))
    path = base_path(cache, str(fixture_dir)) + ".table"
    if damage == "other-dir":  # a table that belongs to another directory
        other = tmp_path / "other"
        other.mkdir()
        write(other, "stranger", cost=7.0)
        scan(str(other), cache_dir=cache)
        os.replace(base_path(cache, str(other)) + ".table", path)
    else:
        damage_file(path, damage, tmp_path)
    assert as_dicts(scan(str(fixture_dir), cache_dir=cache)) == good


# -- the list --json cache ----------------------------------------------------------


def listed(directory, cache, everything=False):
    return json.loads(json_output(str(directory), cache, everything=everything))


def test_json_cache_answers_the_same_and_follows_changes(fixture_dir, tmp_path):
    cache = str(tmp_path / "cache")
    cold = listed(fixture_dir, cache, everything=True)
    assert listed(fixture_dir, cache, everything=True) == cold
    assert listed(fixture_dir, None, everything=True) == cold
    victim = fixture_dir / "fe0f5e66-4082-47cf-9c9e-d10ccdf03977_session_snapshot.json"
    doc = json.loads(victim.read_text())
    doc["cost_usd"] = 99.5
    doc["completed"] = False
    victim.write_text(json.dumps(doc))  # in place: a new size and mtime
    changed = listed(fixture_dir, cache)
    assert [o for o in changed if o["session_id"] == doc["session_id"]][0]["cost_usd"] == 99.5
    victim.unlink()
    assert doc["session_id"] not in {o["session_id"] for o in listed(fixture_dir, cache)}


def test_a_file_rewritten_in_place_with_its_size_and_mtime_put_back_is_read_again(fixture_dir, tmp_path):
    """The cache knew a file by (mode, device, inode, size, mtime): rewritten in place, same
    size, its mtime put back (touch -r, a restore that keeps times), its old answer stayed.
    Its change time (ctime) cannot be put back."""
    cache = str(tmp_path / "cache")
    victim = sorted(fixture_dir.glob("*_session_snapshot.json"))[0]
    before = os.stat(victim)
    time.sleep(0.01)
    cold = listed(fixture_dir, cache, everything=True)
    assert listed(fixture_dir, cache, everything=True) == cold  # (the cache answers)
    data = victim.read_bytes()
    doc = json.loads(data)
    old_cost = json.dumps(doc["cost_usd"]).encode()
    new_cost = (b"9" * len(old_cost))[: len(old_cost)]
    assert data.count(b'"cost_usd": ' + old_cost) == 1
    with open(victim, "r+b") as f:  # in place: the same inode, the same size
        f.write(data.replace(b'"cost_usd": ' + old_cost, b'"cost_usd": ' + new_cost))
    os.utime(victim, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(victim)
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)
    warm = listed(fixture_dir, cache, everything=True)
    (got,) = [o for o in warm if o.get("path") == str(victim)]
    assert got["cost_usd"] == json.loads(new_cost) and warm == listed(fixture_dir, None, everything=True)


@pytest.mark.parametrize("part", [".table", ".pieces"])
@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip", "empty"])
def test_a_broken_json_cache_is_rebuilt_not_trusted(fixture_dir, tmp_path, damage, part):
    cache = str(tmp_path / "cache")
    good = listed(fixture_dir, cache, everything=True)
    plain = listed(fixture_dir, cache)
    damage_file(base_path(cache, str(fixture_dir)) + part, damage, tmp_path)
    assert listed(fixture_dir, cache, everything=True) == good
    damage_file(base_path(cache, str(fixture_dir)) + part, damage, tmp_path)
    assert listed(fixture_dir, cache) == plain


def test_early_result_comes_from_the_index_newest_first(fixture_dir, tmp_path):
    cache = str(tmp_path / "cache")
    full = scan(str(fixture_dir), cache_dir=cache)
    seen = []
    again = scan(str(fixture_dir), cache_dir=cache, early=seen.append, early_after=5)
    (partial,) = seen
    assert partial.partial and not again.partial
    newest = sorted(full.sessions, key=lambda s: -s.timestamp_ms)[:5]
    assert {s.name for s in partial.sessions} == {s.name for s in newest}
    assert [s.name for s in again.incomplete] == [s.name for s in full.incomplete]


def test_early_result_never_shows_a_changed_file(fixture_dir, tmp_path):
    cache = str(tmp_path / "cache")
    full = scan(str(fixture_dir), cache_dir=cache)
    newest = max(full.sessions, key=lambda s: s.timestamp_ms)
    os.unlink(newest.path)
    seen = []
    scan(str(fixture_dir), cache_dir=cache, early=seen.append, early_after=5)
    assert newest.name not in {s.name for s in seen[0].sessions}


@pytest.mark.parametrize("pattern", [[0, 1, 0, 1, 0], [0, 0, 0], [1, 1], [], [1, 0]])
def test_the_pieces_cache_lays_each_piece_where_its_header_says(tmp_path, pattern):
    """interrupted (0) and completed (1) sessions plus a damaged file: the cached
    answer is the answer, and every piece is the object of the file it names."""
    from snaptui.catalog import pieces

    d = tmp_path / "r"
    d.mkdir()
    for i, completed in enumerate(pattern):
        write(d, f"s{i}", ts=NOW - i * 1000, completed=bool(completed))
    (d / "bad.json").write_text("{")
    os.utime(d / "bad.json", (1e9, 1e9))
    cache = str(tmp_path / "cache")
    answer = json_output(str(d), cache, everything=False)
    laid = pieces.Pieces.load(base_path(cache, str(d)), os.path.realpath(d))
    assert laid.plain is not None and bytes(laid.blob[laid.plain[0]:laid.plain[1]]) == answer
    for name, (_, offset, length) in laid.layout.items():
        if offset >= 0:
            assert json.loads(bytes(laid.blob[offset:offset + length]))["path"] == str(d / name)
    assert json_output(str(d), cache, everything=False) == answer
