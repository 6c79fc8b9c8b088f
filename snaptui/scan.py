"""Scan a recovery directory: sessions, damaged files and leftovers.

Every regular ``*.json`` directly in the directory is considered, whatever its
name, as the reference does. A scan never changes a snapshot file; it reads
each at most once (none at all when the index knows it), never blocks on a
FIFO, never reads a file larger than :data:`MAX_BYTES`.
"""

from __future__ import annotations

import errno
import os
import stat as _stat
import time

from snaptui import index as _index

MAX_BYTES = 32 * 1024 * 1024
"""Larger files are damaged ("too large"): a real snapshot is a few KiB."""

TRASH_DIR = ".snaptui-trash"


class Session:
    """A valid snapshot file, with what the list shows (previews load lazily)."""

    __slots__ = (
        "path",
        "name",
        "identity",
        "is_link",
        "session_id",
        "message_count",
        "timestamp_ms",
        "completed",
        "project_dir",
        "cost_usd",
        "tools",
    )

    def __init__(self, path: str, name: str, identity: tuple, is_link: bool, row: tuple) -> None:
        self.path = path
        self.name = name
        self.identity = identity
        self.is_link = is_link
        (
            self.session_id,
            self.message_count,
            self.timestamp_ms,
            self.completed,
            self.project_dir,
            self.cost_usd,
            self.tools,
        ) = row

    @property
    def size(self) -> int:
        return self.identity[2]

    @property
    def mtime_ns(self) -> int:
        return self.identity[3]

    @property
    def last_tool(self) -> tuple[str, bool] | None:
        """(tool_name, success) of the most recent kept tool result."""
        return self.tools[-1] if self.tools else None

    @property
    def failures(self) -> int:
        return sum(1 for _, ok in self.tools if not ok)

    def __repr__(self) -> str:
        return f"Session({self.name!r}, completed={self.completed})"


class DamagedFile:
    """A ``*.json`` that is not a snapshot the reference would read, and why."""

    __slots__ = ("path", "name", "reason", "size", "mtime_ns", "is_link")

    def __init__(self, path: str, name: str, reason: str, size: int = 0, mtime_ns: int = 0, is_link: bool = False):
        self.path = path
        self.name = name
        self.reason = reason
        self.size = size
        self.mtime_ns = mtime_ns
        self.is_link = is_link

    def __repr__(self) -> str:
        return f"DamagedFile({self.name!r}, {self.reason!r})"


class Leftover:
    """A ``*.json.tmp*`` left by an interrupted write, compared with the file beside it.

    ``state`` is ``newer`` (holds a valid snapshot newer than the file beside
    it), ``older``, ``same``, ``orphan`` (valid, nothing beside it) or
    ``damaged`` (``detail`` says why).
    """

    __slots__ = ("path", "name", "target", "state", "detail", "size", "mtime_ns", "timestamp_ms")

    def __init__(self, path, name, target, state, detail, size, mtime_ns, timestamp_ms=None):
        self.path = path
        self.name = name
        self.target = target
        self.state = state
        self.detail = detail
        self.size = size
        self.mtime_ns = mtime_ns
        self.timestamp_ms = timestamp_ms

    def __repr__(self) -> str:
        return f"Leftover({self.name!r}, {self.state!r})"


class ScanResult:
    """Everything a scan found, in display order."""

    __slots__ = ("directory", "error", "incomplete", "completed", "damaged", "leftovers", "fragments", "partial")

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.partial = False
        """True when a deadline stopped the scan before every file was read."""
        self.error: str | None = None
        """Why the directory could not be listed (None when it could, or is missing)."""
        self.incomplete: list[Session] = []
        self.completed: list[Session] = []
        self.damaged: list[DamagedFile] = []
        self.leftovers: list[Leftover] = []
        self.fragments: dict[str, bytes] = {}
        """Compact JSON of each session by file name (only when asked for)."""

    @property
    def missing(self) -> bool:
        return self.error == "does not exist"

    @property
    def sessions(self) -> list[Session]:
        return self.incomplete + self.completed

    @property
    def cost_at_stake(self) -> float:
        return sum(float(s.cost_usd) for s in self.incomplete)


def _row(doc: dict) -> tuple:
    return (
        doc["session_id"],
        doc["message_count"],
        doc["snapshot_timestamp_ms"],
        doc["completed"],
        doc["project_dir"],
        doc["cost_usd"],
        tuple((t["tool_name"], t["success"]) for t in doc["last_tool_results"]),
    )


class _Unreadable(Exception):
    pass


def read_bounded(path: str, limit: int = MAX_BYTES) -> tuple[os.stat_result, bytes]:
    """Read a regular file without blocking, refusing anything over ``limit`` bytes.

    Returns the identity of what was actually read (``fstat`` of the open file).
    Raises :class:`_Unreadable` with a reason, or OSError.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not _stat.S_ISREG(st.st_mode):
            raise _Unreadable(_not_regular(st.st_mode))
        if st.st_size > limit:
            raise _Unreadable(_too_large(st.st_size))
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, max(st.st_size + 1 - total, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise _Unreadable(_too_large(total))
        return st, b"".join(chunks)
    finally:
        os.close(fd)


def _too_large(size: int) -> str:
    from snaptui.humanfmt import size as fmt_size

    return f"too large ({fmt_size(size)})"


def _not_regular(mode: int) -> str:
    kind = (
        "a directory" if _stat.S_ISDIR(mode)
        else "a FIFO" if _stat.S_ISFIFO(mode)
        else "a socket" if _stat.S_ISSOCK(mode)
        else "a device" if _stat.S_ISCHR(mode) or _stat.S_ISBLK(mode)
        else "not a regular file"
    )
    return f"not a regular file ({kind})" if kind != "not a regular file" else kind


def _os_reason(exc: OSError, is_link: bool) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT and is_link:
        return "dangling symlink (its target does not exist)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied"
    return f"cannot be read: {exc.strerror or exc}"


def _same_files(new: dict, old: dict) -> bool:
    """Whether two index tables describe the same files (same names, identities)."""
    return new.keys() == old.keys() and all(
        type(old[k]) is tuple and old[k][0] == v[0] for k, v in new.items()
    )


def scan(
    directory: str,
    *,
    cache_dir: str | None = None,
    fragments: bool = False,
    progress=None,
    deadline_ns: int | None = None,
) -> ScanResult:
    """Scan ``directory``.

    ``cache_dir`` enables the persisted index. ``fragments`` also collects each
    session as compact JSON (``list --json``). ``progress(done, total)`` is
    called now and then during a long scan. Past ``deadline_ns``
    (``time.monotonic_ns()``), files the index does not know are left unread
    and the result is marked ``partial``; what was read is indexed, so the
    next scan goes further.
    """
    from snaptui import reader

    result = ScanResult(directory)
    racy_ns = time.time_ns() - _index.RACY_NS  # files modified after this are not indexed
    try:
        with os.scandir(directory) as it:
            entries = [(e.name, e.path, e.is_symlink()) for e in it]
    except FileNotFoundError:
        result.error = "does not exist"
        return result
    except NotADirectoryError:
        result.error = "is not a directory"
        return result
    except PermissionError:
        result.error = "cannot be read: permission denied"
        return result
    except OSError as exc:
        result.error = f"cannot be read: {exc.strerror or exc}"
        return result

    rows_path = frags_path = None
    rows: dict = {}
    frags: dict = {}
    blob = b""
    if cache_dir:
        rows_path, frags_path = _index.index_paths(cache_dir, directory)
        rows = _index.load(rows_path, directory, _index.ROWS_MAGIC)[0]
        if fragments:
            frags, blob = _index.load(frags_path, directory, _index.JSON_MAGIC)
            blob = memoryview(blob)
    new_rows: dict = {}
    new_frags: dict = {}
    pieces: list = []  # the new fragment blob, as slices
    offset = 0
    leftovers = []
    by_name: dict[str, Session] = {}
    total = len(entries)
    for n, (name, path, is_link) in enumerate(entries):
        if progress is not None and n % 500 == 0:
            progress(n, total)
        if not name.endswith(".json"):
            if ".json.tmp" in name:
                leftovers.append((name, path))
            continue
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ENOENT and not is_link:
                continue  # removed since the listing: it is simply gone
            result.damaged.append(DamagedFile(path, name, _os_reason(exc, is_link), is_link=is_link))
            continue
        if not _stat.S_ISREG(st.st_mode):
            result.damaged.append(DamagedFile(path, name, _not_regular(st.st_mode), 0, st.st_mtime_ns, is_link))
            continue
        if st.st_size > MAX_BYTES:
            result.damaged.append(DamagedFile(path, name, _too_large(st.st_size), st.st_size, st.st_mtime_ns, is_link))
            continue
        ident = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        hit = rows.get(name)
        value = hit[1] if type(hit) is tuple and len(hit) == 2 and hit[0] == ident else None
        frag = None
        if fragments and type(value) is tuple:
            hit = frags.get(name)
            if type(hit) is tuple and len(hit) == 3 and hit[0] == ident:
                frag = blob[hit[1] : hit[1] + hit[2]]
            else:
                value = None
        if value is None:
            if deadline_ns is not None and time.monotonic_ns() > deadline_ns:
                result.partial = True
                continue
            try:
                st, data = read_bounded(path)
            except _Unreadable as exc:
                result.damaged.append(DamagedFile(path, name, str(exc), st.st_size, st.st_mtime_ns, is_link))
                continue
            except OSError as exc:
                if exc.errno == errno.ENOENT and not is_link:
                    continue
                result.damaged.append(DamagedFile(path, name, _os_reason(exc, is_link), is_link=is_link))
                continue
            ident = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
            try:
                doc, frag = reader.parse_with_json(data)
            except reader.Damaged as exc:
                value = str(exc)
            else:
                value = _row(doc)
        if ident[3] < racy_ns:
            new_rows[name] = (ident, value)
            if frag is not None:
                new_frags[name] = (ident, offset, len(frag))
                pieces.append(frag)
                offset += len(frag)
        if type(value) is str:
            result.damaged.append(DamagedFile(path, name, value, ident[2], ident[3], is_link))
            continue
        session = Session(path, name, ident, is_link, value)
        by_name[name] = session
        (result.completed if session.completed else result.incomplete).append(session)
        if fragments:
            result.fragments[name] = frag
    if progress is not None:
        progress(total, total)

    if rows_path is not None and not _same_files(new_rows, rows):
        _index.save(rows_path, directory, _index.ROWS_MAGIC, new_rows)
    if frags_path is not None and fragments and not _same_files(new_frags, frags):
        _index.save(frags_path, directory, _index.JSON_MAGIC, new_frags, b"".join(pieces))

    order = lambda s: (-s.timestamp_ms, s.name)  # noqa: E731 - newest first, stable
    result.incomplete.sort(key=order)
    result.completed.sort(key=order)
    result.damaged.sort(key=lambda d: d.name)
    result.leftovers = sorted((_leftover(name, path, by_name) for name, path in leftovers), key=lambda x: x.name)
    return result


def _leftover(name: str, path: str, sessions: dict[str, Session]) -> Leftover:
    from snaptui import reader

    target = name[: name.index(".json.tmp") + len(".json")]
    beside = sessions.get(target)
    try:
        st, data = read_bounded(path)
    except (_Unreadable, OSError) as exc:
        reason = str(exc) if isinstance(exc, _Unreadable) else _os_reason(exc, False)
        return Leftover(path, name, target, "damaged", reason, 0, 0)
    try:
        doc = reader.parse(data)
    except reader.Damaged as exc:
        return Leftover(path, name, target, "damaged", str(exc), st.st_size, st.st_mtime_ns)
    ts = doc["snapshot_timestamp_ms"]
    if beside is None:
        state, detail = "orphan", "holds a valid snapshot; no file beside it"
    elif ts > beside.timestamp_ms:
        state, detail = "newer", "holds a valid snapshot newer than the file beside it"
    elif ts < beside.timestamp_ms:
        state, detail = "older", "holds an older snapshot than the file beside it"
    else:
        state, detail = "same", "holds the same snapshot time as the file beside it"
    return Leftover(path, name, target, state, detail, st.st_size, st.st_mtime_ns, ts)
