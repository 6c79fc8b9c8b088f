"""The commands behind ``snaptui COMMAND``: each reads the catalog, acts, and says what it did."""

from __future__ import annotations

import os
import shlex
import sys
from typing import Any, Callable

from snaptui.actions import purge as purging
from snaptui.actions import trash
from snaptui.base import clock
from snaptui.base.durations import parse_duration
from snaptui.catalog import seen
from snaptui.catalog.liveness import Liveness
from snaptui.catalog.scan import Catalog, scan
from snaptui.cli.parse import Parsed, UsageError
from snaptui.cli.select import one_session, select
from snaptui.present import humanfmt
from snaptui.present.safetext import one_line
from snaptui.settings import config, paths
from snaptui.sources.records import Item, Session


class Context:
    """Settings and directories for one command."""

    def __init__(self, cli_dir: str | None) -> None:
        self.dirs = paths.user_dirs_fast()
        self.config_file = paths.config_file(self.dirs)
        self.settings: dict[str, Any] = config.load_fast(self.config_file, self.dirs.cache)
        self.directory, self.source = paths.recovery_dir(cli_dir, self.settings["recovery_dir"])

    def seconds(self, name: str) -> int:
        return parse_duration(self.settings[name])

    def catalog(self, *, cached: bool = True) -> Catalog:
        """The recovery directory's catalog; a directory that cannot be read is an error."""
        found = scan(self.directory, cache_dir=self.dirs.cache if cached else None)
        if found.error and not found.missing:
            raise DirectoryError(self.directory, found.error)
        return found


class DirectoryError(OSError):
    def __init__(self, directory: str, problem: str) -> None:
        super().__init__(f"recovery directory {directory} {problem}")

    def __str__(self) -> str:
        return str(self.args[0])


def run(args: Parsed) -> int:
    return COMMANDS[args.command or "ui"](args)


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def confirm(question: str) -> bool:
    """Ask on the terminal; False without one."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    try:
        answer = sys.stdin.readline()
    except (EOFError, KeyboardInterrupt):
        return False
    return answer.strip().lower() in ("y", "yes")


def _ui(args: Parsed) -> int:
    from snaptui.cli.ui import run_ui

    return run_ui(Context(args.dir))


def _list(args: Parsed) -> int:
    ctx = Context(args.dir)
    if args.json:
        from snaptui.base.atomic import write_all
        from snaptui.catalog.jsonlist import DirectoryProblem, json_parts

        try:
            parts = json_parts(ctx.directory, ctx.dirs.cache, everything=args.all)
        except DirectoryProblem as exc:
            raise DirectoryError(ctx.directory, str(exc)) from None
        sys.stdout.flush()
        write_all(sys.stdout.fileno(), parts)
        return 0
    from snaptui.present.table import table

    sys.stdout.write(table(ctx.catalog(), everything=args.all, source=ctx.source))
    return 0


def _refuse_if_running(ctx: Context, chosen: list[Item], verb: str, yes: bool) -> None:
    """Ask (or refuse without a terminal) before acting on sessions that may be running."""
    now = clock.now_ms()
    live = Liveness.from_settings(ctx.settings, now)
    running = [(s, why) for s in chosen if isinstance(s, Session) and (why := live.reason(s)) is not None]
    if not running or yes:
        return
    names = ", ".join(one_line(s.session_id, 40) or "(empty id)" for s, _ in running)
    why = humanfmt.live_reason(*running[0][1], now)
    if not confirm(f"{names} may still be running ({why}). {verb.capitalize()} anyway?"):
        raise UsageError(f"not going to {verb} a session that may still be running (pass --yes to insist)")


def _discard(args: Parsed) -> int:
    ctx = Context(args.dir)
    catalog = ctx.catalog(cached=False)
    chosen = select(catalog, args.ids)
    _refuse_if_running(ctx, chosen, "discard", args.yes)
    batch = trash.discard(ctx.directory, chosen)
    seen.remember(ctx.dirs.state, ctx.directory, [s for s in chosen if isinstance(s, Session)])
    for item in chosen:
        what = one_line(item.session_id, 60) or "(empty id)" if isinstance(item, Session) else "file"
        out(f"discarded {what}  ({one_line(item.name)})")
    out(f"moved to the trash as batch {batch}; undo with: snaptui restore "
        + " ".join(shlex.quote(one_line(i.session_id if isinstance(i, Session) and i.session_id else i.name))
                   for i in chosen))
    return 0


def _resume(args: Parsed) -> int:
    from snaptui.actions.handoff import HandoffError, hand_off
    from snaptui.actions.resume import plan

    ctx = Context(args.dir)
    session = one_session(ctx.catalog(), args.id)
    _refuse_if_running(ctx, [session], "resume", args.yes)
    seen.remember(ctx.dirs.state, ctx.directory, [session])
    try:
        return hand_off(plan(ctx.settings["resume_command"], session))
    except HandoffError as exc:
        from snaptui.cli.main import error

        error(str(exc))
        return 1


def _existing_directory(ctx: Context) -> None:
    if not os.path.isdir(ctx.directory):
        raise DirectoryError(ctx.directory, "does not exist" if not os.path.exists(ctx.directory) else "is not a directory")


def _restore(args: Parsed) -> int:
    ctx = Context(args.dir)
    _existing_directory(ctx)
    if not args.ids:
        trashed = trash.list_trash(ctx.directory)
        if not trashed:
            out(f"The trash of {one_line(ctx.directory)} is empty.")
            return 0
        now = clock.now_ms()
        out(f"{len(trashed)} discarded file(s) in {one_line(trash.trash_dir(ctx.directory))}:")
        for t in trashed:
            what = one_line(t.session_id, 40) if t.session_id is not None else "(not a valid snapshot)"
            out(f"  {what:<40}  {one_line(t.name, 60)}  discarded {humanfmt.ago(t.discarded_ms, now)}  "
                f"{humanfmt.size(t.size)}")
        return 0
    found = []
    for wanted in args.ids:
        matches = trash.find_trashed(ctx.directory, wanted)
        if not matches:
            raise UsageError(f"nothing in the trash matches {one_line(wanted, 80)!r}")
        found += [t for t in matches if t not in found]
    for name in trash.restore(ctx.directory, found):
        out(f"restored {one_line(name)}")
    return 0


def _purge(args: Parsed) -> int:
    try:
        older = parse_duration(args.older_than)
    except ValueError as exc:
        raise UsageError(f"--older-than: {exc}") from None
    ctx = Context(args.dir)
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
    out(f"{verb} {humanfmt.count(n)} snapshot(s) older than {age} "
        f"({humanfmt.count(plan.incomplete)} incomplete, {humanfmt.size(plan.bytes)}) from {one_line(ctx.directory)}")
    if plan.trash_files:
        out(f"and empties {humanfmt.count(plan.trash_files)} discarded file(s) ({humanfmt.size(plan.trash_bytes)}) "
            f"kept longer than {humanfmt.duration(retention)}.")
    if args.dry_run:
        return 0
    if not args.yes:
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise UsageError("refusing to purge without a terminal to confirm on (pass --yes)")
        if not confirm("Delete them for good?"):
            out("Nothing removed.")
            return 1
    done = purging.purge(plan)
    out(f"Removed {humanfmt.count(done.removed)} snapshot(s) ({humanfmt.size(done.removed_bytes)})"
        + (f" and {humanfmt.count(done.trash_files)} discarded file(s)" if done.trash_files else "") + ".")
    if done.kept:
        out(f"Kept {len(done.kept)} that changed after they were judged old: "
            + ", ".join(one_line(k, 60) for k in done.kept[:5]))
    return 0


def _demo(args: Parsed) -> int:
    from snaptui.actions.demo import default_dir, write_demo

    dirs = paths.user_dirs_fast()
    target = os.path.abspath(os.path.expanduser(args.dir)) if args.dir else default_dir(dirs.cache)
    try:
        write_demo(target)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    if args.write_only:
        out(one_line(target))
        return 0
    args.values["dir"] = target
    return _ui(args)


def _config(args: Parsed) -> int:
    if args.example:
        sys.stdout.write(config.EXAMPLE)
        return 0
    ctx = Context(args.dir)
    exists = os.path.exists(ctx.config_file)
    out(f"# config file: {one_line(ctx.config_file)}{'' if exists else ' (not present: defaults apply)'}")
    out(f"# recovery dir: {one_line(ctx.directory)} (from {ctx.source})")
    out(f"# state dir: {one_line(ctx.dirs.state)}")
    out(f"# cache dir: {one_line(ctx.dirs.cache)}")
    sys.stdout.write(config.as_toml(ctx.settings))
    return 0


COMMANDS: dict[str, Callable[[Parsed], int]] = {
    "ui": _ui, "list": _list, "discard": _discard, "resume": _resume, "restore": _restore,
    "purge": _purge, "demo": _demo, "config": _config,
}
