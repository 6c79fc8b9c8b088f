"""The ``list --json`` half of the catalog's cache: each session's object, ready to write.

One file per recovery directory (``*.pieces`` beside the rows table, see
:mod:`snaptui.catalog.cache`): a header naming, for every ``*.json`` file, the
stat it was read with and where its object lies, then the objects laid out as
the plain ``list --json`` answer followed by the completed sessions'. So an
unchanged directory's answer is one stat of each file, one checked read of
this file and one write of a slice of it; this module imports next to
nothing, because that is the whole cost of the answer.

A piece is used only while its file has exactly the stat in the header; the
file is checked (magic, owner, CRC) and anything wrong reads as empty.
"""

from __future__ import annotations

import marshal
import mmap
import os
import zlib

TYPE_CHECKING = False  # not typing's: this module is on the fast path of list --json
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from snaptui.sources.recovery import Entry

    Buffer = bytes | memoryview

MAGIC = b"SNAPPCS3"  # 3: sessions carry "source"


def base_path(cache_dir: str, directory: str) -> str:
    """The cache path prefix for a recovery directory (``.table``, ``.pieces`` are added)."""
    from snaptui.base.datafile import key_for

    real = os.path.realpath(directory)
    tail = "".join(c if c.isalnum() else "_" for c in os.path.basename(real))[:32]
    return os.path.join(cache_dir, "index", f"{tail}-{key_for(directory)}")


def path_for(base: str) -> str:
    return base + ".pieces"


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
                size = os.fstat(f.fileno()).st_size
                if size < 20:
                    return cls.empty()
                data = memoryview(mmap.mmap(f.fileno(), size, prot=mmap.PROT_READ))
            if data[:8] != MAGIC or int.from_bytes(data[8:12], "little") != zlib.crc32(data[12:]):
                return cls.empty()
            head = int.from_bytes(data[12:20], "little")
            stored_owner, layout, plain_range = marshal.loads(data[20 : 20 + head])
        except (OSError, ValueError, EOFError, TypeError):
            return cls.empty()
        if stored_owner != owner or type(layout) is not dict:
            return cls.empty()
        return cls(layout, plain_range, data[20 + head :])

    def get(self, name: str, st: object) -> Buffer | None:
        """The piece of ``name`` if its file still has stat ``st``."""
        hit = self.layout.get(name)
        if hit is None or st is None or hit[0] != st or hit[1] < 0:
            return None
        return self.blob[hit[1] : hit[1] + hit[2]]

    def answer_for(self, stats: dict[str, tuple[int, ...]]) -> Buffer | None:
        """The plain answer, if ``stats`` (every ``*.json`` file's stat by name, as
        plain tuples) is exactly what it was laid out from."""
        if self.plain is None or len(stats) != len(self.layout):
            return None
        layout = self.layout
        for name, st in stats.items():
            hit = layout.get(name)
            if hit is None or hit[0] != st:
                return None
        start, end = self.plain
        return self.blob[start:end]


def listing_stats(directory: str) -> dict[str, tuple[int, ...]] | None:
    """Every ``*.json`` file's stat by name, as plain tuples (``(errno,)`` when
    stat fails); None when the directory cannot be listed."""
    stats: dict[str, tuple[int, ...]] = {}
    try:
        with os.scandir(directory) as it:
            for entry in it:
                name = entry.name
                if name.endswith(".json"):
                    try:
                        st = os.stat(entry.path)
                        stats[name] = (st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
                    except OSError as exc:
                        stats[name] = (exc.errno or 0,)
    except OSError:
        return None
    return stats


def save(base: str | None, owner: str, entries: dict[str, Entry], pieces: dict[str, Buffer],
         racy_ns: int) -> list[Buffer]:
    """Lay the pieces out as the plain answer, then the completed sessions', and keep
    them (when ``base``); return the plain answer as buffers.

    Only files older than ``racy_ns`` are described in the header; the plain
    answer's place is recorded only when that is every file.
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
    answer_size = sum(map(len, answer))
    for n, e in entries.items():
        if e.row is None:  # a damaged file changes no plain answer, but its stat must not change either
            if len(e.stat) == 5 and e.stat[-1] < racy_ns:
                layout[n] = (tuple(e.stat), -1, 0)
            else:
                complete = False
    header = marshal.dumps((owner, layout, (0, answer_size) if complete else None), 2)
    head = len(header).to_bytes(8, "little")
    try:
        from snaptui.base.atomic import write_atomic

        os.makedirs(os.path.dirname(base), mode=0o700, exist_ok=True)
        # The pieces go out as they are (writev, no joined copy); the checksum is then
        # taken over the written file in one pass and patched into its place.
        write_atomic(path_for(base), [MAGIC, b"\0\0\0\0", head, header, *answer, *[pieces[n] for n in order[split:]]],
                     durable=False, finish=_patch_checksum)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return answer


def _patch_checksum(fd: int) -> None:
    """Write the CRC-32 of everything after it into bytes 8-11 of the file ``fd``."""
    size = os.fstat(fd).st_size
    with mmap.mmap(fd, size, prot=mmap.PROT_READ) as mapped, memoryview(mapped) as view, view[12:] as body:
        crc = zlib.crc32(body)
    os.pwrite(fd, crc.to_bytes(4, "little"), 8)


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
