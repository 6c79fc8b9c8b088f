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
            os.rename(s.path, os.path.join(bdir, s.name))
            moved.append(s)
        except FileNotFoundError:
            continue  # already gone: nothing to keep
    fsync_dir(directory)
    fsync_dir(bdir)
    if not moved:
        os.rmdir(bdir)
        raise ActionError("the snapshot files are already gone")
    return batch, moved


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
            batch = new_batch(directory, clock())
            aside = os.path.join(trash_dir(directory), batch, t.name)
            os.rename(dest, aside)
            if _newer(_timestamp_of(aside), t.timestamp_ms):  # saved again between the look and the move
                move_no_replace(aside, dest)
                raise ActionError(f"not restoring {t.name}: the snapshot in its place is newer (discard it first)")
        move_no_replace(t.path, dest)
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
        taken: int = reader.parse(read_bounded(path, MAX_BYTES)[1])["snapshot_timestamp_ms"]
    except (OSError, Unreadable, reader.Damaged):  # anything unreadable is "not newer"
        return None
    return taken


def move_no_replace(src: str, dest: str) -> None:
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
