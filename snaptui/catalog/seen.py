"""What the person has already seen: the startup check stays quiet about it.

Per recovery directory, the snapshot time of each session file the person
saw in snaptui (listed, resumed or discarded). A session counts as new again
only when its file holds a newer snapshot: a new crash. Kept in the
platformdirs state dir, written atomically, in marshal (the startup check
reads it and cannot afford the json module's import).
"""

from __future__ import annotations

import os

from snaptui.base import datafile

TYPE_CHECKING = False  # not typing's: the startup check reads the seen memory and cannot afford it
if TYPE_CHECKING:
    from collections.abc import Iterable

    from snaptui.sources.records import Session

MAGIC = b"SNAPSEEN"


def seen_path(state_dir: str, directory: str) -> str:
    return os.path.join(state_dir, "seen", datafile.key_for(directory) + ".marshal")


def load(state_dir: str, directory: str) -> dict[str, int]:
    """``{file name: snapshot_timestamp_ms}`` seen in ``directory`` (empty if unknown)."""
    seen, _ = datafile.read(seen_path(state_dir, directory), MAGIC, os.path.realpath(directory))
    return seen if type(seen) is dict else {}


def remember(state_dir: str, directory: str, sessions: Iterable[Session], *, present: set[str] | None = None,
             read: tuple[str, ...] = ("snapshot", "opendev")) -> bool:
    """Record ``sessions`` as seen. ``present`` (the keys of the sessions now there, in the
    sources ``read``) lets entries of sessions that are gone be forgotten; those of a source
    not read are kept (a TUI opened with ``--source snapshot`` knows nothing of the store's).
    False when the memory could not be written (a read-only state directory)."""
    seen = load(state_dir, directory)
    before = dict(seen)
    if present is not None:
        seen = {k: v for k, v in seen.items() if k in present or source_of(k) not in read}
    for s in sessions:
        seen[seen_key(s)] = s.timestamp_ms
    if seen == before:
        return True
    # A failed write (read-only state dir) only means the check asks again: the caller may say so.
    return datafile.write(seen_path(state_dir, directory), MAGIC, os.path.realpath(directory), seen, durable=True)


def unseen(sessions: Iterable[Session], seen: dict[str, int]) -> list[Session]:
    """The sessions whose current snapshot the person has not seen."""
    return [s for s in sessions if seen.get(seen_key(s)) != s.timestamp_ms]


def source_of(key: str) -> str:
    """The source of a :func:`seen_key`: a store session's key is ``opendev:`` and its path; a
    snapshot's file name holds no ``/``."""
    return "opendev" if "/" in key else "snapshot"


def seen_key(s: Session) -> str:
    """A snapshot by its file name (as this memory always had them); a store session by its key."""
    return s.name if s.source == "snapshot" else s.key
