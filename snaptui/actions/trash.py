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
import stat
from typing import NamedTuple

from snaptui.base import clock as _clock
from snaptui.base.atomic import fsync_dir
from snaptui.base.files import Stat, Unreadable, file_stat, read_bounded
from snaptui.format import reader
from snaptui.sources.records import Identity, Item
from snaptui.sources.recovery import MAX_BYTES, TRASH_DIR

_BATCH_CHARS = frozenset("0123456789abcdef-")


class ActionError(Exception):
    """An action could not be done; ``str()`` is one line for the person."""


# --------------------------------------------------------------------------
# Trash
# --------------------------------------------------------------------------


class TrashedFile(NamedTuple):
    """A discarded snapshot file waiting in the trash."""

    path: str
    name: str
    """The original file name in the recovery directory."""
    batch: str
    discarded_ms: int
    session_id: str | None
    """The session id inside, or None when the file is not a valid snapshot."""
    timestamp_ms: int | None
    size: int


def trash_dir(directory: str) -> str:
    return os.path.join(directory, TRASH_DIR)


def real_trash(directory: str, *, create: bool) -> str | None:
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


def new_batch(directory: str, now_ms: int, prefix: str = "") -> str:
    root = real_trash(directory, create=True)
    if root is None:  # removed again right after it was made: what mkdir inside it would say
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), trash_dir(directory))
    batch = f"{prefix}{now_ms}-{os.urandom(4).hex()}"
    os.mkdir(os.path.join(root, batch), 0o700)
    return batch


def batch_time(batch: str) -> int | None:
    """The discard time encoded in a batch name, None if it is not ours."""
    head, _, tail = batch.partition("-")
    if not head.isdigit() or not tail or not set(tail) <= _BATCH_CHARS:
        return None
    return int(head)


def list_trash(directory: str) -> list[TrashedFile]:
    """Everything in the trash, newest discard first."""
    out: list[TrashedFile] = []
    try:
        root = real_trash(directory, create=False)
        if root is None:
            return out
        batches = os.listdir(root)
    except (ActionError, FileNotFoundError, NotADirectoryError):
        return out
    for batch in batches:
        when = batch_time(batch)
        bdir = os.path.join(root, batch)
        if when is None or os.path.islink(bdir) or not os.path.isdir(bdir):
            continue
        for name in os.listdir(bdir):
            path = os.path.join(bdir, name)
            sid = ts = None
            size = 0
            try:
                st, data = read_bounded(path, MAX_BYTES)
                size = st.size
                doc = reader.parse(data)
                sid, ts = doc["session_id"], doc["snapshot_timestamp_ms"]
            except (OSError, Unreadable, reader.Damaged):  # a damaged file is still restorable
                pass
            out.append(TrashedFile(path, name, batch, when, sid, ts, size))
    out.sort(key=lambda t: (-t.discarded_ms, t.batch, t.name))
    return out


def unchanged(path: str, identity: Identity) -> bool:
    """Whether ``path`` is still the file the scan saw (its identity, links followed as the scan does)."""
    st = file_stat(path)
    return isinstance(st, Stat) and st.identity == identity


def discard(directory: str, items: list[Item], *, clock: _clock.Clock = _clock.now_ms) -> tuple[str, list[Item]]:
    """Move the files of ``items`` into one new trash batch: its name, and the items
    moved (a file already gone, say purged meanwhile, has nothing to keep).

    A file that changed since the scan is still moved (the person chose that
    session) but only if it is still a file of this directory.
    """
    if not items:
        raise ActionError("nothing to discard")
    batch = new_batch(directory, clock())
    bdir = os.path.join(trash_dir(directory), batch)
    moved: list[Item] = []
    for s in items:
        if os.path.dirname(s.path) != directory or os.sep in s.name:
            raise ActionError(f"refusing to move {s.path!r}: not directly in {directory}")
        try:
            rename_into_trash(s.path, os.path.join(bdir, s.name), directory)
            moved.append(s)
        except FileNotFoundError:
            continue  # already gone: nothing to keep
        except ActionError:
            if not moved:
                drop_empty(bdir)
            raise
    fsync_dir(directory)
    fsync_dir(bdir)
    if not moved:
        os.rmdir(bdir)
        raise ActionError("the snapshot files are already gone")
    return batch, moved


class Restored(list[str]):
    """The names put back, and (``aside``) those whose older snapshot in their place went to
    the trash first: the person is told, and can put that one back in turn."""

    def __init__(self) -> None:
        super().__init__()
        self.aside: list[str] = []


def rename_into_trash(src: str, dest: str, directory: str) -> None:
    """``os.rename``; a trash on another file system (a mount put there) is said for what it is."""
    try:
        os.rename(src, dest)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        raise ActionError(f"the trash {trash_dir(directory)} is on another file system than {directory} "
                          "(a mount): snaptui moves snapshots there by renaming them, which cannot cross file "
                          "systems; nothing was moved") from None


def drop_empty(folder: str) -> None:
    """Remove ``folder`` if it is empty (a batch nothing went into, or that was emptied)."""
    try:
        os.rmdir(folder)
    except OSError:
        pass


def restore(directory: str, files: list[TrashedFile], *, clock: _clock.Clock = _clock.now_ms) -> Restored:
    """Put trashed files back under their names.

    An older (or as old) valid snapshot in the way is first moved to the trash, so
    nothing is lost, and named in ``aside``. Anything else in the way is refused
    (ActionError): a newer snapshot, a file that is not a valid snapshot (damaged files
    are never moved out of sight unasked), a directory, a link, a FIFO. Never overwrites
    a file that appears meanwhile (link, then unlink); one found linked back already (a
    restore killed between the two, or another snaptui's at the same moment) is finished.
    """
    restored = Restored()
    for t in files:
        dest = os.path.join(directory, t.name)
        try:
            src = os.lstat(t.path)
        except FileNotFoundError:
            continue  # put back meanwhile by another snaptui, or emptied from the trash: nothing to do
        try:
            held = os.lstat(dest)
        except FileNotFoundError:
            held = None
        if held is not None and (held.st_dev, held.st_ino) == (src.st_dev, src.st_ino):
            # Linked back already, not yet unlinked from the trash: a restore killed between the
            # two, or another snaptui's right now. The file is back: finish it.
            try:
                os.unlink(t.path)
            except FileNotFoundError:
                pass
            restored.append(t.name)
            continue
        if held is not None:
            _may_set_aside(dest, held, t)
            batch = new_batch(directory, clock())
            aside = os.path.join(trash_dir(directory), batch, t.name)
            os.rename(dest, aside)
            try:  # saved again, or swapped, between the look and the move: put it back, refuse
                _may_set_aside(aside, os.lstat(aside), t)
            except ActionError:
                move_no_replace(aside, dest)
                raise
            restored.aside.append(t.name)
        try:
            move_no_replace(t.path, dest)
        except FileNotFoundError:
            continue  # another snaptui put it back first
        restored.append(t.name)
        drop_empty(os.path.dirname(t.path))  # the batch, once empty
    fsync_dir(directory)
    return restored


def _may_set_aside(path: str, st: os.stat_result, restoring: TrashedFile) -> None:
    """Raise ActionError unless ``path`` (whose lstat is ``st``) is a valid snapshot no newer
    than the one being restored: the only thing a restore moves out of the way."""
    name = restoring.name
    if not stat.S_ISREG(st.st_mode):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else \
            "a symbolic link" if stat.S_ISLNK(st.st_mode) else "a special file"
        raise ActionError(f"not restoring {name}: {kind} is in its place (move it away first)")
    try:
        taken = _snapshot_time(path)
    except (OSError, Unreadable, reader.Damaged) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ActionError(f"not restoring {name}: the file in its place is not a valid snapshot ({why}); "
                          "move it away first") from None
    if _newer(taken, restoring.timestamp_ms):
        raise ActionError(f"not restoring {name}: the snapshot in its place is newer (discard it first)")


def _snapshot_time(path: str) -> int:
    """The snapshot time of the valid snapshot at ``path``; raises for anything else."""
    taken: int = reader.parse(read_bounded(path, MAX_BYTES)[1])["snapshot_timestamp_ms"]
    return taken


def _newer(current: int | None, restoring: int | None) -> bool:
    """Whether a snapshot time in place beats the one being restored."""
    return current is not None and (restoring is None or current > restoring)


def move_no_replace(src: str, dest: str) -> None:
    """Rename ``src`` to ``dest`` unless ``dest`` exists (then ActionError); FileNotFoundError
    when ``src`` is gone (another process moved it first)."""
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
    try:
        os.unlink(src)
    except FileNotFoundError:
        pass  # another snaptui, restoring the same file, linked it too and unlinked it first


def undo_batch(directory: str, batch: str) -> Restored:
    """Restore everything discarded in ``batch``."""
    files = [t for t in list_trash(directory) if t.batch == batch]
    if not files:
        raise ActionError("nothing to undo: that discard is no longer in the trash")
    return restore(directory, files)


def find_trashed(directory: str, wanted: str) -> list[TrashedFile]:
    """Trashed files whose session id, file name, batch or id prefix is ``wanted``.

    Only the newest trashed copy of each file name is returned.
    """
    trashed = list_trash(directory)
    exact = [t for t in trashed if wanted in (t.session_id, t.name, t.batch)]
    matches = exact or [t for t in trashed if t.session_id and len(wanted) >= 4 and t.session_id.startswith(wanted)]
    newest: dict[str, TrashedFile] = {}
    for t in matches:  # already newest first
        newest.setdefault(t.name, t)
    return list(newest.values())
