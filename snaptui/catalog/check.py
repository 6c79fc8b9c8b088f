"""Is there a crash the person has not seen? The startup check's verdict.

It must cost almost nothing when there is nothing new: when neither the
recovery directory nor the seen-memory changed since the last verdict, that
verdict is reused (a ``stat`` of each and one small file read). Otherwise
the directory is scanned through the catalog's cache, within a deadline.
Imports stay minimal (no json, no re, no pydantic, no platformdirs).
"""

from __future__ import annotations

import os
import time

from snaptui.base import datafile
from snaptui.catalog import seen

TYPE_CHECKING = False  # not typing's: importing typing would cost the startup check milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from snaptui.base.datafile import Plain
    from snaptui.settings.paths import Dirs

MEMO_MAGIC = b"SNAPCHK3"
DEADLINE_S = 0.8
"""A cold scan of a huge directory stops reading here and continues next time."""


class Verdict:
    """The interrupted sessions the person has not seen."""

    __slots__ = ("count", "since_ms", "cost", "from_store")

    def __init__(self, count: int, since_ms: int, cost: float, from_store: int = 0) -> None:
        self.count = count
        self.since_ms = since_ms
        """The oldest of their snapshot (or stop) times."""
        self.cost = cost
        """What the snapshots among them cost (opendev's store records no cost)."""
        self.from_store = from_store
        """How many of them are in opendev's session store."""


def _store_mtimes(parts: object) -> list[int]:
    """The mtimes in a :func:`store_stamp` (folders' and logs')."""
    out: list[int] = []
    for part in parts if isinstance(parts, tuple) else ():
        if isinstance(part, tuple) and len(part) in (3, 4) and isinstance(part[-1], int):
            out.append(part[-1])
    return out


def dismissed_path(state_dir: str) -> str:
    return os.path.join(state_dir, "dismissed.marshal")  # catalog.dismissed's, without importing it


def _stamp(path: str) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def store_stamp(roots: tuple[str, ...]) -> tuple[Plain, ...]:
    """What changes when opendev's store changes in a way that matters to the check:
    a session file appears, goes or is renamed into place (the folder's mtime), or a
    session's live log grows (each ``.debug``'s size and mtime). Stats only."""
    parts: list[Plain] = []
    for root in roots:
        projects = os.path.join(root, "projects")
        parts.append(_stamp(projects))
        try:
            with os.scandir(projects) as it:
                folders = [e.path for e in it]
        except OSError:
            continue
        for folder in sorted(folders):
            parts.append(_stamp(folder))
            try:
                with os.scandir(folder) as it:
                    for e in it:
                        if e.name.endswith(".debug"):
                            try:
                                st = e.stat()
                            except OSError:
                                continue
                            parts.append((e.name, st.st_size, st.st_mtime_ns))
            except OSError:
                continue
    return tuple(parts)


def evaluate(directory: str, *, dirs: Dirs, settings: Mapping[str, Any], now_ms: int,
             store_roots: tuple[str, ...] = (), snapshots: bool = True) -> Verdict:
    """The new crashes in ``directory`` and in the store under ``store_roots``
    (reusing the last verdict when nothing moved).

    Raises OSError when the directory exists but cannot be read.
    """
    owner = os.path.realpath(directory)
    memo_path = os.path.join(dirs.cache, "check", datafile.key_for(directory) + ".marshal")
    dir_stamp = _stamp(directory) if snapshots else None
    stamp = (dir_stamp, _stamp(seen.seen_path(dirs.state, directory)), _stamp(dismissed_path(dirs.state)),
             store_roots, store_stamp(store_roots), snapshots,
             settings["running_threshold"], settings["resume_command"])
    memo, _ = datafile.read(memo_path, MEMO_MAGIC, owner)
    if type(memo) is tuple and len(memo) == 3 and memo[0] == stamp and now_ms < memo[1] and len(memo[2]) == 4:
        return Verdict(*memo[2])

    from snaptui.catalog import dismissed
    from snaptui.catalog.liveness import Liveness
    from snaptui.catalog.scan import scan

    result = scan(directory, cache_dir=dirs.cache, deadline_ns=time.monotonic_ns() + int(DEADLINE_S * 1e9),
                  store_roots=store_roots, snapshots=snapshots, dismissed=dismissed.load(dirs.state))
    if result.error and not result.missing:
        raise OSError(f"recovery directory {directory} {result.error}")
    candidates = seen.unseen(result.incomplete, seen.load(dirs.state, directory))
    valid_until = 2**62
    crashes = []
    if candidates:
        live = Liveness.from_settings(settings, now_ms)
        for s in candidates:
            if live.crashed(s):
                crashes.append(s)
            elif live.agents:
                valid_until = 0  # an agent may exit without the directory changing
            else:
                settles = live.settles_ms(s)
                if settles is not None:
                    valid_until = min(valid_until, settles)
    newest_ns = max([dir_stamp[3] if dir_stamp else 0, *_store_mtimes(stamp[4])])
    if result.partial or now_ms * 1_000_000 - newest_ns < 2_000_000_000:
        valid_until = 0  # unfinished, or changed too recently for its mtime to prove anything
    verdict = Verdict(
        len(crashes),
        min((s.timestamp_ms for s in crashes), default=0),
        sum(float(s.cost_usd) for s in crashes if s.cost_usd is not None),
        sum(1 for s in crashes if s.source != "snapshot"),
    )
    if valid_until:
        memo = (stamp, valid_until, (verdict.count, verdict.since_ms, verdict.cost, verdict.from_store))
        datafile.write(memo_path, MEMO_MAGIC, owner, memo, durable=False)
    return verdict
