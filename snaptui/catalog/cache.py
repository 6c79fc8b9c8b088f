"""The catalog's cache: what each file of a recovery directory held, keyed by its stat.

Two files per recovery directory in snaptui's cache dir, each keyed by the
stat of every file it describes, so either can be stale or lost without
harm:

- the rows (``*.table``): for every ``*.json`` file its stat and either the
  session's summary row or the reason it is damaged. Read by everything
  (the TUI, ``check``, ``list``); scalars only.
- the head of the rows (``*.table-head``): the rows of the sessions with the
  newest snapshot times, with the identity of the table they were taken
  from. The TUI's first rows come from it without loading the whole table
  (100,000 rows take a third of a second, beside Textual loading); a table
  written since (by ``list --json``) makes it stale, and the table is used.
- the pieces (``*.pieces``): each session's ``list --json`` object, laid out
  as the plain ``list --json`` answer followed by the completed sessions,
  with a header naming each file's stat and piece. ``list --json`` of an
  unchanged directory reads this file alone and writes one slice of it.

An entry is used only while its file has exactly the stat it was read with,
and files modified in the last two seconds are never stored (a same-size
rewrite within the file system's timestamp granularity would otherwise look
unchanged), so the cache never serves stale data. Both files are checked
(magic, owner, CRC); anything that does not check out reads as empty and is
rebuilt. marshal (format 2: no back-references, twice as fast both ways)
keeps them quick to load without importing json.
"""

from __future__ import annotations

import os
from heapq import heappush, heapreplace, nlargest

from snaptui.base import datafile
from snaptui.base.files import STAT_FIELDS, Stat, StatFailed
from snaptui.catalog.pieces import Pieces, base_path
from snaptui.sources.recovery import Entry, Row

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

TABLE_MAGIC = b"SNAPCAT3"
HEAD_MAGIC = b"SNAPHED2"
HEAD_ROWS = 256
"""How many of the newest sessions the head keeps (the TUI's first look takes 150)."""

Buffer = bytes | memoryview
_tuple = tuple.__new__  # builds a NamedTuple from a cached tuple without a Python-level call


class Cache:
    """The cache of one recovery directory: rows and pieces, each loaded on first use."""

    def __init__(self, cache_dir: str | None, directory: str) -> None:
        self.owner = os.path.realpath(directory)
        self.base = base_path(cache_dir, directory) if cache_dir else None
        self._rows: dict[str, tuple[Any, ...]] | None = None  # name -> (stat, row) | (stat, reason)
        self._pieces: Pieces | None = None
        self._head_rows: list[tuple[Any, ...]] | None = None
        self._head_read = False

    # -- rows ------------------------------------------------------------------

    @property
    def rows(self) -> dict[str, tuple[Any, ...]]:
        if self._rows is None:
            self._rows = {}
            if self.base is not None:
                value, _ = datafile.read(self.base + ".table", TABLE_MAGIC, self.owner)
                if type(value) is dict:
                    self._rows = value
        return self._rows

    def __len__(self) -> int:
        return len(self.rows)

    def entry(self, name: str, st: Stat | StatFailed | None) -> Entry | None:
        """The cached entry for ``name`` if its file still has stat ``st`` (None: read it)."""
        hit = self.rows.get(name)
        if hit is None or st is None or hit[0] != st:
            return None
        value = hit[1]
        if type(value) is str:
            return Entry(st, None, None, value)
        return Entry(st, _tuple(Row, value), None, None)

    def rows_newest(self, count: int) -> list[tuple[str, Stat, Row]] | None:
        """The ``count`` sessions with the newest snapshot times: a first look at a
        big directory before its files are even listed (check each stat before use);
        None when the cache knows no file. From the head while it is the table's
        (the table is not loaded), else from the table."""
        head = self._head() if self._rows is None and count <= HEAD_ROWS else None
        if head is None:
            if not self.rows:
                return None
            head = _newest(self.rows, count)
        return [(name, _tuple(Stat, stat), _tuple(Row, row)) for name, stat, row in head[:count]]

    def _head(self) -> list[tuple[Any, ...]] | None:
        """The head's rows while it is the table's (read once: a survey asks twice)."""
        if not self._head_read:
            self._head_read = True
            self._head_rows = self._read_head()
        return self._head_rows

    def _read_head(self) -> list[tuple[Any, ...]] | None:
        if self.base is None:
            return None
        value, _ = datafile.read(self.base + ".table-head", HEAD_MAGIC, self.owner)
        if type(value) is not tuple or len(value) != 2 or value[0] != datafile.identity(self.base + ".table"):
            return None
        rows = value[1]
        if type(rows) is not list or not rows or not all(
                type(r) is tuple and len(r) == 3 and type(r[0]) is str and type(r[1]) is tuple
                and len(r[1]) == STAT_FIELDS and type(r[2]) is tuple and len(r[2]) == len(Row._fields) for r in rows):
            return None  # not as written: the table decides
        return rows

    def save_rows(self, entries: dict[str, Entry], racy_ns: int) -> None:
        """Keep every entry whose file is old enough to trust."""
        if self.base is None:
            return
        table = {
            name: (tuple(e.stat), e.reason if e.row is None else tuple(e.row))
            for name, e in entries.items() if isinstance(e.stat, Stat) and e.stat.mtime_ns < racy_ns
        }
        datafile.write(self.base + ".table", TABLE_MAGIC, self.owner, table, durable=False)
        self._rows = table
        self.write_head(_newest(table, HEAD_ROWS))

    def keep_head(self) -> None:
        """Write the head again if it is not the table's."""
        if self.base is not None and self._head() is None and self.rows:
            self.write_head(_newest(self.rows, HEAD_ROWS))

    def write_head(self, newest: list[tuple[Any, ...]]) -> None:
        """Keep ``newest`` (``(name, stat, row)`` of the newest sessions, newest first) as the
        head of the table just written. A table replaced meanwhile only makes the head's rows
        older than they could be: each is checked against its file's stat before use."""
        if self.base is None:
            return
        identity = datafile.identity(self.base + ".table")
        if identity is not None:
            datafile.write(self.base + ".table-head", HEAD_MAGIC, self.owner, (identity, newest), durable=False)
            self._head_read, self._head_rows = True, newest or None

    # -- pieces ------------------------------------------------------------------

    @property
    def pieces(self) -> Pieces:
        """The ``list --json`` pieces (see :mod:`snaptui.catalog.pieces`)."""
        if self._pieces is None:
            self._pieces = Pieces.load(self.base, self.owner)
        return self._pieces

    def piece(self, name: str, st: Stat | StatFailed | None) -> Buffer | None:
        """The ``list --json`` object of session ``name`` if its file still has stat ``st``."""
        return self.pieces.get(name, st)

    def save_pieces(self, entries: dict[str, Entry], found: dict[str, Buffer], racy_ns: int) -> list[Buffer]:
        """Keep the sessions' pieces; return the plain answer as buffers."""
        from snaptui.catalog import pieces_write

        self._pieces = None
        return pieces_write.save(self.base, self.owner, entries, found, racy_ns)


class Newest:
    """The rows of the ``count`` newest sessions (by snapshot time, ties by name), a bounded
    heap fed one row at a time: the table's head, from a whole table or while one is streamed."""

    __slots__ = ("count", "heap")

    def __init__(self, count: int = HEAD_ROWS) -> None:
        self.count = count
        self.heap: list[tuple[Any, ...]] = []

    def add(self, name: str, stat: tuple[int, ...], row: tuple[Any, ...]) -> None:
        item = (row[2], name, stat, row)
        if len(self.heap) < self.count:
            heappush(self.heap, item)
        elif item > self.heap[0]:
            heapreplace(self.heap, item)

    def rows(self) -> list[tuple[Any, ...]]:
        """``(name, stat, row)`` of the newest, newest first (of several heaps put together)."""
        return [(name, stat, row) for _, name, stat, row in nlargest(self.count, self.heap)]


def _newest(rows: dict[str, tuple[Any, ...]], count: int) -> list[tuple[Any, ...]]:
    """``(name, stat, row)`` of the ``count`` sessions with the newest snapshot times."""
    newest = Newest(count)
    for name, (stat, row) in rows.items():
        if type(row) is tuple and len(stat) == STAT_FIELDS:
            newest.add(name, stat, row)
    return newest.rows()

