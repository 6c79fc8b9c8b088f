"""The catalog's one cache: what each file of a recovery directory held, keyed by its stat.

Two files per recovery directory in snaptui's cache dir:

- the table (``*.table``): for every ``*.json`` file its stat and either the
  session's summary row or the reason it is damaged; read by everything
  (the TUI, ``check``, ``list``), so it holds scalars only;
- the pieces (``*.pieces``): each session's ``list --json`` object, laid out
  as the plain ``list --json`` answer followed by the completed sessions, so
  that an unchanged directory's answer is one slice of it. Only
  ``list --json`` and the TUI's filter read it.

An entry is used only while its file has exactly the stat it was read with,
and files modified in the last two seconds are never stored (a same-size
rewrite within the file system's timestamp granularity would otherwise look
unchanged), so the cache never serves stale data. Both files are checked
(magic, owner, CRC, a shared generation); anything that does not check out
reads as empty and is rebuilt. Losing them costs time, never correctness.
"""

from __future__ import annotations

import mmap
import os
import zlib
from typing import Iterable, NamedTuple, Sequence

from snaptui.base import datafile
from snaptui.base.atomic import write_atomic
from snaptui.base.files import Stat, StatFailed, from_plain, plain
from snaptui.sources.recovery import Entry, Row

TABLE_MAGIC = b"SNAPCAT1"
PIECES_MAGIC = b"SNAPPCS1"
RACY_NS = 2_000_000_000
"""Files modified this recently are not cached."""

Buffer = bytes | memoryview


def base_path(cache_dir: str, directory: str) -> str:
    """The cache path prefix for a recovery directory (a suffix is added per file)."""
    real = os.path.realpath(directory)
    tail = "".join(c if c.isalnum() else "_" for c in os.path.basename(real))[:32]
    return os.path.join(cache_dir, "index", f"{tail}-{datafile.key_for(directory)}")


class Layout(NamedTuple):
    """Where a session's piece sits in the pieces file."""

    offset: int
    length: int


class Cache:
    """The cache of one recovery directory, as last written."""

    def __init__(self, cache_dir: str | None, directory: str) -> None:
        self.owner = os.path.realpath(directory)
        self.base = base_path(cache_dir, directory) if cache_dir else None
        self._table: dict[str, tuple] = {}  # name -> plain entry (see _to_plain)
        self._plain: tuple[int, int] | None = None
        self._generation = b""
        self._pieces_size = 0
        self._pieces_crc = 0
        self._pieces: memoryview | None = None
        if self.base is not None:
            self._load()

    # -- reading ---------------------------------------------------------------

    def _load(self) -> None:
        value, _ = datafile.read(self.base + ".table", TABLE_MAGIC, self.owner)
        if type(value) is tuple and len(value) == 5 and type(value[0]) is dict:
            self._table, self._plain, self._generation, self._pieces_size, self._pieces_crc = value

    def __len__(self) -> int:
        return len(self._table)

    @property
    def has_plain_answer(self) -> bool:
        return self._plain is not None

    def unchanged(self, stats: dict[str, tuple[Stat | StatFailed, bool]]) -> bool:
        """Whether ``stats`` (every file's stat, by name) is exactly what the cache holds."""
        table = self._table
        return len(stats) == len(table) and all(
            (hit := table.get(name)) is not None and hit[0] == plain(st) for name, (st, _) in stats.items()
        )

    def entry(self, name: str, st: Stat | StatFailed | None) -> Entry | None:
        """The cached entry for ``name`` if its file still has stat ``st`` (None: read it)."""
        hit = self._table.get(name)
        if hit is None or st is None or hit[0] != plain(st):
            return None
        return self._from_plain(hit)

    def piece(self, name: str) -> Buffer | None:
        """The cached ``list --json`` object of session ``name`` (check its entry first)."""
        hit = self._table.get(name)
        if hit is None or len(hit) != 4 or hit[2] < 0:
            return None
        pieces = self._map()
        return None if pieces is None else pieces[hit[2] : hit[2] + hit[3]]

    def pieces_for(self, names: Iterable[str]) -> dict[str, Buffer]:
        """:meth:`piece` of each of ``names`` that has one."""
        out = {}
        for name in names:
            piece = self.piece(name)
            if piece is not None:
                out[name] = piece
        return out

    def rows_newest(self, count: int) -> list[tuple[str, Stat, Row]]:
        """The ``count`` sessions with the newest snapshot times: a first look at a
        big directory before its files are even listed (check each stat before use)."""
        import heapq

        sessions = ((hit[1][2], name) for name, hit in self._table.items() if len(hit) == 4)
        out = []
        for _, name in heapq.nlargest(count, sessions):
            hit = self._table[name]
            st = from_plain(hit[0])
            if isinstance(st, Stat):
                out.append((name, st, Row(*hit[1])))
        return out

    def plain_answer(self) -> Buffer | None:
        """The ``list --json`` answer as last laid out (check :meth:`unchanged` first)."""
        if self._plain is None:
            return None
        pieces = self._map()
        if pieces is None:
            return None
        start, end = self._plain
        return pieces[start:end]

    def _map(self) -> memoryview | None:
        """The pieces file, mapped and checked against the table (None if it does not match)."""
        if self._pieces is not None or self.base is None or not self._generation:
            return self._pieces
        try:
            with open(self.base + ".pieces", "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size != 16 + self._pieces_size:
                    return None
                data = memoryview(mmap.mmap(f.fileno(), size, prot=mmap.PROT_READ)) if size else memoryview(b"")
        except (OSError, ValueError):
            return None
        if bytes(data[:8]) != PIECES_MAGIC or bytes(data[8:16]) != self._generation:
            return None
        body = data[16:]
        if zlib.crc32(body) != self._pieces_crc:
            return None
        self._pieces = body
        return body

    def _from_plain(self, hit: tuple) -> Entry:
        st = from_plain(hit[0])
        if len(hit) == 2:
            return Entry(st, None, None, hit[1])
        return Entry(st, Row(*hit[1]), None, None)

    # -- writing -----------------------------------------------------------------

    def save(self, entries: dict[str, Entry], pieces: dict[str, Buffer], racy_ns: int) -> list[Buffer] | None:
        """Keep every entry old enough to trust, with the pieces given (``list --json``
        objects by name); return the plain answer (as buffers) when every
        file could be trusted and every session has its piece.

        The pieces file holds the plain answer followed by the completed
        sessions' pieces, so that an unchanged directory's answer is one slice.
        """
        if self.base is None:
            return None
        trusted = {n: e for n, e in entries.items() if isinstance(e.stat, Stat) and e.stat.mtime_ns < racy_ns}
        order = answer_order(trusted)
        interrupted = [n for n in order if not trusted[n].row.completed and n in pieces]  # type: ignore[union-attr]
        completed = [n for n in order if trusted[n].row.completed and n in pieces]  # type: ignore[union-attr]
        answer = array([pieces[n] for n in interrupted])
        layout: dict[str, Layout] = {}
        offset = 2  # after "[\n"; each piece is followed by ",\n"
        for n in interrupted:
            layout[n] = Layout(offset, len(pieces[n]))
            offset += len(pieces[n]) + 2
        offset = sum(map(len, answer))
        for n in completed:
            layout[n] = Layout(offset, len(pieces[n]))
            offset += len(pieces[n])
        blob = answer + [pieces[n] for n in completed]
        complete = len(trusted) == len(entries) and len(layout) == len(order)
        table = {n: _to_plain(e, layout.get(n)) for n, e in trusted.items()}
        generation = os.urandom(8)
        crc = 0
        for part in blob:
            crc = zlib.crc32(part, crc)
        size = sum(map(len, blob))
        plain_range = (0, sum(map(len, answer))) if complete else None
        try:
            os.makedirs(os.path.dirname(self.base), mode=0o700, exist_ok=True)
            # Pieces first: a table never names a generation whose pieces are not on disk.
            write_atomic(self.base + ".pieces", [PIECES_MAGIC, generation, *blob], durable=False)
        except OSError:
            return answer if complete else None
        datafile.write(self.base + ".table", TABLE_MAGIC, self.owner,
                       (table, plain_range, generation, size, crc), durable=False)
        return answer if complete else None


def _to_plain(entry: Entry, layout: Layout | None) -> tuple:
    if entry.row is None:
        return (plain(entry.stat), entry.reason)
    offset, length = layout if layout is not None else (-1, 0)
    return (plain(entry.stat), tuple(entry.row), offset, length)


def answer_order(entries: dict[str, Entry]) -> list[str]:
    """The sessions' names in ``list --json`` order: interrupted first, each part
    newest first, ties by file name."""
    keyed = [(e.row.completed, -e.row.timestamp_ms, n) for n, e in entries.items() if e.row is not None]
    keyed.sort()
    return [n for _, _, n in keyed]


def array(parts: Sequence[Buffer]) -> list[Buffer]:
    """A JSON array of the given objects, one per line, as buffers to write in order."""
    if not parts:
        return [b"[]\n"]
    framed: list[Buffer] = [b"[\n"]
    for part in parts:
        framed += (part, b",\n")
    framed[-1] = b"\n]\n"
    return framed
