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

import errno
import marshal
import mmap
import os
import struct
import zlib

TYPE_CHECKING = False  # not typing's: this module is on the fast path of list --json
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from typing import Any

    from snaptui.sources.recovery import Entry

    Buffer = bytes | memoryview
    ListingPrint = tuple[bytes, bytes]

MAGIC = b"SNAPPCS4"  # 4: a fingerprint of the listing for the unchanged answer; two checksums


def base_path(cache_dir: str, directory: str) -> str:
    """The cache path prefix for a recovery directory (``.table``, ``.pieces`` are added)."""
    from snaptui.base.datafile import key_for

    real = os.path.realpath(directory)
    tail = "".join(c if c.isalnum() else "_" for c in os.path.basename(real))[:32]
    return os.path.join(cache_dir, "index", f"{tail}-{key_for(directory)}")


def path_for(base: str) -> str:
    return base + ".pieces"


# The file: MAGIC, then two checked sections, then the blob.
#   crc32(F) u32 | len(F) u64 | F = marshal((owner, fingerprint or None))
#   crc32(L + blob) u32 | len(L) u64 | L = marshal(layout) | blob
# The fingerprint, present when the plain answer was laid out for every file,
# is (sorted *.json names joined by NUL, their stats as int64s, answer size,
# crc32 of the answer). An unchanged directory's answer needs F and the first
# bytes of the blob; nothing else is loaded or checked.
_U32, _U64 = 4, 8


class Pieces:
    """The pieces file, mapped: its header (each file's stat and piece) and its blob."""

    def __init__(self, layout: dict[str, tuple[Any, ...]], plain: tuple[int, int] | None, blob: memoryview) -> None:
        self.layout = layout
        """``{name: (stat as a plain tuple, offset, length)}``; a damaged file has offset -1."""
        self.plain = plain
        """Where the plain answer lies in the blob, when it was laid out for every file."""
        self.blob = blob

    @classmethod
    def empty(cls) -> Pieces:
        return cls({}, None, memoryview(b""))

    @classmethod
    def load(cls, base: str | None, owner: str) -> Pieces:
        if base is None:
            return cls.empty()
        try:
            with open(path_for(base), "rb") as f:
                data, fast, layout_at = _checked_head(f.fileno(), owner)
            crc = int.from_bytes(data[layout_at : layout_at + _U32], "little")
            size = int.from_bytes(data[layout_at + _U32 : layout_at + _U32 + _U64], "little")
            body = layout_at + _U32 + _U64
            if zlib.crc32(data[body:]) != crc:
                return cls.empty()
            layout = marshal.loads(data[body : body + size])
        except (OSError, ValueError, EOFError, TypeError, IndexError):
            return cls.empty()
        if type(layout) is not dict:
            return cls.empty()
        return cls(layout, None if fast is None else (0, fast[2]), data[body + size :])

    def get(self, name: str, st: object) -> Buffer | None:
        """The piece of ``name`` if its file still has stat ``st``."""
        hit = self.layout.get(name)
        if hit is None or st is None or hit[0] != st or hit[1] < 0:
            return None
        return self.blob[hit[1] : hit[1] + hit[2]]


def _checked_head(fd: int, owner: str) -> tuple[memoryview, tuple[Any, ...] | None, int]:
    """The file ``fd`` mapped, its fingerprint (None if not laid out whole) and where its
    layout section starts. Raises ValueError (or OSError) when it does not check out."""
    size = os.fstat(fd).st_size
    if size < 8 + _U32 + _U64:
        raise ValueError("too short")
    data = memoryview(mmap.mmap(fd, size, prot=mmap.PROT_READ))
    head = 8 + _U32 + _U64
    fast_size = int.from_bytes(data[8 + _U32 : head], "little")
    if data[:8] != MAGIC or int.from_bytes(data[8 : 8 + _U32], "little") != zlib.crc32(data[head : head + fast_size]):
        raise ValueError("not a pieces file")
    stored_owner, fast = marshal.loads(data[head : head + fast_size])
    if stored_owner != owner or not (fast is None or (type(fast) is tuple and len(fast) == 4)):
        raise ValueError("another directory's")
    return data, fast, head + fast_size


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
        """The CRC-32 of the range."""
        crc = 0
        for chunk in self.chunks():
            crc = zlib.crc32(chunk, crc)
        return crc

    def send(self, out: int) -> None:
        """Write the range to ``out`` (any file, pipe or terminal)."""
        at, end = self.offset, self.offset + self.size
        try:
            while at < end:
                sent = os.sendfile(out, self.fd, at, end - at)
                if not sent:
                    raise EOFError("the file is shorter than its header says")
                at += sent
        except OSError as exc:
            if at != self.offset or exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
                raise
            from snaptui.base.atomic import write_all

            for chunk in self.chunks():  # an output sendfile cannot write to
                write_all(out, [chunk])

    def close(self) -> None:
        os.close(self.fd)


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
        fd = os.open(path_for(base), os.O_RDONLY | os.O_CLOEXEC)
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
    data, fast, layout_at = _checked_head(fd, owner)
    if fast is None:
        return None  # nothing to compare with: no need to stat every file
    names_blob, stats_blob, size, crc = fast
    blob_at = layout_at + _U32 + _U64 + int.from_bytes(data[layout_at + _U32 : layout_at + _U32 + _U64], "little")
    if len(data) < blob_at + size:
        return None
    answer = Span(fd, blob_at, size)
    listed = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        names = [n for n in os.listdir(listed) if n.endswith(".json")]
        names.sort()
        if "\0".join(names).encode("utf-8", "surrogateescape") != names_blob:
            return None

        def helper_checks() -> bool:
            return (not check_answer or answer.crc() == crc) and (also is None or also())

        if _same_stats(listed, names, stats_blob, helper_checks, share):
            return answer, (names_blob, stats_blob)
        return None
    finally:
        os.close(listed)


PARALLEL_CHECK_FROM = 2000
"""From this many files, a forked helper shares the stats and checks the answer (two cores)."""
_HELPER_SHARE = 0.4
"""The helper's part of the stats: it also takes the answer's checksum."""


def _same_stats(fd: int, names: list[str], expected: bytes, answer_ok: Callable[[], bool],
                share: float | None = None) -> bool:
    """Whether ``names`` (in directory ``fd``) have the stats ``expected`` and ``answer_ok()``
    (run by the helper, which takes ``share`` of the stats)."""
    import sys

    threads = sys.modules.get("threading")
    alone = threads is None or threads.active_count() == 1  # a fork copies other threads' locks held
    if len(names) < PARALLEL_CHECK_FROM or not alone or not hasattr(os, "fork"):
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


_STAT = struct.Struct("=5q")
_STAT_BYTES = _STAT.size


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
            add(pack(st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
    except struct.error as exc:
        raise OverflowError(str(exc)) from None
    return b"".join(out)


def save(base: str | None, owner: str, entries: dict[str, Entry], pieces: dict[str, Buffer],
         racy_ns: int) -> list[Buffer]:
    """Lay the pieces out as the plain answer, then the completed sessions', and keep
    them (when ``base``); return the plain answer as buffers.

    Only files older than ``racy_ns`` are described in the header; the answer's
    fingerprint is recorded only when that is every file.
    """
    keyed = [(e.row.completed, -e.row.timestamp_ms, n) for n, e in entries.items() if e.row is not None]
    keyed.sort()
    split = next((i for i, k in enumerate(keyed) if k[0]), len(keyed))
    order = [k[2] for k in keyed]
    answer = array([pieces[n] for n in order[:split]])
    if base is None:
        return answer
    layout: dict[str, tuple[Any, ...]] = {}
    complete = True
    offset = 2  # after "[\n"; each piece is followed by ",\n"
    for i, n in enumerate(order):
        if i == split:  # the answer ends here: its last ",\n" is "\n]\n" (or it is "[]\n")
            offset = offset + 1 if split else 3
        size = len(pieces[n])
        st = entries[n].stat
        if len(st) == 5 and st[-1] < racy_ns:  # an mtime old enough to trust
            layout[n] = (tuple(st), offset, size)
        else:
            complete = False
        offset += size + 2 if i < split else size
    for n, e in entries.items():
        if e.row is None:  # a damaged file changes no plain answer, but its stat must not change either
            if len(e.stat) == 5 and e.stat[-1] < racy_ns:
                layout[n] = (tuple(e.stat), -1, 0)
            else:
                complete = False
    rest = [pieces[n] for n in order[split:]]
    fast = _fingerprint(entries, answer) if complete else None
    head = marshal.dumps((owner, fast), 2)
    body = marshal.dumps(layout, 2)
    crc = zlib.crc32(body)
    for part in (*answer, *rest):
        crc = zlib.crc32(part, crc)
    try:
        from snaptui.base.atomic import write_atomic

        os.makedirs(os.path.dirname(base), mode=0o700, exist_ok=True)
        write_atomic(path_for(base), [MAGIC, _u32(zlib.crc32(head)), _u64(len(head)), head,
                                      _u32(crc), _u64(len(body)), body, *answer, *rest], durable=False)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return answer


def _fingerprint(entries: dict[str, Entry], answer: list[Buffer]) -> tuple[bytes, bytes, int, int] | None:
    """What :func:`unchanged_answer` compares: see the file layout above."""
    listing = listing_print(entries)
    if listing is None:
        return None
    crc = 0
    for part in answer:
        crc = zlib.crc32(part, crc)
    return (*listing, sum(map(len, answer)), crc)


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
            if len(st) != 5 or (racy_ns is not None and st[-1] >= racy_ns):
                return None
            stats.append(pack(*st))
    except struct.error:
        return None
    return "\0".join(names).encode("utf-8", "surrogateescape"), b"".join(stats)


def _u32(n: int) -> bytes:
    return n.to_bytes(_U32, "little")


def _u64(n: int) -> bytes:
    return n.to_bytes(_U64, "little")


def answer_order(entries: dict[str, Entry]) -> list[str]:
    """The sessions' names in ``list --json`` order: interrupted first, each part
    newest first, ties by file name."""
    keyed = [(e.row.completed, -e.row.timestamp_ms, n) for n, e in entries.items() if e.row is not None]
    keyed.sort()
    return [n for _, _, n in keyed]


def interrupted_count(entries: dict[str, Entry]) -> int:
    """How many of the sessions are interrupted (they come first in :func:`answer_order`)."""
    return sum(1 for e in entries.values() if e.row is not None and not e.row.completed)


def array(parts: Sequence[Buffer]) -> list[Buffer]:
    """A JSON array of the given objects, one per line, as buffers to write in order."""
    if not parts:
        return [b"[]\n"]
    framed: list[Buffer] = [b"[\n"]
    for part in parts:
        framed += (part, b",\n")
    framed[-1] = b"\n]\n"
    return framed
