"""Session ids from the catalog's index alone, for shell completion: no scan, no snapshot read.

Reads the rows table of :mod:`snaptui.catalog.cache` (``*.table``) through
:mod:`snaptui.base.datafile` without importing the cache module (it loads
the whole read pipeline, and ``typing``): completion runs at every Tab press.
No index, or one that does not check out, means no ids: offering nothing is
better than being slow. The table's magic and the positions of the row's
fields are restated here, and where the table lies; a test holds them equal
to the cache's.

Loading the whole table costs ~30 ms at 10,000 sessions, so what completion
needs of it (the interrupted sessions, newest first, each with how many
characters name it) is kept beside it (``*.ids``, and the newest of them in
``*.ids-head``), keyed by the table file's identity: the table is replaced,
never rewritten in place, so a new table is a new identity.
"""

from __future__ import annotations

import os
import sys

from snaptui.base import datafile

TYPE_CHECKING = False  # not typing's: completion runs at every Tab press
if TYPE_CHECKING:
    from collections.abc import Iterator

TABLE_MAGIC = b"SNAPCAT3"
""":data:`snaptui.catalog.cache.TABLE_MAGIC`."""
ID, TIMESTAMP, COMPLETED, PROJECT = 0, 2, 3, 4
"""Where :class:`snaptui.sources.recovery.Row` keeps these fields."""

IDS_MAGIC = b"SNAPIDS5"
HEAD = 1024
"""How many of the newest sessions ``*.ids-head`` keeps: many more than completion offers, so
that a one-character prefix usually finds enough of them there (1 in 16 of hex ids match)."""
SUFFIX = "_session_snapshot.json"
"""Only the names of files not named ``{session_id}_session_snapshot.json`` are kept (most are)."""

Columns = tuple[str, "dict[int, str]", str, bytes, bytes]
"""ids and projects (NUL-separated), the odd file names by index, times (int64), needs (uint16)."""


def base_path(cache_dir: str, directory: str) -> str:
    """:func:`snaptui.catalog.pieces.base_path` (whose module loads mmap: a test holds them equal)."""
    real = os.path.realpath(directory)
    tail = "".join(c if c.isalnum() else "_" for c in os.path.basename(real))[:32]
    return os.path.join(cache_dir, "index", f"{tail}-{datafile.key_for(directory)}")


class Interrupted:
    """The interrupted sessions the index knows, newest first, as columns: a few strings
    (NUL-separated) and arrays to load, searched in C, rather than thousands of tuples
    (this is read at every Tab; only the sessions offered are ever cut out). The
    columns' lengths are checked when used: a mismatch raises ValueError or IndexError."""

    __slots__ = ("partial", "_ids", "_names", "_projects", "_times", "_needs")

    def __init__(self, ids: str, names: dict[int, str], projects: str, times: bytes, needs: bytes, *,
                 partial: bool = False) -> None:
        self.partial = partial
        """Only the newest :data:`HEAD` of them."""
        self._times = memoryview(times).cast("q")
        self._needs = memoryview(needs).cast("H")
        if len(self._needs) != len(self._times) or bool(ids) != bool(self._times):
            raise ValueError("columns of different lengths")
        self._ids = "\0" + ids if ids else ""
        if type(names) is not dict:
            raise ValueError("names are not a dict")
        self._names = names
        self._projects = _Column(projects)

    def __len__(self) -> int:
        return len(self._times)

    def matching(self, prefix: str) -> Iterator[tuple[int, str]]:
        """``(i, session id)`` of the ids starting with ``prefix``, newest first."""
        joined = self._ids
        pos, before, i = joined.find("\0" + prefix), 0, 0
        while pos >= 0:
            i += joined.count("\0", before, pos)  # the separators before it: its index
            end = joined.find("\0", pos + 1)
            yield i, joined[pos + 1 : end if end >= 0 else len(joined)]
            before = pos
            pos = joined.find("\0" + prefix, pos + 1)

    def timestamp_ms(self, i: int) -> int:
        return int(self._times[i])

    def need(self, i: int) -> int:
        """How many characters of id ``i`` name it: more than its length when it is a prefix of another
        (at most 65,535: an id that long is offered whole)."""
        return int(self._needs[i])

    def name(self, i: int, session_id: str) -> str:
        """The snapshot file's name of session ``i`` (``session_id``)."""
        return self._names.get(i) or session_id + SUFFIX

    def project(self, i: int) -> str:
        """The last part of its project directory's path."""
        return self._projects.get(i)


class _Column:
    """One NUL-separated column, read in increasing order of index (each step a C find)."""

    __slots__ = ("text", "index", "at")

    def __init__(self, text: str) -> None:
        self.text = text
        self.index = 0
        self.at = 0
        """Where value ``index`` starts."""

    def get(self, i: int) -> str:
        if i < self.index:
            self.index, self.at = 0, 0
        while self.index < i:
            self.at = self.text.index("\0", self.at) + 1
            self.index += 1
        end = self.text.find("\0", self.at)
        return self.text[self.at : end if end >= 0 else len(self.text)]


def interrupted(cache_dir: str, directory: str, *, newest: bool = False) -> Interrupted:
    """The interrupted sessions the index of ``directory`` knows (none without an index).

    ``newest``: the newest :data:`HEAD` may do (the caller loads them all when they offer
    too few): they are kept in a file of their own (``*.ids-head``), so a Tab at 10,000
    sessions does not load them all; ``partial`` says when there are more.
    """
    base = base_path(cache_dir, directory)
    owner = os.path.realpath(directory)
    identity = datafile.identity(base + ".table")
    if identity is None:
        return Interrupted("", {}, "", b"", b"")
    for suffix in (".ids-head", ".ids") if newest else (".ids",):
        memo, _ = datafile.read(base + suffix, IDS_MAGIC, owner)
        if type(memo) is tuple and len(memo) == 7 and memo[0] == identity:
            try:
                return Interrupted(*memo[2:], partial=memo[1])
            except (TypeError, ValueError):
                pass
    columns = _from_table(base + ".table", owner)
    head = _head(columns)
    datafile.write(base + ".ids", IDS_MAGIC, owner, (identity, False, *columns), durable=False)
    datafile.write(base + ".ids-head", IDS_MAGIC, owner, (identity, head != columns, *head), durable=False)
    return Interrupted(*(head if newest else columns), partial=newest and head != columns)


def _head(columns: Columns) -> Columns:
    """The first :data:`HEAD` sessions of ``columns``."""
    ids, names, projects, times, needs = columns
    return (_first(ids, HEAD), {i: n for i, n in names.items() if i < HEAD}, _first(projects, HEAD),
            times[: 8 * HEAD], needs[: 2 * HEAD])


def _first(column: str, count: int) -> str:
    at = -1
    for _ in range(count):
        at = column.find("\0", at + 1)
        if at < 0:
            return column
    return column[:at]


def _from_table(path: str, owner: str) -> Columns:
    table, _ = datafile.read(path, TABLE_MAGIC, owner)
    if type(table) is not dict:
        return "", {}, "", b"", b""
    ids: list[str] = []
    rows: list[tuple[int, str, str, str]] = []
    for name, hit in table.items():
        row = hit[1] if type(hit) is tuple and len(hit) == 2 else None
        if type(row) is not tuple or len(row) <= PROJECT or type(row[ID]) is not str:
            continue  # a damaged file's reason, or a table this module does not understand
        ids.append(row[ID])
        if row[COMPLETED] is False and type(row[TIMESTAMP]) is int and type(name) is str and _nameable(row[ID]):
            project = row[PROJECT] if type(row[PROJECT]) is str else ""
            rows.append((row[TIMESTAMP], row[ID], name, os.path.basename(project.rstrip("/")) or project))
    rows.sort(key=lambda s: (-s[0], s[2]))  # newest first, ties by file name (as the list)
    ids.sort()
    return ("\0".join(r[1] for r in rows), {i: r[2] for i, r in enumerate(rows) if r[2] != r[1] + SUFFIX},
            "\0".join(r[3].replace("\0", "?") for r in rows),
            b"".join(r[0].to_bytes(8, sys.byteorder, signed=True) for r in rows),
            b"".join(min(unique_length(r[1], ids), 65535).to_bytes(2, sys.byteorder) for r in rows))


def unique_length(session_id: str, ids: list[str]) -> int:
    """How many characters of ``session_id`` tell it from every other id in ``ids`` (sorted);
    more than its length when it is a prefix of another (then only the whole id names it)."""
    from bisect import bisect_left, bisect_right

    longest = 0
    left = bisect_left(ids, session_id)
    right = bisect_right(ids, session_id)
    for other in ((ids[left - 1],) if left else ()) + ((ids[right],) if right < len(ids) else ()):
        common = 0
        for a, b in zip(session_id, other, strict=False):
            if a != b:
                break
            common += 1
        longest = max(longest, common)
    return longest + 1


def _nameable(session_id: str) -> bool:
    """An id completion could ever offer (not empty, no NUL: the columns are NUL-separated)."""
    return bool(session_id) and "\0" not in session_id
