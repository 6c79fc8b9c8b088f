"""``snaptui list --json``: one JSON array, from a cache of ready-made pieces.

Each session becomes one JSON object: its seven snapshot fields exactly as in
its file (values untouched), plus ``path`` and ``status``. These pieces are
kept in the platformdirs cache, one per file, keyed by the file's identity
(mode, device, inode, size, mtime_ns). Every run stats every file; a piece is
reused only while its file keeps exactly that identity, and files modified
in the last two seconds are never cached, so the answer is never stale. With
nothing changed at 10,000 snapshots, an answer is a stat of each file, one
checked read, a sort and one write; a changed file costs one read and parse.
Imports stay minimal for the same reason.
"""

from __future__ import annotations

import os
import stat
import time

try:  # the C encoder alone: importing json pulls in re (about 8 ms here)
    from _json import encode_basestring as _encode_string
except ImportError:  # pragma: no cover - other Pythons
    from json.encoder import py_encode_basestring as _encode_string

from snaptui import datafile
from snaptui.index import RACY_NS, cache_base

CACHE_MAGIC = b"SNAPLST3"


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


def _names(directory: str) -> dict[str, tuple] | None:
    """``{name: (identity, is_link)}`` of the files a listing depends on (``*.json``
    and leftovers); None when the directory does not exist."""
    out: dict[str, tuple] = {}
    try:
        with os.scandir(directory) as it:
            for entry in it:
                name = entry.name
                if name.endswith(".json") or ".json.tmp" in name:
                    try:
                        st = entry.stat()
                        ident = (st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
                    except OSError as exc:
                        ident = ("error", exc.errno)
                    out[name] = (ident, entry.is_symlink())
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise DirectoryProblem("is not a directory") from None
    except PermissionError:
        raise DirectoryProblem("cannot be read: permission denied") from None
    except OSError as exc:
        raise DirectoryProblem(f"cannot be read: {exc.strerror or exc}") from None
    return out


def _piece(obj: bytes, path: str, completed: bool) -> bytes:
    """The snapshot object ``obj`` (its JSON text, ending in ``}``) with path and status added."""
    status = b"completed" if completed else b"incomplete"
    return obj[:-1] + b',"path":' + _json_str(path) + b',"status":"' + status + b'"}'


def json_output(directory: str, cache_dir: str | None, *, everything: bool) -> bytes:
    """The whole ``list --json`` answer for ``directory`` (``--all`` if ``everything``)."""
    got = _entries(directory, cache_dir, answer=not everything)
    if got is None:
        return b"[]\n"
    if isinstance(got, bytes):
        return got
    entries, leftovers = got
    return _assemble(directory, entries, leftovers, everything)


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
    ``(identity, "d", reason)``. The cache is refreshed when anything changed.
    """
    started_ns = time.time_ns()
    names = _names(directory)
    if names is None:
        return None
    cache_path = cache_base(cache_dir, directory) + ".list" if cache_dir else None
    owner = os.path.realpath(directory)
    stored, blob = datafile.read(cache_path, CACHE_MAGIC, owner) if cache_path else (None, b"")
    old, old_plain = {}, None
    if type(stored) is tuple and len(stored) == 2 and type(stored[0]) is dict:
        old, plain = stored
        if type(plain) is tuple:
            start, end = plain
            old_plain = blob[start:end]
    if (
        answer
        and old_plain is not None
        and len(names) == len(old)
        and all(type(hit := old.get(name)) is tuple and hit[0] == ident for name, (ident, _) in names.items())
    ):
        return b"[\n" + old_plain + b"\n]\n" if old_plain else b"[]\n"  # nothing changed: the last answer
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
        _save(cache_path, owner, entries, started_ns - RACY_NS)
    return entries, leftovers


PARALLEL_FROM = 2000
"""With this many files to read, a second process reads half of them (2 cores)."""


def _read_all(directory: str, todo: list) -> list:
    """``[(name, entry)]`` for files the cache cannot answer, read in two
    processes when there are many of them (a cold start of a big directory)."""
    import threading

    if len(todo) < PARALLEL_FROM or not hasattr(os, "fork") or threading.active_count() > 1 or (os.cpu_count() or 1) < 2:
        return _read_some(directory, todo)
    import marshal

    mine, theirs = todo[: len(todo) // 2], todo[len(todo) // 2 :]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read its half, send it back, vanish without cleanup
        status = 1
        try:
            os.close(read_end)
            data = memoryview(marshal.dumps(_read_some(directory, theirs)))
            while data:
                data = data[os.write(write_end, data) :]
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    done = _read_some(directory, mine)
    chunks = []
    with os.fdopen(read_end, "rb") as pipe:
        while chunk := pipe.read(1 << 20):
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    try:
        if status != 0:
            raise ValueError("the helper process failed")
        return done + marshal.loads(b"".join(chunks))
    except (ValueError, EOFError, TypeError):
        return done + _read_some(directory, theirs)  # do its half here instead


def _read_some(directory: str, todo: list) -> list:
    from snaptui.reader import Damaged, canonical, parse_with_json
    from snaptui.scan import MAX_BYTES, read_entry, reason_not_regular, reason_os_error, reason_too_large

    out = []
    for name, ident, is_link in todo:
        path = os.path.join(directory, name)
        if ident[0] == "error":
            out.append((name, (ident, "d", reason_os_error(OSError(ident[1], os.strerror(ident[1])), is_link))))
            continue
        mode, size = ident[0], ident[3]
        if not stat.S_ISREG(mode):
            out.append((name, (ident, "d", reason_not_regular(mode))))
            continue
        if size > MAX_BYTES:
            out.append((name, (ident, "d", reason_too_large(size))))
            continue
        got = read_entry(path, is_link)
        if got is None:
            continue
        if got[0] is None:
            out.append((name, (ident, "d", got[1])))
            continue
        ident = (ident[0], *got[0])  # what was read, if the file was replaced since the listing
        data = got[1]
        fast = canonical(data)
        if fast is not None:  # the reference's own layout: pass the file through as it is
            ts, completed = fast
            piece = _piece(data.rstrip(b" \t\n\r"), path, completed)
        else:
            try:
                doc, compact = parse_with_json(data)
            except Damaged as exc:
                out.append((name, (ident, "d", str(exc))))
                continue
            ts, completed = doc["snapshot_timestamp_ms"], doc["completed"]
            piece = _piece(compact, path, completed)
        out.append((name, (ident, "s", ts, completed, piece)))
    return out


def _assemble(directory: str, entries: dict, leftovers: list, everything: bool) -> bytes:
    sessions = [(-e[2], name, e[3], e[4]) for name, e in entries.items() if e[1] == "s"]
    sessions.sort()
    parts = [e[3] for e in sessions if not e[2]]
    if everything:
        import json

        from snaptui.scan import leftover

        parts += [e[3] for e in sessions if e[2]]
        for name in sorted(n for n, e in entries.items() if e[1] == "d"):
            parts.append(json.dumps({"path": _safe_path(os.path.join(directory, name)), "status": "damaged",
                                     "error": entries[name][2]}, ensure_ascii=False).encode())
        timestamps = {e[1]: -e[0] for e in sessions}
        for name in sorted(leftovers):
            lo = leftover(name, os.path.join(directory, name), timestamps)
            parts.append(json.dumps({"path": _safe_path(lo.path), "status": "leftover",
                                     "target": _safe_path(os.path.join(directory, lo.target)), "state": lo.state,
                                     "detail": lo.detail, "snapshot_timestamp_ms": lo.timestamp_ms},
                                    ensure_ascii=False).encode())
    if not parts:
        return b"[]\n"
    return b"[\n" + b",\n".join(parts) + b"\n]\n"


def _save(path: str, owner: str, entries: dict, racy_ns: int) -> None:
    """Keep every entry old enough to trust.

    Session pieces go into one blob in answer order (interrupted, then
    completed), joined as the answer joins them, so that an unchanged
    directory's answer is one slice of it. That slice is recorded only when
    every file could be trusted; otherwise the trusted pieces still save work.
    """
    trusted = {n: e for n, e in entries.items() if e[0][0] != "error" and e[0][4] < racy_ns}
    order = sorted((-e[2], name) for name, e in trusted.items() if e[1] == "s")
    table: dict[str, tuple] = {n: e for n, e in trusted.items() if e[1] == "d"}
    pieces: list = []
    offset = 0
    plain = None
    for completed in (False, True):
        for _, name in order:
            e = trusted[name]
            if e[3] is not completed:
                continue
            if pieces:
                pieces.append(b",\n")
                offset += 2
            table[name] = (e[0], "s", e[2], e[3], offset, len(e[4]))
            pieces.append(e[4])
            offset += len(e[4])
        if not completed:
            plain = (0, offset)
    if len(trusted) != len(entries):
        plain = None
    datafile.write(path, CACHE_MAGIC, owner, (table, plain), b"".join(pieces), durable=False)
