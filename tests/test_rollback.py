"""Rolling back the interrupted turn, and undoing that: what ends up on disk.

Every test fingerprints the tree: the project must end up byte for byte as
expected, and nothing outside the project and the trash may change at all
(opendev's own checkpoints included).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from filehistory_fixtures import SID, World
from snaptui.actions import rollback, rollbackbatch
from snaptui.actions.rollback import (
    Refused,
    RollbackError,
    apply,
    list_batches,
    plan,
    undo,
)
from snaptui.base import atomic
from snaptui.sources.filehistory import find_changes


def fingerprint(top: Path, *, skip: tuple[Path, ...] = (), times: bool = True) -> dict[str, tuple]:
    """Everything under ``top``: kind, mode, contents (and mtimes) of files, symlink targets.
    Folders count by their presence and mode only (temp files come and go in them)."""
    out: dict[str, tuple] = {}
    skipped = {str(p) for p in skip}
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.join(folder, d) not in skipped]
        for name in dirs + files:
            path = os.path.join(folder, name)
            if path in skipped:
                continue
            st = os.lstat(path)
            rel = os.path.relpath(path, top)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st.st_mode))
            else:
                data = Path(path).read_bytes()
                out[rel] = ("file", stat.S_IMODE(st.st_mode), hashlib.sha256(data).hexdigest(),
                            st.st_mtime_ns if times else 0)
    return out


def contents(top: Path) -> dict[str, bytes]:
    return {str(p.relative_to(top)): p.read_bytes() for p in sorted(top.rglob("*")) if p.is_file()}


@pytest.fixture
def world(tmp_path) -> World:
    return World(tmp_path)


@pytest.fixture
def trash(tmp_path) -> Path:
    return tmp_path / "state" / "rollback-trash"


def crashed_turn(world: World) -> dict[str, bytes]:
    """A finished turn, then an interrupted one that modifies, creates and deletes;
    returns the project as it was when the interrupted turn began."""
    world.file("src/config.rs", b"fn load() {}\n")
    world.file("run.sh", b"#!/bin/sh\necho hi\n")
    os.chmod(world.project / "run.sh", 0o750)
    world.file("docs/old.md", b"# Old\n")
    os.chmod(world.project / "docs/old.md", 0o640)
    od = world.opendev()
    od.begin_turn()
    od.edit("src/config.rs", b"load()", b"load(s: &str)")
    od.end_turn()
    before_turn = contents(world.project)
    world.started_ms = od.begin_turn()
    od.edit("src/config.rs", b"{}", b"{ parse(s) }")
    od.edit("run.sh", b"hi", b"bye")
    od.write("src/new.rs", b"pub fn new() {}\n")
    od.write("docs/old.md", b"")
    os.unlink(world.project / "docs/old.md")
    return before_turn


PATHS = ("src/config.rs", "run.sh", "src/new.rs", "docs/old.md")


def test_rollback_then_undo_gives_back_the_exact_bytes(world, trash, tmp_path):
    before_turn = crashed_turn(world)
    after_crash = fingerprint(world.project, times=False)
    outside = fingerprint(tmp_path, skip=(world.project, trash.parent))
    found = world.find(*PATHS)
    new_inode = os.stat(world.project / "src/new.rs").st_ino
    p = plan(found.changes, str(world.project), session_id=SID)
    assert [(s.change.relative, s.action, s.refused) for s in p.steps] == [
        ("src/config.rs", "restore", None), ("run.sh", "restore", None),
        ("src/new.rs", "remove", None), ("docs/old.md", "recreate", None)]

    batch = apply(p, str(trash), session_may_be_running=False)

    assert contents(world.project) == before_turn
    assert stat.S_IMODE(os.stat(world.project / "run.sh").st_mode) == 0o750  # the file's mode is kept
    assert stat.S_IMODE(os.stat(world.project / "docs/old.md").st_mode) == 0o640  # the backup's mode
    assert fingerprint(tmp_path, skip=(world.project, trash.parent)) == outside
    assert [b.name for b in list_batches(str(trash))] == [batch.name]
    assert not [n for n in os.listdir(world.project / "src") if n.startswith(".")]  # no temp file left

    doc = json.loads((Path(batch.path) / "batch.json").read_text())
    assert doc["root"] == str(world.project) and doc["session_id"] == SID
    by_rel = {e["relative"]: e for e in doc["entries"]}
    assert {r: e["did"] for r, e in by_rel.items()} == {
        "src/config.rs": "restored", "run.sh": "restored", "src/new.rs": "removed", "docs/old.md": "recreated"}
    new = by_rel["src/new.rs"]
    assert new["path"] == str(world.project / "src/new.rs") and new["after_sha256"] is None
    assert (Path(batch.path) / new["stored"]).read_bytes() == b"pub fn new() {}\n"
    assert os.stat(Path(batch.path) / new["stored"]).st_ino == new_inode  # moved (one file system), not copied
    assert new["sha256"] == hashlib.sha256(b"pub fn new() {}\n").hexdigest() and new["size"] == 16
    cfg = by_rel["src/config.rs"]
    assert (Path(batch.path) / cfg["stored"]).read_bytes() == b"fn load(s: &str) { parse(s) }\n"
    assert cfg["after_sha256"] == hashlib.sha256(b"fn load(s: &str) {}\n").hexdigest()
    assert by_rel["docs/old.md"]["stored"] is None

    assert sorted(undo(batch.path)) == sorted(str(world.project / p) for p in PATHS)
    assert fingerprint(world.project, times=False) == after_crash
    assert fingerprint(tmp_path, skip=(world.project, trash.parent)) == outside
    assert list_batches(str(trash)) == [] and not os.path.exists(batch.path)


def test_unknown_files_are_left_alone(world, trash):
    crashed_turn(world)
    (world.project / "notes.txt").write_text("mine\n")  # named by the turn, no backup, older than it
    os.utime(world.project / "notes.txt", (1, 1))
    found = world.find(*PATHS, "notes.txt")
    p = plan(found.changes, str(world.project))
    assert [path for path, _ in p.untouched] == [str(world.project / "notes.txt")]
    apply(p, str(trash), session_may_be_running=False)
    assert (world.project / "notes.txt").read_text() == "mine\n"


def test_a_running_session_is_refused(world, trash, tmp_path):
    crashed_turn(world)
    p = plan(world.find(*PATHS).changes, str(world.project))
    everything = fingerprint(tmp_path)
    with pytest.raises(Refused, match="may still be running"):
        apply(p, str(trash), session_may_be_running=True)
    assert fingerprint(tmp_path) == everything


# --------------------------------------------------------------------------
# Never outside the project
# --------------------------------------------------------------------------


def nothing_changed_when_refused(world: World, trash: Path, tmp_path: Path, p: rollback.Plan, words: str) -> None:
    """Refused: not one byte, mode or mtime changed anywhere; at most snaptui's (empty) trash folder was made."""
    everything = fingerprint(tmp_path, skip=(trash.parent,))
    with pytest.raises(Refused, match=words):
        apply(p, str(trash), session_may_be_running=False)
    assert fingerprint(tmp_path, skip=(trash.parent,)) == everything
    assert list_batches(str(trash)) == [] and (not trash.exists() or os.listdir(trash) == [])


def test_a_symlinked_folder_leading_out_of_the_project_is_refused(world, trash, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.rs").write_bytes(b"outside\n")
    os.symlink(elsewhere, world.project / "lib")
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.write("lib/a.rs", b"changed through the link\n")
    found = world.find("lib/a.rs")
    assert found.changes[0].change == "modified"
    p = plan(found.changes, str(world.project))
    assert p.refused[0].refused == "goes through a symlink (lib); rollback never writes through one"
    nothing_changed_when_refused(world, trash, tmp_path, p, "goes through a symlink")
    assert (elsewhere / "a.rs").read_bytes() == b"changed through the link\n"


def test_a_file_that_is_a_symlink_is_refused(world, trash, tmp_path):
    (tmp_path / "target.txt").write_bytes(b"t\n")
    os.symlink(tmp_path / "target.txt", world.project / "link.txt")
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.write("link.txt", b"T\n")
    p = plan(world.find("link.txt").changes, str(world.project))
    assert p.refused[0].refused == "is a symlink; rollback never writes through one"
    nothing_changed_when_refused(world, trash, tmp_path, p, "is a symlink")


@pytest.mark.parametrize("given, words", [("../outside.txt", "leaves the project folder through '..'"),
                                          ("src/../../outside.txt", "leaves the project folder through '..'")])
def test_dot_dot_out_of_the_project_is_refused(world, trash, tmp_path, given, words):
    (tmp_path / "outside.txt").write_bytes(b"o\n")
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.write(given, b"O\n")
    p = plan(world.find(given).changes, str(world.project))
    assert p.refused[0].refused == words
    nothing_changed_when_refused(world, trash, tmp_path, p, "through '..'")


def test_an_absolute_path_outside_the_project_is_refused(world, trash, tmp_path):
    (tmp_path / "bashrc").write_bytes(b"alias ls=ls\n")
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.write(str(tmp_path / "bashrc"), b"alias ls=rm\n")
    p = plan(world.find(str(tmp_path / "bashrc")).changes, str(world.project))
    assert p.refused[0].refused == "outside the project folder"
    nothing_changed_when_refused(world, trash, tmp_path, p, "outside the project folder")


def test_dot_dot_that_stays_inside_is_fine(world, trash):
    world.file("src/a.rs", b"a\n")
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.write("src/../src/a.rs", b"A\n")
    p = plan(world.find("src/../src/a.rs").changes, str(world.project))
    assert p.steps[0].target == str(world.project / "src/a.rs") and not p.refused
    apply(p, str(trash), session_may_be_running=False)
    assert (world.project / "src/a.rs").read_bytes() == b"a\n"


def test_a_project_folder_that_is_a_symlink_is_resolved_once(world, trash, tmp_path):
    world.file("src/a.rs", b"a\n")
    link = tmp_path / "app-link"
    os.symlink(world.project, link)
    od = type(world.opendev())(world.data, SID, str(link))  # opendev started in the linked folder
    started = od.begin_turn()
    od.write("src/a.rs", b"A\n")
    found = find_changes(str(world.data), SID, str(link), ["src/a.rs"], started)
    p = plan(found.changes, str(link))
    assert p.root == str(world.project) and p.steps[0].target == str(world.project / "src/a.rs")
    batch = apply(p, str(trash), session_may_be_running=False)
    assert (world.project / "src/a.rs").read_bytes() == b"a\n" and os.path.islink(link)
    undo(batch.path)
    assert (world.project / "src/a.rs").read_bytes() == b"A\n"


def test_a_symlinked_trash_folder_is_refused(world, tmp_path):
    crashed_turn(world)
    real = tmp_path / "real-trash"
    real.mkdir()
    os.symlink(real, tmp_path / "trash-link")
    p = plan(world.find(*PATHS).changes, str(world.project))
    everything = fingerprint(tmp_path)
    with pytest.raises(Refused, match="not a real folder"):
        apply(p, str(tmp_path / "trash-link"), session_may_be_running=False)
    assert fingerprint(tmp_path) == everything


# --------------------------------------------------------------------------
# Anything changed since it was looked at: stop before the first change
# --------------------------------------------------------------------------


def test_a_file_changed_after_it_was_looked_at_stops_everything(world, trash, tmp_path):
    crashed_turn(world)
    p = plan(world.find(*PATHS).changes, str(world.project))
    (world.project / "run.sh").write_bytes(b"#!/bin/sh\necho edited meanwhile\n")  # the 2nd of 4 steps
    nothing_changed_when_refused(world, trash, tmp_path, p, "run.sh changed since it was looked at")


def test_a_same_size_rewrite_is_caught_by_the_hash(world, trash, tmp_path):
    crashed_turn(world)
    p = plan(world.find(*PATHS).changes, str(world.project))
    target = world.project / "src/config.rs"
    st = os.stat(target)
    data = target.read_bytes()
    target.write_bytes(data.upper())  # same size
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the same mtime: only the bytes tell
    # Same inode, size and mtime: the identity alone cannot see it, the hash does.
    nothing_changed_when_refused(world, trash, tmp_path, p, "config.rs changed since it was looked at")


def test_a_created_file_removed_meanwhile_stops_everything(world, trash, tmp_path):
    crashed_turn(world)
    p = plan(world.find(*PATHS).changes, str(world.project))
    os.unlink(world.project / "src/new.rs")
    nothing_changed_when_refused(world, trash, tmp_path, p, "new.rs changed since it was looked at")


def test_a_deleted_file_that_came_back_stops_everything(world, trash, tmp_path):
    crashed_turn(world)
    p = plan(world.find(*PATHS).changes, str(world.project))
    world.file("docs/old.md", b"# Rewritten by hand\n")
    nothing_changed_when_refused(world, trash, tmp_path, p, "old.md exists again")


def test_a_backup_changed_meanwhile_stops_everything(world, trash, tmp_path):
    crashed_turn(world)
    found = world.find(*PATHS)
    p = plan(found.changes, str(world.project))
    backup = Path(found.changes[1].backup or "")
    backup.write_bytes(b"#!/bin/sh\necho overwritten by a resumed opendev\n")
    nothing_changed_when_refused(world, trash, tmp_path, p, "its backup .* changed since it was looked at")


def test_a_change_during_preparation_stops_everything(world, trash, tmp_path, monkeypatch):
    crashed_turn(world)
    p = plan(world.find(*PATHS).changes, str(world.project))
    real = atomic.write_atomic

    def meanwhile(path, data, **kw):  # batch.json is written after every check, before the last look
        (world.project / "src/config.rs").write_bytes(b"typed by the person just now\n")
        return real(path, data, **kw)

    monkeypatch.setattr(rollback, "write_atomic", meanwhile)
    everything = fingerprint(tmp_path, skip=(trash.parent,))
    with pytest.raises(Refused, match="config.rs changed while the rollback was being prepared"):
        apply(p, str(trash), session_may_be_running=False)
    after = fingerprint(tmp_path, skip=(trash.parent,))
    everything["my-app/src/config.rs"] = after["my-app/src/config.rs"]
    assert after == everything  # nothing but the person's own edit
    assert list_batches(str(trash)) == []


def test_a_failure_part_way_puts_back_what_was_done(world, trash, tmp_path, monkeypatch):
    crashed_turn(world)
    p = plan(world.find(*PATHS).changes, str(world.project))
    everything = fingerprint(tmp_path, skip=(trash.parent,), times=False)

    real = rollbackbatch.link_no_replace

    def broken(temp, name, parent):  # the last step (recreating docs/old.md) fails
        if name == "old.md":
            raise OSError(errno.EIO, "Input/output error")
        return real(temp, name, parent)

    monkeypatch.setattr(rollbackbatch, "link_no_replace", broken)
    with pytest.raises(RollbackError, match="stopped part-way .*were put back$"):
        apply(p, str(trash), session_may_be_running=False)
    assert fingerprint(tmp_path, skip=(trash.parent,), times=False) == everything
    assert list_batches(str(trash)) == [] and os.listdir(trash) == []  # no undo offered of what was undone


def test_a_rollback_killed_before_it_changed_anything_leaves_no_batch_to_undo(world, trash, monkeypatch):
    """Killed (SIGKILL) while it copied the files: a batch folder without its batch.json. It is
    not offered to restore, and the next rollback clears it once it is an hour old."""
    crashed_turn(world)
    trash.mkdir(parents=True, exist_ok=True)
    old, recent = trash / "1000-0123abcd", trash / f"{10**13}-0123abcd"
    for folder in (old, recent):
        folder.mkdir()
        (folder / "0000-config.rs").write_bytes(b"a copy")
    assert list_batches(str(trash)) == []
    batch = apply(plan(world.find(*PATHS).changes, str(world.project)), str(trash), session_may_be_running=False)
    assert not old.exists() and recent.exists()  # (one under way is not touched)
    assert [b.name for b in list_batches(str(trash))] == [batch.name]


# --------------------------------------------------------------------------
# Undo
# --------------------------------------------------------------------------


@pytest.mark.parametrize("meddle, words", [
    (lambda w: (w.project / "src/config.rs").write_bytes(b"edited after the rollback\n"),
     "config.rs changed after the rollback"),
    (lambda w: w.file("src/new.rs", b"made again\n"), "new.rs was created again after the rollback"),
])
def test_undo_refuses_when_a_file_changed_after_the_rollback(world, trash, tmp_path, meddle, words):
    crashed_turn(world)
    batch = apply(plan(world.find(*PATHS).changes, str(world.project)), str(trash), session_may_be_running=False)
    meddle(world)
    everything = fingerprint(tmp_path)
    with pytest.raises(Refused, match=words):
        undo(batch.path)
    assert fingerprint(tmp_path) == everything  # the project, and the batch, as they were


def test_a_file_already_as_before_the_rollback_is_left_and_the_rest_put_back(world, trash):
    """The rollback made docs/old.md again (the lost turn had deleted it); removed since, it is
    as it was before the rollback: the undo leaves it so, and puts the others back."""
    crashed_turn(world)
    after_crash = contents(world.project)
    batch = apply(plan(world.find(*PATHS).changes, str(world.project)), str(trash), session_may_be_running=False)
    os.unlink(world.project / "docs/old.md")
    undo(batch.path)
    assert contents(world.project) == after_crash and not os.path.exists(batch.path)


def test_undo_refuses_a_damaged_saved_copy(world, trash, tmp_path):
    crashed_turn(world)
    batch = apply(plan(world.find(*PATHS).changes, str(world.project)), str(trash), session_may_be_running=False)
    stored = next(e.stored for e in batch.entries if e.did == "restored")
    (Path(batch.path) / (stored or "")).write_bytes(b"bit rot\n")
    everything = fingerprint(tmp_path)
    with pytest.raises(Refused, match="saved copy of .* is missing or damaged"):
        undo(batch.path)
    assert fingerprint(tmp_path) == everything


def test_a_damaged_batch_is_listed_with_its_problem_and_not_undone(world, trash):
    crashed_turn(world)
    batch = apply(plan(world.find(*PATHS).changes, str(world.project)), str(trash), session_may_be_running=False)
    (Path(batch.path) / "batch.json").write_text('{"version": 1, "entries": [{"path": "../../etc/passwd"}]}')
    listed = list_batches(str(trash))
    assert len(listed) == 1 and listed[0].problem and "damaged" in listed[0].problem
    with pytest.raises(Refused, match="damaged"):
        undo(batch.path)


def test_batches_are_listed_newest_first(world, trash):
    world.file("a.txt", b"1\n")
    world.file("b.txt", b"1\n")
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.write("a.txt", b"2\n")
    od.write("b.txt", b"2\n")
    found = world.find("a.txt", "b.txt")
    first = apply(plan(found.changes[:1], str(world.project)), str(trash), session_may_be_running=False,
                  clock=lambda: 1_000)
    second = apply(plan(found.changes[1:], str(world.project)), str(trash), session_may_be_running=False,
                   clock=lambda: 2_000)
    assert [b.name for b in list_batches(str(trash))] == [second.name, first.name]
    assert first.name.startswith("1000-") and len(first.name) == len("1000-") + 8


# --------------------------------------------------------------------------
# Big, binary, across file systems
# --------------------------------------------------------------------------


def test_binary_and_oversize_files_roll_back_by_copying(world, trash):
    big_before = os.urandom(300_000)
    world.file("blob.bin", b"\0\1\2" * 10)
    world.file("big.txt", big_before)
    od = world.opendev()
    world.started_ms = od.begin_turn()
    od.write("blob.bin", b"\0\x09" * 7)
    od.write("big.txt", big_before[::-1])
    found = world.find("blob.bin", "big.txt", diff_limit=1000)
    assert [c.change for c in found.changes] == ["modified", "modified"]
    assert found.changes[1].current and found.changes[1].current.data is None  # too large to diff
    batch = apply(plan(found.changes, str(world.project)), str(trash), session_may_be_running=False)
    assert (world.project / "blob.bin").read_bytes() == b"\0\1\2" * 10
    assert (world.project / "big.txt").read_bytes() == big_before
    undo(batch.path)
    assert (world.project / "big.txt").read_bytes() == big_before[::-1]


def test_moving_a_created_file_across_file_systems_copies_it(world, trash, tmp_path, monkeypatch):
    crashed_turn(world)
    after_crash = fingerprint(world.project, times=False)
    outside = fingerprint(tmp_path, skip=(world.project, trash.parent))
    real_rename = os.rename
    crossings = []

    def rename(src, dst, *, src_dir_fd=None, dst_dir_fd=None):
        if src_dir_fd is not None and dst_dir_fd is not None and src_dir_fd != dst_dir_fd:
            crossings.append(src)
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_rename(src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    monkeypatch.setattr(os, "rename", rename)
    batch = apply(plan(world.find(*PATHS).changes, str(world.project)), str(trash), session_may_be_running=False)
    assert crossings == ["new.rs"]
    assert not (world.project / "src/new.rs").exists()
    assert sorted(os.listdir(batch.path)) == ["0000-config.rs", "0001-run.sh", "0002-new.rs", "batch.json"]
    undo(batch.path)
    assert fingerprint(world.project, times=False) == after_crash
    assert fingerprint(tmp_path, skip=(world.project, trash.parent)) == outside


@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="no second file system at hand")
def test_a_trash_on_another_file_system(world, tmp_path):
    import tempfile

    with tempfile.TemporaryDirectory(dir="/dev/shm") as other:
        if os.stat(other).st_dev == os.stat(tmp_path).st_dev:
            pytest.skip("/dev/shm is on the same file system here")
        crashed_turn(world)
        after_crash = fingerprint(world.project, times=False)
        batch = apply(plan(world.find(*PATHS).changes, str(world.project)), os.path.join(other, "trash"),
                      session_may_be_running=False)
        assert not (world.project / "src/new.rs").exists()
        undo(batch.path)
        assert fingerprint(world.project, times=False) == after_crash


def test_two_spellings_of_one_target_are_refused_in_the_plan(world):
    crashed_turn(world)
    change = world.find("src/config.rs").changes[0]
    twin = change._replace(path=os.path.join(str(world.project), "src/./config.rs"))
    p = plan([change, twin], str(world.project))
    assert [s.refused for s in p.steps] == [None, "the same file as src/config.rs"]


def test_a_missing_project_folder_is_a_problem_of_the_plan(world, trash, tmp_path):
    crashed_turn(world)
    changes = world.find(*PATHS).changes
    p = plan(changes, str(tmp_path / "gone"))
    assert p.problem and "cannot be used" in p.problem and p.steps == ()
    with pytest.raises(Refused, match="cannot be used"):
        apply(p, str(trash), session_may_be_running=False)


def test_undo_refuses_a_batch_pointing_elsewhere(world, trash, tmp_path):
    crashed_turn(world)
    batch = apply(plan(world.find(*PATHS).changes, str(world.project)), str(trash), session_may_be_running=False)
    doc = json.loads((Path(batch.path) / "batch.json").read_text())
    doc["root"] = "/"
    (Path(batch.path) / "batch.json").write_text(json.dumps(doc))
    everything = fingerprint(tmp_path)
    with pytest.raises(Refused, match="not a real folder path"):
        undo(batch.path)
    assert fingerprint(tmp_path) == everything



@pytest.mark.parametrize("stop_after", [1, 3])
def test_an_undo_stopped_part_way_finishes_when_run_again(world, trash, monkeypatch, stop_after):
    """Stopped part-way (an error, or a signal), the undo says so and keeps the batch; run
    again, it puts back the rest (the files it already put back are as before the rollback,
    which it used to call 'changed after the rollback')."""
    from snaptui.actions import rollbackbatch

    crashed_turn(world)
    after_crash = contents(world.project)
    batch = apply(plan(world.find(*PATHS).changes, str(world.project)), str(trash), session_may_be_running=False)
    real = rollbackbatch.put_back
    calls = []

    def fails_later(e, *a, **kw):
        calls.append(e.relative)
        if len(calls) > stop_after:
            raise OSError(1, "Operation not permitted")
        return real(e, *a, **kw)

    monkeypatch.setattr(rollbackbatch, "put_back", fails_later)
    with pytest.raises(RollbackError, match=f"after putting back {stop_after} of 4 files.*undo it again"):
        undo(batch.path)
    monkeypatch.setattr(rollbackbatch, "put_back", real)
    undo(batch.path)
    assert contents(world.project) == after_crash and not os.path.exists(batch.path)


def test_a_rollback_killed_part_way_is_undone_and_its_temp_files_swept(world, trash, monkeypatch):
    """A rollback killed (SIGKILL) after its batch was written and some files changed: the undo
    puts back what it changed, takes the files it never reached as they are, and removes the
    temp files the dead process left beside them."""
    import subprocess
    import sys

    from snaptui.actions import rollback as rollback_module

    crashed_turn(world)
    after_crash = contents(world.project)
    p = plan(world.find(*PATHS).changes, str(world.project))
    real = rollback_module.rb.move_out

    def killed(*a, **kw):  # the third step (src/new.rs is moved out): dies before it
        raise KeyboardInterrupt

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    monkeypatch.setattr(rollback_module.rb, "move_out", killed)
    monkeypatch.setattr(rollback_module, "_revert", lambda staged, fd: [])  # killed: nothing put back
    monkeypatch.setattr(rollback_module, "_drop_temps", lambda staged: None)  # nor its temps removed
    monkeypatch.setattr(rollback_module.shutil, "rmtree", lambda *a, **kw: None)  # nor its batch
    monkeypatch.setattr(os, "getpid", lambda: dead_pid)  # its temp files are a dead process's
    with pytest.raises(RollbackError):
        apply(p, str(trash), session_may_be_running=False)
    monkeypatch.undo()
    assert real is rollback_module.rb.move_out
    left = [n for n in os.listdir(world.project / "docs") if ".tmp." in n]
    assert left  # old.md's temp, never renamed
    [batch] = list_batches(str(trash))
    undo(batch.path)
    assert contents(world.project) == after_crash
    assert not [n for d in ("src", "docs", ".") for n in os.listdir(world.project / d) if ".tmp." in n]


@pytest.mark.parametrize("when", ["staging", "committing"])
def test_stop_from_another_thread_ends_a_rollback_with_every_file_as_it_was(world, trash, monkeypatch, when):
    """What SIGTERM or SIGHUP does to the TUI, whose rollbacks run in a worker thread: the
    rollback stops before its next file and puts back what it changed; stop() returns once it has."""
    import threading

    from snaptui.actions import rollback as rollback_module

    crashed_turn(world)
    after_crash = contents(world.project)
    p = plan(world.find(*PATHS).changes, str(world.project))
    second_step = threading.Event()
    go_on = threading.Event()
    real = rollback_module._go_on
    calls = []
    at = 2 if when == "staging" else len(PATHS) + 2  # before the second file of either phase

    def slow():
        calls.append(1)
        if len(calls) == at:
            second_step.set()
            go_on.wait(10)
        return real()

    monkeypatch.setattr(rollback_module, "_go_on", slow)
    monkeypatch.setattr(rollback_module, "_stop", threading.Event())  # this test's own
    failed = []
    worker = threading.Thread(target=lambda: failed.append(_raised(apply, p, str(trash), session_may_be_running=False)))
    worker.start()
    assert second_step.wait(10)
    stopper = threading.Thread(target=rollback_module.stop)
    stopper.start()
    go_on.set()
    stopper.join(10)
    worker.join(10)
    assert not stopper.is_alive() and not worker.is_alive()
    assert isinstance(failed[0], RollbackError)
    assert contents(world.project) == after_crash and list_batches(str(trash)) == []


def _raised(f, *a, **kw):
    try:
        f(*a, **kw)
    except BaseException as exc:  # noqa: BLE001 - what the thread ended with, for the test to look at
        return exc
    return None


def test_a_rollback_killed_while_preparing_leaves_nothing_once_the_next_one_runs(world, trash, monkeypatch):
    """Killed (SIGKILL) before its batch.json, a rollback changed nothing but left a temp copy
    beside each file it had prepared, and a batch with no way to undo it: the next rollback
    removes both (those of a process no longer running)."""
    import subprocess
    import sys

    from snaptui.actions import rollback as rollback_module

    before_turn = crashed_turn(world)
    p = plan(world.find(*PATHS).changes, str(world.project))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)

    def killed(*a, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(rollback_module.rb, "dumps", killed)  # after every temp was made, before batch.json
    monkeypatch.setattr(rollback_module, "_drop_temps", lambda staged: None)  # killed: nothing cleaned
    monkeypatch.setattr(rollback_module.shutil, "rmtree", lambda *a, **kw: None)
    monkeypatch.setattr(os, "getpid", lambda: dead_pid)
    with pytest.raises(KeyboardInterrupt):
        apply(p, str(trash), session_may_be_running=False)
    monkeypatch.undo()
    temps = [n for d in ("src", "docs", ".") for n in os.listdir(world.project / d) if ".tmp." in n]
    assert len(temps) == 3 and os.listdir(trash) and list_batches(str(trash)) == []
    apply(plan(world.find(*PATHS).changes, str(world.project)), str(trash), session_may_be_running=False)
    assert contents(world.project) == before_turn  # (no temp file left: contents lists hidden files too)
    assert len(os.listdir(trash)) == 1 and len(list_batches(str(trash))) == 1
