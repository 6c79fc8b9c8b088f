"""``snaptui check``: run at every shell start, so it loads as little as it can.

Exit status: 0 there are new crashes, 1 there are none, 2 error. With
``--startup`` (the shell integration), the config's ``startup`` setting
decides: ``open`` exits 0 for the shell to open the TUI, ``notify`` prints
the line and exits 1, ``off`` exits 1 at once.

One TUI per crash, however many shells start at once: the TUI holds a lock
per recovery directory (:func:`tui_lock_path`, in snaptui's state directory)
for as long as it is open, and remembers what it showed (the seen-memory)
before letting it go. The startup check opens nothing while another process
holds it: it prints the one line instead. The shell then runs ``snaptui
--startup``, which takes the lock itself (:func:`claim_tui`) and opens the
TUI only if it got it and there is still something unseen; so of four shells
started in the same second exactly one opens the TUI, the others print the
line, and a shell started after the TUI closed stays quiet.
"""

from __future__ import annotations

import os
import sys
import time

from snaptui.cli.parse import Parsed

TYPE_CHECKING = False  # not typing's: the startup check cannot afford importing typing
if TYPE_CHECKING:
    from typing import Any

    from snaptui.settings.paths import Dirs


def line(count: int, since_ms: int, cost: float, now_ms: int, *, elsewhere: bool = False) -> str:
    """The one line the check prints (``elsewhere``: a TUI is open in another terminal)."""
    from snaptui.present import humanfmt

    noun = "session" if count == 1 else "sessions"
    prep = "at" if count == 1 else "since"
    tail = "snaptui is open in another terminal" if elsewhere else "run snaptui"
    return (f"{count} interrupted opendev {noun} {prep} {humanfmt.clock_time(since_ms, now_ms)} "
            f"({humanfmt.cost(cost)}) — {tail}")


def tui_lock_path(state_dir: str, directory: str) -> str:
    """The lock a TUI on ``directory`` holds while it is open."""
    from snaptui.base.datafile import key_for

    return os.path.join(state_dir, "locks", key_for(directory) + ".tui")


def _where(args: Parsed) -> tuple[Dirs, dict[str, Any], str]:
    from snaptui.settings import config, paths

    dirs = paths.user_dirs_fast()
    settings = config.load_fast(paths.config_file(dirs), dirs.cache)
    directory, _ = paths.recovery_dir(args.dir, settings["recovery_dir"])
    return dirs, settings, directory


def _fail(exc: Exception) -> int:
    """One line, exit 2, never a traceback at shell start."""
    from snaptui.present.safetext import one_line

    print(f"snaptui: {one_line(str(exc) or type(exc).__name__)}", file=sys.stderr)
    return 2


def run_check(args: Parsed) -> int:
    if args.startup and os.environ.get("SNAPTUI_DISABLE") == "1":
        return 1
    from snaptui.catalog.check import evaluate

    now = time.time_ns() // 1_000_000
    elsewhere = False
    try:
        dirs, settings, directory = _where(args)
        if args.startup and settings["startup"] == "off":
            return 1
        verdict = evaluate(directory, dirs=dirs, settings=settings, now_ms=now)
        if verdict.count and args.startup and settings["startup"] == "open":
            from snaptui.base import lock

            elsewhere = lock.held_elsewhere(tui_lock_path(dirs.state, directory))
    except Exception as exc:
        return _fail(exc)
    if not verdict.count:
        return 1
    if args.startup:
        if settings["startup"] == "notify" or elsewhere:
            print(line(verdict.count, verdict.since_ms, verdict.cost, now, elsewhere=elsewhere))
            return 1  # told, nothing to open here
        return 0
    if not args.quiet:
        print(line(verdict.count, verdict.since_ms, verdict.cost, now))
    return 0


def claim_tui(args: Parsed) -> int | None:
    """``snaptui --startup``: the TUI as the shell integration opens it.

    Takes the TUI lock without waiting. Returns None to go on and open the TUI
    (the lock is held until the TUI has closed and remembered what it showed),
    else the exit status: another TUI holds the lock (print the line instead),
    or, the lock taken, nothing is left unseen (a TUI closed meanwhile).
    Never an error status: a shell's first prompt should not show one.
    """
    if os.environ.get("SNAPTUI_DISABLE") == "1":
        return 0
    from snaptui.base import lock
    from snaptui.catalog.check import evaluate

    now = time.time_ns() // 1_000_000
    try:
        dirs, settings, directory = _where(args)
        path = tui_lock_path(dirs.state, directory)
        try:
            mine = lock.acquire(path)
        except OSError:
            mine = True  # no lock to be had here (a read-only state directory): open, unguarded
        verdict = evaluate(directory, dirs=dirs, settings=settings, now_ms=now)
    except Exception as exc:
        _fail(exc)
        return 0
    if not mine:
        if verdict.count:
            print(line(verdict.count, verdict.since_ms, verdict.cost, now, elsewhere=True))
        return 0
    if verdict.count:
        return None
    lock.release(path)
    return 0
