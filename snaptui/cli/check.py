"""``snaptui check``: run at every shell start, so it loads as little as it can.

Exit status: 0 there are new crashes, 1 there are none, 2 error. With
``--startup`` (the shell integration), the config's ``startup`` setting
decides: ``open`` exits 0 for the shell to open the TUI, ``notify`` prints
the line and exits 1, ``off`` exits 1 at once.
"""

from __future__ import annotations

import os
import sys
import time

from snaptui.cli.parse import Parsed


def line(count: int, since_ms: int, cost: float, now_ms: int, from_store: int = 0) -> str:
    """The one line the check prints: how many, since when, what they cost, where."""
    from snaptui.present import humanfmt

    noun = "session" if count == 1 else "sessions"
    prep = "at" if count == 1 else "since"
    if from_store == count:
        where = "in opendev's session store"
    elif from_store:
        where = f"{humanfmt.cost(cost)} in snapshots, {from_store} in opendev's session store"
    else:
        where = humanfmt.cost(cost)
    return (f"{count} interrupted opendev {noun} {prep} {humanfmt.clock_time(since_ms, now_ms)} "
            f"({where}) — run snaptui")


def run_check(args: Parsed) -> int:
    if args.startup and os.environ.get("SNAPTUI_DISABLE") == "1":
        return 1
    from snaptui.catalog.check import evaluate
    from snaptui.settings import config, paths

    now = time.time_ns() // 1_000_000
    try:
        dirs = paths.user_dirs_fast()
        settings = config.load_fast(paths.config_file(dirs), dirs.cache)
        directory, _ = paths.recovery_dir(args.dir, settings["recovery_dir"])
        if args.startup and settings["startup"] == "off":
            return 1
        if args.source not in (None, "snapshot", "opendev"):
            raise ValueError(f"--source must be snapshot or opendev, not {args.source!r}")
        roots: tuple[str, ...] = ()
        if args.source != "snapshot":
            from snaptui.sources.opendev_roots import store_roots

            roots = store_roots(args.store or settings["opendev_store"])
        verdict = evaluate(directory, dirs=dirs, settings=settings, now_ms=now, store_roots=roots,
                           snapshots=args.source != "opendev")
    except Exception as exc:  # one line, exit 2, never a traceback at shell start
        from snaptui.present.safetext import one_line

        print(f"snaptui: {one_line(str(exc) or type(exc).__name__)}", file=sys.stderr)
        return 2
    if not verdict.count:
        return 1
    if args.startup:
        if settings["startup"] == "notify":
            print(line(verdict.count, verdict.since_ms, verdict.cost, now, verdict.from_store))
            return 1  # told, nothing to open
        return 0
    if not args.quiet:
        print(line(verdict.count, verdict.since_ms, verdict.cost, now, verdict.from_store))
    return 0
