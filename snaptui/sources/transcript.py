"""Can opendev find a session's transcript? And what is its title?

opendev keeps transcripts at ``<data>/projects/<encoded dir>/<session_id>.json``
(OPENDEV_STORE.md §1): ``<data>`` is any of :func:`opendev_roots.default_roots`
(``$OPENDEV_DIR``, or both ``~/.opendev`` and the XDG data directory), the
encoding is the canonical project path with every ``/`` replaced by ``-``.
Without one, ``opendev -r ID`` cannot load the session there (§4). Ids that are not plain
file names are never looked up (a hostile id must not make snaptui read
elsewhere).
"""

from __future__ import annotations

import os

from snaptui.sources import opendev_roots

MAX_TRANSCRIPT_BYTES = 256 * 1024 * 1024


def transcript_paths(project_dir: str, session_id: str,
                     roots: tuple[str, ...] | None = None) -> tuple[str, ...] | None:
    """Where opendev would look, one path per data root (``roots``, by default
    those that exist), or None when the id or directory cannot be a name."""
    if not _nameable(session_id):
        return None
    if not project_dir or "\0" in project_dir:
        return None
    try:
        canonical = os.path.realpath(project_dir)
    except (OSError, ValueError):
        return None
    encoded = canonical.replace("/", "-")
    return tuple(os.path.join(root, "projects", encoded, session_id + ".json")
                 for root in (opendev_roots.default_roots() if roots is None else roots))


def _nameable(session_id: str) -> bool:
    """Whether ``session_id`` can be a file's name (``{id}.json``) in one folder."""
    return bool(session_id) and "/" not in session_id and "\0" not in session_id and session_id not in (".", "..")


def transcript_path(project_dir: str, session_id: str) -> str | None:
    """The first of :func:`transcript_paths` (None when there is none)."""
    paths = transcript_paths(project_dir, session_id)
    return paths[0] if paths else None


class Transcript:
    """What the check found: ``exists``, and the ``title`` if it has one."""

    __slots__ = ("exists", "path", "problem", "title")

    def __init__(self, path: str | None, exists: bool, title: str | None = None,
                 problem: str | None = None) -> None:
        self.path = path
        self.exists = exists
        self.title = title
        self.problem = problem


def find(project_dir: str, session_id: str, roots: tuple[str, ...] | None = None) -> Transcript:
    """Look for the transcript in every data root and read ``metadata.title`` from it.

    The first readable one wins; when every copy found is unreadable, the
    first one's problem is reported.
    """
    paths = transcript_paths(project_dir, session_id, roots)
    if paths is None:
        if not _nameable(session_id):
            return Transcript(None, False, problem="the session id cannot be a file name")
        return Transcript(None, False, problem="the session has no project directory" if not project_dir
                          else "the project directory cannot be a path")
    unreadable: Transcript | None = None
    for path in paths:
        found = _read(path)
        if found.exists and found.problem is None:
            return found
        if found.exists and unreadable is None:
            unreadable = found
    return unreadable or Transcript(paths[0] if paths else None, False)


def _read(path: str) -> Transcript:
    from snaptui.base.files import read_bounded

    try:
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
        title = None
    return Transcript(path, True, title)
