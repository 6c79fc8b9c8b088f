"""``snaptui list --json``: one JSON array, from a cache of ready-made pieces.

Each session becomes one JSON object: its seven snapshot fields exactly as in
its file (values untouched), plus ``path`` and ``status``. These pieces are
kept in the platformdirs cache, one per file, keyed by the file's identity
(mode, device, inode, size, mtime_ns). Every run stats every file; a piece is
reused only while its file keeps exactly that identity, and files modified
in the last two seconds are never cached, so the answer is never stale. With
nothing changed at 10,000 snapshots, an answer is a stat of each file, one
checked read of the cache and one write; a changed file costs one read and
parse. With nothing cached, reading a file gives its identity (no stat pass),
two processes share the reading from 2,000 files, and a file in the reference
writer's layout is passed through as it is. Imports stay minimal, the cyclic
garbage collector stays off, and answers go out as lists of buffers (writev),
never joined into one copy.
"""

from __future__ import annotations

import gc
import os
import time

try:  # the C encoder alone: importing json pulls in re (about 8 ms here)
    from _json import encode_basestring as _encode_string
except ImportError:  # pragma: no cover - other Pythons
    from json.encoder import py_encode_basestring as _encode_string

from snaptui.base import datafile
from snaptui.catalog import scan
from snaptui.base import twoproc
from snaptui.catalog.index import RACY_NS, cache_base

CACHE_MAGIC = b"SNAPLST4"


class DirectoryProblem(Exception):
    """The recovery directory exists but cannot be listed; ``str()`` says why."""


def _json_str(text: str) -> bytes:
    """A JSON string; undecodable file-name bytes become U+FFFD."""
    try:
        return _encode_string(text).encode("utf-8")
    except UnicodeEncodeError:
        return _encode_string(_safe_path(text)).encode("utf-8")


def _safe_path(path: str) -> str:
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _names(directory: str, with_identity: bool = True) -> dict[str, tuple] | None:
    """``{name: (identity, is_link)}`` of the files a listing depends on (``*.json``
    and leftovers); None when the directory does not exist.

    Without ``with_identity`` (nothing cached to compare with), a file the
    directory entry says is regular is not stat'ed: its identity is None and
    reading it gives one. Anything else (a symlink, a FIFO, a device) is
    stat'ed first, so that only regular files are ever opened.
    """
    out: dict[str, tuple] = {}
    try:
        with os.scandir(directory) as it:
            for entry in it:
                name = entry.name
                if name.endswith(".json") or ".json.tmp" in name:
                    try:
                        is_link = entry.is_symlink()
                        plain = not with_identity and not is_link and entry.is_file(follow_symlinks=False)
                    except OSError:  # the entry's type needed a stat, and it failed: stat says why
                        is_link, plain = False, False
                    out[name] = (None if plain else scan.file_stat(entry.path), is_link)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DirectoryProblem(scan.directory_problem(exc)) from None
    return out


def _piece(obj: bytes, path_json: bytes, completed: bool) -> bytes:
    """The snapshot object ``obj`` (its JSON text, ending in ``}``) with path and status added."""
    return b"".join((memoryview(obj)[:-1], b',"path":', path_json, _COMPLETED if completed else _INCOMPLETE))


_COMPLETED = b',"status":"completed"}'
_INCOMPLETE = b',"status":"incomplete"}'


def json_output(directory: str, cache_dir: str | None, *, everything: bool) -> bytes:
    """The whole ``list --json`` answer for ``directory`` (``--all`` if ``everything``)."""
    return b"".join(json_parts(directory, cache_dir, everything=everything))


def json_parts(directory: str, cache_dir: str | None, *, everything: bool) -> list:
    """:func:`json_output` as a list of buffers to write in order (no joined copy)."""
    collecting = gc.isenabled()
    gc.disable()  # tens of thousands of small objects, no cycles: collections would only cost
    try:
        got = _entries(directory, cache_dir, answer=not everything)
        if got is None:
            return [b"[]\n"]
        if type(got) is list:
            return got
        entries, leftovers = got
        return _assemble(directory, entries, leftovers, everything)
    finally:
        if collecting:
            gc.enable()


def session_pieces(directory: str, cache_dir: str | None) -> dict[str, bytes]:
    """Each session's output object (its JSON text) by file name, from the cache
    where it can be (the TUI's filter searches these for preview text)."""
    got = _entries(directory, cache_dir, answer=False)
    if not got:
        return {}
    return {name: e[4] for name, e in got[0].items() if e[1] == "s"}


def _entries(directory: str, cache_dir: str | None, *, answer: bool):
    """The per-file pass: ``(entries, leftovers)``, None when the directory does
    not exist, or, with ``answer`` and nothing changed, the cached plain answer.

    ``entries`` maps names to ``(identity, "s", ts, completed, piece)`` or
    ``(identity, "d", reason)``. The cache is refreshed when anything changed
    (and with ``answer``, the plain answer laid out for it is returned, as a
    list of buffers).
    """
    started_ns = time.time_ns()
    cache_path = cache_base(cache_dir, directory) + ".list" if cache_dir else None
    owner = os.path.realpath(directory)
    stored, blob = datafile.read(cache_path, CACHE_MAGIC, owner) if cache_path else (None, b"")
    old, old_plain = {}, None
    if type(stored) is tuple and len(stored) == 2 and type(stored[0]) is dict:
        old, plain = stored
        if type(plain) is tuple:
            start, end = plain
            old_plain = blob[start:end]
    names = _names(directory, with_identity=bool(old))
    if names is None:
        return None
    if (
        answer
        and old_plain is not None
        and len(names) == len(old)
        and all(type(hit := old.get(name)) is tuple and hit[0] == ident for name, (ident, _) in names.items())
    ):
        return [old_plain]  # nothing changed: the last answer
    entries: dict[str, tuple] = {}  # name -> (identity, "s", ts, completed, piece) | (identity, "d", reason)
    leftovers = []
    todo = []  # (name, identity, is_link) of the files to read
    for name, (ident, is_link) in names.items():
        if not name.endswith(".json"):
            leftovers.append(name)
            continue
        hit = old.get(name)
        if hit is not None and hit[0] == ident:
            if hit[1] == "s":
                entries[name] = (ident, "s", hit[2], hit[3], blob[hit[4] : hit[4] + hit[5]])
            else:
                entries[name] = hit
            continue
        todo.append((name, ident, is_link))
    fresh = len(todo)
    entries.update(_read_all(directory, todo))
    if cache_path and (fresh or len(entries) != len(old)):
        laid_out = _save(cache_path, owner, entries, started_ns - RACY_NS)
        if answer and laid_out is not None:
            return laid_out
    return entries, leftovers


PARALLEL_FROM = 2000
"""With this many files to read, a second process reads half of them (2 cores)."""


def _read_all(directory: str, todo: list) -> list:
    """``[(name, entry)]`` for files the cache cannot answer, read in two
    processes when there are many of them (a cold start of a big directory).
    Only from a single-threaded caller: the child imports the reader."""
    import threading

    if len(todo) < PARALLEL_FROM or threading.active_count() > 1 or not twoproc.available():
        return _read_some(directory, todo)
    return twoproc.split(todo, lambda part: _read_some(directory, part), _encode, _decode)


def _encode(got: list) -> list:
    """Entries as one marshal'd table plus one blob of the session pieces."""
    import marshal

    table, pieces, offset = [], [], 0
    for name, e in got:
        if e[1] == "s":
            table.append((name, (e[0], "s", e[2], e[3], offset, len(e[4]))))
            pieces.append(e[4])
            offset += len(e[4])
        else:
            table.append((name, e))
    head = marshal.dumps(table)
    return [len(head).to_bytes(8, "little"), head, *pieces]


def _decode(fd: int) -> list:
    """What :func:`_encode` wrote; the pieces stay in the shared pages (no copy)."""
    import marshal

    data = twoproc.mapped(fd)
    head = int.from_bytes(data[:8], "little")
    blob = data[8 + head :]
    return [
        (name, (e[0], "s", e[2], e[3], blob[e[4] : e[4] + e[5]]) if e[1] == "s" else e)
        for name, e in marshal.loads(data[8 : 8 + head])
    ]


def _read_some(directory: str, todo: list) -> list:
    from snaptui.format.reader import Damaged, parse_with_json, passthrough

    out = []
    prefix = os.path.join(directory, "")
    for name, ident, is_link in todo:
        path = prefix + name
        reason = None if ident is None else scan.reason_not_to_open(ident, is_link)
        if reason is scan.VANISHED:
            continue
        if reason is not None:
            out.append((name, (ident, "d", reason)))
            continue
        got = scan.read_entry(path, is_link)
        if got is None:
            continue
        st, data = got
        if st is None:  # data is the reason; without a prior stat, one may say it better (a socket)
            if ident is None:
                ident = scan.file_stat(path)
                better = scan.reason_not_to_open(ident, is_link)
                data = better if better not in (None, scan.VANISHED) else data
            out.append((name, (ident, "d", data)))
            continue
        ident = scan.stat_tuple(st)  # of what was read, even if the file was replaced since the listing
        fast = passthrough(data)
        if fast is not None:  # the reference's own layout: pass the file through as it is
            ts, completed = fast
            piece = _piece(data.rstrip(b" \t\n\r"), _json_str(path), completed)
        else:
            try:
                doc, compact = parse_with_json(data)
            except Damaged as exc:
                out.append((name, (ident, "d", str(exc))))
                continue
            ts, completed = doc["snapshot_timestamp_ms"], doc["completed"]
            piece = _piece(compact, _json_str(path), completed)
        out.append((name, (ident, "s", ts, completed, piece)))
    return out


def _assemble(directory: str, entries: dict, leftovers: list, everything: bool) -> list:
    if not everything:
        return _layout(entries)[0]
    import json

    order = _in_answer_order(entries)
    parts = [e[4] for *_, e in order]
    for name in sorted(n for n, e in entries.items() if e[1] == "d"):
        parts.append(json.dumps({"path": _safe_path(os.path.join(directory, name)), "status": "damaged",
                                 "error": entries[name][2]}, ensure_ascii=False).encode())
    timestamps = {name: e[2] for _, _, name, e in order}
    for name in sorted(leftovers):
        lo = scan.leftover(name, os.path.join(directory, name), timestamps)
        parts.append(json.dumps({"path": _safe_path(lo.path), "status": "leftover",
                                 "target": _safe_path(os.path.join(directory, lo.target)), "state": lo.state,
                                 "detail": lo.detail, "snapshot_timestamp_ms": lo.timestamp_ms},
                                ensure_ascii=False).encode())
    return _array(parts)


def _array(parts: list) -> list:
    """A JSON array of the given objects, one per line, as buffers to write in order."""
    if not parts:
        return [b"[]\n"]
    framed = [b"[\n"]
    for part in parts:
        framed += (part, b",\n")
    framed[-1] = b"\n]\n"
    return framed


def _layout(entries: dict) -> tuple[list, list, dict]:
    """``(answer, rest, table)``: the plain answer (interrupted sessions, newest
    first), the completed sessions' pieces after it (both as lists of buffers),
    and the cache table that locates every piece in ``answer + rest`` (damaged
    entries keep their reason)."""
    order = _in_answer_order(entries)
    table: dict[str, tuple] = {n: e for n, e in entries.items() if e[1] == "d"}
    interrupted, rest = [], []
    offset = 2  # after "[\n"; each piece is followed by ",\n"
    for completed, _, name, e in order:
        if completed:
            if not rest:  # the answer ends here: its last ",\n" became "\n]\n" (or it is "[]\n")
                offset = offset + 1 if interrupted else 3
            rest.append(e[4])
            table[name] = (e[0], "s", e[2], True, offset, len(e[4]))
            offset += len(e[4])
        else:
            interrupted.append(e[4])
            table[name] = (e[0], "s", e[2], False, offset, len(e[4]))
            offset += len(e[4]) + 2
    return _array(interrupted), rest, table


def _in_answer_order(entries: dict) -> list:
    """``[(completed, -ts, name, entry)]`` of the sessions: interrupted first, each
    part newest first, ties by file name."""
    return sorted([(e[3], -e[2], name, e) for name, e in entries.items() if e[1] == "s"])


def _save(path: str, owner: str, entries: dict, racy_ns: int) -> list | None:
    """Keep every entry old enough to trust; return the plain answer (as buffers)
    when that is all of them.

    The cache blob is the plain answer followed by the completed sessions'
    pieces, so that an unchanged directory's answer is one slice of it. That
    slice is recorded only when every file could be trusted; otherwise the
    trusted pieces still save work.
    """
    trusted = {n: e for n, e in entries.items() if e[0][0] != "error" and e[0][4] < racy_ns}
    answer, rest, table = _layout(trusted)
    complete = len(trusted) == len(entries)
    plain = (0, sum(map(len, answer))) if complete else None
    datafile.write(path, CACHE_MAGIC, owner, (table, plain), answer + rest, durable=False)
    return answer if complete else None
