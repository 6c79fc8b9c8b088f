"""Sessions of opendev's store the person dismissed: snaptui's own memory, never opendev's files.

Discarding a store session must not change, move or delete anything of
opendev's, so "discard" there means "dismiss": the session's key, the time
it stopped and what to call it are remembered in snaptui's state dir
(atomically), and the catalog leaves it out. A new interruption of the same
session stops at a new time and shows again; ``restore`` (or ``u``) forgets
the dismissal.
"""

from __future__ import annotations

import os

from snaptui.base import datafile

TYPE_CHECKING = False  # not typing's: list --json and check load the dismissed keys, and nothing else
if TYPE_CHECKING:
    from collections.abc import Iterable

    from snaptui.sources.records import DamagedFile, Session

MAGIC = b"SNAPDSM1"
OWNER = "dismissed"


class Dismissal:
    """A dismissed store session (or damaged store file)."""

    __slots__ = ("key", "stopped_ms", "session_id", "label", "dismissed_ms")

    def __init__(self, key: str, stopped_ms: int, session_id: str, label: str, dismissed_ms: int) -> None:
        self.key = key
        self.stopped_ms = stopped_ms
        """The stop time dismissed: a later interruption shows again."""
        self.session_id = session_id
        self.label = label
        """Its project directory, or its path for a damaged file."""
        self.dismissed_ms = dismissed_ms

    def __repr__(self) -> str:
        return f"Dismissal({self.key!r}, {self.stopped_ms}, {self.session_id!r}, {self.label!r}, {self.dismissed_ms})"


def memory_path(state_dir: str) -> str:
    return os.path.join(state_dir, "dismissed.marshal")


def load(state_dir: str | None) -> dict[str, int]:
    """``{key: the stop time dismissed}``, what the catalog needs (empty when none or unreadable)."""
    return {key: v[0] for key, v in _table(state_dir).items()}


def listed(state_dir: str | None) -> list[Dismissal]:
    """Every dismissal, the newest first."""
    out = [Dismissal(k, *v) for k, v in _table(state_dir).items()]
    out.sort(key=lambda d: -d.dismissed_ms)
    return out


def _table(state_dir: str | None) -> dict[str, tuple[int, str, str, int]]:
    return _read(state_dir)[0]


def _read(state_dir: str | None) -> tuple[dict[str, tuple[int, str, str, int]], bool]:
    """The memory as stored, ``{key: (stopped_ms, session_id, label, dismissed_ms)}`` (a
    damaged entry left out), and whether there is a memory that does not read as one
    (truncated, garbage, not a file: empty here, so the sessions it held show again)."""
    if not state_dir:
        return {}, False
    path = memory_path(state_dir)
    value, _ = datafile.read(path, MAGIC, OWNER)
    if type(value) is not dict:
        return {}, os.path.lexists(path)
    return {k: v for k, v in value.items() if type(k) is str and type(v) is tuple and len(v) == 4}, False


def stopped_ms(item: Session | DamagedFile) -> int:
    """What identifies this interruption: a session's stop time, a damaged file's mtime."""
    from snaptui.sources.records import Session

    return item.timestamp_ms if isinstance(item, Session) else item.mtime_ns // 1_000_000


def dismiss(state_dir: str, items: Iterable[Session | DamagedFile], now_ms: int) -> str | None:
    """Remember ``items`` as dismissed. Returns where a damaged memory found in the way was
    kept (:func:`damage_note` says it), else None. Raises OSError when the memory cannot be
    written (then nothing looks dismissed)."""
    from snaptui.sources.records import Session

    table, damaged = _read(state_dir)
    memory = {k: Dismissal(k, *v) for k, v in table.items()}
    for item in items:
        sid = item.session_id if isinstance(item, Session) else ""
        label = item.project_dir if isinstance(item, Session) else item.path
        memory[item.key] = Dismissal(item.key, stopped_ms(item), sid, label, now_ms)
    return _save(state_dir, memory.values(), damaged)


def undismiss(state_dir: str, keys: Iterable[str]) -> list[Dismissal]:
    """Forget the dismissals of ``keys``; return those that were dismissed."""
    memory = {d.key: d for d in listed(state_dir)}
    gone = [memory.pop(k) for k in keys if k in memory]
    if gone:
        _save(state_dir, memory.values(), False)  # (a damaged memory lists nothing to take back)
    return gone


def damaged(state_dir: str | None) -> bool:
    """Whether there is a memory that does not read as one: the sessions it held show again,
    and the next write first keeps it aside."""
    return _read(state_dir)[1]


def damage_note(kept: str) -> str:
    """What to tell after a write found the memory damaged and kept it aside at ``kept``."""
    return (f"the memory of dismissed sessions was damaged, so those dismissed before show again; "
            f"it is kept as {kept}")


def _save(state_dir: str, memory: Iterable[Dismissal], damaged: bool) -> str | None:
    """Write ``memory``; a ``damaged`` one in its place is the person's state, unreadable:
    kept for them, never overwritten (where, returned)."""
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    path = memory_path(state_dir)
    kept = None
    if damaged:
        import time

        kept = f"{path}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        os.rename(path, kept)
    table = {d.key: (d.stopped_ms, d.session_id, d.label, d.dismissed_ms) for d in memory}
    try:
        datafile.write(path, MAGIC, OWNER, table, durable=True, strict=True)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write {path}: {exc.strerror or exc}") from None
    return kept
