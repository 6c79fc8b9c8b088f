"""Scan a recovery directory: sessions, damaged files and leftovers.

Every regular ``*.json`` directly in the directory is considered, whatever its
name, as the reference does. A scan never changes a snapshot file; it reads
each at most once (none at all when the index knows it), never blocks on a
FIFO, never reads a file larger than :data:`MAX_BYTES`.
"""

from __future__ import annotations

import errno
import marshal
import os
import stat as _stat
import time

from snaptui.base import twoproc

# The file plumbing lives in base.files (the sources use it too); these names stay importable from here.
from snaptui.base.files import (
    MAX_BYTES,
    directory_problem,
    file_stat,
    read_bounded,
    reason_not_regular,
    reason_os_error,
    reason_too_large,
    stat_tuple,
)
from snaptui.base.files import Unreadable as _Unreadable
from snaptui.catalog import index as _index

TRASH_DIR = ".snaptui-trash"


class Session:
    """A valid snapshot file, with what the list shows (previews load lazily).

    Its tool results are summarised (the last one, the failures, the names for
    the filter): scalars only, so that 10,000 of them load from the index fast.
    """

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
        "last_tool",
        "failures",
        "tool_names",
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
            last_name,
            last_ok,
            self.failures,
            self.tool_names,
        ) = row
        self.last_tool: tuple[str, bool] | None = None if last_name is None else (last_name, last_ok)
        """(tool_name, success) of the most recent kept tool result."""

    @property
    def size(self) -> int:
        return self.identity[2]

    @property
    def mtime_ns(self) -> int:
        return self.identity[3]

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

    __slots__ = ("directory", "error", "incomplete", "completed", "damaged", "leftovers", "partial")

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
    tools = doc["last_tool_results"]
    last = tools[-1] if tools else None
    return (
        doc["session_id"],
        doc["message_count"],
        doc["snapshot_timestamp_ms"],
        doc["completed"],
        doc["project_dir"],
        doc["cost_usd"],
        None if last is None else last["tool_name"],
        None if last is None else last["success"],
        sum(1 for t in tools if not t["success"]),
        "\n".join(t["tool_name"] for t in tools),
    )


def read_entry(path: str, is_link: bool) -> tuple | None:
    """Read one ``*.json`` file: ``(stat, data)`` with the ``fstat`` of what was
    read, or ``(None, reason)`` when it cannot be read, or None when it
    vanished meanwhile."""
    try:
        return read_bounded(path)
    except _Unreadable as exc:
        return (None, str(exc))
    except OSError as exc:
        if exc.errno == errno.ENOENT and not is_link:
            return None
        return (None, reason_os_error(exc, is_link))


def inspect(path: str, is_link: bool) -> tuple | None:
    """Read and decode one ``*.json`` file: ``("session", identity, doc)`` or
    ``("damaged", identity, reason)``; None when it vanished meanwhile."""
    from snaptui.format import reader

    got = read_entry(path, is_link)
    if got is None or got[0] is None:
        return got and ("damaged", None, got[1])
    st, data = got
    ident = stat_tuple(st)[1:]
    try:
        return ("session", ident, reader.parse(data))
    except reader.Damaged as exc:
        return ("damaged", ident, str(exc))


def scan(
    directory: str,
    *,
    cache_dir: str | None = None,
    progress=None,
    deadline_ns: int | None = None,
    early=None,
    early_after: int = 150,
) -> ScanResult:
    """Scan ``directory``.

    ``cache_dir`` enables the persisted index. ``progress(done, total)`` is
    called now and then during a long scan. Past ``deadline_ns``
    (``time.monotonic_ns()``), files the index does not know are left unread
    and the result is marked ``partial``; what was read is indexed, so the
    next scan goes further. ``early(partial_result)``, if given, is called once
    with the ``early_after`` newest sessions: straight from the index (each
    checked against its file) when there is one, else after reading the newest
    files first; a list can show them before a huge directory is done.
    """
    result = ScanResult(directory)
    racy_ns = time.time_ns() - _index.RACY_NS  # files modified after this are not indexed
    rows_path = None
    rows: dict = {}
    if cache_dir:
        rows_path = _index.index_path(cache_dir, directory)
        rows = _index.load(rows_path, directory)
    if early is not None and rows and os.path.isdir(directory):
        early(_newest_from_index(directory, rows, early_after))  # before even listing the directory
        early = None
    try:
        with os.scandir(directory) as it:
            entries = [(e.name, e.path, e.is_symlink()) for e in it]
    except OSError as exc:
        result.error = directory_problem(exc)
        return result

    stored: list = []  # (name, identity, value) of the files old enough to index
    reused = fresh = 0
    leftovers = [(name, path) for name, path, _ in entries if ".json.tmp" in name and not name.endswith(".json")]
    listed = [e for e in entries if e[0].endswith(".json")]
    # The first rows of a first start wait for this: there it is shared with a second process.
    stats = _stat_all([e[1] for e in listed], parallel=early is not None)
    files = [(name, path, is_link, st) for (name, path, is_link), st in zip(listed, stats)]
    if early is not None:  # no index yet: read the newest files first
        files = _newest_first(files, early_after)
    by_name: dict[str, int] = {}  # snapshot time of each session, for the leftovers
    total = len(files)
    for n, (name, path, is_link, st) in enumerate(files):
        if progress is not None and n % 500 == 0:
            progress(n, total)
        if early is not None and n == early_after:
            early(_sorted_copy(result))
            early = None
        reason = reason_not_to_open(st, is_link)
        if reason is VANISHED:
            continue
        if reason is not None:
            regular = st[0] != "error" and _stat.S_ISREG(st[0])
            result.damaged.append(DamagedFile(path, name, reason, st[3] if regular else 0,
                                              0 if st[0] == "error" else st[4], is_link))
            continue
        ident = st[1:]
        hit = rows.get(name)
        value = hit[1] if type(hit) is tuple and len(hit) == 2 and hit[0] == ident else None
        if value is not None:
            reused += 1
        else:
            if deadline_ns is not None and time.monotonic_ns() > deadline_ns:
                result.partial = True
                continue
            seen = inspect(path, is_link)
            if seen is None:
                continue
            if seen[1] is None:  # nothing could be read
                result.damaged.append(DamagedFile(path, name, seen[2], ident[2], ident[3], is_link))
                continue
            ident = seen[1]
            value = _row(seen[2]) if seen[0] == "session" else seen[2]
            if ident[3] < racy_ns:
                fresh += 1
        if ident[3] < racy_ns:
            stored.append((name, ident, value))
        if type(value) is str:
            result.damaged.append(DamagedFile(path, name, value, ident[2], ident[3], is_link))
            continue
        session = Session(path, name, ident, is_link, value)
        by_name[name] = session.timestamp_ms
        (result.completed if session.completed else result.incomplete).append(session)
    if progress is not None:
        progress(total, total)

    # The table is rewritten only when it would differ: something was read
    # afresh, or an indexed file is gone.
    if rows_path is not None and (fresh or reused != len(rows)):
        _index.save(rows_path, directory, {n: (i, v) for n, i, v in stored})

    _sort(result)
    result.leftovers = sorted((leftover(name, path, by_name) for name, path in leftovers), key=lambda x: x.name)
    return result


def _newest_from_index(directory: str, rows: dict, count: int) -> ScanResult:
    """A first look: the ``count`` newest sessions the index knows, each still
    checked against its file's identity (the full scan follows)."""
    import heapq

    result = ScanResult(directory)
    result.partial = True
    known = ((hit[1][2], name) for name, hit in rows.items()
             if type(hit) is tuple and len(hit) == 2 and type(hit[1]) is tuple)
    for _, name in heapq.nlargest(count, known):
        path = os.path.join(directory, name)
        ident, row = rows[name]
        if file_stat(path)[1:] == ident:
            session = Session(path, name, ident, os.path.islink(path), row)
            (result.completed if session.completed else result.incomplete).append(session)
    _sort(result)
    return result


def _newest_first(files: list, count: int) -> list:
    """The ``count`` most recently modified files first (newest first), then the rest."""
    import heapq

    newest = heapq.nlargest(count, files, key=lambda f: 0 if f[3][0] == "error" else f[3][4])
    chosen = {id(f) for f in newest}
    return newest + [f for f in files if id(f) not in chosen]


STAT_PARALLEL_FROM = 20_000
"""A first scan of this many files stats them in two processes."""


def _stat_all(paths: list, *, parallel: bool) -> list:
    """:func:`file_stat` of each path (in two processes for a big first scan)."""
    if parallel and len(paths) >= STAT_PARALLEL_FROM and twoproc.available():
        return twoproc.split(paths, _stat_some, lambda stats: [marshal.dumps(stats)],
                             lambda fd: marshal.loads(twoproc.mapped(fd)))
    return _stat_some(paths)


def _stat_some(paths: list) -> list:
    return [file_stat(path) for path in paths]


VANISHED = "vanished"
"""What :func:`reason_not_to_open` says of a file removed since the listing (simply gone)."""


def reason_not_to_open(st: tuple, is_link: bool) -> str | None:
    """Why a ``*.json`` entry with this :func:`file_stat` is not to be opened: a
    damaged file's reason, :data:`VANISHED`, or None when it is to be read.
    Only regular files are ever opened (opening a FIFO or a device can act)."""
    if st[0] == "error":
        if st[1] == errno.ENOENT and not is_link:
            return VANISHED
        return reason_os_error(OSError(st[1], os.strerror(st[1])), is_link)
    if not _stat.S_ISREG(st[0]):
        return reason_not_regular(st[0])
    if st[3] > MAX_BYTES:
        return reason_too_large(st[3])
    return None


def _sort(result: ScanResult) -> None:
    order = lambda s: (-s.timestamp_ms, s.name)  # noqa: E731 - newest first, stable
    result.incomplete.sort(key=order)
    result.completed.sort(key=order)
    result.damaged.sort(key=lambda d: d.name)


def _sorted_copy(result: ScanResult) -> ScanResult:
    copy = ScanResult(result.directory)
    copy.incomplete = list(result.incomplete)
    copy.completed = list(result.completed)
    copy.damaged = list(result.damaged)
    copy.partial = True
    _sort(copy)
    return copy


def leftover(name: str, path: str, timestamps: dict[str, int]) -> Leftover:
    """A ``*.json.tmp*`` file compared with the snapshot beside it
    (``timestamps``: snapshot time of each valid session, by file name)."""
    from snaptui.format import reader

    target = name[: name.index(".json.tmp") + len(".json")]
    beside = timestamps.get(target)
    try:
        st, data = read_bounded(path)
    except (_Unreadable, OSError) as exc:
        reason = str(exc) if isinstance(exc, _Unreadable) else reason_os_error(exc, False)
        return Leftover(path, name, target, "damaged", reason, 0, 0)
    try:
        doc = reader.parse(data)
    except reader.Damaged as exc:
        return Leftover(path, name, target, "damaged", str(exc), st.st_size, st.st_mtime_ns)
    ts = doc["snapshot_timestamp_ms"]
    if beside is None:
        state, detail = "orphan", "holds a valid snapshot; no file beside it"
    elif ts > beside:
        state, detail = "newer", "holds a valid snapshot newer than the file beside it"
    elif ts < beside:
        state, detail = "older", "holds an older snapshot than the file beside it"
    else:
        state, detail = "same", "holds the same snapshot time as the file beside it"
    return Leftover(path, name, target, state, detail, st.st_size, st.st_mtime_ns, ts)
