"""``snaptui purge``: delete old snapshots for good, after a dry run or a question."""

from __future__ import annotations

import os
import sys

from snaptui.actions import purge as purging
from snaptui.base.durations import parse_duration
from snaptui.cli.context import Context, DirectoryError, confirm, out, refuse_if_running
from snaptui.cli.parse import Parsed, UsageError
from snaptui.present import humanfmt
from snaptui.present.safetext import one_line


def run(args: Parsed) -> int:
    try:
        older = parse_duration(args.older_than)
    except ValueError as exc:
        raise UsageError(f"--older-than: {exc}") from None
    ctx = Context(args)
    if not os.path.isdir(ctx.directory):
        if not os.path.exists(ctx.directory):
            out(f"Nothing to purge: {one_line(ctx.directory)} does not exist.")
            return 0
        raise DirectoryError(ctx.directory, "is not a directory")
    retention = ctx.seconds("trash_retention")
    plan = purging.plan_purge(ctx.directory, older * 1000, trash_retention_ms=retention * 1000)
    n = len(plan.sessions)
    age = humanfmt.duration(older)
    if not n and not plan.trash_files:
        out(f"Nothing to purge: no snapshot older than {age} in {one_line(ctx.directory)}.")
        return 0
    verb = "Would remove" if args.dry_run else "This removes"
    out(f"{verb} {humanfmt.plural(n, 'snapshot')} older than {age} "
        f"({humanfmt.count(plan.incomplete)} interrupted, {humanfmt.size(plan.bytes)}) from {one_line(ctx.directory)}")
    if plan.trash_files:
        empties = "would empty" if args.dry_run else "empties"
        out(f"and {empties} {humanfmt.plural(plan.trash_files, 'discarded file')} ({humanfmt.size(plan.trash_bytes)}) "
            f"kept longer than {humanfmt.duration(retention)}.")
    if args.dry_run:
        return 0
    refuse_if_running(ctx, list(plan.sessions), "purge", args.yes)  # an age below the running threshold
    if not args.yes:
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise UsageError("refusing to purge without a terminal to confirm on (pass --yes)")
        if not confirm("Delete them for good?"):
            out("Nothing removed.")
            return 1
    done = purging.purge(plan)
    out(f"Removed {humanfmt.plural(done.removed, 'snapshot')} ({humanfmt.size(done.removed_bytes)})"
        + (f" and {humanfmt.plural(done.trash_files, 'discarded file')}" if done.trash_files else "") + ".")
    if done.kept:
        out(f"Kept {len(done.kept)} that changed after they were judged old: "
            + ", ".join(one_line(k, 60) for k in done.kept[:5]))
    return 0
