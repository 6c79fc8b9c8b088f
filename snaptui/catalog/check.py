"""Is there a crash the person has not seen? The startup check's verdict.

It must cost almost nothing when there is nothing new: when neither the
recovery directory nor the seen-memory changed since the last verdict, that
verdict is reused (a ``stat`` of each and one small file read). Otherwise
the directory is scanned through the catalog's cache, within a deadline when
given one (the shell's startup check).

A verdict never claims more than was looked at: when the deadline stops the
scan, the verdict is not ``complete`` (its count is what was found so far),
and with ``background`` a detached, niced process finishes the index and the
verdict (one at a time per directory: it holds :func:`index_lock_path`), so
that the next shell's check is fast again. While it runs, a background check
answers "not complete" at once rather than read the same files again.
Imports stay minimal (no json, no re, no pydantic, no platformdirs).
"""

from __future__ import annotations

import os
import sys
import time

from snaptui.base import datafile
from snaptui.catalog import seen

TYPE_CHECKING = False  # not typing's: importing typing would cost the startup check milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from snaptui.base.datafile import Plain
    from snaptui.settings.paths import Dirs

MEMO_MAGIC = b"SNAPCHK4"
VERDICT_MAX_MS = 3_600_000
"""A verdict is reused for an hour at most. What it rests on is the recovery directory's own
stat, which every write of a snapshot changes (the format's writer renames a new file into
place); a file overwritten in place does not change it, and is counted within the hour."""
DEADLINE_S = 0.8
"""A cold scan of a huge directory stops reading here and continues next time."""


class Verdict:
    """The interrupted sessions the person has not seen."""

    __slots__ = ("count", "since_ms", "cost", "from_store", "complete")

    def __init__(self, count: int, since_ms: int, cost: float, from_store: int = 0, complete: bool = True) -> None:
        self.count = count
        self.since_ms = since_ms
        """The oldest of their snapshot (or stop) times."""
        self.cost = cost
        """What the snapshots among them cost (opendev's store records no cost)."""
        self.from_store = from_store
        """How many of them are in opendev's session store."""
        self.complete = complete
        """False when files were left unread (the deadline, or indexing in the background):
        there may be more, and zero does not mean none."""


def index_lock_path(state_dir: str, directory: str) -> str:
    """The lock the background indexer of ``directory`` holds while it runs."""
    return os.path.join(state_dir, "locks", datafile.key_for(directory) + ".index")


def _store_mtimes(parts: object) -> list[int]:
    """The mtimes in a :func:`store_stamp` (folders' and logs')."""
    out: list[int] = []
    for part in parts if isinstance(parts, tuple) else ():
        if isinstance(part, tuple) and len(part) in (3, 4) and isinstance(part[-1], int):
            out.append(part[-1])
    return out


def dismissed_path(state_dir: str) -> str:
    return os.path.join(state_dir, "dismissed.marshal")  # catalog.dismissed's, without importing it


def store_stamp(roots: tuple[str, ...]) -> tuple[Plain, ...]:
    """What changes when opendev's store changes in a way that matters to the check:
    a session file appears, goes or is renamed into place (the folder's mtime), or a
    session's live log grows (each ``.debug``'s size and mtime). Stats only."""
    parts: list[Plain] = []
    for root in roots:
        projects = os.path.join(root, "projects")
        parts.append(datafile.identity(projects))
        try:
            with os.scandir(projects) as it:
                folders = [e.path for e in it]
        except OSError:
            continue
        for folder in sorted(folders):
            parts.append(datafile.identity(folder))
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
             deadline_s: float | None = DEADLINE_S, background: bool = False,
             store_roots: tuple[str, ...] = (), snapshots: bool = True) -> Verdict:
    """The new crashes in ``directory`` and in opendev's store under ``store_roots``
    (reusing the last verdict when nothing moved).

    ``deadline_s``: stop reading files after that long (None: read them all).
    ``background``: if files are left unread, finish in a background process.
    Raises OSError when the directory exists but cannot be read.
    """
    owner = os.path.realpath(directory)
    memo_path = os.path.join(dirs.cache, "check", datafile.key_for(directory) + ".marshal")
    dir_stamp = datafile.identity(directory) if snapshots else None
    stamp = (dir_stamp, datafile.identity(seen.seen_path(dirs.state, directory)),
             datafile.identity(dismissed_path(dirs.state)), store_roots, store_stamp(store_roots), snapshots,
             settings["running_threshold"], settings["resume_command"])
    memo, _ = datafile.read(memo_path, MEMO_MAGIC, owner)
    if type(memo) is tuple and len(memo) == 3 and memo[0] == stamp and now_ms < memo[1] and len(memo[2]) == 4:
        return Verdict(*memo[2])

    if background:
        from snaptui.base import lock

        if lock.held_elsewhere(index_lock_path(dirs.state, directory)):
            return Verdict(0, 0, 0.0, complete=False)  # being indexed: the next shell will know

    from snaptui.base import sums
    from snaptui.catalog.liveness import Liveness
    from snaptui.catalog.scan import scan

    deadline_ns = None if deadline_s is None else time.monotonic_ns() + int(deadline_s * 1e9)
    from snaptui.catalog import dismissed

    result = scan(directory, cache_dir=dirs.cache, deadline_ns=deadline_ns, store_roots=store_roots,
                  snapshots=snapshots, dismissed=dismissed.load(dirs.state))
    if result.error and not result.missing:
        raise OSError(f"recovery directory {directory} {result.error}")
    if result.partial and background:
        _finish_in_background(directory, dirs, settings, store_roots, snapshots)
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
    if result.partial or now_ms * 1_000_000 - newest_ns < datafile.RACY_NS:
        valid_until = 0  # unfinished, or changed too recently for its mtime to prove anything
    verdict = Verdict(
        len(crashes),
        min((s.timestamp_ms for s in crashes), default=0),
        sums.total(float(s.cost_usd) for s in crashes if s.cost_usd is not None),
        sum(1 for s in crashes if s.source != "snapshot"),
        complete=not result.partial,
    )
    if valid_until:
        valid_until = min(valid_until, now_ms + VERDICT_MAX_MS)
        memo = (stamp, valid_until, (verdict.count, verdict.since_ms, verdict.cost, verdict.from_store))
        datafile.write(memo_path, MEMO_MAGIC, owner, memo, durable=False)
    return verdict


def _finish_in_background(directory: str, dirs: Dirs, settings: Mapping[str, Any], store_roots: tuple[str, ...],
                          snapshots: bool) -> None:
    """Index the rest of ``directory`` and leave the verdict for the next check, in a
    detached, niced process (a double fork: no zombie, no terminal, no waiting)."""
    from snaptui.base import twoproc

    if not hasattr(os, "fork") or not twoproc.alone():
        return  # forking a threaded process is not safe; the next check goes on where this one stopped
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        return
    if pid:
        try:
            os.waitpid(pid, 0)  # the middle process exits at once
        except ChildProcessError:
            pass
        return
    try:  # the middle process: a new session, then gone
        os.setsid()
        if os.fork() == 0:
            _index(directory, dirs, settings, store_roots, snapshots)
    finally:
        os._exit(0)


def _index(directory: str, dirs: Dirs, settings: Mapping[str, Any], store_roots: tuple[str, ...],
           snapshots: bool) -> None:
    """The background indexer: nothing on the terminal, low priority, one per directory."""
    from snaptui.base import lock

    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # let go of the terminal and of any pipe a caller waits on
        os.dup2(null, fd)
    os.nice(10)
    if lock.acquire(index_lock_path(dirs.state, directory)):
        evaluate(directory, dirs=dirs, settings=settings, now_ms=time.time_ns() // 1_000_000, deadline_s=None,
                 store_roots=store_roots, snapshots=snapshots)
