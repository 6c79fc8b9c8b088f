"""Which entries of opendev's project folders are sessions (OPENDEV_STORE.md §2), by name alone.

Each ``{id}.json`` is a session, and so is each ``{id}.debug`` without one (a
session that died before its first save). Listings only: this is what the
store's reader (:mod:`snaptui.sources.opendev`) discovers sessions by, and
what ``list --json`` asks before the store is read (imports next to nothing).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

MARKER = "OPENDEV_PROJECT_PATH"
NOT_SESSIONS = frozenset({"sessions-index.json", "file-history.json"})


def is_session_json(name: str) -> bool:
    return name.endswith(".json") and len(name) > 5 and not name.startswith(".") and name not in NOT_SESSIONS


def ids_in(names: Collection[str]) -> set[str]:
    """The session ids of a project folder whose entries are ``names``."""
    ids = {name[:-5] for name in names if is_session_json(name)}
    ids |= {name[:-6] for name in names
            if name.endswith(".debug") and len(name) > 6 and not name.startswith(".")
            and name[:-6] + ".json" not in names}
    return ids


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows a symlinked folder
    except OSError:
        return False


def project_folders(root: str) -> list[str]:
    """The project folders under ``root``, sorted. Raises OSError (ValueError for a NUL in ``root``)."""
    with os.scandir(os.path.join(root, "projects")) as it:
        return sorted(e.path for e in it if _is_dir(e))


def session_ids(roots: Iterable[str]) -> set[str]:
    """The id of every session in the store under ``roots`` now (a folder or root that
    cannot be listed has none)."""
    out: set[str] = set()
    for root in roots:
        try:
            folders = project_folders(root)
        except (OSError, ValueError):
            continue
        for folder in folders:
            try:
                out |= ids_in(set(os.listdir(folder)))
            except OSError:
                continue
    return out
