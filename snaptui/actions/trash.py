"""Actions on a recovery directory: discard (undoable), restore, purge.

Every action takes files the scan found (their paths and the identity they
had), never a path built from a ``session_id`` read from a file. Discarded
files move into ``.snaptui-trash/`` inside the recovery directory: out of the
reference reader's sight (it reads only ``*.json`` directly in the directory),
on the same file system (a rename, atomic, nothing copied), restorable byte for
byte. A symlink is moved as a link; its target is never touched.

Each discard is one batch directory, ``<discarded_ms>-<random>``, holding the
files under their original names; undo restores the newest batch.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat

from snaptui.base import clock as _clock
from snaptui.format import reader
from snaptui.base.atomic import fsync_dir
from snaptui.catalog.scan import TRASH_DIR, Session, file_stat, read_bounded, scan

_BATCH_CHARS = frozenset("0123456789abcdef-")


class ActionError(Exception):
    """An action could not be done; ``str()`` is one line for the person."""


# --------------------------------------------------------------------------
# Trash
# --------------------------------------------------------------------------


class TrashedFile:
    """A discarded snapshot file waiting in the trash."""

    __slots__ = ("path", "name", "batch", "discarded_ms", "session_id", "timestamp_ms", "size")

    def __init__(self, path, name, batch, discarded_ms, session_id, timestamp_ms, size):
        self.path = path
        self.name = name
        """The original file name in the recovery directory."""
        self.batch = batch
        self.discarded_ms = discarded_ms
        self.session_id = session_id
        """The session id inside, or None when the file is not a valid snapshot."""
        self.timestamp_ms = timestamp_ms
        self.size = size

    def __repr__(self) -> str:
        return f"TrashedFile({self.name!r}, batch={self.batch!r})"


def trash_dir(directory: str) -> str:
    return os.path.join(directory, TRASH_DIR)


def _real_trash(directory: str, *, create: bool) -> str | None:
    """The trash directory, only if it is a real directory (never a symlink,
    which would take discards and purges outside the recovery directory)."""
    root = trash_dir(directory)
    if create:
        try:
            os.mkdir(root, 0o700)
        except FileExistsError:
            pass
    try:
        st = os.lstat(root)
    except FileNotFoundError:
        return None
    if not stat.S_ISDIR(st.st_mode):
        raise ActionError(f"{root} is not a directory (a symlink or a file): snaptui will not use it as its trash")
    return root


def _new_batch(directory: str, now_ms: int, prefix: str = "") -> str:
    root = _real_trash(directory, create=True)
    batch = f"{prefix}{now_ms}-{os.urandom(4).hex()}"
    os.mkdir(os.path.join(root, batch), 0o700)
    return batch


def _batch_time(batch: str) -> int | None:
    """The discard time encoded in a batch name, None if it is not ours."""
    head, _, tail = batch.partition("-")
    if not head.isdigit() or not tail or not set(tail) <= _BATCH_CHARS:
        return None
    return int(head)


def list_trash(directory: str) -> list[TrashedFile]:
    """Everything in the trash, newest discard first."""
    out: list[TrashedFile] = []
    try:
        root = _real_trash(directory, create=False)
        batches = os.listdir(root) if root else []
    except (ActionError, FileNotFoundError, NotADirectoryError):
        return out
    for batch in batches:
        when = _batch_time(batch)
        bdir = os.path.join(root, batch)
        if when is None or os.path.islink(bdir) or not os.path.isdir(bdir):
            continue
        for name in os.listdir(bdir):
            path = os.path.join(bdir, name)
            sid = ts = None
            size = 0
            try:
                st, data = read_bounded(path)
                size = st.st_size
                doc = reader.parse(data)
                sid, ts = doc["session_id"], doc["snapshot_timestamp_ms"]
            except (OSError, reader.Damaged, Exception):  # noqa: BLE001 - a damaged file is still restorable
                pass
            out.append(TrashedFile(path, name, batch, when, sid, ts, size))
    out.sort(key=lambda t: (-t.discarded_ms, t.batch, t.name))
    return out


def _unchanged(path: str, identity: tuple) -> bool:
    """Whether ``path`` is still the file the scan saw (its identity, links followed as the scan does)."""
    return file_stat(path)[1:] == identity


def discard(directory: str, sessions: list[Session], *, clock: _clock.Clock = _clock.now_ms) -> str:
    """Move the files of ``sessions`` into one new trash batch; return its name.

    A file that changed since the scan is still moved (the person chose that
    session) but only if it is still a file of this directory.
    """
    if not sessions:
        raise ActionError("nothing to discard")
    batch = _new_batch(directory, clock())
    bdir = os.path.join(trash_dir(directory), batch)
    moved = 0
    for s in sessions:
        if os.path.dirname(s.path) != directory or os.sep in s.name:
            raise ActionError(f"refusing to move {s.path!r}: not directly in {directory}")
        try:
            os.rename(s.path, os.path.join(bdir, s.name))
            moved += 1
        except FileNotFoundError:
            continue  # already gone: nothing to keep
    fsync_dir(directory)
    fsync_dir(bdir)
    if not moved:
        os.rmdir(bdir)
        raise ActionError("the snapshot files are already gone")
    return batch


def restore(directory: str, files: list[TrashedFile], *, clock: _clock.Clock = _clock.now_ms) -> list[str]:
    """Put trashed files back under their names; return the names restored.

    Refuses (ActionError) to replace a file holding a newer snapshot. An older
    or damaged file in the way is first moved to the trash, so nothing is lost.
    Never overwrites a file that appears meanwhile (link, then unlink).
    """
    restored = []
    for t in files:
        dest = os.path.join(directory, t.name)
        if os.path.lexists(dest):
            if _newer(_timestamp_of(dest), t.timestamp_ms):
                raise ActionError(f"not restoring {t.name}: the snapshot in its place is newer (discard it first)")
            batch = _new_batch(directory, clock())
            aside = os.path.join(trash_dir(directory), batch, t.name)
            os.rename(dest, aside)
            if _newer(_timestamp_of(aside), t.timestamp_ms):  # saved again between the look and the move
                _move_no_replace(aside, dest)
                raise ActionError(f"not restoring {t.name}: the snapshot in its place is newer (discard it first)")
        _move_no_replace(t.path, dest)
        restored.append(t.name)
        try:
            os.rmdir(os.path.dirname(t.path))  # the batch, once empty
        except OSError:
            pass
    fsync_dir(directory)
    return restored


def _newer(current: int | None, restoring: int | None) -> bool:
    """Whether a snapshot time in place beats the one being restored."""
    return current is not None and (restoring is None or current > restoring)


def _timestamp_of(path: str) -> int | None:
    try:
        return reader.parse(read_bounded(path)[1])["snapshot_timestamp_ms"]
    except (OSError, reader.Damaged, Exception):  # noqa: BLE001 - anything unreadable is "not newer"
        return None


def _move_no_replace(src: str, dest: str) -> None:
    """Rename ``src`` to ``dest`` unless ``dest`` exists (then ActionError)."""
    try:
        os.link(src, dest, follow_symlinks=False)
    except FileExistsError:
        raise ActionError(f"not restoring {os.path.basename(dest)}: a file appeared in its place") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        if os.path.lexists(dest):  # no hard links here: check, then rename
            raise ActionError(f"not restoring {os.path.basename(dest)}: a file appeared in its place") from None
        os.rename(src, dest)
        return
    os.unlink(src)


def undo_batch(directory: str, batch: str) -> list[str]:
    """Restore everything discarded in ``batch``."""
    files = [t for t in list_trash(directory) if t.batch == batch]
    if not files:
        raise ActionError("nothing to undo: that discard is no longer in the trash")
    return restore(directory, files)


def find_trashed(directory: str, wanted: str) -> list[TrashedFile]:
    """Trashed files whose session id, file name or id prefix is ``wanted``.

    Only the newest trashed copy of each file name is returned.
    """
    trashed = list_trash(directory)
    exact = [t for t in trashed if wanted in (t.session_id, t.name)]
    matches = exact or [t for t in trashed if t.session_id and len(wanted) >= 4 and t.session_id.startswith(wanted)]
    newest: dict[str, TrashedFile] = {}
    for t in matches:  # already newest first
        newest.setdefault(t.name, t)
    return list(newest.values())


# --------------------------------------------------------------------------
# Purge
# --------------------------------------------------------------------------


class PurgePlan:
    """What a purge would remove: a dry run's answer, and the input to :func:`purge`."""

    __slots__ = ("directory", "cutoff_ms", "sessions", "expired_batches", "trash_bytes", "trash_files")

    def __init__(self, directory, cutoff_ms, sessions, expired_batches, trash_files, trash_bytes):
        self.directory = directory
        self.cutoff_ms = cutoff_ms
        self.sessions: list[Session] = sessions
        self.expired_batches: list[str] = expired_batches
        self.trash_files = trash_files
        self.trash_bytes = trash_bytes

    @property
    def bytes(self) -> int:
        return sum(s.size for s in self.sessions)

    @property
    def incomplete(self) -> int:
        return sum(1 for s in self.sessions if not s.completed)


class PurgeResult:
    __slots__ = ("removed", "removed_bytes", "kept", "trash_files", "trash_bytes")

    def __init__(self) -> None:
        self.removed = 0
        self.removed_bytes = 0
        self.kept: list[str] = []
        """Names not removed because they changed after they were judged old."""
        self.trash_files = 0
        self.trash_bytes = 0


def plan_purge(
    directory: str,
    older_than_ms: int,
    *,
    trash_retention_ms: int,
    clock: _clock.Clock = _clock.now_ms,
    result=None,
) -> PurgePlan:
    """Every valid snapshot (completed or not) older than ``older_than_ms``, like
    the reference ``cleanup_old``, plus trash batches past their retention."""
    now = clock()
    result = result if result is not None else scan(directory)
    if result.error and not result.missing:
        raise ActionError(f"{directory} {result.error}")
    cutoff = max(now - older_than_ms, 0)
    old = [s for s in result.sessions if s.timestamp_ms < cutoff]
    old.sort(key=lambda s: (s.timestamp_ms, s.name))
    expired = []
    files = size = 0
    by_batch: dict[str, list[TrashedFile]] = {}
    for t in list_trash(directory):
        by_batch.setdefault(t.batch, []).append(t)
    for batch, items in sorted(by_batch.items()):
        if items[0].discarded_ms < now - trash_retention_ms:
            expired.append(batch)
            files += len(items)
            size += sum(t.size for t in items)
    return PurgePlan(directory, cutoff, old, expired, files, size)


def purge(plan: PurgePlan, *, clock: _clock.Clock = _clock.now_ms) -> PurgeResult:
    """Remove what ``plan`` lists, never a file rewritten since it was judged.

    Each file is first moved aside (atomically, into a staging batch), then
    the moved file is checked: the same identity as when judged, and still a
    valid snapshot older than the cutoff. Only then is it deleted. A file that
    a live session rewrote in between fails the check and is put back (or,
    if a newer one already took its place, kept in the trash). The reference
    ``cleanup_old`` deletes whatever is at the path when it gets there.
    """
    out = PurgeResult()
    directory = plan.directory
    if plan.sessions:
        batch = _new_batch(directory, clock(), prefix="")
        staging = os.path.join(trash_dir(directory), batch)
        for s in plan.sessions:
            if not _unchanged(s.path, s.identity):
                out.kept.append(s.name)
                continue
            staged = os.path.join(staging, s.name)
            try:
                os.rename(s.path, staged)
            except FileNotFoundError:
                continue
            if _unchanged(staged, s.identity) and _still_old(staged, plan.cutoff_ms):
                os.unlink(staged)
                out.removed += 1
                out.removed_bytes += s.size
            else:
                out.kept.append(s.name)
                try:
                    _move_no_replace(staged, s.path)
                except ActionError:
                    pass  # a newer snapshot took its place: this one stays in the trash
        fsync_dir(directory)
        try:
            os.rmdir(staging)
        except OSError:
            pass
    try:
        root = _real_trash(directory, create=False)
    except ActionError:
        root = None
    for batch in plan.expired_batches if root else ():
        bdir = os.path.join(root, batch)
        if _batch_time(batch) is None or os.path.islink(bdir):
            continue
        for name in os.listdir(bdir):
            try:
                out.trash_bytes += os.lstat(os.path.join(bdir, name)).st_size
                out.trash_files += 1
            except OSError:
                pass
        shutil.rmtree(bdir, ignore_errors=True)
    return out


def _still_old(path: str, cutoff_ms: int) -> bool:
    try:
        return reader.parse(read_bounded(path)[1])["snapshot_timestamp_ms"] < cutoff_ms
    except (OSError, reader.Damaged, Exception):  # noqa: BLE001
        return False
