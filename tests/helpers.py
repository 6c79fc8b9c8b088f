"""Writing snapshot files for tests, through the reference-compatible writer."""

from __future__ import annotations

import os
from pathlib import Path

from snaptui.format import writer

NOW = 1_800_000_000_000
MIN = 60_000
DAY = 86_400_000


def snap(session_id: str, *, ts: int = NOW - MIN, completed: bool = False, project: str = "/srv/app",
         cost: float = 1.5, messages: int = 10, tools=(("bash", True, "ok"),)) -> dict:
    return {
        "session_id": session_id,
        "message_count": messages,
        "last_tool_results": [
            {"tool_name": n, "call_id": f"call_{i}", "output_preview": out, "success": ok}
            for i, (n, ok, out) in enumerate(tools)
        ],
        "snapshot_timestamp_ms": ts,
        "completed": completed,
        "project_dir": project,
        "cost_usd": cost,
    }


def write(directory: Path, session_id: str, *, age_s: float | None = 3600, name: str | None = None, **kw) -> Path:
    """Write a snapshot file; ``age_s`` back-dates its mtime (None: leave it).

    ``name`` gives the file name (needed for ids that cannot be file names)."""
    if name is None:
        path = Path(writer.save(str(directory), snap(session_id, **kw)))
    else:
        path = Path(directory) / name
        path.write_bytes(writer.dumps(snap(session_id, **kw)))
    if age_s is not None:
        old = os.stat(path).st_mtime - age_s
        os.utime(path, (old, old))
    return path
