"""The plain ``list --json`` answer of a directory that changed (or was never read), streamed.

The same pass as :mod:`snaptui.catalog.survey` (files with an unchanged stat
come from the cache, the rest are read, by two processes when there are
many), but nothing grows with the size of the sessions: each process
appends each session's object to a scratch file of its own
(:mod:`snaptui.base.scratch`) and its rows for the cache's table as
marshal'd chunks, and keeps only a record per session: its order key,
name, stat and where its object lies. The parent sorts the records, then
writes the new ``.pieces`` file from the scratch files in bounded batches
(:mod:`snaptui.catalog.pieces_write`), releasing the pages it read as it
goes, and the rows table by copying the chunks file to file. The answer
is that file's answer range, written out with ``sendfile`` like an
unchanged directory's (:class:`snaptui.catalog.pieces.Span`).
"""

from __future__ import annotations

import marshal
import os
import struct
import time
import zlib
from bisect import bisect_left

from snaptui.base import files, twoproc
from snaptui.base import scratch as scratch_files
from snaptui.base.atomic import copy_range
from snaptui.base.datafile import RACY_NS
from snaptui.base.files import STAT_FIELDS, Unreadable, file_stat
from snaptui.catalog.cache import TABLE_MAGIC, Cache, Newest
from snaptui.catalog.jsonpieces import _COMPLETED, _INCOMPLETE, json_str
from snaptui.catalog.pieces import _STAT, Pieces, Span, path_for
from snaptui.catalog.pieces_write import (
    _COMPLETED_KEY,
    _U64_MAX,
    PieceFiles,
    order_key,
    pack_stat,
    size_of,
    where,
    write_file,
)
from snaptui.format import reader
from snaptui.sources import recovery

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Container
    from typing import Any

    from snaptui.base.files import Stat, StatFailed
    from snaptui.base.scratch import Scratch
    from snaptui.catalog.pieces_write import Record

    Todo = str | tuple[str, bool, Stat | StatFailed]
    """A file to read: its name alone when the listing says it is a regular file (not stat'ed yet)."""
    Damaged = tuple[str, tuple[int, ...]]
    Chunk = tuple[int, int]
    """(where, crc32) of a chunk of the rows table in a scratch file."""
    Found = tuple[list[Record], list[Damaged], list[Chunk], list[tuple[str, str]], list[tuple[Any, ...]]]
    """Records, damaged files, rows chunks, (when asked) each session's (name, session id), and
    the newest rows kept in the table (:class:`Newest`)."""

PARALLEL_READ_FROM = 2000
"""With this many files to read, a second process reads part of them (two cores)."""
ROWS_CHUNK = 1 << 18
"""Bytes of marshal'd rows gathered before they go to the scratch file as one chunk."""
_PARENT, _CHILD, _CACHED = 0, 1, 2
"""Where a piece lies: the parent's scratch file, the child's, the old ``.pieces`` file."""
_PATH_KEY = b',"path":'


class Unlistable(Exception):
    """The directory cannot be listed; ``str()`` says why (``"does not exist"``, ...)."""


class Streamed:
    """:func:`streamed` 's answer, and what merging other sessions into it needs."""

    __slots__ = ("span", "sessions", "split", "ids")

    def __init__(self, span: Span, sessions: list[Record], split: int, ids: dict[str, str]) -> None:
        self.span = span
        """The plain answer: a range of the new ``.pieces`` file."""
        self.sessions = sessions
        """Every session's record, in answer order (the interrupted ones first, then the completed)."""
        self.split = split
        """How many sessions the answer holds (the first ``split`` records)."""
        self.ids = ids
        """The session id by file name of each session whose id is one of those asked for."""


def plain_answer(directory: str, cache_dir: str | None) -> Span | None:
    """The plain ``list --json`` answer of ``directory``, read where the cache cannot answer
    and kept in the cache (when ``cache_dir``); None when no scratch file can be made (then
    lay it out in memory). Raises :class:`Unlistable`."""
    got = streamed(directory, cache_dir)
    return None if got is None else got.span


def streamed(directory: str, cache_dir: str | None, *, ids_of: Container[str] | None = None) -> Streamed | None:
    """:func:`plain_answer`, with each session's record (and the session id of each session
    whose id is one of ``ids_of``)."""
    started_ns = time.time_ns()
    cache = Cache(cache_dir, directory)
    known = len(cache) > 0
    try:  # the directory is opened once: every file is listed, stat'ed and opened in it
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            listing = _listing(dir_fd, stat=known)
        except BaseException:
            os.close(dir_fd)
            raise
    except OSError as exc:
        from snaptui.base.files import directory_problem

        raise Unlistable(directory_problem(exc)) from None
    at = os.path.dirname(cache.base) if cache.base is not None else None
    mine = theirs = old = None
    try:
        mine = scratch_files.Scratch.create(at or _tmp())
        sessions: list[Record] = []
        damaged: list[Damaged] = []
        chunks: list[Chunk] = []
        old = Pieces.load(cache.base, cache.owner, keep_open=True) if known else Pieces.empty()
        ids: list[tuple[str, str]] | None = [] if ids_of is not None else None
        newest = Newest()
        todo = _from_cache(listing, cache.rows, old.layout, mine, sessions, damaged, chunks, ids, ids_of, newest) \
            if known else listing
        del listing
        sessions.sort()
        how = _How(dir_fd, os.path.join(directory, ""), started_ns - RACY_NS, ids_of)
        forking = twoproc.may_fork()
        if len(todo) >= PARALLEL_READ_FROM and forking:
            theirs = scratch_files.Scratch.create(at or _tmp())
            found = _read_parallel(todo, (mine, theirs), how)
        else:
            found = [_read_some(todo, mine, _PARENT, how)]
        fresh = len(todo)
        del todo
        for got in found:  # each part is sorted: sorting them together merges them
            sessions += got[0]
            damaged += got[1]
            chunks += got[2]
            if ids is not None:
                ids += got[3]
            newest.heap += got[4]
        del found
        sessions.sort()
        mine.flush()
        scratches = (mine, theirs)
        rows = (lambda: _save_rows(cache, chunks, scratches, newest.rows())) \
            if fresh or len(sessions) + len(damaged) != len(cache) else None
        if not fresh and old.plain is not None and old.source is not None \
                and len(sessions) + len(damaged) == len(old.layout):
            # Every file is one the old .pieces file describes, with its stat: its answer is
            # this one (a merged answer asks again whenever the store changes). Not rewritten.
            span = Span(os.dup(old.source[0]), old.source[1] + old.plain[0], old.plain[1])
            if rows is not None:
                rows()
        else:
            sources = PieceFiles([(mine.fd, 0), None if theirs is None else (theirs.fd, 0), old.source])
            span = _write_answer(cache, sessions, damaged, how.racy_ns, sources, forking, rows)
        return Streamed(span, sessions, bisect_left(sessions, _COMPLETED_KEY), dict(ids or ()))
    except OSError:
        return None  # no scratch file, or a full disk: the answer is made in memory instead
    finally:
        os.close(dir_fd)
        for scratch in (mine, theirs):
            if scratch is not None:
                scratch.close()
        if old is not None and old.source is not None:
            os.close(old.source[0])


class _How:
    """What reading a file needs besides its name."""

    __slots__ = ("dir_fd", "prefix", "racy_ns", "ids")

    def __init__(self, dir_fd: int, prefix: str, racy_ns: int, ids: Container[str] | None = None) -> None:
        self.dir_fd = dir_fd
        self.prefix = prefix
        """The directory as given, with a separator: a session's ``path`` is this plus its name."""
        self.racy_ns = racy_ns
        """Files modified since are not kept in the rows table (they are read again next time)."""
        self.ids = ids
        """The session ids to tell (by file name) when a session has one of them."""


def _tmp() -> str:
    import tempfile

    return tempfile.gettempdir()


def _listing(dir_fd: int, *, stat: bool) -> list[Todo]:
    """The directory's ``*.json`` entries. Without ``stat``, a file the directory entry says
    is regular is not stat'ed (reading it gives its stat); anything else (a symlink, a FIFO,
    a device) is, so that only regular files are ever opened."""
    out: list[Todo] = []
    add = out.append
    with os.scandir(dir_fd) as it:
        for entry in it:
            name = entry.name
            if not name.endswith(".json") or name == ".json":  # recovery.is_snapshot_name
                continue
            try:
                regular = entry.is_file(follow_symlinks=False)  # not a symlink, then
            except OSError:  # the entry's type needed a stat, and it failed: stat says why
                regular = False
            if regular and not stat:
                add(name)
                continue
            try:
                is_link = entry.is_symlink()
            except OSError:
                is_link = False
            add((name, is_link, file_stat(name, dir_fd)))
    return out


def _from_cache(listing: list[Todo], rows: dict[str, tuple[Any, ...]], layout: dict[str, tuple[Any, ...]],
                out: Scratch, sessions: list[Record], damaged: list[Damaged], chunks: list[Chunk],
                ids: list[tuple[str, str]] | None, ids_of: Container[str] | None, newest: Newest) -> list[Todo]:
    """Take what the cache's ``rows`` and the old pieces' ``layout`` know of ``listing`` (their
    rows go to ``out`` again and to ``newest``, their session ids to ``ids`` if given and one
    of ``ids_of``); return
    the rest."""
    kept: dict[str, tuple[Any, ...]] = {}
    todo: list[Todo] = []

    def keep() -> None:
        _rows_chunk(memoryview(marshal.dumps(kept, 2))[1:-1].tobytes(), out, _PARENT, chunks)  # "{", items, "0"
        kept.clear()

    for item in listing:
        if isinstance(item, str):
            name, st = item, None
        else:
            name, _, st = item
        hit = rows.get(name)
        if hit is None or st is None or hit[0] != st:
            todo.append(item)
            continue
        value = hit[1]
        if type(value) is str:
            damaged.append((name, hit[0]))
        else:
            laid = layout.get(name)
            if laid is None or laid[0] != st or laid[1] < 0:
                todo.append(item)
                continue
            sessions.append((order_key(value[3], value[2]), name, pack_stat(hit[0]), where(laid[1], laid[2], _CACHED)))
            if ids is not None and value[0] in ids_of:  # type: ignore[operator]
                ids.append((name, value[0]))
            if len(hit[0]) == STAT_FIELDS:
                newest.add(name, hit[0], value)
        kept[name] = hit
        if len(kept) >= 4096:
            keep()
    if kept:
        keep()
    return todo


def _read_parallel(todo: list[Todo], scratches: tuple[Scratch, Scratch], how: _How) -> list[Found]:
    reader.prepare()  # once, here, rather than once in each process
    parent = os.getpid()

    def work(part: list[Todo]) -> list[Found]:
        child = os.getpid() != parent  # the child writes to its own scratch file
        return [_read_some(part, scratches[child], _CHILD if child else _PARENT, how)]

    return twoproc.split(todo, work, lambda got: [marshal.dumps(got, 2)], lambda fd: marshal.loads(twoproc.mapped(fd)),
                         share=CHILD_SHARE)


CHILD_SHARE = 0.5
"""The child's part of the files to read (it hands back only small records)."""


def _read_some(todo: list[Todo], out: Scratch, source: int, how: _How) -> Found:
    """Read ``todo``: each session's object goes to ``out``, its rows too (in chunks); the
    records come back sorted."""
    sessions: list[Record] = []
    damaged: list[Damaged] = []
    chunks: list[Chunk] = []
    ids: list[tuple[str, str]] = []
    newest = Newest()
    rows = bytearray()  # the rows table's items, marshal'd as they come (nothing kept alive)
    read, read_file, summarize = recovery.read_entry, files.read_bounded, reader.read_summary
    add = out.add
    pack = _STAT.pack
    dumps = marshal.dumps
    dir_fd, prefix, racy_ns = how.dir_fd, how.prefix, how.racy_ns
    for item in todo:
        data = None
        if isinstance(item, str):  # a regular file as listed: read_entry's steps, without its records
            name = item
            try:
                st, data = read_file(name, recovery.MAX_BYTES, dir_fd)
            except (OSError, Unreadable):
                pass  # read_entry says why
        text: bytes | memoryview | None
        if data:
            plain = tuple(st)
            try:
                row, text = summarize(data)
                reason = None
            except reader.Damaged as exc:
                row, text, reason = None, None, str(exc)
        else:  # anything unusual: read_entry knows what to make of it
            name, is_link, listed = (item, False, None) if isinstance(item, str) else item
            got = read(name, is_link, listed, dir_fd)
            if got is None:
                continue  # gone since the listing
            plain, row, text, reason = tuple(got.stat), got.row, got.text, got.reason
        if row is None or text is None:
            damaged.append((name, plain))
            value: Any = reason
        else:
            quoted = json_str(prefix + name)
            completed = row[3]
            tail = _COMPLETED if completed else _INCOMPLETE
            size = len(text) - 1 + len(_PATH_KEY) + len(quoted) + len(tail)
            at = add((memoryview(text)[:-1], _PATH_KEY, quoted, tail), size)
            try:
                packed: bytes | tuple[int, ...] = pack(*plain)
            except struct.error:
                packed = plain
            # order_key(completed, timestamp) and where(at, size, source), inlined: this runs per file
            key = (completed << 64) | (_U64_MAX - row[2])
            sessions.append((key, name, packed, (((at << 32) | size) << 2) | source))
            if how.ids is not None and row[0] in how.ids:
                ids.append((name, row[0]))
            value = tuple(row)  # a plain tuple for marshal (read_entry's is a Row)
        if len(plain) == STAT_FIELDS and plain[4] < racy_ns:  # too recent a file is read again next time
            rows += dumps(name, 2)
            rows += dumps((plain, value), 2)
            if type(value) is tuple:
                newest.add(name, plain, value)
            if len(rows) >= ROWS_CHUNK:
                _rows_chunk(bytes(rows), out, source, chunks)
                rows.clear()
    if rows:
        _rows_chunk(bytes(rows), out, source, chunks)
    out.flush()
    sessions.sort()
    return sessions, damaged, chunks, ids, newest.heap


def _rows_chunk(items: bytes, out: Scratch, source: int, chunks: list[Chunk]) -> None:
    """Append marshal'd rows table items (as in a marshal'd dict: key, value, key, ...) to ``out``."""
    chunks.append((where(out.add((items,), len(items)), len(items), source), zlib.crc32(items)))


def _save_rows(cache: Cache, chunks: list[Chunk], scratches: tuple[Scratch, Scratch | None],
               newest: list[tuple[Any, ...]]) -> None:
    """The rows table (:mod:`snaptui.base.datafile`'s layout) from the chunks, copied file to
    file, and its head (the ``newest`` rows)."""
    if cache.base is None:
        return
    from snaptui.base.atomic import write_all, write_atomic
    from snaptui.base.crc import crc32_combine

    head = marshal.dumps((cache.owner, {}), 2)[:-1]  # up to the dict's items
    size = len(head) + sum(size_of(w) for w, _ in chunks) + 1
    crc = zlib.crc32(head, zlib.crc32(size.to_bytes(8, "little")))
    for w, chunk_crc in chunks:
        crc = crc32_combine(crc, chunk_crc, size_of(w))
    crc = zlib.crc32(b"0", crc)

    def copied(fd: int) -> None:  # the chunks, file to file
        for w, _ in chunks:
            src = scratches[w & 3]
            assert src is not None
            copy_range(src.fd, w >> 34, size_of(w), fd)
        write_all(fd, [b"0"])

    try:
        write_atomic(cache.base + ".table", [TABLE_MAGIC, crc.to_bytes(4, "little"), size.to_bytes(8, "little"), head],
                     durable=False, finish=copied, sweep=True)
        cache.write_head(newest)
    except OSError:
        pass  # a cache that cannot be written only costs time


def _write_answer(cache: Cache, sessions: list[Record], damaged: list[Damaged], racy_ns: int, sources: PieceFiles,
                  helper: bool, rows: Callable[[], None] | None) -> Span:
    """Write the ``.pieces`` file (into the cache, else, where the cache cannot take it,
    into an unlinked scratch file) and return its answer range, the file kept open;
    ``rows()`` writes the rows table (in the helper, if there is one). Raises OSError."""
    laid: list[Span] = []

    def lay_out(fd: int) -> None:
        at, size = write_file(fd, cache.owner, sessions, damaged, racy_ns, sources, helper=helper, also=rows)
        laid.append(Span(os.dup(fd), at, size))

    if cache.base is not None:
        from snaptui.base.atomic import write_atomic

        try:
            os.makedirs(os.path.dirname(cache.base), mode=0o700, exist_ok=True)
            write_atomic(path_for(cache.base), [], durable=False, finish=lay_out, sweep=True)
        except OSError:
            pass  # a read-only or full cache: the answer is laid out in a file of its own
        if laid:  # (even if it could not be put in place: the open file holds it)
            return laid[0]
    fd = scratch_files.Scratch.create(_tmp()).fd
    try:
        lay_out(fd)
    finally:
        os.close(fd)
    return laid[0]
