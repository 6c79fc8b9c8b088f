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

    from snaptui.settings.paths import Dirs

MEMO_MAGIC = b"SNAPCHK2"
DEADLINE_S = 0.8
"""A cold scan of a huge directory stops reading here and continues next time."""


class Verdict:
    """The interrupted sessions the person has not seen."""

    __slots__ = ("count", "since_ms", "cost")

    def __init__(self, count: int, since_ms: int, cost: float) -> None:
        self.count = count
        self.since_ms = since_ms
        """The oldest of their snapshot times."""
        self.cost = cost


def _stamp(path: str) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def evaluate(directory: str, *, dirs: Dirs, settings: Mapping[str, Any], now_ms: int) -> Verdict:
    """The new crashes in ``directory`` (reusing the last verdict when nothing moved).

    Raises OSError when the directory exists but cannot be read.
    """
    owner = os.path.realpath(directory)
    memo_path = os.path.join(dirs.cache, "check", datafile.key_for(directory) + ".marshal")
    dir_stamp = _stamp(directory)
    stamp = (dir_stamp, _stamp(seen.seen_path(dirs.state, directory)),
             settings["running_threshold"], settings["resume_command"])
    memo, _ = datafile.read(memo_path, MEMO_MAGIC, owner)
    if type(memo) is tuple and len(memo) == 3 and memo[0] == stamp and now_ms < memo[1]:
        return Verdict(*memo[2])

    from snaptui.catalog.liveness import Liveness
    from snaptui.catalog.scan import scan

    result = scan(directory, cache_dir=dirs.cache, deadline_ns=time.monotonic_ns() + int(DEADLINE_S * 1e9))
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
    if result.partial or dir_stamp is None or now_ms * 1_000_000 - dir_stamp[3] < 2_000_000_000:
        valid_until = 0  # unfinished, or changed too recently for its mtime to prove anything
    verdict = Verdict(
        len(crashes),
        min((s.timestamp_ms for s in crashes), default=0),
        sum(float(s.cost_usd) for s in crashes if s.cost_usd is not None),
    )
    if valid_until:
        memo = (stamp, valid_until, (verdict.count, verdict.since_ms, verdict.cost))
        datafile.write(memo_path, MEMO_MAGIC, owner, memo, durable=False)
    return verdict
