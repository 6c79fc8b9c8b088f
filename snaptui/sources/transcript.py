"""Can opendev find a session's transcript? And what is its title?

opendev keeps transcripts at ``<data>/projects/<encoded dir>/<session_id>.json``:
``<data>`` is ``$OPENDEV_DIR`` or ``~/.opendev``, the encoding is the canonical
project path with every ``/`` replaced by ``-``. Without a transcript, resuming
starts a fresh session. Ids that are not plain file names are never looked up
(a hostile id must not make snaptui read elsewhere).
"""

from __future__ import annotations

import os

MAX_TRANSCRIPT_BYTES = 256 * 1024 * 1024


def data_dir() -> str:
    return os.environ.get("OPENDEV_DIR") or os.path.join(os.path.expanduser("~"), ".opendev")


def transcript_path(project_dir: str, session_id: str) -> str | None:
    """Where opendev would look, or None when the id or directory cannot be a name."""
    if not session_id or "/" in session_id or "\0" in session_id or session_id in (".", ".."):
        return None
    if not project_dir or "\0" in project_dir:
        return None
    try:
        canonical = os.path.realpath(project_dir)
    except (OSError, ValueError):
        return None
    return os.path.join(data_dir(), "projects", canonical.replace("/", "-"), session_id + ".json")


class Transcript:
    """What the check found: ``exists``, and the ``title`` if it has one."""

    __slots__ = ("path", "exists", "title", "problem")

    def __init__(self, path, exists, title=None, problem=None) -> None:
        self.path = path
        self.exists = exists
        self.title = title
        self.problem = problem


def find(project_dir: str, session_id: str) -> Transcript:
    """Look for the transcript and read ``metadata.title`` from it."""
    path = transcript_path(project_dir, session_id)
    if path is None:
        return Transcript(None, False, problem="the session id cannot be a file name")
    try:
        from snaptui.base.files import read_bounded

        _, data = read_bounded(path, MAX_TRANSCRIPT_BYTES)
    except FileNotFoundError:
        return Transcript(path, False)
    except Exception as exc:  # noqa: BLE001 - unreadable: report, do not crash
        return Transcript(path, os.path.lexists(path), problem=str(exc) or type(exc).__name__)
    title = None
    try:
        import orjson

        doc = orjson.loads(data)
        meta = doc.get("metadata") if isinstance(doc, dict) else None
        if isinstance(meta, dict) and isinstance(meta.get("title"), str):
            title = meta["title"]
    except Exception:  # noqa: BLE001 - a transcript we cannot parse still exists
        pass
    return Transcript(path, True, title)
