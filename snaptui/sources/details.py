"""What a listed session's detail needs beyond its record, from whichever source holds it.

The layers above ask here and never look at file formats: a snapshot keeps
its last tool results in full (read again from its file); opendev's store
keeps the lost turn in the record itself and the transcript is the session.
"""

from __future__ import annotations

from typing import Any

from snaptui.sources.records import Session
from snaptui.sources.transcript import Transcript


def tool_results(session: Session) -> list[dict[str, Any]] | None:
    """Every kept tool result, previews in full (None: the source keeps none).

    Raises OSError, :class:`snaptui.base.files.Unreadable` or
    :class:`snaptui.format.reader.Damaged` when the file cannot be read again.
    """
    if session.source != "snapshot":
        return None
    from snaptui.sources import recovery

    results: list[dict[str, Any]] = recovery.load_snapshot(session)["last_tool_results"]
    return results


def transcript(session: Session, roots: tuple[str, ...] | None) -> Transcript | None:
    """opendev's transcript of a snapshot's session (None: the session is its own transcript)."""
    if session.source != "snapshot":
        return None
    from snaptui.sources import transcript as lookup

    return lookup.find(session.project_dir, session.session_id, roots)
