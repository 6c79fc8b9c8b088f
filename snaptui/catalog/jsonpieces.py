"""How each listed thing is written in ``list --json``: one JSON object per line.

A snapshot session is its seven fields exactly as in its file (values
untouched: a file in the reference writer's layout is passed through as it
is), plus ``path``, ``status`` and ``"source": "snapshot"``. A session of
opendev's store is an object of what the store tells (``"source": "opendev"``).
Damaged files and leftovers (``--all``) are small objects of their own.
"""

from __future__ import annotations

import os

try:  # the C encoder alone: importing json pulls in re
    from _json import encode_basestring as _encode_string
except ImportError:  # pragma: no cover - other Pythons
    from json.encoder import py_encode_basestring as _encode_string

TYPE_CHECKING = False  # list --json imports this: no typing, no records unless --all
if TYPE_CHECKING:
    from snaptui.catalog.cache import Buffer
    from snaptui.sources.records import DamagedFile, Leftover, Session
    from snaptui.sources.recovery import Entry

_COMPLETED = b',"status":"completed","source":"snapshot"}'
_INCOMPLETE = b',"status":"incomplete","source":"snapshot"}'


def json_str(text: str) -> bytes:
    """A JSON string; undecodable file-name bytes become U+FFFD."""
    try:
        return _encode_string(text).encode("utf-8")
    except UnicodeEncodeError:
        return _encode_string(safe_path(text)).encode("utf-8")


def safe_path(path: str) -> str:
    """A path as valid Unicode (undecodable bytes as U+FFFD)."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def piece(entry: Entry, path: str) -> bytes:
    """A session's object: its JSON text (ending in ``}``) with path and status added."""
    assert entry.text is not None and entry.row is not None
    end = len(entry.text) - 1
    return b"".join((memoryview(entry.text)[:end], b',"path":', json_str(path),
                     _COMPLETED if entry.row.completed else _INCOMPLETE))


def damaged(d: DamagedFile) -> bytes:
    return _dumps({"path": safe_path(d.path), "status": "damaged", "error": d.reason, "source": d.source})


def leftover(lo: Leftover, directory: str) -> bytes:
    return _dumps({"path": safe_path(lo.path), "status": "leftover",
                   "target": safe_path(os.path.join(directory, lo.target)), "state": lo.state,
                   "detail": lo.detail, "snapshot_timestamp_ms": lo.timestamp_ms, "source": "snapshot"})


def store_session(s: Session) -> bytes:
    """A session of opendev's store."""
    lost = s.lost_turn
    return _dumps({
        "source": s.source,
        "session_id": s.session_id,
        "project_dir": safe_path(s.project_dir),
        "status": "completed" if s.completed else "incomplete",
        "title": s.title,
        "prompt": lost.prompt if lost else None,
        "stopped_at_ms": s.timestamp_ms,
        "stopped_by": lost.stopped_by if lost else "exit",
        "error": lost.error if lost else None,
        "pending_tools": [name for name, _ in lost.pending_tools] if lost else [],
        "input_tokens": lost.input_tokens if lost else None,
        "output_tokens": lost.output_tokens if lost else None,
        "path": safe_path(s.path),
    })


def with_prompt(piece: Buffer, prompt: str | None) -> bytes:
    """A snapshot session's object with the lost prompt its twin in the store holds."""
    return b"".join((memoryview(piece)[: len(piece) - 1], b',"prompt":', _dumps(prompt), b"}"))


def _dumps(obj: object) -> bytes:
    """``json.dumps(obj, ensure_ascii=False)`` as UTF-8, a lone surrogate (a log's ``\\ud800``
    escape) as "?" (file names go through :func:`safe_path` first, where undecodable bytes
    become U+FFFD). Written out for the flat objects above, with json's own C string encoder:
    the json module's import (``re`` with it) cost ``list --json``'s store helper ~3 ms."""
    return _text(obj).encode("utf-8", "replace")


def _text(value: object) -> str:
    if isinstance(value, str):
        return _encode_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (_INF, -_INF):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_text, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_text(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _key(key: object) -> str:
    if isinstance(key, str):
        return _encode_string(key)
    if key is None or isinstance(key, (bool, int, float)):
        return _encode_string(_text(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


_INF = float("inf")
