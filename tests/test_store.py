"""Discard, restore and purge on real files: nothing lost, nothing outside touched."""

from __future__ import annotations

import os

import pytest

from helpers import DAY, NOW, write
from snaptui.actions import purge as purging
from snaptui.actions import trash as store
from snaptui.base import clock
from snaptui.catalog.scan import scan
from snaptui.sources.recovery import TRASH_DIR

CLOCK = clock.fixed(NOW)


def sessions(directory, *ids):
    found = {s.session_id: s for s in scan(str(directory)).sessions}
    return [found[i] for i in ids]


def test_discard_moves_out_of_sight_and_restore_is_byte_for_byte(recovery):
    path = write(recovery, "a")
    before = path.read_bytes()
    st = os.stat(path)
    batch = store.discard(str(recovery), sessions(recovery, "a"), clock=CLOCK)[0]
    assert not path.exists()
    assert scan(str(recovery)).sessions == []  # out of the reference reader's sight
    assert [t.session_id for t in store.list_trash(str(recovery))] == ["a"]
    assert store.undo_batch(str(recovery), batch) == [path.name]
    assert path.read_bytes() == before and os.stat(path).st_mtime_ns == st.st_mtime_ns
    assert os.listdir(recovery / TRASH_DIR) == []


def test_restore_refuses_to_replace_a_newer_snapshot(recovery):
    write(recovery, "a", ts=NOW - DAY)
    store.discard(str(recovery), sessions(recovery, "a"), clock=CLOCK)
    newer = write(recovery, "a", ts=NOW)
    with pytest.raises(store.ActionError, match="newer"):
        store.restore(str(recovery), store.find_trashed(str(recovery), "a"), clock=CLOCK)
    assert sessions(recovery, "a")[0].timestamp_ms == NOW and newer.exists()


def test_restore_keeps_an_older_file_in_its_way_in_the_trash(recovery):
    write(recovery, "a", ts=NOW)
    store.discard(str(recovery), sessions(recovery, "a"), clock=CLOCK)
    write(recovery, "a", ts=NOW - DAY)
    restored = store.restore(str(recovery), store.find_trashed(str(recovery), "a"), clock=CLOCK)
    assert restored == ["a_session_snapshot.json"] and restored.aside == ["a_session_snapshot.json"]  # said
    assert sessions(recovery, "a")[0].timestamp_ms == NOW
    assert [t.timestamp_ms for t in store.list_trash(str(recovery))] == [NOW - DAY]


@pytest.mark.parametrize("in_the_way", ["directory", "damaged", "fifo", "symlink"])
def test_restore_refuses_what_is_not_an_older_snapshot_and_moves_nothing(recovery, tmp_path, in_the_way):
    """Only an older snapshot is moved out of the way (into the trash): a directory of the
    person's, a damaged file, a FIFO or a link there stays, and the restore is refused."""
    path = write(recovery, "a", ts=NOW)
    store.discard(str(recovery), sessions(recovery, "a"), clock=CLOCK)
    if in_the_way == "directory":
        path.mkdir()
        (path / "notes.txt").write_text("my precious notes")
    elif in_the_way == "damaged":
        path.write_text("damaged")
    elif in_the_way == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to(write(tmp_path, "a", ts=NOW - DAY))
    before = sorted(str(p.relative_to(recovery)) for p in recovery.rglob("*"))
    with pytest.raises(store.ActionError, match="in its place") as refused:
        store.restore(str(recovery), store.find_trashed(str(recovery), "a"), clock=CLOCK)
    assert "\n" not in str(refused.value)
    assert sorted(str(p.relative_to(recovery)) for p in recovery.rglob("*")) == before
    if in_the_way == "directory":
        assert (path / "notes.txt").read_text() == "my precious notes"


def test_two_restores_of_one_file_at_once_put_it_back_once(recovery, monkeypatch):
    """The second restore comes while the first has linked the file back and not yet unlinked
    it from the trash: it finishes that restore (it used to move the file aside as 'older',
    and the first then failed on the gone trash copy); the file is back once, the trash empty."""
    path = write(recovery, "a", ts=NOW)
    data = path.read_bytes()
    store.discard(str(recovery), sessions(recovery, "a"), clock=CLOCK)
    trashed = store.find_trashed(str(recovery), "a")
    real_unlink = os.unlink
    second: list[list[str]] = []

    started = []

    def unlink_after_a_second_restore(p, *a, **kw):
        if not started and str(p) == trashed[0].path:
            started.append(True)
            second.append(store.restore(str(recovery), trashed, clock=CLOCK))
        return real_unlink(p, *a, **kw)

    monkeypatch.setattr(os, "unlink", unlink_after_a_second_restore)
    first = store.restore(str(recovery), trashed, clock=CLOCK)
    assert first == ["a_session_snapshot.json"] and second == [["a_session_snapshot.json"]]
    assert path.read_bytes() == data and store.list_trash(str(recovery)) == []


def test_discarding_a_symlink_moves_the_link_not_its_target(recovery, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = write(outside, "far")
    content = target.read_bytes()
    os.symlink(target, recovery / "link.json")
    batch = store.discard(str(recovery), sessions(recovery, "far"), clock=CLOCK)[0]
    assert target.read_bytes() == content
    assert os.path.islink(recovery / TRASH_DIR / batch / "link.json")
    store.undo_batch(str(recovery), batch)
    assert os.path.islink(recovery / "link.json") and os.readlink(recovery / "link.json") == str(target)


def test_find_trashed_by_prefix_and_file_name(recovery):
    write(recovery, "3f2b9c1e-aaaa")
    store.discard(str(recovery), sessions(recovery, "3f2b9c1e-aaaa"), clock=CLOCK)
    assert [t.session_id for t in store.find_trashed(str(recovery), "3f2b")] == ["3f2b9c1e-aaaa"]
    assert len(store.find_trashed(str(recovery), "3f2b9c1e-aaaa_session_snapshot.json")) == 1
    assert store.find_trashed(str(recovery), "3f2") == []  # too short to be a prefix


def test_purge_plan_is_a_dry_run(recovery):
    old_incomplete = write(recovery, "old1", ts=NOW - 40 * DAY)
    write(recovery, "old2", ts=NOW - 35 * DAY, completed=True)
    write(recovery, "new", ts=NOW - DAY)
    (recovery / "bad.json").write_bytes(b"{")  # damaged: never purged
    plan = purging.plan_purge(str(recovery), 30 * DAY, trash_retention_ms=30 * DAY, clock=CLOCK)
    assert sorted(s.session_id for s in plan.sessions) == ["old1", "old2"]
    assert plan.incomplete == 1
    assert plan.bytes == old_incomplete.stat().st_size + (recovery / "old2_session_snapshot.json").stat().st_size
    assert len(os.listdir(recovery)) == 4  # nothing removed by planning
    done = purging.purge(plan, clock=CLOCK)
    assert done.removed == 2 and done.kept == []
    assert sorted(os.listdir(recovery)) == sorted(["new_session_snapshot.json", "bad.json", TRASH_DIR])


def test_purge_never_removes_a_file_rewritten_after_it_was_judged_old(recovery):
    write(recovery, "live", ts=NOW - 40 * DAY)
    plan = purging.plan_purge(str(recovery), 30 * DAY, trash_retention_ms=30 * DAY, clock=CLOCK)
    write(recovery, "live", ts=NOW, age_s=None)  # the session saved meanwhile
    done = purging.purge(plan, clock=CLOCK)
    assert done.removed == 0 and done.kept == ["live_session_snapshot.json"]
    assert sessions(recovery, "live")[0].timestamp_ms == NOW


def test_purge_empties_trash_past_its_retention(recovery):
    write(recovery, "a")
    store.discard(str(recovery), sessions(recovery, "a"), clock=clock.fixed(NOW - 31 * DAY))
    write(recovery, "b")
    store.discard(str(recovery), sessions(recovery, "b"), clock=clock.fixed(NOW - DAY))
    plan = purging.plan_purge(str(recovery), 365 * DAY, trash_retention_ms=30 * DAY, clock=CLOCK)
    assert plan.sessions == [] and plan.trash_files == 1
    done = purging.purge(plan, clock=CLOCK)
    assert done.trash_files == 1
    assert [t.session_id for t in store.list_trash(str(recovery))] == ["b"]


def test_purge_drops_empty_batches_an_interrupted_one_left_but_not_a_discard_s_just_made(recovery):
    write(recovery, "a")
    store.discard(str(recovery), sessions(recovery, "a"), clock=clock.fixed(NOW - 31 * DAY))
    left = recovery / TRASH_DIR / store.new_batch(str(recovery), NOW - DAY, prefix="")  # staging of a ^C'd purge
    fresh = recovery / TRASH_DIR / store.new_batch(str(recovery), NOW - 1000)  # a discard about to fill it
    assert left.is_dir() and fresh.is_dir()
    plan = purging.plan_purge(str(recovery), 365 * DAY, trash_retention_ms=30 * DAY, clock=CLOCK)
    purging.purge(plan, clock=CLOCK)
    assert not left.exists() and fresh.is_dir()
    assert sorted(os.listdir(recovery / TRASH_DIR)) == [fresh.name]


def test_write_all_puts_every_piece_through_a_pipe_in_order():
    """Thousands of pieces (more than one writev takes), some empty, through a pipe
    that takes them a little at a time."""
    import threading

    from snaptui.base.atomic import write_all

    parts = [os.urandom(n) for n in (0, 1, 5000, 70_000, 3, 0, 200_000) * 300]
    read_end, write_end = os.pipe()
    got = []

    def reader():
        while chunk := os.read(read_end, 1 << 16):
            got.append(chunk)

    t = threading.Thread(target=reader)
    t.start()
    write_all(write_end, parts)
    os.close(write_end)
    t.join()
    os.close(read_end)
    assert b"".join(got) == b"".join(parts)


def test_write_all_finishes_whatever_a_short_writev_left(tmp_path, monkeypatch):
    """writev may stop anywhere (a signal, a non-blocking reader): the rest still goes out, in order."""
    import random

    from snaptui.base import atomic

    rng = random.Random(7)
    real_writev = os.writev

    def short_writev(fd, buffers):
        joined = b"".join(buffers)
        return real_writev(fd, [joined[: rng.randint(0, len(joined))]]) if joined else 0

    monkeypatch.setattr(atomic.os, "writev", short_writev)
    parts = [os.urandom(rng.randint(0, 3000)) for _ in range(5000)]
    path = tmp_path / "out"
    with open(path, "wb") as f:
        atomic.write_all(f.fileno(), parts)
    assert path.read_bytes() == b"".join(parts)


def test_discard_says_which_files_it_moved_when_one_is_gone_meanwhile(recovery):
    """Purged by another process between the scan and the move: not reported as discarded."""
    kept, gone = write(recovery, "a"), write(recovery, "b")
    chosen = sessions(recovery, "a", "b")
    gone.unlink()
    batch, moved = store.discard(str(recovery), chosen, clock=CLOCK)
    assert [s.session_id for s in moved] == ["a"] and not kept.exists()
    assert [t.session_id for t in store.list_trash(str(recovery))] == ["a"]
    assert store.undo_batch(str(recovery), batch) == [kept.name]


def test_a_trash_on_another_file_system_is_said_and_leaves_no_empty_batch(recovery, monkeypatch):
    import errno

    write(recovery, "a")
    real = os.rename

    def across(src, dest, *a, **kw):
        if TRASH_DIR in str(dest):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real(src, dest, *a, **kw)

    monkeypatch.setattr(os, "rename", across)
    with pytest.raises(store.ActionError, match="another file system.*nothing was moved"):
        store.discard(str(recovery), sessions(recovery, "a"), clock=CLOCK)
    assert os.listdir(recovery / TRASH_DIR) == [] and (recovery / "a_session_snapshot.json").exists()
    plan = purging.plan_purge(str(recovery), 1, trash_retention_ms=DAY, clock=clock.fixed(NOW + DAY))
    assert plan.sessions
    with pytest.raises(store.ActionError, match="another file system"):
        purging.purge(plan, clock=CLOCK)
    assert os.listdir(recovery / TRASH_DIR) == [] and (recovery / "a_session_snapshot.json").exists()



def test_a_restore_killed_between_its_link_and_unlink_is_finished_by_the_next(recovery):
    path = write(recovery, "a", ts=NOW)
    store.discard(str(recovery), sessions(recovery, "a"), clock=CLOCK)
    [trashed] = store.find_trashed(str(recovery), "a")
    os.link(trashed.path, path)  # killed right after the link
    assert store.restore(str(recovery), [trashed], clock=CLOCK) == ["a_session_snapshot.json"]
    assert path.exists() and store.list_trash(str(recovery)) == []
