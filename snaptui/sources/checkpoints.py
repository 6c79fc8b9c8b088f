"""opendev's per-turn checkpoint folder, read without trusting it.

``{data}/file-history/{session_id}/`` holds ``manifest.json`` (the finished
turns and the backups each listed) and the backups, ``{path_hash}@v{N}``:
verbatim copies of files taken before an edit (OPENDEV_STORE.md §5.1).
This module finds them; :mod:`snaptui.sources.filehistory` judges them.

Everything here is hostile until checked: the checkpoint root and the
session folder must be real folders (a symlink is refused, not followed;
both are opened once and everything else is looked up from the open
folder), the manifest a regular file of sane size in the documented shape,
backups regular files named exactly ``{16 lowercase hex}@v{N}``. A problem
with the folder or the manifest raises :class:`Refused` with the reason.
"""

from __future__ import annotations

import json
import os
import re
import stat as _stat
from typing import NamedTuple

from snaptui.base import filedigest
from snaptui.base.files import reason_not_regular, reason_os_error, reason_too_large
from snaptui.base.siphash import siphash13

MANIFEST_LIMIT = 8 << 20
"""A real manifest holds at most 100 snapshots, a few tens of KiB."""
MAX_ENTRIES = 100_000
"""More entries than this in one checkpoint folder is not opendev's doing: the folder is not read."""

_BACKUP_NAME = re.compile(r"([0-9a-f]{16})@v([1-9][0-9]{0,9})")
_STR_END = b"\xff"  # Rust's ``Hash for str`` writes this after the bytes, so "ab","c" != "a","bc"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def path_hash(path: str) -> str:
    """opendev's name for a path's backups: SipHash-1-3 (keys 0) of its UTF-8 bytes and 0xFF, 16 hex digits.

    Rust hashes a ``str`` as its bytes followed by 0xFF; a path that is not
    valid Unicode raises UnicodeEncodeError (opendev would hash its lossy form).
    """
    return f"{siphash13(path.encode('utf-8') + _STR_END):016x}"


def absolute(file_path: str, project_dir: str) -> str:
    """A ``file_path`` argument as opendev makes it absolute: joined onto the
    project folder when it does not start with ``/``; never normalised."""
    return file_path if file_path.startswith("/") else os.path.join(project_dir, file_path)

class Backup(NamedTuple):
    name: str
    version: int
    st: os.stat_result | None
    problem: str | None


class Folder(NamedTuple):
    fd: int
    backups: dict[str, list[tuple[int, str]]]
    """hash -> [(version, name)] of every entry named like a backup."""
    listed: frozenset[str]
    next_version: dict[str, int]
    notes: tuple[str, ...]


class Refused(Exception):
    """The checkpoints of this session cannot be used; ``str()`` says why."""

# --------------------------------------------------------------------------
# The checkpoint folder
# --------------------------------------------------------------------------


def _open_dir(name: str, dir_fd: int | None, what: str) -> int | None:
    """Open a folder that must be a real one (not a symlink); None when it does not exist."""
    shown = name if dir_fd is None else what
    try:
        st = os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise Refused(f"{shown}: {reason_os_error(exc, False)}") from None
    if _stat.S_ISLNK(st.st_mode):
        raise Refused(f"{shown} is a symlink; snaptui does not follow it (opendev never makes one)")
    if not _stat.S_ISDIR(st.st_mode):
        raise Refused(f"{shown} is not a folder")
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except OSError as exc:  # replaced between the lstat and the open
        raise Refused(f"{shown}: {reason_os_error(exc, False)}") from None


def open_folder(data_root: str, session_id: str) -> Folder | None:
    root = _open_dir(os.path.join(data_root, "file-history"), None, "")
    if root is None:
        return None
    try:
        fd = _open_dir(session_id, root, os.path.join(data_root, "file-history", session_id))
    finally:
        os.close(root)
    if fd is None:
        return None
    try:
        return _read_folder(fd)
    except BaseException:
        os.close(fd)
        raise


def _read_folder(fd: int) -> Folder:
    backups: dict[str, list[tuple[int, str]]] = {}
    odd: list[str] = []
    unfinished = 0
    try:
        with os.scandir(fd) as entries:
            for count, entry in enumerate(entries, 1):
                if count > MAX_ENTRIES:
                    raise Refused(f"the checkpoint folder holds more than {MAX_ENTRIES:,} entries; not read")
                name = entry.name
                m = _BACKUP_NAME.fullmatch(name)
                if m:
                    backups.setdefault(m.group(1), []).append((int(m.group(2)), name))
                elif name.startswith(".") and name.endswith(".tmp"):
                    unfinished += 1  # opendev's temp copy: it stopped while saving a backup or the manifest
                elif name != "manifest.json":
                    odd.append(name)
    except OSError as exc:
        raise Refused(f"the checkpoint folder {reason_os_error(exc, False)}") from None
    notes = []
    if odd:
        notes.append(f"{len(odd)} entr{'y' if len(odd) == 1 else 'ies'} in the checkpoint folder "
                     f"not named like a backup ({{16 hex}}@v{{N}}) were ignored, e.g. {min(odd)!r}")
    if unfinished:
        notes.append(f"{unfinished} unfinished temporary cop{'y' if unfinished == 1 else 'ies'} "
                     "(.*.tmp): opendev stopped while saving a backup or its manifest")
    listed, next_version = _manifest(fd)
    return Folder(fd, backups, listed, next_version, tuple(notes))


def _manifest(fd: int) -> tuple[frozenset[str], dict[str, int]]:
    """The backups the manifest lists (finished turns) and its ``next_version``; no manifest: none."""
    try:
        st = os.lstat("manifest.json", dir_fd=fd)
    except FileNotFoundError:
        return frozenset(), {}  # the first turn never ended
    except OSError as exc:
        raise Refused(f"manifest.json: {reason_os_error(exc, False)}") from None
    if _stat.S_ISLNK(st.st_mode):
        raise Refused("manifest.json is a symlink; not followed")
    if not _stat.S_ISREG(st.st_mode):
        raise Refused(f"manifest.json is {reason_not_regular(st.st_mode)}")
    try:
        d = filedigest.digest("manifest.json", dir_fd=fd, keep=MANIFEST_LIMIT, limit=MANIFEST_LIMIT)
    except filedigest.TooLarge as exc:
        raise Refused(f"manifest.json is {reason_too_large(exc.size)}") from None
    except (filedigest.NotRegular, OSError) as exc:
        raise Refused(f"manifest.json changed while being read ({exc})") from None
    try:
        doc = json.loads(d.data or b"")
    except (ValueError, RecursionError):
        raise Refused("manifest.json is damaged (not valid JSON)") from None
    return _manifest_shape(doc)


def _manifest_shape(doc: object) -> tuple[frozenset[str], dict[str, int]]:
    """Check the documented shape; anything else is damage, said in one line."""
    if not isinstance(doc, dict):
        raise Refused("manifest.json is damaged (not a JSON object)")
    turns = doc.get("turns")
    if not isinstance(turns, list):
        raise Refused("manifest.json is damaged (no list of turns)")
    listed: set[str] = set()
    for n, turn in enumerate(turns):
        files = turn.get("files") if isinstance(turn, dict) else None
        if not isinstance(files, list):
            raise Refused(f"manifest.json is damaged (turn #{n + 1} has no list of files)")
        for f in files:
            backup = f.get("backup_file", 0) if isinstance(f, dict) else 0
            if not (backup is None or isinstance(backup, str)):
                raise Refused(f"manifest.json is damaged (a file of turn #{n + 1} has no backup_file)")
            if backup is not None:
                listed.add(backup)
    raw = doc.get("next_version", {})
    if not isinstance(raw, dict) or not all(
            isinstance(k, str) and type(v) is int for k, v in raw.items()):
        raise Refused("manifest.json is damaged (next_version is not a map of counts)")
    return frozenset(listed), dict(raw)


def candidates(folder: Folder, h: str, start_ns: int | None) -> tuple[list[Backup], list[str]]:
    """The unlisted backups of hash ``h`` that this turn can have written, and why others were set aside."""
    floor = folder.next_version.get(h, 1)
    out: list[Backup] = []
    aside: list[str] = []
    for version, name in sorted(folder.backups.get(h, ())):
        if name in folder.listed:
            continue
        if version < floor:
            aside.append(f"{name} predates the last finished turn (left by an earlier failed turn); ignored")
            continue
        try:
            st: os.stat_result | None = os.lstat(name, dir_fd=folder.fd)
        except FileNotFoundError:
            continue
        except OSError as exc:
            out.append(Backup(name, version, None, f"backup {name}: {reason_os_error(exc, False)}"))
            continue
        assert st is not None
        if start_ns is not None and st.st_mtime_ns < start_ns:
            aside.append(f"{name} was written before this turn began (an earlier interrupted turn); ignored")
            continue
        problem = None
        if _stat.S_ISLNK(st.st_mode):
            problem = f"backup {name} is a symlink; not followed"
        elif not _stat.S_ISREG(st.st_mode):
            problem = f"backup {name} is {reason_not_regular(st.st_mode)}; not opened"
        out.append(Backup(name, version, st, problem))
    return out, aside


def stray_backups(folder: Folder, named: set[str], start_ns: int | None) -> int:
    """How many backups this turn wrote for paths none of its known calls name."""
    count = 0
    for h in folder.backups:
        if h not in named:
            count += len(candidates(folder, h, start_ns)[0])
    return count
