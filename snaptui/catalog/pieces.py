"""The ``list --json`` half of the catalog's cache: each session's object, ready to write.

One file per recovery directory (``*.pieces`` beside the rows table, see
:mod:`snaptui.catalog.cache`): a header naming, for every ``*.json`` file, the
stat it was read with and where its object lies, then the objects laid out as
the plain ``list --json`` answer followed by the completed sessions'. So an
unchanged directory's answer is a listing, one stat of each file (compared,
as one string, with the fingerprint kept), one checked read of the answer and
one write of it; this module imports next to nothing, because that is the
whole cost of the answer.

A piece is used only while its file has exactly the stat in the header; the
file is checked (magic, owner, CRC) and anything wrong reads as empty.
"""

from __future__ import annotations

import marshal
import mmap
import os
import struct
import zlib

from snaptui.base import datafile

TYPE_CHECKING = False  # not typing's: this module is on the fast path of list --json
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence
    from typing import Any, TypeVar

    from snaptui.sources.recovery import Entry

    Buffer = bytes | memoryview
    ListingPrint = tuple[bytes, bytes]
    Part = TypeVar("Part", bytes, memoryview, Buffer, "Span | bytes")

MAGIC = b"SNAPPCS6"  # 6: costs as the reference reads them; 5: a fixed head, the blob, one index (name order)


def base_path(cache_dir: str, directory: str) -> str:
    """The cache path prefix for a recovery directory (``.table``, ``.pieces`` are added)."""
    from snaptui.base.datafile import key_for

    real = os.path.realpath(directory)
    tail = "".join(c if c.isalnum() else "_" for c in os.path.basename(real))[:32]
    return os.path.join(cache_dir, "index", f"{tail}-{key_for(directory)}")


def path_for(base: str) -> str:
    return base + ".pieces"


# The file: a fixed head, the blob, then the index I:
#   MAGIC | crc32(head fields) u32 | head fields | blob | I
#   head fields: len(blob), len(answer), len(I) (u64 each), then the crc32s
#                of the answer, the blob and I (u32 each)
#   I = marshal((owner, complete, names, stats, places)): the files the index
#       describes, sorted by name: their names joined by NUL, their stats as
#       five int64s each, where each one's object lies in the blob as two
#       int64s (offset, size; -1, 0 for a damaged file).
# The blob starts at a fixed place, so that it can be written as soon as the
# order of the pieces is known (by two processes: see
# :mod:`snaptui.catalog.pieces_write`). When ``complete`` (the plain answer
# was laid out and every file is described), the names and stats are the
# fingerprint an unchanged directory is compared with: its answer needs the
# head, I and the answer; nothing else is loaded or checked.
_U32, _U64 = 4, 8
_FIELDS_AT = 8 + _U32
HEAD = _FIELDS_AT + 3 * _U64 + 3 * _U32
"""Where the blob starts."""
_STAT = struct.Struct("@6q")  # as _stats_of lays out a stat: mode, device, inode, size, mtime, ctime
_STAT_BYTES = _STAT.size


class Head:
    """The checked head of a pieces file and its index."""

    __slots__ = ("blob", "answer", "answer_crc", "blob_crc", "complete", "names", "stats", "places")

    def __init__(self, data: memoryview, owner: str) -> None:
        """Raises ValueError (or OSError) when ``data`` does not check out."""
        if len(data) < HEAD or data[:8] != MAGIC:
            raise ValueError("not a pieces file")
        if int.from_bytes(data[8:_FIELDS_AT], "little") != zlib.crc32(data[_FIELDS_AT:HEAD]):
            raise ValueError("a damaged head")
        at = _FIELDS_AT + 3 * _U64
        blob_size, answer_size, index_size = (int.from_bytes(data[i : i + _U64], "little")
                                              for i in range(_FIELDS_AT, at, _U64))
        self.answer_crc, self.blob_crc, index_crc = (int.from_bytes(data[i : i + _U32], "little")
                                                     for i in range(at, HEAD, _U32))
        index_at = HEAD + blob_size
        if answer_size > blob_size or index_at + index_size != len(data):
            raise ValueError("a truncated pieces file")
        index = data[index_at:]
        if zlib.crc32(index) != index_crc:
            raise ValueError("a damaged index")
        stored_owner, complete, names, stats, places = marshal.loads(index)
        if stored_owner != owner:
            raise ValueError("another directory's")
        count = names.count(b"\0") + 1 if names else 0
        if len(stats) != count * _STAT_BYTES or len(places) != count * 16:
            raise ValueError("a damaged index")
        self.blob = (HEAD, blob_size)
        self.answer = (HEAD, answer_size)
        self.complete: bool = complete is True
        self.names: bytes = names
        self.stats: bytes = stats
        self.places: bytes = places

    def layout(self) -> dict[str, tuple[Any, ...]]:
        """``{name: (stat, offset, size)}`` of every file described."""
        import array

        if not self.names:
            return {}
        names = self.names.decode("utf-8", "surrogateescape").split("\0")
        places = array.array("q")
        places.frombytes(self.places)
        stats = _STAT.iter_unpack(self.stats)
        return dict(zip(names, zip(stats, places[0::2], places[1::2], strict=True), strict=True))


class Pieces:
    """The pieces file, mapped: its header (each file's stat and piece) and its blob."""

    def __init__(self, layout: dict[str, tuple[Any, ...]], plain: tuple[int, int] | None, blob: memoryview,
                 source: tuple[int, int] | None = None) -> None:
        self.layout = layout
        """``{name: (stat as a plain tuple, offset, length)}``; a damaged file has offset -1."""
        self.plain = plain
        """Where the plain answer lies in the blob, when it was laid out for every file."""
        self.blob = blob
        self.source = source
        """(the file kept open, where the blob starts in it), when loaded with ``keep_open``."""

    @classmethod
    def empty(cls) -> Pieces:
        return cls({}, None, memoryview(b""))

    @classmethod
    def load(cls, base: str | None, owner: str, *, keep_open: bool = False) -> Pieces:
        """The pieces file of ``base`` (empty when it does not check out). With ``keep_open``
        its file stays open (``source``; the caller closes it) to be read without mapping."""
        if base is None:
            return cls.empty()
        try:
            fd = datafile.open_regular(path_for(base))
        except OSError:
            return cls.empty()
        try:
            data = _mapped(fd)
            head = Head(data, owner)
            blob = data[head.blob[0] : head.blob[0] + head.blob[1]]
            if zlib.crc32(blob) != head.blob_crc:
                raise ValueError("a damaged blob")
            layout = head.layout()
        except (OSError, ValueError, EOFError, TypeError, IndexError):
            os.close(fd)
            return cls.empty()
        if not keep_open:
            os.close(fd)
        return cls(layout, (0, head.answer[1]) if head.complete else None, blob,
                   (fd, head.blob[0]) if keep_open else None)

    def get(self, name: str, st: object) -> Buffer | None:
        """The piece of ``name`` if its file still has stat ``st``."""
        hit = self.layout.get(name)
        if hit is None or st is None or hit[0] != st or hit[1] < 0:
            return None
        return self.blob[hit[1] : hit[1] + hit[2]]


def _mapped(fd: int) -> memoryview:
    size = os.fstat(fd).st_size
    if size < HEAD:
        raise ValueError("too short")
    return memoryview(mmap.mmap(fd, size, prot=mmap.PROT_READ))


class Span:
    """A range of an open file, written out as it is: never mapped, never copied
    through this process (``sendfile``), so memory stays flat however big it is."""

    __slots__ = ("fd", "offset", "size")

    def __init__(self, fd: int, offset: int, size: int) -> None:
        self.fd, self.offset, self.size = fd, offset, size

    def chunks(self, step: int = 1 << 20) -> Iterator[bytes]:
        """The range read in pieces of ``step`` bytes. Raises OSError (or EOFError if the file is short)."""
        at, end = self.offset, self.offset + self.size
        while at < end:
            chunk = os.pread(self.fd, min(step, end - at), at)
            if not chunk:
                raise EOFError("the file is shorter than its header says")
            at += len(chunk)
            yield chunk

    def read(self) -> bytes:
        return b"".join(self.chunks())

    def crc(self) -> int:
        """The range's CRC-32."""
        return crc_of(self.chunks())

    def send(self, out: int) -> None:
        """Write the range to ``out`` (any file, pipe or terminal), at its position, in
        the kernel where it can. Raises OSError (the file shorter than its header says)."""
        from snaptui.base.atomic import copy_range

        copy_range(self.fd, self.offset, self.size, out)

    def close(self) -> None:
        os.close(self.fd)


def crc_of(chunks: Iterable[Buffer]) -> int:
    """The CRC-32 of ``chunks`` one after the other."""
    crc = 0
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
    return crc


class Spliced:
    """An answer made of ranges of one open file (:class:`Span`) with buffers between
    them, written out in order: the ranges are never mapped or copied through this process."""

    __slots__ = ("parts", "within")

    def __init__(self, parts: list[Span | bytes], within: Span | None) -> None:
        self.parts = parts
        self.within = within
        """The range of the file every range lies in (the ``.pieces`` file's answer; closed by
        :meth:`close`); None when there are no ranges."""

    def chunks(self) -> Iterator[Buffer]:
        for part in self.parts:
            if isinstance(part, Span):
                yield from part.chunks()
            else:
                yield part

    def read(self) -> bytes:
        return b"".join(self.chunks())

    def crc(self) -> int:
        return crc_of(self.chunks())

    def size(self) -> int:
        return sum(part.size if isinstance(part, Span) else len(part) for part in self.parts)

    def send(self, out: int) -> None:
        """Write it all to ``out``, at its current position."""
        from snaptui.base.atomic import write_all

        pending: list[Buffer] = []
        for part in self.parts:
            if isinstance(part, Span):
                if pending:
                    write_all(out, pending)
                    pending = []
                part.send(out)
            else:
                pending.append(part)
        if pending:
            write_all(out, pending)

    def close(self) -> None:
        if self.within is not None:
            self.within.close()


def unchanged_answer(base: str, owner: str, directory: str) -> Span | None:
    """The plain answer laid out last time, if the directory's ``*.json`` files are
    exactly those it was laid out from, each with the same stat; else None.

    This is all an unchanged directory's ``list --json`` costs: one listing, one
    stat per file and one checked read of the answer. With many files a forked
    helper stats part of them and checks the answer while this process stats the rest.
    """
    got = unchanged_with_print(base, owner, directory)
    return None if got is None else got[0]


def unchanged_with_print(base: str, owner: str, directory: str, *, check_answer: bool = True,
                         also: Callable[[], bool] | None = None,
                         share: float | None = None) -> tuple[Span, ListingPrint] | None:
    """:func:`unchanged_answer`, and the directory's listing as it was compared (see
    :func:`listing_print`). Without ``check_answer`` the answer's checksum is not
    taken (the caller does not serve it); ``also``, a check of the caller's, runs
    in the helper alongside (or here, without one), which then takes ``share`` of
    the stats."""
    try:
        fd = datafile.open_regular(path_for(base))
    except OSError:
        return None
    try:
        got = _checked_answer(fd, owner, directory, check_answer, also, share)
    except (OSError, ValueError, EOFError, TypeError, OverflowError):
        got = None
    if got is None:
        os.close(fd)
    return got


def _checked_answer(fd: int, owner: str, directory: str, check_answer: bool, also: Callable[[], bool] | None,
                    share: float | None) -> tuple[Span, ListingPrint] | None:
    head = Head(_mapped(fd), owner)
    if not head.complete:
        return None  # nothing to compare with: no need to stat every file
    answer = Span(fd, *head.answer)
    listed = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        names = [n for n in os.listdir(listed) if n.endswith(".json") and n != ".json"]  # recovery.is_snapshot_name
        names.sort()
        if "\0".join(names).encode("utf-8", "surrogateescape") != head.names:
            return None

        def helper_checks() -> bool:
            return (not check_answer or answer.crc() == head.answer_crc) and (also is None or also())

        if _same_stats(listed, names, head.stats, helper_checks, share):
            return answer, (head.names, head.stats)
        return None
    finally:
        os.close(listed)


PARALLEL_CHECK_FROM = 2000
"""From this many files, a forked helper shares the stats and checks the answer (two cores)."""
_HELPER_SHARE = 0.35
"""The helper's part of the stats: it also takes the answer's checksum."""


def _same_stats(fd: int, names: list[str], expected: bytes, answer_ok: Callable[[], bool],
                share: float | None = None) -> bool:
    """Whether ``names`` (in directory ``fd``) have the stats ``expected`` and ``answer_ok()``
    (run by the helper, which takes ``share`` of the stats)."""
    if len(names) < PARALLEL_CHECK_FROM:
        return _stats_of(fd, names) == expected and answer_ok()
    from snaptui.base import twoproc

    if not twoproc.may_fork():
        return _stats_of(fd, names) == expected and answer_ok()
    split = len(names) - int(len(names) * (_HELPER_SHARE if share is None else share))
    pid = os.fork()
    if pid == 0:  # the helper: the last names and the checksum; its exit status is its answer
        same = False
        try:
            same = _stats_of(fd, names[split:]) == expected[split * _STAT_BYTES :] and answer_ok()
        finally:
            os._exit(0 if same else 1)
    mine = _stats_of(fd, names[:split]) == expected[: split * _STAT_BYTES]
    _, status = os.waitpid(pid, 0)
    return mine and status == 0


def _stats_of(fd: int, names: list[str]) -> bytes:
    """Each name's stat as it is compared: mode, device, inode, size, mtime (int64s).
    Raises OSError if one cannot be stat'ed, OverflowError if a value does not fit."""
    out: list[bytes] = []
    add = out.append
    pack = _STAT.pack
    stat = os.stat
    try:
        for name in names:
            st = stat(name, dir_fd=fd)
            add(pack(st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    except struct.error as exc:
        raise OverflowError(str(exc)) from None
    return b"".join(out)


def listing_print(entries: dict[str, Entry], racy_ns: int | None = None) -> ListingPrint | None:
    """The ``*.json`` files' names (sorted, NUL-separated) and their stats (as
    int64s), which :func:`unchanged_answer` compares with the directory; None when
    a stat failed or does not fit, or (with ``racy_ns``) one is too recent to trust."""
    names = sorted(entries)
    stats = []
    pack = _STAT.pack
    try:
        for n in names:
            st = entries[n].stat
            if len(st) * 8 != _STAT.size or (racy_ns is not None and st[4:5] >= (racy_ns,)):  # (4: the mtime)
                return None
            stats.append(pack(*st))
    except struct.error:
        return None
    return "\0".join(names).encode("utf-8", "surrogateescape"), b"".join(stats)


def answer_order(entries: dict[str, Entry]) -> list[str]:
    """The sessions' names in ``list --json`` order: interrupted first, each part
    newest first, ties by file name."""
    keyed = [(e.row.completed, -e.row.timestamp_ms, n) for n, e in entries.items() if e.row is not None]
    keyed.sort()
    return [n for _, _, n in keyed]


def interrupted_count(entries: dict[str, Entry]) -> int:
    """How many of the sessions are interrupted (they come first in :func:`answer_order`)."""
    return sum(1 for e in entries.values() if e.row is not None and not e.row.completed)


def array(parts: Sequence[Part]) -> list[Part | bytes]:
    """A JSON array of the given objects (buffers, or ranges of a file), one per line, as
    parts to write in order."""
    if not parts:
        return [b"[]\n"]
    framed: list[Part | bytes] = [b"[\n"]
    for part in parts:
        framed += (part, b",\n")
    framed[-1] = b"\n]\n"
    return framed
