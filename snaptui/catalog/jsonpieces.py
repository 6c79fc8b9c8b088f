"""How each listed thing is written in ``list --json``: one JSON object per line.

A session is its seven snapshot fields exactly as in its file (values
untouched: a file in the reference writer's layout is passed through as it
is), plus ``path`` and ``status``. Damaged files and leftovers (``--all``)
are small objects of their own.
"""

from __future__ import annotations

import os

try:  # the C encoder alone: importing json pulls in re
    from _json import encode_basestring as _encode_string
except ImportError:  # pragma: no cover - other Pythons
    from json.encoder import py_encode_basestring as _encode_string

TYPE_CHECKING = False  # list --json imports this: no typing, no records unless --all
if TYPE_CHECKING:
    from snaptui.sources.records import DamagedFile, Leftover
    from snaptui.sources.recovery import Entry

_COMPLETED = b',"status":"completed"}'
_INCOMPLETE = b',"status":"incomplete"}'


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
    return _dumps({"path": safe_path(d.path), "status": "damaged", "error": d.reason})


def leftover(lo: Leftover, directory: str) -> bytes:
    return _dumps({"path": safe_path(lo.path), "status": "leftover",
                   "target": safe_path(os.path.join(directory, lo.target)), "state": lo.state,
                   "detail": lo.detail, "snapshot_timestamp_ms": lo.timestamp_ms})


def _dumps(obj: dict[str, object]) -> bytes:
    import json

    return json.dumps(obj, ensure_ascii=False).encode()
