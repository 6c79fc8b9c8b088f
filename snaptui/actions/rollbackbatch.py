"""A rollback's trash batch: the files it replaced or moved, and ``batch.json`` saying what it did.

Each rollback gets a folder ``<ms>-<8 hex>`` under a trash root the caller
chooses (snaptui's own state folder, never opendev's). It holds a copy of
every file the rollback overwrote and every file it moved out of the
project (created by the interrupted turn), under ``NNNN-<name>``, and
``batch.json``, written atomically before the project is touched::

    {"version": 1, "created_ms": ..., "project_dir": ..., "root": ...,
     "session_id": ..., "entries": [{"path", "relative", "did", "stored",
     "size", "sha256", "mode", "after_sha256"}, ...]}

``path`` is the real absolute path written; ``did`` is ``restored`` (the
backup replaced the file, whose copy is ``stored``), ``recreated`` (the
backup was put where the file had been deleted; nothing stored) or
``removed`` (the file was moved to ``stored``); ``size``/``sha256``/``mode``
describe the stored version; ``after_sha256`` is what the path held after
the rollback (None: nothing). Undo checks the path against ``after_sha256``
and the stored copy against ``sha256`` before changing anything.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat as _stat
from typing import NamedTuple

from snaptui.actions.confine import Outside, open_parent, open_root, place
from snaptui.base import filedigest
from snaptui.base.atomic import alive, fsync_dir, orphaned, temp_name, write_all, write_atomic
from snaptui.base.datafile import read_regular

BATCH_FILE = "batch.json"
BATCH_LIMIT = 16 << 20
_BATCH_NAME = re.compile(r"([0-9]{1,16})-[0-9a-f]{8}")
_STORED_NAME = re.compile(r"[0-9]{4,}-[A-Za-z0-9._-]{1,80}")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_DID = ("restored", "recreated", "removed")


class RollbackError(Exception):
    """A rollback or undo could not be done; ``str()`` says why in one line."""


class Refused(RollbackError):
    """Refused before anything was changed."""


class BatchEntry(NamedTuple):
    """One file a rollback changed."""

    path: str
    """The real absolute path it wrote."""
    relative: str
    did: str
    """``"restored"``, ``"recreated"`` or ``"removed"``."""
    stored: str | None
    """The file name, inside the batch, of the version the rollback replaced or moved."""
    size: int | None
    sha256: str | None
    mode: int | None
    """Permission bits of the stored version."""
    after_sha256: str | None
    """What the path held after the rollback (None: nothing)."""


class Batch(NamedTuple):
    """A rollback that can be undone."""

    path: str
    name: str
    created_ms: int
    project_dir: str
    root: str
    """The project folder's real path, where the rollback wrote."""
    session_id: str
    entries: tuple[BatchEntry, ...]
    problem: str | None = None
    """Why this batch cannot be undone (a damaged ``batch.json``); then ``entries`` is empty."""


# --------------------------------------------------------------------------
# The batch folder and its manifest
# --------------------------------------------------------------------------


def new_batch(trash_root: str, now_ms: int) -> tuple[str, int]:
    """Create a new empty batch folder; its path and an open descriptor."""
    try:
        os.makedirs(trash_root, 0o700, exist_ok=True)
        st = os.lstat(trash_root)
    except OSError as exc:
        raise Refused(f"the trash folder {trash_root} cannot be made: {exc.strerror or exc}") from None
    if not _stat.S_ISDIR(st.st_mode):
        raise Refused(f"the trash folder {trash_root} is not a real folder (a symlink or a file)")
    _sweep_unfinished(trash_root, now_ms)
    path = os.path.join(trash_root, f"{now_ms}-{os.urandom(4).hex()}")
    try:
        os.mkdir(path, 0o700)
    except OSError as exc:
        raise Refused(f"the trash batch {path} cannot be made: {exc.strerror or exc}") from None
    return path, open_batch(path)


UNFINISHED_MS = 3_600_000
"""A batch folder without its ``batch.json`` this old is a rollback killed while it copied the files
(the file is written before the first file changes): it changed nothing, and its copies go."""


TARGETS_FILE = "targets.json"
"""Written into a new batch before the first temp file is made beside a project file: which
process made them and beside which files, so that the temp files of a rollback killed
before its ``batch.json`` (it changed nothing) can be found and removed."""


def write_targets(batch_dir: str, root: str, paths: list[str]) -> None:
    write_atomic(os.path.join(batch_dir, TARGETS_FILE),
                 json.dumps({"pid": os.getpid(), "root": root, "paths": paths}).encode(), durable=False)


def killed_batches(trash_root: str, now_ms: int) -> list[tuple[str, str, list[str]]]:
    """The unfinished batches whose rollback is not running (its process is gone, or it is older
    than :data:`UNFINISHED_MS`): ``(batch folder, project root, target paths)`` each."""
    out = []
    for path in batch_folders(trash_root, finished=False):
        try:
            doc = json.loads(read_regular(os.path.join(path, TARGETS_FILE), 64 * 1024 * 1024))
            pid, root, paths = doc["pid"], doc["root"], doc["paths"]
            if not (type(pid) is int and isinstance(root, str) and isinstance(paths, list)
                    and all(isinstance(p, str) for p in paths)):
                continue
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if pid == os.getpid() or (alive(pid) and batch_time(path) >= now_ms - UNFINISHED_MS):
            continue
        out.append((path, root, paths))
    return out


def sweep_killed(trash_root: str, now_ms: int) -> None:
    """Remove what rollbacks killed before their ``batch.json`` left (they changed nothing): the
    temp files beside the project's files, and their batch folders."""
    for batch_dir, root, paths in killed_batches(trash_root, now_ms):
        folders: dict[tuple[str, ...], set[str]] = {}
        for path in paths:
            try:
                parts = place(path, root, root).parts
            except Outside:
                continue  # (the project changed since: its temp files are not looked for there)
            folders.setdefault(parts[:-1], set()).add(parts[-1])
        try:
            root_fd = open_root(root)
        except OSError:
            root_fd = -1
        if root_fd >= 0:
            try:
                for folder, names in folders.items():
                    try:
                        parent = open_parent(root_fd, (*folder, ""))
                    except (Outside, OSError):
                        continue
                    try:
                        sweep_temps(parent, names)
                    finally:
                        os.close(parent)
            finally:
                os.close(root_fd)
        import shutil

        shutil.rmtree(batch_dir, ignore_errors=True)


def unfinished(path: str) -> bool:
    """Whether the batch folder at ``path`` never got its ``batch.json`` (nothing was changed)."""
    return not os.path.lexists(os.path.join(path, BATCH_FILE))


def _sweep_unfinished(trash_root: str, now_ms: int) -> None:
    import shutil

    for path in batch_folders(trash_root, finished=False):
        if batch_time(path) < now_ms - UNFINISHED_MS:
            shutil.rmtree(path, ignore_errors=True)


def batch_folders(trash_root: str, *, finished: bool) -> list[str]:
    """The batch folders under ``trash_root`` (real folders with a batch's name) that got their
    ``batch.json`` (``finished``), or that did not (a rollback under way, or killed before it
    changed anything)."""
    try:
        names = os.listdir(trash_root)
    except OSError:
        return []
    paths = [os.path.join(trash_root, name) for name in names if _BATCH_NAME.fullmatch(name)]
    return [p for p in paths if _stat.S_ISDIR(_lmode(p)) and unfinished(p) != finished]


def open_batch(path: str) -> int:
    try:
        return os.open(path, _DIR_FLAGS)
    except OSError as exc:
        raise Refused(f"the trash batch {path} cannot be opened: {exc.strerror or exc}") from None


def batch_time(path: str) -> int:
    m = _BATCH_NAME.fullmatch(os.path.basename(path))
    return int(m.group(1)) if m else 0


def stored_name(index: int, name: str) -> str:
    """``NNNN-<name>`` with only safe characters, so the batch can be browsed and never holds a path."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:80] or "_"
    return f"{index:04d}-{safe}"


def dumps(batch: Batch) -> bytes:
    doc = {"version": 1, "created_ms": batch.created_ms, "project_dir": batch.project_dir, "root": batch.root,
           "session_id": batch.session_id, "entries": [e._asdict() for e in batch.entries]}
    return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8", "surrogateescape") + b"\n"


def read_batch(path: str) -> Batch:
    """The batch in ``path``; a damaged one comes back with ``problem`` set."""
    name = os.path.basename(path)

    def damaged(why: str) -> Batch:
        return Batch(path, name, batch_time(path), "", "", "", (), why)

    try:
        fd = open_batch(path)
    except Refused as exc:
        return damaged(str(exc))
    try:
        d = filedigest.digest(BATCH_FILE, dir_fd=fd, keep=BATCH_LIMIT, limit=BATCH_LIMIT)
        doc = json.loads((d.data or b"").decode("utf-8", "surrogateescape"))
    except (OSError, filedigest.NotRegular, filedigest.TooLarge, ValueError, RecursionError) as exc:
        return damaged(f"{BATCH_FILE} cannot be read ({exc})")
    finally:
        os.close(fd)
    try:
        return _parse(path, name, doc)
    except (KeyError, TypeError, ValueError) as exc:
        return damaged(f"{BATCH_FILE} is damaged ({exc})")


def _parse(path: str, name: str, doc: object) -> Batch:
    if not isinstance(doc, dict) or doc.get("version") != 1:
        raise ValueError("not a version 1 batch")
    entries = []
    for e in doc["entries"]:
        entry = BatchEntry(**{k: e[k] for k in BatchEntry._fields})
        if not (isinstance(entry.path, str) and entry.path.startswith("/") and isinstance(entry.relative, str)):
            raise ValueError("an entry without an absolute path")
        if entry.did not in _DID or (entry.did == "recreated") != (entry.stored is None):
            raise ValueError(f"an entry that did {entry.did!r}")
        if entry.stored is not None and not (isinstance(entry.stored, str) and _STORED_NAME.fullmatch(entry.stored)):
            raise ValueError("a stored file name that is not one of ours")
        if (entry.did == "removed") != (entry.after_sha256 is None):
            raise ValueError("an entry whose after-state does not match what it did")
        if entry.stored is not None and not (isinstance(entry.sha256, str) and type(entry.mode) is int):
            raise ValueError("a stored file without its hash or mode")
        entries.append(entry)
    root, project = doc["root"], doc["project_dir"]
    if not (isinstance(root, str) and root.startswith("/") and isinstance(project, str)):
        raise ValueError("no project folder")
    return Batch(path, name, int(doc["created_ms"]), project, root, str(doc.get("session_id", "")),
                 tuple(entries), None)


def list_batches(trash_root: str) -> list[Batch]:
    """Every rollback batch under ``trash_root``, newest first (damaged ones too, with their problem)."""
    out = [read_batch(path) for path in batch_folders(trash_root, finished=True)]  # (nothing else to undo)
    out.sort(key=lambda b: (-b.created_ms, b.name))
    return out


def _lmode(path: str) -> int:
    try:
        return os.lstat(path).st_mode
    except OSError:
        return 0


def fsync_batch(path: str) -> None:
    fsync_dir(path)


# --------------------------------------------------------------------------
# Moving bytes
# --------------------------------------------------------------------------


def copy_stream(src: int, out: int) -> str:
    """Copy all of ``src`` (from its start) to ``out``; the SHA-256 of what was copied."""
    h = hashlib.sha256()
    offset = 0
    while True:
        chunk = os.pread(src, filedigest.CHUNK, offset)
        if not chunk:
            return h.hexdigest()
        offset += len(chunk)
        h.update(chunk)
        write_all(out, [chunk])


def copy_file(name: str, src_dir: int, dest: str, dest_dir: int, mode: int) -> str:
    """Copy regular file ``name`` into a new ``dest`` (see :func:`copy_fd`); its SHA-256."""
    fd, _ = filedigest.open_regular(name, dir_fd=src_dir)
    try:
        return copy_fd(fd, dest, dest_dir, mode)
    finally:
        os.close(fd)


def copy_fd(src: int, dest: str, dest_dir: int, mode: int) -> str:
    """Copy all of ``src`` into a new file ``dest`` (never an existing one, never
    through a symlink), fsynced, with ``mode`` whatever the umask; its SHA-256."""
    out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                  dir_fd=dest_dir)
    try:
        sha = copy_stream(src, out)
        os.fchmod(out, mode)
        os.fsync(out)
    except BaseException:
        os.close(out)
        os.unlink(dest, dir_fd=dest_dir)
        raise
    os.close(out)
    return sha


def move_out(name: str, parent: int, stored: str, batch_fd: int, sha256: str | None) -> None:
    """Move the project's ``name`` into the batch: a rename, or across file systems copy, fsync, unlink."""
    try:
        os.rename(name, stored, src_dir_fd=parent, dst_dir_fd=batch_fd)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    st = os.lstat(name, dir_fd=parent)
    if copy_file(name, parent, stored, batch_fd, _stat.S_IMODE(st.st_mode)) != sha256:
        os.unlink(stored, dir_fd=batch_fd)
        raise RollbackError(f"{name} changed while being moved out")
    os.fsync(batch_fd)
    os.unlink(name, dir_fd=parent)


def link_no_replace(temp: str, name: str, parent: int) -> None:
    """Give ``temp`` the name ``name``, never replacing a file that appeared there meanwhile."""
    try:
        os.link(temp, name, src_dir_fd=parent, dst_dir_fd=parent, follow_symlinks=False)
    except FileExistsError:
        os.unlink(temp, dir_fd=parent)
        raise RollbackError(f"{name} appeared while it was being put back") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if _exists(name, parent):  # no hard links on this file system: look, then rename
            os.unlink(temp, dir_fd=parent)
            raise RollbackError(f"{name} appeared while it was being put back") from None
        os.rename(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
        return
    os.unlink(temp, dir_fd=parent)


def _exists(name: str, parent: int) -> bool:
    try:
        os.lstat(name, dir_fd=parent)
    except FileNotFoundError:
        return False
    return True


def temp_beside(name: str) -> str:
    """A hidden, unique temp name beside ``name``, short enough for any file system."""
    temp = temp_name("." + name)
    return temp if len(os.fsencode(temp)) <= 255 else temp_name(_LONG_TEMP)


_LONG_TEMP = ".snaptui-rollback"
"""The temp name beside a file whose own name is too long to have one made from it."""


def put_back(e: BatchEntry, name: str, parent: int, batch_fd: int) -> None:
    """Return one path to what it was before the rollback (its after-state already checked)."""
    if e.did == "recreated":
        os.unlink(name, dir_fd=parent)
        return
    assert e.stored is not None and e.mode is not None
    temp = temp_beside(name)
    try:
        if copy_file(e.stored, batch_fd, temp, parent, e.mode) != e.sha256:
            raise RollbackError(f"the saved copy of {e.relative} is damaged")
        if e.did == "restored":
            os.rename(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
        else:
            link_no_replace(temp, name, parent)
    except BaseException:
        try:
            os.unlink(temp, dir_fd=parent)
        except OSError:
            pass
        raise


def as_before(e: BatchEntry, parent: int, name: str) -> bool:
    """Whether ``name`` is already what it was before the rollback: put back by an undo that
    stopped part-way, or never changed by a rollback killed part-way (so there is nothing
    to put back, and a saved copy may never have been made)."""
    try:
        st = os.lstat(name, dir_fd=parent)
    except FileNotFoundError:
        return e.did == "recreated"  # it did not exist before the rollback made it
    if e.did == "recreated" or not _stat.S_ISREG(st.st_mode) or st.st_size != e.size:
        return False
    try:
        return filedigest.digest(name, dir_fd=parent).sha256 == e.sha256
    except (OSError, filedigest.NotRegular):
        return False


def sweep_temps(parent: int, names: set[str]) -> None:
    """Remove the temp files (:func:`temp_beside`) of ``names`` in folder ``parent`` that a
    rollback or undo killed before it could rename them left behind: those of processes
    no longer running."""
    bases = {"." + name for name in names} | {_LONG_TEMP}
    try:
        listed = os.listdir(parent)
    except OSError:
        return
    for other in listed:
        base = other.rpartition(".tmp.")[0]  # (what follows a temp name's last ".tmp." is ours)
        if base not in bases or not orphaned(other, base):
            continue
        try:
            if _stat.S_ISREG(os.lstat(other, dir_fd=parent).st_mode):
                os.unlink(other, dir_fd=parent)
        except OSError:
            pass


def check_after(e: BatchEntry, parent: int, name: str, batch_fd: int) -> os.stat_result | None:
    """Check that ``name`` is still what the rollback left and that its saved
    copy is intact; the stat it was checked with. Raises :class:`Refused`."""
    if e.stored is not None:
        try:
            stored = filedigest.digest(e.stored, dir_fd=batch_fd).sha256
        except (OSError, filedigest.NotRegular):
            stored = None
        if stored != e.sha256:
            raise Refused(f"the saved copy of {e.relative} is missing or damaged")
    try:
        st: os.stat_result | None = os.lstat(name, dir_fd=parent)
    except FileNotFoundError:
        st = None
    if e.after_sha256 is None:
        if st is not None:
            raise Refused(f"{e.relative} was created again after the rollback")
        return None
    if st is None:
        raise Refused(f"{e.relative} was removed after the rollback")
    try:
        d = filedigest.digest(name, dir_fd=parent)
    except (OSError, filedigest.NotRegular):
        raise Refused(f"{e.relative} is no longer a plain file") from None
    if d.sha256 != e.after_sha256 or (d.st.st_dev, d.st.st_ino) != (st.st_dev, st.st_ino):
        raise Refused(f"{e.relative} changed after the rollback")
    return st
