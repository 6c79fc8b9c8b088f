"""What the TUI's filter searches: each session's text, previews included, lowercased."""

from __future__ import annotations

import os
from typing import Any

from snaptui.catalog.survey import survey
from snaptui.sources import recovery_records as recovery


def search_texts(directory: str, cache_dir: str | None) -> dict[str, str]:
    """``{session key: text}``: id, project, file name, then every kept tool
    result's name, call id and preview (from the cache where it can be)."""
    import orjson

    found = survey(directory, cache_dir, pieces=True)
    out = {}
    prefix = os.path.join(directory, "")
    for name, piece in found.pieces.items():
        try:
            doc: Any = orjson.loads(piece)
        except orjson.JSONDecodeError:  # a cost beyond 64 bits: valid, and rare
            import json

            doc = json.loads(bytes(piece))
        parts = [doc["session_id"], doc["project_dir"], name]
        for t in doc["last_tool_results"]:
            parts += (t["tool_name"], t["call_id"], t["output_preview"])
        out[recovery.key_of(prefix + name)] = "\n".join(parts).lower()
    return out
