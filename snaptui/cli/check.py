"""``snaptui check``: run at every shell start, so it loads as little as it can.

Exit status: 0 there are new crashes, 1 there are none, 2 error. The plain
check reads every file it has not indexed yet before it answers, so 1 always
means none. With ``--startup`` (the shell integration), the config's
``startup`` setting decides: ``open`` exits 0 for the shell to open the TUI,
``notify`` prints the line and exits 1, ``off`` exits 1 at once.

The startup check never holds a shell up for long: it stops reading after
``DEADLINE_S`` (a first look at a huge directory), and then never says
"nothing new" about what it has not read: it opens or notifies for what it
found so far (the line says so), or prints that it is still indexing; a
background process finishes the index, so the next shell is fast.

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


STILL_INDEXING = ("snaptui: still indexing the recovery directory in the background; "
                  "the next shell will say whether anything crashed")
"""What the startup check says when its deadline came before it found anything."""


def drawable() -> bool:
    """Whether the terminal can draw the TUI: not ``TERM=dumb`` (Emacs' shell) nor unset, where
    its escapes would show raw."""
    return os.environ.get("TERM", "") not in ("", "dumb")


def line(count: int, since_ms: int, cost: float, now_ms: int, *, from_store: int = 0, elsewhere: bool = False,
         so_far: bool = False) -> str:
    """The one line the check prints: how many, since when, what they cost, where
    (``from_store``: how many are in opendev's store; ``elsewhere``: a TUI is open in
    another terminal; ``so_far``: files are still unread)."""
    from snaptui.present import humanfmt

    noun = "session" if count == 1 else "sessions"
    prep = "at" if count == 1 else "since"
    tail = "snaptui is open in another terminal" if elsewhere else \
        "run snaptui" if drawable() else "run snaptui list"
    more = " so far, still indexing" if so_far else ""
    if from_store == count:
        where = "in opendev's session store"
    elif from_store:
        where = f"{humanfmt.cost(cost)} in snapshots, {from_store} in opendev's session store"
    else:
        where = humanfmt.cost(cost)
    return (f"{count} interrupted opendev {noun} {prep} {humanfmt.clock_time(since_ms, now_ms)} "
            f"({where}){more} — {tail}")


def startup_deadline() -> float:
    """How long the startup check reads files: ``DEADLINE_S``, or ``$SNAPTUI_CHECK_DEADLINE``
    seconds (for tests and benchmarks: a huge directory's first look without the huge directory)."""
    from snaptui.catalog.check import DEADLINE_S

    try:
        return max(0.0, float(os.environ["SNAPTUI_CHECK_DEADLINE"]))
    except (KeyError, ValueError):
        return DEADLINE_S


def tui_lock_path(state_dir: str, directory: str) -> str:
    """The lock a TUI on ``directory`` holds while it is open."""
    from snaptui.base.datafile import key_for

    return os.path.join(state_dir, "locks", key_for(directory) + ".tui")


def _where(args: Parsed) -> tuple[Dirs, dict[str, Any], str, dict[str, Any]]:
    """snaptui's dirs, the settings, the recovery directory, and where else to look
    (``evaluate``'s ``store_roots`` and ``snapshots``, from --store and --source)."""
    from snaptui.settings import config, paths

    dirs = paths.user_dirs_fast()
    settings = config.load_fast(paths.config_file(dirs), dirs.cache)
    directory, _ = paths.recovery_dir(args.dir, settings["recovery_dir"])
    if args.source not in (None, "snapshot", "opendev"):
        raise ValueError(f"--source must be snapshot or opendev, not {args.source!r}")
    roots: tuple[str, ...] = ()
    if args.source != "snapshot":
        from snaptui.sources.opendev_roots import named_store_problem, store_roots

        problem = named_store_problem(args.store)
        if problem is not None:
            raise ValueError(problem)
        roots = store_roots(args.store or settings["opendev_store"])
    return dirs, settings, directory, {"store_roots": roots, "snapshots": args.source != "opendev"}


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
        dirs, settings, directory, sources = _where(args)
        if args.startup and settings["startup"] == "off":
            return 1
        if args.startup and not drawable():
            settings = {**settings, "startup": "notify"}  # no screen to draw on (Emacs' shell): say it
        if args.startup:
            verdict = evaluate(directory, dirs=dirs, settings=settings, now_ms=now,
                               deadline_s=startup_deadline(), background=True, **sources)
        else:
            verdict = evaluate(directory, dirs=dirs, settings=settings, now_ms=now, deadline_s=None, **sources)
        if verdict.count and args.startup and settings["startup"] == "open":
            from snaptui.base import lock

            elsewhere = lock.held_elsewhere(tui_lock_path(dirs.state, directory))
    except Exception as exc:
        return _fail(exc)
    if not verdict.count:
        if not verdict.complete:
            print(STILL_INDEXING)  # never "nothing new" about files it has not read
        return 1
    if args.startup:
        if settings["startup"] == "notify" or elsewhere:
            print(line(verdict.count, verdict.since_ms, verdict.cost, now, from_store=verdict.from_store,
                       elsewhere=elsewhere, so_far=not verdict.complete))
            return 1  # told, nothing to open here
        return 0
    if not args.quiet:
        print(line(verdict.count, verdict.since_ms, verdict.cost, now, from_store=verdict.from_store))
    return 0


def claim_tui(args: Parsed) -> int | None:
    """``snaptui --startup``: the TUI as the shell integration opens it.

    Takes the TUI lock without waiting. Returns None to go on and open the TUI
    (the lock is held until the TUI has closed and remembered what it showed),
    else the exit status: another TUI holds the lock (print the line instead),
    or, the lock taken, nothing is left unseen (a TUI closed meanwhile). It
    looks again from the index only (its shell's check has just read the
    files): when that cannot tell, it opens, as the check said.
    Never an error status: a shell's first prompt should not show one.
    """
    if os.environ.get("SNAPTUI_DISABLE") == "1":
        return 0
    from snaptui.base import lock
    from snaptui.catalog.check import evaluate

    now = time.time_ns() // 1_000_000
    try:
        dirs, settings, directory, sources = _where(args)
        path = tui_lock_path(dirs.state, directory)
        try:
            mine = lock.acquire(path)
        except OSError:
            mine = True  # no lock to be had here (a read-only state directory): open, unguarded
        verdict = evaluate(directory, dirs=dirs, settings=settings, now_ms=now, deadline_s=0, **sources)
    except Exception as exc:
        _fail(exc)
        return 0
    if not mine:
        if verdict.count:
            print(line(verdict.count, verdict.since_ms, verdict.cost, now, from_store=verdict.from_store,
                       elsewhere=True, so_far=not verdict.complete))
        return 0
    if verdict.count or not verdict.complete:
        return None
    lock.release(path)
    return 0
