"""The one pass over a recovery directory that every command shares.

List the directory; reuse each file's cached entry while its stat is
unchanged; read the rest (:func:`snaptui.sources.recovery.read_entry`);
keep the cache up to date. ``list``, ``list --json``, ``check`` and the TUI
all go through :func:`survey`; they differ only in what they ask of it:

- ``pieces``: also the ``list --json`` object of every session (``list
  --json`` and the TUI's filter); otherwise summary rows are enough;
- ``deadline_ns``: stop reading uncached files then (the startup check);
  the result is ``partial`` and the next pass goes on where this one stopped;
- ``early`` / ``progress``: a huge directory shows its newest sessions
  before the rest is read (the TUI), from the cache when there is one, else
  by reading the most recently modified files first.

With nothing cached and nothing to show early, no file is stat'ed before it
is read (reading gives its stat), and a big directory is read by two
processes (:mod:`snaptui.base.twoproc`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from snaptui.base import twoproc
from snaptui.base.datafile import RACY_NS
from snaptui.base.files import Stat, StatFailed, directory_problem, file_stat, from_plain, plain
from snaptui.catalog import jsonpieces
from snaptui.catalog.cache import Buffer, Cache
from snaptui.sources import recovery
from snaptui.sources.recovery import Entry, Row

if TYPE_CHECKING:
    from snaptui.catalog.firstlook import FirstLook

_new = tuple.__new__  # a NamedTuple without a Python-level call: these run per file

PARALLEL_READ_FROM = 2000
"""With this many files to read, a second process reads half of them (two cores)."""
PARALLEL_STAT_FROM = 20_000
"""A first look at this many files stats them in two processes."""

Listed = tuple[str, bool, "Stat | StatFailed | None"]
"""(path, is_link, stat or None when not stat'ed) of a directory entry."""
Todo = tuple[str, str, bool, "Stat | StatFailed | None"]
"""(name, path, is_link, stat or None) of a file to read."""


class Survey(NamedTuple):
    """What one pass found in a recovery directory."""

    directory: str
    error: str | None
    """Why the directory could not be listed (``"does not exist"``, ...), else None."""
    entries: dict[str, Entry]
    """Every ``*.json`` file, by name (read, or from the cache)."""
    links: frozenset[str]
    """The names that are symlinks."""
    leftovers: list[str]
    """Names of ``*.json.tmp*`` files."""
    partial: bool
    """True when a deadline (or an early look) left files unread."""
    pieces: dict[str, Buffer]
    """Each session's ``list --json`` object by name, when asked for."""
    answer: list[Buffer] | None = None
    """The plain ``list --json`` answer, when laid out by this pass (as buffers)."""


def survey(
    directory: str,
    cache_dir: str | None,
    *,
    pieces: bool = False,
    deadline_ns: int | None = None,
    early: Callable[[Survey], None] | None = None,
    early_after: int = 150,
    progress: Callable[[int, int], None] | None = None,
    cache: Cache | None = None,
    first: FirstLook | None = None,
) -> Survey:
    """One pass over ``directory`` (see the module docstring); ``first``, a first look
    taken by another process (:mod:`snaptui.catalog.firstlook`), gives the early
    rows when there is no cache to take them from."""
    started_ns = time.time_ns()
    cache = cache if cache is not None else Cache(cache_dir, directory)
    newest = cache.rows_newest(early_after) if early is not None and os.path.isdir(directory) else None
    if early is not None and newest is not None:
        early(_newest_from_cache(directory, newest))  # before even listing the directory
        early = None
    elif early is not None and first is not None:
        looked = first.result()
        if looked is not None:
            early(Survey(directory, None, looked[0], looked[1], [], True, {}))
            early = None
    try:
        listing = list_directory(directory, stat=bool(len(cache)))
    except OSError as exc:
        return Survey(directory, directory_problem(exc), {}, frozenset(), [], False, {})
    leftovers = [name for name in listing if recovery.is_leftover_name(name)]
    files = {name: v for name, v in listing.items() if recovery.is_snapshot_name(name)}
    if early is not None and any(st is None for _, _, st in files.values()):
        files = with_stats(files, parallel=True)
    links = frozenset(name for name, (_, is_link, _) in files.items() if is_link)

    entries: dict[str, Entry] = {}
    found: dict[str, Buffer] = {}  # list --json pieces, by name
    todo: list[tuple[str, str, bool, Stat | StatFailed | None]] = []
    for name, (path, is_link, st) in files.items():
        hit = cache.entry(name, st)
        piece = cache.piece(name, st) if pieces and hit is not None and hit.row is not None else None
        if hit is not None and (piece is not None or not pieces or hit.row is None):
            entries[name] = hit
            if piece is not None:
                found[name] = piece
        else:
            todo.append((name, path, is_link, st))
    fresh = len(todo)
    partial = False
    if early is not None:
        todo.sort(key=lambda t: -t[3].mtime_ns if isinstance(t[3], Stat) else 0)  # newest files first
    if early is None and progress is None and deadline_ns is None and len(todo) >= PARALLEL_READ_FROM \
            and twoproc.alone():
        for name, entry, piece in _read_parallel(todo, pieces):
            entries[name] = entry
            if piece is not None:
                found[name] = piece
    else:
        for n, (name, path, is_link, st) in enumerate(todo):
            if progress is not None and n % 500 == 0:
                progress(n, len(todo))
            if early is not None and n == early_after:
                early(Survey(directory, None, dict(entries), links, [], True, {}))
                early = None
            if deadline_ns is not None and time.monotonic_ns() > deadline_ns:
                partial = True
                break
            got = read_one(name, path, is_link, st, pieces)
            if got is not None:
                entries[name] = got[0]
                if got[1] is not None:
                    found[name] = got[1]
        if progress is not None:
            progress(len(todo), len(todo))
    racy_ns = started_ns - RACY_NS
    changed = fresh or len(entries) != len(cache)
    if changed:
        cache.save_rows(entries, racy_ns)
    else:
        cache.keep_head()
    answer = None
    if pieces and (fresh or cache.pieces.layout.keys() != entries.keys()):
        answer = cache.save_pieces(entries, found, racy_ns)
    return Survey(directory, None, entries, links, sorted(leftovers), partial, found if pieces else {}, answer)


def list_directory(directory: str, *, stat: bool) -> dict[str, tuple[str, bool, Stat | StatFailed | None]]:
    """The directory's snapshot and leftover entries: ``{name: (path, is_link, stat)}``.

    Without ``stat``, a file the directory entry says is regular is not
    stat'ed (reading it gives its stat); anything else (a symlink, a FIFO, a
    device) is, so that only regular files are ever opened.
    """
    out: dict[str, tuple[str, bool, Stat | StatFailed | None]] = {}
    with os.scandir(directory) as it:
        for entry in it:
            name = entry.name
            if not (recovery.is_snapshot_name(name) or recovery.is_leftover_name(name)):
                continue
            try:
                is_link = entry.is_symlink()
                known_regular = not is_link and entry.is_file(follow_symlinks=False)
            except OSError:  # the entry's type needed a stat, and it failed: stat says why
                is_link, known_regular = False, False
            out[name] = (entry.path, is_link, None if known_regular and not stat else file_stat(entry.path))
    return out


def with_stats(files: dict[str, Listed], *, parallel: bool) -> dict[str, Listed]:
    """``files`` with every missing stat filled in (in two processes for a huge first look)."""
    names = [n for n, (_, _, st) in files.items() if st is None]
    paths = [files[n][0] for n in names]
    if parallel and len(paths) >= PARALLEL_STAT_FROM and twoproc.available():
        import marshal

        stats = twoproc.split(paths, _stat_some, lambda got: [marshal.dumps(got, 2)],
                              lambda fd: marshal.loads(twoproc.mapped(fd)))
    else:
        stats = _stat_some(paths)
    out = dict(files)
    for name, st in zip(names, stats, strict=True):
        path, is_link, _ = files[name]
        out[name] = (path, is_link, from_plain(st))
    return out


def _stat_some(paths: list[str]) -> list[tuple[int, ...]]:
    return [plain(file_stat(p)) for p in paths]


def _newest_from_cache(directory: str, newest: list[tuple[str, Stat, Row]]) -> Survey:
    """A first look: the newest sessions the cache knows, each checked against its
    file's stat (the full pass follows)."""
    entries: dict[str, Entry] = {}
    links = set()
    for name, st, row in newest:
        path = os.path.join(directory, name)
        if file_stat(path) == st:
            entries[name] = Entry(st, row, None, None)
            if os.path.islink(path):
                links.add(name)
    return Survey(directory, None, entries, frozenset(links), [], True, {})


# -- two processes -------------------------------------------------------------


def read_one(name: str, path: str, is_link: bool, st: Stat | StatFailed | None,
              pieces: bool) -> tuple[Entry, Buffer | None] | None:
    """Read one file: its entry (without the JSON text) and, if asked, its ``list --json`` object."""
    got = recovery.read_entry(path, is_link, st)
    if got is None:
        return None
    stat, row, text, reason = got
    piece = jsonpieces.piece(got, path) if pieces and text is not None else None
    return _new(Entry, (stat, row, None, reason)), piece


def _read_parallel(todo: list[Todo], pieces: bool) -> list[tuple[str, Entry, Buffer | None]]:
    """Read ``todo`` in two processes (only from a single-threaded caller: the
    child must not inherit a lock another thread holds)."""
    if not twoproc.available():
        return _read_some(todo, pieces)
    from snaptui.format import reader

    reader.prepare()  # once, here, rather than once in each process
    return twoproc.split(todo, lambda part: _read_some(part, pieces), _encode, _decode)


def _read_some(todo: list[Todo], pieces: bool) -> list[tuple[str, Entry, Buffer | None]]:
    out = []
    for name, path, is_link, st in todo:
        got = read_one(name, path, is_link, st, pieces)
        if got is not None:
            out.append((name, *got))
    return out


def _encode(got: list[tuple[str, Entry, Buffer | None]]) -> list[Buffer]:
    """Entries as one marshal'd table plus one blob of the pieces."""
    import marshal

    table, blob, offset = [], [], 0
    for name, e, piece in got:
        row = None if e.row is None else tuple(e.row)
        if piece is not None:
            table.append((name, plain(e.stat), e.reason, row, offset, len(piece)))
            blob.append(piece)
            offset += len(piece)
        else:
            table.append((name, plain(e.stat), e.reason, row, -1, 0))
    head = marshal.dumps(table, 2)
    return [len(head).to_bytes(8, "little"), head, *blob]


def _decode(fd: int) -> list[tuple[str, Entry, Buffer | None]]:
    """What :func:`_encode` wrote; the pieces stay in the shared pages (no copy)."""
    import marshal

    data = twoproc.mapped(fd)
    head = int.from_bytes(data[:8], "little")
    blob = data[8 + head :]
    return [
        (name, _new(Entry, (from_plain(st), None if row is None else _new(Row, row), None, reason)),
         blob[off : off + size] if off >= 0 else None)
        for name, st, reason, row, off, size in marshal.loads(data[8 : 8 + head])
    ]
