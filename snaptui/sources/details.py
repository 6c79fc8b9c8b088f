"""What a listed session's detail needs beyond its record, from whichever source holds it.

The layers above ask here and never look at file formats: a snapshot keeps
its last tool results in full (read again from its file); opendev's store
keeps the lost turn in the record itself and the transcript is the session.
"""

from __future__ import annotations

from typing import Any

from snaptui.sources.records import Session
from snaptui.sources.transcript import Transcript

TYPE_CHECKING = False
if TYPE_CHECKING:
    from snaptui.sources.filehistory import TurnFiles


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


def transcript(session: Session, roots: tuple[str, ...] | None) -> Transcript:
    """opendev's transcript of ``session``: a snapshot's is looked up under ``roots``; a
    session of opendev's store is its own (its ``{id}.json``: none when its first turn
    never ended, and only its ``.debug`` exists)."""
    if session.source != "snapshot":
        if session.path.endswith(".debug"):
            return Transcript(session.path, False, problem="its first turn never ended")
        return Transcript(session.path, True, session.title)
    from snaptui.sources import transcript as lookup

    return lookup.find(session.project_dir, session.session_id, roots)


def turn_changes(session: Session) -> TurnFiles | None:
    """What the interrupted turn did to the project's files, from opendev's checkpoints
    (None when no source knows the turn: only opendev's store keeps it)."""
    lost = session.lost_turn
    if lost is None or lost.data_root is None:
        return None
    from snaptui.sources import filehistory

    return filehistory.find_changes(lost.data_root, session.session_id, session.project_dir, lost.edited_paths,
                                    lost.turn_started_ms, session_ended_ms=session.written_ms)
