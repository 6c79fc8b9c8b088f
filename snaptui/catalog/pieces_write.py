"""Writing the ``.pieces`` file (see :mod:`snaptui.catalog.pieces` for what it holds).

The blob starts at a fixed place, so it is written as soon as the order of
the sessions is known, in bounded batches, and with many sessions by two
processes (a forked helper writes the end of it while this process writes
the index and the beginning); the checksums of the parts
are combined (:mod:`snaptui.base.crc`) and the head is written last.
However many sessions there are, a process holds one batch of pieces at a
time and a few small values per session.

A session is given as a record ``(key, name, stat, where)``: ``key`` orders
the answer (:func:`order_key`), ``stat`` is its file's stat packed as five
int64s (:func:`pack_stat`; a plain tuple when it does not pack) and
``where`` (:func:`where`) says where its object lies: which of the
sources of :class:`PieceFiles` and where in it.
"""

from __future__ import annotations

import errno
import marshal
import os
import struct
import zlib
from bisect import bisect_left
from itertools import accumulate, chain

from snaptui.base import twoproc
from snaptui.base.crc import crc32_combine
from snaptui.base.files import STAT_FIELDS
from snaptui.catalog.pieces import _STAT, _U32, _U64, HEAD, MAGIC, array, path_for

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from snaptui.catalog.pieces import Buffer
    from snaptui.sources.recovery import Entry

    Record = tuple[int, str, bytes | tuple[int, ...], int]
    Sums = tuple[int, int, int, int]
    """(crc, size) of the part of a range in the answer, then of the part after it."""

_U64_MAX = (1 << 64) - 1
_COMPLETED_KEY = (1 << 64,)
"""Sorts before every completed session's record and after every interrupted one's."""
_MASK32 = (1 << 32) - 1
BATCH_BYTES = 1 << 20
"""Pieces are read and written this many bytes at a time (a piece bigger than this alone)."""
BATCH_PIECES = 400  # two buffers each in the answer: under the 1024 of one writev
HELPER_FROM = 8 << 20
"""From this many bytes of pieces, a forked helper writes part of them."""
HELPER_SHARE = 0.67
"""The helper's part of the bytes: this process also writes the index (measured: the two
then finish together)."""


def order_key(completed: bool, timestamp_ms: int) -> int:
    """Sorts interrupted sessions first, each part newest first (ties: by name, the record's next field)."""
    return (completed << 64) | (_U64_MAX - timestamp_ms)


def where(offset: int, size: int, view: int) -> int:
    """A piece's place: the ``size`` bytes at ``offset`` in view number ``view`` (0-3)."""
    return (((offset << 32) | size) << 2) | view


def size_of(w: int) -> int:
    return (w >> 2) & _MASK32


def pack_stat(st: tuple[int, ...]) -> bytes | tuple[int, ...]:
    """A stat as the fingerprint stores it (the tuple itself when it does not fit)."""
    if len(st) == STAT_FIELDS:
        try:
            return _STAT.pack(*st)
        except struct.error:
            pass
    return tuple(st)


def write_file(fd: int, owner: str, sessions: Sequence[Record], damaged: Sequence[tuple[str, tuple[int, ...]]],
               racy_ns: int, pieces: PieceFiles | _Each, *, helper: bool = False,
               also: Callable[[], None] | None = None) -> tuple[int, int]:
    """Write the pieces file to ``fd`` (an empty file): ``sessions`` in answer order, their
    objects read from ``pieces``, and the ``damaged`` files' stats. Returns where the plain
    answer lies in the file (offset, size). ``helper`` allows a forked helper (only from a
    single-threaded caller); ``also()`` is more work for it (done here when there is none,
    or when it fails: it must be safe to do twice). Raises OSError.

    Only files older than ``racy_ns`` are described in the index; it is the answer's
    fingerprint only when that is every file.
    """
    split = bisect_left(sessions, _COMPLETED_KEY)  # the interrupted sessions come first
    sizes = [(s[3] >> 2) & _MASK32 for s in sessions]
    answer_size = sum(sizes[:split]) + 2 * split + 3 if split else 3
    blob_size = answer_size + sum(sizes[split:])
    cut, cut_at = len(sessions), blob_size  # this process writes the sessions before cut, the helper the rest

    def rest() -> Sums:
        """The helper's part: the end of the blob, and ``also()``."""
        sums = _write_range(fd, sessions, cut, len(sessions), split, cut_at, pieces)
        if also is not None:
            also()
        return sums

    theirs = None
    if helper and blob_size >= HELPER_FROM:
        cut, cut_at = _cut(sizes, split, answer_size, blob_size * (1 - HELPER_SHARE))
        theirs = twoproc.aside(lambda: [_numbers(rest())])
    # This process: the index (a forked helper would pay for a copy of every page whose
    # objects it touches), then the beginning of the blob.
    index_crc, index_size = _write_index(fd, HEAD + blob_size, owner, sessions, sizes, split, answer_size, damaged,
                                         racy_ns)
    mine = _write_range(fd, sessions, 0, cut, split, 0, pieces)
    got = theirs() if theirs is not None else None
    answer_crc2, answer_size2, after_crc2, after_size2 = (
        _unnumbers(got) if got is not None and len(got) == 32 else rest())  # the helper failed: do its part
    answer_crc = crc32_combine(mine[0], answer_crc2, answer_size2)
    after_crc = crc32_combine(mine[2], after_crc2, after_size2)  # the completed sessions' pieces
    blob_crc = crc32_combine(answer_crc, after_crc, blob_size - answer_size)
    fields = b"".join([n.to_bytes(_U64, "little") for n in (blob_size, answer_size, index_size)]
                      + [n.to_bytes(_U32, "little") for n in (answer_crc, blob_crc, index_crc)])
    _pwrite_all(fd, [MAGIC, zlib.crc32(fields).to_bytes(_U32, "little"), fields], 0)
    return HEAD, answer_size


def _cut(sizes: list[int], split: int, answer_size: int, target: float) -> tuple[int, int]:
    """The first session whose piece starts at or after ``target`` bytes into the blob, and where it starts."""
    at = 2 if split else 3
    for i, size in enumerate(sizes):
        if i == split and split:
            at += 1  # "\n]\n" ends the answer rather than ",\n"
        if at >= target:
            return i, at
        at += size + 2 if i < split else size
    return len(sizes), at


def _numbers(numbers: tuple[int, ...]) -> bytes:
    return b"".join(n.to_bytes(8, "little") for n in numbers)


def _unnumbers(data: bytes) -> tuple[int, ...]:
    return tuple(int.from_bytes(data[i : i + 8], "little") for i in range(0, len(data), 8))


def _write_range(fd: int, sessions: Sequence[Record], lo: int, hi: int, split: int, at: int,
                 pieces: PieceFiles | _Each) -> Sums:
    """Write the pieces of ``sessions[lo:hi]`` (and what frames them) at ``at`` in the blob,
    a batch at a time (each batch is read, then written, then its buffer is reused)."""
    out = _Out(fd, HEAD + at)
    if at == 0:  # the start of the blob
        out.add([b"[\n" if split else b"[]\n"])
    end = min(hi, split)
    first = lo
    while first < end:
        parts = pieces.read(sessions, first, end)
        first += len(parts)
        framed = [x for p in parts for x in (p, b",\n")]
        if first == split:
            framed[-1] = b"\n]\n"
        out.add(framed)
        out.flush()
    answer = out.checksum()
    first = max(lo, split)
    while first < hi:
        parts = pieces.read(sessions, first, hi)
        first += len(parts)
        out.add(parts)
        out.flush()
    out.flush()  # the opening alone, when there are no pieces
    return (*answer, *out.checksum())


class PieceFiles:
    """Where the sessions' objects are: ``where``'s view number picks one of ``sources``,
    each an open file and where its pieces start in it (read with ``preadv``)."""

    def __init__(self, sources: Sequence[tuple[int, int] | None]) -> None:
        self.fds = [-1 if f is None else f[0] for f in sources]
        self.bases = [0 if f is None else f[1] for f in sources]
        self.buffer = bytearray(BATCH_BYTES)

    def read(self, sessions: Sequence[Record], first: int, end: int) -> list[Buffer]:
        """The objects of ``sessions[first:]``, up to ``end``, about a batch's worth (at least
        one), in a buffer that the next call reuses. Raises OSError."""
        ws = [s[3] for s in sessions[first : min(end, first + BATCH_PIECES)]]
        sizes = [(w >> 2) & _MASK32 for w in ws]
        ends = list(accumulate(sizes))
        count = max(1, bisect_left(ends, len(self.buffer) + 1))  # as many as fit (one bigger than a batch alone)
        if ends[count - 1] > len(self.buffer):
            self.buffer = bytearray(ends[count - 1])
        view = memoryview(self.buffer)
        pieces = [view[e - n : e] for e, n in zip(ends[:count], sizes, strict=False)]
        fds, bases = self.fds, self.bases
        got = list(map(os.preadv, [fds[w & 3] for w in ws[:count]], [[p] for p in pieces],
                       [bases[w & 3] + (w >> 34) for w in ws[:count]]))
        if got != sizes[:count]:
            raise OSError(errno.EIO, "a scratch file is shorter than what was written to it")
        return pieces  # type: ignore[return-value]


class _Each:
    """Pieces held in memory: a session's ``where`` is its piece's index."""

    def __init__(self, listed: list[Buffer]) -> None:
        self.listed = listed

    def read(self, sessions: Sequence[Record], first: int, end: int) -> list[Buffer]:
        return [self.listed[s[3] >> 34] for s in sessions[first : min(end, first + BATCH_PIECES)]]


class _Out:
    """Buffers written in order from a file offset, with the crc and size of what went out."""

    def __init__(self, fd: int, at: int) -> None:
        self.fd, self.at = fd, at
        self.batch: list[Buffer] = []
        self.pending = 0
        self.crc = self.size = 0

    def add(self, parts: list[Buffer]) -> None:
        crc, crc32 = self.crc, zlib.crc32
        for part in parts:
            crc = crc32(part, crc)
        self.crc = crc
        n = sum(map(len, parts))
        self.size += n
        self.pending += n
        self.batch += parts

    def flush(self) -> None:
        _pwrite_all(self.fd, self.batch, self.at)
        self.at += self.pending
        self.batch, self.pending = [], 0

    def checksum(self) -> tuple[int, int]:
        """(crc, size) of what was added since the last call."""
        got = (self.crc, self.size)
        self.crc = self.size = 0
        return got


def _write_index(fd: int, at: int, owner: str, sessions: Sequence[Record], sizes: list[int], split: int,
                 answer_size: int, damaged: Sequence[tuple[str, tuple[int, ...]]], racy_ns: int) -> tuple[int, int]:
    """Write the index (see :mod:`snaptui.catalog.pieces`) at ``at``, marshal'd, a chunk at a
    time; return its crc and size. Lists taken in a sorted order, no dicts, no copy of all
    the names or stats at once: a few small values per file."""
    offsets = list(accumulate([s + 2 for s in sizes[:split]], initial=2))[:split]
    offsets += accumulate(sizes[split:-1], initial=answer_size) if split < len(sizes) else []
    names = [s[1] for s in sessions]
    stats = [s[2] for s in sessions]
    sizes = list(sizes)
    for name, st in damaged:
        names.append(name)
        stats.append(pack_stat(st))
        offsets.append(-1)
        sizes.append(0)
    count = len(names)
    order = sorted(range(count), key=names.__getitem__)  # by name: names are unique
    if any(type(st) is not bytes for st in stats):  # the stats that do not pack are not described
        order = [i for i in order if type(stats[i]) is bytes]
    kept: list[int] = []
    for first in range(0, len(order), _CHUNK):  # files too recent to trust are not described
        some = order[first : first + _CHUNK]
        mtimes = memoryview(b"".join(map(stats.__getitem__, some))).cast("q")[4::STAT_FIELDS]  # type: ignore[arg-type]
        kept += some if max(mtimes) < racy_ns else [i for i, mtime in zip(some, mtimes, strict=True) if mtime < racy_ns]
    order = kept
    del kept
    out = _Out(fd, at)
    out.add([b"(" + _i32(5) + marshal.dumps(owner, 2) + marshal.dumps(len(order) == count, 2) + b"s"])
    head_crc, head_size = out.checksum()
    names_at = out.at + out.pending  # the names' length goes here, once known
    out.add([bytes(4)])
    out.checksum()
    for first in range(0, len(order), _CHUNK):  # the names joined by NUL
        joined = "\0".join(map(names.__getitem__, order[first : first + _CHUNK])).encode("utf-8", "surrogateescape")
        out.add([b"\0", joined] if first else [joined])
        out.flush()
    names_crc, names_size = out.checksum()
    out.add([b"s" + _i32(_STAT_SIZE * len(order))])
    for first in range(0, len(order), _CHUNK):  # their stats
        out.add([b"".join(map(stats.__getitem__, order[first : first + _CHUNK]))])  # type: ignore[arg-type]
        out.flush()
    out.add([b"s" + _i32(16 * len(order))])
    for first in range(0, len(order), _CHUNK):  # where each one's object lies: offset, size
        some = order[first : first + _CHUNK]
        out.add([struct.pack(f"@{2 * len(some)}q", *chain.from_iterable(
            zip(map(offsets.__getitem__, some), map(sizes.__getitem__, some), strict=True)))])
        out.flush()
    out.flush()
    rest_crc, rest_size = out.checksum()
    length = _i32(names_size)
    _pwrite_all(fd, [length], names_at)
    crc = crc32_combine(head_crc, zlib.crc32(length), len(length))
    crc = crc32_combine(crc, names_crc, names_size)
    return crc32_combine(crc, rest_crc, rest_size), head_size + len(length) + names_size + rest_size


_CHUNK = 8192
_STAT_SIZE = _STAT.size


def _pwrite_all(fd: int, parts: Sequence[Buffer], at: int) -> None:
    """Write ``parts`` in order at file offset ``at``."""
    i = 0
    while i < len(parts):
        chunk = parts[i : i + 1024]
        written = os.pwritev(fd, chunk, at)
        at += written
        if written == sum(map(len, chunk)):  # all of it, as nearly always
            i += len(chunk)
            continue
        for part in chunk:  # skip the parts that went out whole; finish the one cut short
            i += 1
            if written >= len(part):
                written -= len(part)
                continue
            view = memoryview(part)[written:]
            while view:
                done = os.pwrite(fd, view, at)
                view, at = view[done:], at + done
            break


def _i32(n: int) -> bytes:
    return n.to_bytes(4, "little")


def save(base: str | None, owner: str, entries: dict[str, Entry], pieces: dict[str, Buffer],
         racy_ns: int) -> list[Buffer]:
    """Lay out pieces held in memory (see :func:`write_file`) and keep them (when ``base``);
    return the plain answer as buffers."""
    sessions: list[Record] = []
    listed: list[Buffer] = []  # a session's "offset" is its piece's index here
    damaged: list[tuple[str, tuple[int, ...]]] = []
    for n, e in entries.items():
        if e.row is None:
            damaged.append((n, tuple(e.stat)))
        else:
            piece = pieces[n]
            sessions.append((order_key(e.row.completed, e.row.timestamp_ms), n, pack_stat(tuple(e.stat)),
                             where(len(listed), len(piece), 0)))
            listed.append(piece)
    sessions.sort()
    answer = array([listed[s[3] >> 34] for s in sessions[: bisect_left(sessions, _COMPLETED_KEY)]])
    if base is None:
        return answer
    from snaptui.base.atomic import write_atomic

    def laid_out(fd: int) -> None:
        write_file(fd, owner, sessions, damaged, racy_ns, _Each(listed))

    try:
        os.makedirs(os.path.dirname(base), mode=0o700, exist_ok=True)
        write_atomic(path_for(base), [], durable=False, finish=laid_out, sweep=True)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return answer
