"""Run the terminal UI and carry out what the person chose there."""

from __future__ import annotations

import os
import signal
import sys
from typing import TYPE_CHECKING

from snaptui.base import lock
from snaptui.catalog import seen
from snaptui.cli.check import drawable, tui_lock_path
from snaptui.cli.context import hand_over
from snaptui.cli.parse import UsageError
from snaptui.present.safetext import one_line

if TYPE_CHECKING:
    from snaptui.cli.context import Context


def run_ui(ctx: Context) -> int:
    """Open the UI on ``ctx.directory``; afterwards, resume what was chosen."""
    if ctx.snapshots and os.path.lexists(ctx.directory) and not os.path.isdir(ctx.directory):
        from snaptui.cli.context import DirectoryError

        raise DirectoryError(ctx.directory, "is not a directory")  # (as list says it: a usage error)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("the terminal UI needs a terminal (use 'snaptui list' in scripts)")
    if not drawable():
        raise UsageError("the terminal UI cannot be drawn on this terminal (TERM is dumb or unset): "
                         "'snaptui list' lists the sessions")
    # While it is open, new shells print a line instead of opening a second TUI
    # (``snaptui --startup`` took this lock already; another TUI may hold it: open anyway).
    lock_path = tui_lock_path(ctx.dirs.state, ctx.directory)
    try:
        lock.acquire(lock_path)
    except OSError:
        pass
    from snaptui.catalog.prefetch import Prefetch

    roots = ctx.store_roots
    # Scans while Textual loads (a few hundred milliseconds).
    prefetch = Prefetch(ctx.directory, ctx.dirs.cache, store_roots=roots, snapshots=ctx.snapshots,
                        state_dir=ctx.dirs.state)
    from snaptui.settings.uistate import load_theme

    settings = dict(ctx.settings)
    settings["configured_theme"] = settings.get("theme")
    settings["theme"] = load_theme(ctx.dirs.state, settings["configured_theme"])  # as picked last time
    # Opened by the shell's startup check: start on the newest crash not seen yet.
    unseen = seen.load(ctx.dirs.state, ctx.directory) if ctx.startup else None
    from snaptui.tui.app import SnaptuiApp

    app = SnaptuiApp(
        ctx.directory, settings=settings, cache_dir=ctx.dirs.cache, state_dir=ctx.dirs.state, source=ctx.source,
        prefetch=prefetch, start_unseen=unseen, store_roots=roots, snapshots=ctx.snapshots,
    )

    def looked(*_: object) -> None:
        """Everything listed is now seen: a new shell will not open snaptui for it again."""
        result = app.result
        if result is not None:
            # Forget what is gone, unless the directory could not be listed (its files may be back
            # next time). One that does not exist (opendev 0.1.8 writes none) has nothing left.
            listed = [*result.sessions, *result.twins(result.sessions)]  # (a row's store half too)
            present = {seen.seen_key(s) for s in listed} if not result.error or result.missing else None
            read = ("snapshot",) * ctx.snapshots + ("opendev",) * bool(roots)  # (what is gone from these)
            if not seen.remember(ctx.dirs.state, ctx.directory, app.seen_sessions.values(), present=present,
                                 read=read):
                print(f"snaptui: {one_line(ctx.dirs.state)} cannot be written: what you saw here is not "
                      "remembered, and new shells will open snaptui for it again", file=sys.stderr)
        lock.release(lock_path)  # only now: a shell starting from here on finds them seen

    def hung_up(*_: object) -> None:  # the terminal was closed with the TUI open: it was seen all the same
        try:
            _stop_rollbacks()
            looked()
            from snaptui.actions.handoff import abandon

            abandon()  # (the shell that made it is gone too)
        finally:
            os._exit(128 + signal.SIGHUP)

    def terminated(*_: object) -> None:  # kill, or a system shutting down: leave as q does, the terminal restored
        _stop_rollbacks()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise SystemExit(128 + signal.SIGTERM) from None
        loop.call_soon_threadsafe(lambda: app.exit(return_code=128 + signal.SIGTERM))

    import asyncio

    signal.signal(signal.SIGHUP, hung_up)
    signal.signal(signal.SIGTERM, terminated)
    chosen = app.run()
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    looked()
    if chosen is None:
        return app.return_code or 0
    return hand_over(ctx.settings["resume_command"], chosen, state_dir=ctx.dirs.state, directory=ctx.directory)


def _stop_rollbacks() -> None:
    """A rollback or undo running in the UI's worker thread stops before its next file, a
    rollback putting back what it changed (as Ctrl+C does on the command line): waited for."""
    rollback = sys.modules.get("snaptui.actions.rollback")
    if rollback is not None:
        rollback.stop()
