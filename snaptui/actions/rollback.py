"""Roll back what the interrupted turn did to the project's files, and undo that.

:func:`plan` says what would happen: a modified or deleted file is restored
from opendev's backup, a created file is moved out of the project, an
"unknown" one is left alone. :func:`apply` does it in two phases:

1. Check and stage, changing nothing a person would notice: every path is
   confined to the project (:mod:`snaptui.actions.confine`); every file is
   compared with what :func:`~snaptui.sources.filehistory.find_changes` saw
   (identity, and a SHA-256 of every byte); every file the rollback will
   overwrite is copied into a new trash batch; every backup is copied (and its
   hash checked) into a hidden temp file beside its target; ``batch.json`` is
   written atomically. Any mismatch: the temp files and the batch are
   removed and :class:`Refused` says why. Nothing changed.
2. Commit: one last identity check of every file, then each temp file is
   renamed over its target (atomic; the file's mode kept) and each created
   file moved into the batch (a rename on one file system, else copy, fsync,
   unlink). Should a step fail, the steps already done are put back.

:func:`undo` reverses a batch byte for byte, and refuses (changing nothing)
when any of those files changed after the rollback. Writes happen only in
the project folder (relative to folder descriptors opened without following
symlinks) and in the batch folder. A file changed in the instant between the
last check and its rename is the one race left (no file system offers a
compare-and-swap of contents).
"""

from __future__ import annotations

import os
import shutil
import stat as _stat
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

from snaptui.actions import rollbackbatch as rb
from snaptui.actions.confine import Outside, open_parent, open_root, place, project_root
from snaptui.actions.rollbackbatch import (
    Batch,
    BatchEntry,
    Refused,
    RollbackError,
    list_batches,
    read_batch,
)
from snaptui.base import clock as _clock
from snaptui.base import filedigest
from snaptui.base.atomic import write_atomic
from snaptui.sources.filehistory import FileChange, Seen
from snaptui.sources.records import Identity

__all__ = ["Batch", "BatchEntry", "Plan", "Refused", "RollbackError", "Step", "Stopped", "apply", "list_batches",
           "plan", "read_batch", "stop", "trash_root", "undo"]

ACTIONS = {"modified": "restore", "deleted": "recreate", "created": "remove"}
ROLLBACKS = "rollbacks"
"""The folder, in snaptui's state directory, that keeps every rollback's batch."""
_DID = {"restore": "restored", "recreate": "recreated", "remove": "removed"}



class Stopped(BaseException):
    """:func:`stop` was asked (a signal to the TUI, whose rollbacks run in a thread): like
    Ctrl+C, it ends a rollback after putting back what it did, and an undo where it is."""


_stop = threading.Event()
_idle = threading.Condition()
_active = 0


def stop(timeout: float = 60.0) -> None:
    """Ask every rollback and undo running in this process to stop before its next file,
    and wait (up to ``timeout``) until they have: a rollback puts back the files it had
    changed first. Called from a signal handler of the thread that runs none of them."""
    _stop.set()
    with _idle:
        _idle.wait_for(lambda: _active == 0, timeout)


@contextmanager
def _running() -> Iterator[None]:
    global _active
    with _idle:
        _active += 1
    try:
        yield
    finally:
        with _idle:
            _active -= 1
            _idle.notify_all()


def _go_on() -> None:
    """Before each file: stop here when asked."""
    if _stop.is_set():
        raise Stopped


def trash_root(state_dir: str) -> str:
    """Where rollbacks keep what they replaced: ``<state dir>/rollbacks`` (``snaptui restore NAME`` and
    the TUI's ``u`` undo them)."""
    return os.path.join(state_dir, ROLLBACKS)


class Step(NamedTuple):
    """What the rollback would do to one file."""

    change: FileChange
    action: str
    """``"restore"`` (the backup over the file), ``"recreate"`` (the backup where the file was),
    ``"remove"`` (the created file moved out, into the trash batch)."""
    target: str
    """The real path it writes, under the project's real folder ("" when refused before that was known)."""
    refused: str | None = None
    """Why this file blocks the rollback (it leaves the project, goes through a symlink, ...)."""


class Plan(NamedTuple):
    """What a rollback would do; the input to :func:`apply`."""

    project_dir: str
    root: str
    """The project folder's real path, resolved once, when the plan was made."""
    steps: tuple[Step, ...]
    untouched: tuple[tuple[str, str], ...]
    """``(path, why)`` of each "unknown" change: left as it is."""
    problem: str | None = None
    session_id: str = ""

    @property
    def refused(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.refused)


def plan(changes: Iterable[FileChange], project_dir: str, *, session_id: str = "") -> Plan:
    """What rolling back ``changes`` would do. A plan with refused steps or a
    problem cannot be applied: plan again without the refused files."""
    changes = list(changes)
    unknown = tuple((c.path, c.reason) for c in changes if c.change not in ACTIONS)
    try:
        root = project_root(project_dir)
    except Outside as exc:
        return Plan(project_dir, "", (), unknown, str(exc), session_id)
    steps: list[Step] = []
    targets: dict[str, str] = {}
    for c in changes:
        action = ACTIONS.get(c.change)
        if action is None:
            continue
        try:
            where = place(c.path, project_dir, root)
        except Outside as exc:
            steps.append(Step(c, action, "", str(exc)))
            continue
        refused = _incomplete(c, action)
        if where.path in targets:
            refused = f"the same file as {targets[where.path]}"
        targets.setdefault(where.path, c.relative)
        steps.append(Step(c, action, where.path, refused))
    return Plan(project_dir, root, tuple(steps), unknown, None, session_id)


def _incomplete(c: FileChange, action: str) -> str | None:
    """A change without what its action needs (a record not made by find_changes)."""
    if action != "remove" and (c.before is None or c.backup is None):
        return "no backup was read for it"
    if action != "recreate" and c.current is None:
        return "the file was not read"
    return None


# --------------------------------------------------------------------------
# Apply
# --------------------------------------------------------------------------


class _Staged:
    """One step between the phases: its folder, temp file and batch entry."""

    def __init__(self, step: Step, parent: int, name: str, expect: os.stat_result | None) -> None:
        self.step = step
        self.parent = parent
        self.name = name
        self.expect = expect
        """The target as checked (None: nothing there)."""
        self.temp: str | None = None
        self.entry: BatchEntry | None = None
        self.done = False


def apply(plan: Plan, trash_root: str, *, session_may_be_running: bool,
          clock: _clock.Clock = _clock.now_ms) -> Batch:
    """Do ``plan``; returns the trash batch (what :func:`undo` takes).

    Raises :class:`Refused` (nothing changed) or :class:`RollbackError` (a
    step failed part-way; the steps done were put back, or the message says
    which could not be).
    """
    if session_may_be_running:
        raise Refused("the session may still be running: opendev could change these files again; stop it first")
    if plan.problem:
        raise Refused(plan.problem)
    if plan.refused:
        raise Refused("; ".join(f"{s.change.relative}: {s.refused}" for s in plan.refused))
    if not plan.steps:
        raise Refused("nothing to roll back")
    if _stop.is_set():
        raise Refused("snaptui is closing")
    try:
        if project_root(plan.project_dir) != plan.root:
            raise Refused(f"the project folder {plan.project_dir} leads elsewhere than when the plan was made")
        root_fd = open_root(plan.root)
    except (Outside, OSError) as exc:
        raise Refused(str(exc)) from None
    with _running():
        return _apply(plan, root_fd, trash_root, clock)


def _apply(plan: Plan, root_fd: int, trash_root: str, clock: _clock.Clock) -> Batch:
    staged: list[_Staged] = []
    batch_fd = -1
    try:
        rb.sweep_killed(trash_root, clock())
        batch_dir, batch_fd = rb.new_batch(trash_root, clock())
        try:
            rb.write_targets(batch_dir, plan.root, [step.target for step in plan.steps])
            for i, step in enumerate(plan.steps):
                _go_on()
                staged.append(_stage(step, i, root_fd, plan, batch_fd))
            batch = Batch(batch_dir, os.path.basename(batch_dir), rb.batch_time(batch_dir), plan.project_dir,
                          plan.root, plan.session_id, tuple(s.entry for s in staged if s.entry is not None))
            write_atomic(os.path.join(batch_dir, rb.BATCH_FILE), rb.dumps(batch))
            os.unlink(os.path.join(batch_dir, rb.TARGETS_FILE))  # batch.json now says it all
            for s in staged:  # the last look before the first change
                _still(s)
        except BaseException as exc:
            _drop_temps(staged)
            shutil.rmtree(batch_dir, ignore_errors=True)
            if isinstance(exc, Outside):
                raise Refused(str(exc)) from None
            if isinstance(exc, Stopped):
                raise Refused("stopped before anything was changed (snaptui is closing)") from None
            if isinstance(exc, (OSError, filedigest.NotRegular, filedigest.TooLarge)):
                raise Refused(f"could not prepare the rollback, nothing was changed ({exc})") from None
            raise
        _commit(staged, batch_fd, batch_dir)
        rb.fsync_batch(batch_dir)
        return batch
    finally:
        for s in staged:
            os.close(s.parent)
        os.close(root_fd)
        if batch_fd >= 0:
            os.close(batch_fd)


def _stage(step: Step, i: int, root_fd: int, plan: Plan, batch_fd: int) -> _Staged:
    c = step.change
    where = place(c.path, plan.project_dir, plan.root)
    if where.path != step.target:
        raise Refused(f"{c.relative}: the path leads elsewhere than when the plan was made")
    parent = open_parent(root_fd, where.parts)
    name = where.parts[-1]
    s = _Staged(step, parent, name, None)
    try:
        s.expect = expect = _lstat(parent, name)
        stored = sha = None
        size = mode = None
        if step.action != "recreate":
            assert c.current is not None
            if expect is None or not _same(expect, c.current.identity):
                raise Refused(f"{c.relative} changed since it was looked at")
            stored = rb.stored_name(i, name)
            size, sha, mode = c.current.identity[2], c.current.sha256, _stat.S_IMODE(c.current.mode)
            if step.action == "restore":  # saved now; a created file is moved into the batch in phase 2
                got = rb.copy_file(name, parent, stored, batch_fd, mode)
            else:
                got = filedigest.digest(name, dir_fd=parent).sha256
            if got != sha or not _same(os.lstat(name, dir_fd=parent), c.current.identity):
                raise Refused(f"{c.relative} changed since it was looked at")
        elif expect is not None:
            raise Refused(f"{c.relative} exists again")
        after = None
        if step.action != "remove":
            keep = c.current.mode if step.action == "restore" and c.current else _before(c).mode
            s.temp = rb.temp_beside(name)
            after = _copy_backup(c, parent, s.temp, _stat.S_IMODE(keep))
        s.entry = BatchEntry(where.path, c.relative, _DID[step.action], stored, size, sha, mode, after)
        return s
    except BaseException:
        _drop_temps([s])
        os.close(parent)
        raise


def _before(c: FileChange) -> Seen:
    assert c.before is not None
    return c.before


def _copy_backup(c: FileChange, parent: int, temp: str, mode: int) -> str:
    """opendev's backup into ``temp`` beside its target, checked against what was seen."""
    before = _before(c)
    assert c.backup is not None
    changed = Refused(f"{c.relative}: its backup {os.path.basename(c.backup)} changed since it was looked at")
    try:
        fd, st = filedigest.open_regular(c.backup)
    except (OSError, filedigest.NotRegular):
        raise changed from None
    try:
        if not _same(st, before.identity):
            raise changed
        sha = rb.copy_fd(fd, temp, parent, mode)
    finally:
        os.close(fd)
    if sha != before.sha256:
        raise changed
    return sha


def _still(s: _Staged) -> None:
    if not _unchanged(_lstat(s.parent, s.name), s.expect):
        raise Refused(f"{s.step.change.relative} changed while the rollback was being prepared")


def _commit(staged: list[_Staged], batch_fd: int, batch_dir: str) -> None:
    try:
        for s in staged:
            _go_on()
            assert s.entry is not None
            if s.step.action == "remove":
                assert s.entry.stored is not None
                rb.move_out(s.name, s.parent, s.entry.stored, batch_fd, s.entry.sha256)
            elif s.step.action == "restore":
                assert s.temp is not None
                os.rename(s.temp, s.name, src_dir_fd=s.parent, dst_dir_fd=s.parent)
            else:
                assert s.temp is not None
                rb.link_no_replace(s.temp, s.name, s.parent)
            s.temp = None
            s.done = True
            os.fsync(s.parent)
    except BaseException as exc:
        failed = _revert(staged, batch_fd)
        _drop_temps(staged)
        if not failed:  # every file as it was: nothing to undo (the batch would offer an undo that fails)
            shutil.rmtree(batch_dir, ignore_errors=True)
        back = ("the files it had changed were put back" if not failed else
                f"the files it had changed were put back except {', '.join(failed)} (copies in the trash batch)")
        raise RollbackError(f"the rollback stopped part-way ({exc}); {back}") from exc


def _revert(staged: list[_Staged], batch_fd: int) -> list[str]:
    """Put back the steps done, newest first; the ones that could not be."""
    failed = []
    for s in reversed(staged):
        if s.done and s.entry is not None:
            try:
                rb.put_back(s.entry, s.name, s.parent, batch_fd)
            except (OSError, RollbackError):
                failed.append(s.step.change.relative)
    return failed


def _drop_temps(staged: list[_Staged]) -> None:
    for s in staged:
        if s.temp is not None:
            try:
                os.unlink(s.temp, dir_fd=s.parent)
            except OSError:
                pass
            s.temp = None


# --------------------------------------------------------------------------
# Undo
# --------------------------------------------------------------------------


def undo(batch_dir: str) -> list[str]:
    """Put the project back as it was before the rollback in ``batch_dir``,
    byte for byte; returns the paths put back and removes the batch.

    Refuses (:class:`Refused`, nothing changed) when any of those files is not
    what the rollback left (changed, removed or created since), or a saved
    copy is damaged.
    """
    batch = read_batch(batch_dir)
    if batch.problem:
        raise Refused(batch.problem)
    if batch.root == "/" or os.path.realpath(batch.root) != batch.root:  # a batch.json edited by hand
        raise Refused(f"the batch's project folder {batch.root} is not a real folder path")
    try:
        root_fd = open_root(batch.root)
    except OSError as exc:
        raise Refused(f"the project folder {batch.root} cannot be opened: {exc.strerror or exc}") from None
    work: list[tuple[BatchEntry, int, str, os.stat_result | None]] = []
    batch_fd = -1
    try:
        batch_fd = rb.open_batch(batch_dir)
        done: list[str] = []  # already as before the rollback: an undo stopped part-way, or a rollback killed so
        folders: dict[str, tuple[int, set[str]]] = {}
        try:
            for e in batch.entries:
                where = place(e.path, batch.root, batch.root)
                parent = open_parent(root_fd, where.parts)
                name = where.parts[-1]
                work.append((e, parent, name, None))  # listed first, so it is closed if the check raises
                folders.setdefault(os.path.dirname(e.path), (parent, set()))[1].add(name)
                if rb.as_before(e, parent, name):
                    done.append(e.path)
                    work[-1] = (e, parent, "", None)  # nothing to put back
                    continue
                work[-1] = (e, parent, name, rb.check_after(e, parent, name, batch_fd))
            for parent, names in folders.values():
                rb.sweep_temps(parent, names)  # of a rollback or undo killed part-way
            for e, parent, name, seen in work:  # the last look before the first change
                if name and not _unchanged(_lstat(parent, name), seen):
                    raise Refused(f"{e.relative} changed while the undo was being prepared")
        except Outside as exc:
            raise Refused(str(exc)) from None
        with _running():
            for e, parent, name, _ in work:
                if not name:
                    continue
                try:
                    _go_on()
                    rb.put_back(e, name, parent, batch_fd)
                except (OSError, RollbackError, Stopped) as exc:
                    why = "stopped" if isinstance(exc, Stopped) else str(exc)
                    raise RollbackError(f"the undo stopped at {e.relative} ({why}) after putting back "
                                        f"{len(done)} of {len(work)} files; the trash batch is kept: "
                                        "undo it again to finish") from None
                os.fsync(parent)
                done.append(e.path)
    finally:
        for _, parent, _, _ in work:
            os.close(parent)
        os.close(root_fd)
        if batch_fd >= 0:
            os.close(batch_fd)
    shutil.rmtree(batch_dir, ignore_errors=True)
    return done


# --------------------------------------------------------------------------


def _lstat(parent: int, name: str) -> os.stat_result | None:
    try:
        return os.lstat(name, dir_fd=parent)
    except FileNotFoundError:
        return None


def _ident(st: os.stat_result) -> Identity:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _same(st: os.stat_result, identity: Identity) -> bool:
    """A regular file (not a symlink) with exactly this identity."""
    return _stat.S_ISREG(st.st_mode) and _ident(st) == identity


def _unchanged(now: os.stat_result | None, then: os.stat_result | None) -> bool:
    if now is None or then is None:
        return now is None and then is None
    return _ident(now) == _ident(then) and now.st_mode == then.st_mode
