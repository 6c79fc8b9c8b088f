"""The ``snaptui`` command line.

Nothing heavy is imported at module level: ``--help``, ``--version`` and the
listing commands run without Textual or pydantic, and ``snaptui check`` (run at
every shell start) skips even argparse. Exit status: 0 success, 1 failure,
2 usage or configuration error. User errors are one line on stderr.
"""

from __future__ import annotations

import os
import sys

from snaptui import __version__

PROG = "snaptui"


class UsageError(Exception):
    """A mistake in how snaptui was called (exit status 2)."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``snaptui list | head``): not an error.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        except OSError:
            pass
        return 0
    except UsageError as exc:
        _error(str(exc))
        return 2
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback, for expected failures
        from snaptui.settings.config import ConfigError
        from snaptui.actions.trash import ActionError

        if isinstance(exc, ConfigError):
            _error(str(exc))
            return 2
        if isinstance(exc, ActionError):
            _error(str(exc))
            return 1
        if isinstance(exc, OSError):
            _error(_os_message(exc))
            return 1
        raise


def _error(message: str) -> None:
    from snaptui.present.safetext import one_line

    print(f"{PROG}: {one_line(message)}", file=sys.stderr)


def _os_message(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


def _dispatch(args: list[str]) -> int:
    # Run at every shell start: no argparse (about 12 ms here) on these paths.
    if args[:1] == ["check"]:
        from snaptui.cli.check import main as check_main

        return check_main(args[1:])
    if len(args) == 2 and args[0] == "init" and args[1] in ("bash", "zsh", "fish"):
        from snaptui.actions.shell import snippet

        sys.stdout.write(snippet(args[1]))
        return 0
    if args in (["--version"], ["-V"]):
        print(_version_text())
        return 0
    if args[:1] == ["list"]:  # what scripts call: spare them argparse (about 15 ms here)
        ns = simple_args(args[1:], switches=("--json", "--all"), valued=("--dir",))
        if ns is not None:
            return _cmd_list(ns)
    ns = _parser().parse_args(args)
    return ns.run(ns)


class Args:
    """Parsed options (what argparse's Namespace would hold)."""


def simple_args(args: list[str], *, switches: tuple, valued: tuple) -> Args | None:
    """Options of the plain forms ``--flag``, ``--opt VALUE``, ``--opt=VALUE``, or
    None for anything else (argparse then parses it and reports mistakes)."""
    ns = Args()
    for name in switches:
        setattr(ns, name[2:], False)
    rest = iter(args)
    for arg in rest:
        key, eq, value = arg.partition("=")
        if arg in switches:
            setattr(ns, arg[2:], True)
        elif key in valued and eq and value:
            setattr(ns, key[2:], value)
        elif arg in valued:
            value = next(rest, None)
            if not value or value.startswith("-"):
                return None
            setattr(ns, arg[2:], value)
        else:
            return None
    return ns


def _version_text() -> str:
    try:
        from importlib.metadata import version

        textual = version("textual")
    except Exception:  # noqa: BLE001 - metadata missing in an odd install
        textual = "unknown"
    return f"snaptui {__version__} (Textual {textual}, Python {sys.version.split()[0]})"


# --------------------------------------------------------------------------
# Argument parsing
# --------------------------------------------------------------------------


def _parser():
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message: str):  # one line, not usage + message
            raise UsageError(f"{message} (see '{self.prog} --help')")

    common = Parser(add_help=False)
    common.add_argument(
        "--dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="recovery directory (default: $SNAPTUI_RECOVERY_DIR, the config file, "
        "else ~/.opendev/data/recovery)",
    )
    parser = Parser(
        prog=PROG,
        parents=[common],
        description="Find, inspect, resume and clean up interrupted opendev sessions. "
        "Without a command, opens the terminal UI.",
        epilog="Configuration: $SNAPTUI_CONFIG or config.toml in snaptui's config "
        "directory ('snaptui config' shows where). Set SNAPTUI_DISABLE=1 to silence "
        "the startup check.",
    )
    class Version(argparse.Action):
        """--version, with the Textual version looked up only when asked (about 45 ms)."""

        def __call__(self, parser, namespace, values, option_string=None):
            print(_version_text())
            parser.exit()

    parser.add_argument("-V", "--version", action=Version, nargs=0, help="show the version and exit")
    parser.set_defaults(run=_cmd_ui)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser("list", parents=[common], help="list interrupted sessions, newest first",
                       description="List interrupted (incomplete) sessions, newest first.")
    p.add_argument("--all", action="store_true",
                   help="also completed sessions, damaged files and leftovers of interrupted writes")
    p.add_argument("--json", action="store_true",
                   help="one JSON array: each session's seven snapshot fields plus path and status")
    p.set_defaults(run=_cmd_list)

    p = sub.add_parser("discard", parents=[common], help="move sessions to the trash (undo: restore)",
                       description="Move sessions' snapshot files to snaptui's trash, out of "
                       "opendev's sight. 'snaptui restore ID' puts them back.")
    p.add_argument("ids", nargs="+", metavar="ID",
                   help="session id, unique id prefix (4+ characters) or file name")
    p.add_argument("--yes", "-y", action="store_true",
                   help="do not ask about sessions that may still be running")
    p.set_defaults(run=_cmd_discard)

    p = sub.add_parser("resume", parents=[common], help="resume a session without opening the UI",
                       description="Resume a session in its project directory, as enter does in the UI: "
                       "through the shell function (see 'snaptui init') the shell itself changes "
                       "directory and runs the command; otherwise snaptui becomes the agent.")
    p.add_argument("id", metavar="ID", help="session id, unique id prefix (4+ characters) or file name")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask about a session that may still be running")
    p.set_defaults(run=_cmd_resume)

    p = sub.add_parser("restore", parents=[common], help="put discarded sessions back",
                       description="Put discarded sessions back byte for byte. Without ID, "
                       "list what the trash holds.")
    p.add_argument("ids", nargs="*", metavar="ID", help="session id, id prefix or file name")
    p.set_defaults(run=_cmd_restore)

    p = sub.add_parser("purge", parents=[common], help="delete old snapshots for good",
                       description="Delete every valid snapshot (completed or not) older than "
                       "DURATION, like opendev's cleanup_old, and empty trash batches past their "
                       "retention. Damaged files are never purged.")
    p.add_argument("--older-than", required=True, metavar="DURATION",
                   help="age such as 90m, 12h, 7d, 2w")
    p.add_argument("--dry-run", "-n", action="store_true", help="only say what would be removed")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.set_defaults(run=_cmd_purge)

    p = sub.add_parser("demo", parents=[common], help="write a demo recovery directory and open it",
                       description="Write a realistic demo recovery directory (through snaptui's "
                       "own writer) and open snaptui on it.")
    p.add_argument("--write-only", action="store_true", help="only write it and print its path")
    p.set_defaults(run=_cmd_demo)

    p = sub.add_parser("check", parents=[common], help="exit 0 if a session crashed since you last looked",
                       description="The startup check: exit 0 and print one line when there are "
                       "interrupted sessions you have not seen in snaptui yet, 1 when there are none, "
                       "2 on error. Sessions that may still be running do not count.")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing, only the exit status")

    p = sub.add_parser("init", help="print the shell integration for bash, zsh or fish",
                       description="Print the shell integration: a 'snaptui' shell function that "
                       "resumes in your own shell, and a startup check. Add one line to your shell's "
                       'rc file: bash: eval "$(snaptui init bash)"   zsh: eval "$(snaptui init zsh)"   '
                       "fish: snaptui init fish | source")
    p.add_argument("shell", choices=("bash", "zsh", "fish"))

    p = sub.add_parser("config", help="show the config file's path and the settings in effect",
                       description="Show where the config file is and the settings in effect.")
    p.add_argument("--example", action="store_true", help="print a commented example config file")
    p.set_defaults(run=_cmd_config)
    return parser


# --------------------------------------------------------------------------
# Shared context
# --------------------------------------------------------------------------


class Context:
    """Settings and directories for one command."""

    def __init__(self, cli_dir: str | None) -> None:
        from snaptui.settings import config
        from snaptui.settings import paths

        self.dirs = paths.user_dirs_fast()
        self.config_file = paths.config_file(self.dirs)
        self.settings = config.load_fast(self.config_file, self.dirs.cache)
        self.directory, self.source = paths.recovery_dir(cli_dir, self.settings["recovery_dir"])

    def seconds(self, name: str) -> int:
        from snaptui.base.durations import parse_duration

        return parse_duration(self.settings[name])


def _context(ns) -> Context:
    return Context(getattr(ns, "dir", None))


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------


def _cmd_ui(ns) -> int:
    ctx = _context(ns)
    from snaptui.cli.ui import run_ui

    return run_ui(ctx)


def _cmd_list(ns) -> int:
    ctx = _context(ns)
    if ns.json:
        from snaptui.base.atomic import write_all
        from snaptui.catalog.jsonlist import DirectoryProblem, json_parts

        try:
            parts = json_parts(ctx.directory, ctx.dirs.cache, everything=ns.all)
        except DirectoryProblem as exc:
            raise _DirectoryError(ctx.directory, str(exc)) from None
        sys.stdout.flush()
        write_all(sys.stdout.fileno(), parts)
        return 0
    from snaptui.present.table import table
    from snaptui.catalog.scan import scan

    result = scan(ctx.directory, cache_dir=ctx.dirs.cache)
    if result.error and not result.missing:
        raise _DirectoryError(ctx.directory, result.error)

    sys.stdout.write(table(result, everything=ns.all, source=ctx.source))
    return 0


class _DirectoryError(OSError):
    def __init__(self, directory: str, problem: str) -> None:
        super().__init__(f"recovery directory {directory} {problem}")

    def __str__(self) -> str:
        return self.args[0]


def _select(result, ids: list[str]):
    """The scanned sessions each id names: exact id or file name, else a unique prefix."""
    from snaptui.present.safetext import one_line

    chosen = []
    for wanted in ids:
        exact = [s for s in result.sessions if wanted in (s.session_id, s.name)]
        if not exact and len(wanted) >= 4:
            exact = [s for s in result.sessions if s.session_id.startswith(wanted)]
            ids_found = {s.session_id for s in exact}
            if len(ids_found) > 1:
                names = ", ".join(sorted(one_line(i, 40) for i in ids_found)[:5])
                raise UsageError(f"{wanted!r} is ambiguous: {names}")
        if not exact:
            raise UsageError(f"no session matches {one_line(wanted, 80)!r} in {result.directory}")
        chosen.extend(s for s in exact if s not in chosen)
    return chosen


def _confirm(question: str) -> bool:
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


def _cmd_discard(ns) -> int:
    from snaptui.actions import trash as store
    from snaptui.present.safetext import one_line
    from snaptui.catalog.scan import scan

    ctx = _context(ns)
    result = scan(ctx.directory)
    if result.error:
        raise _DirectoryError(ctx.directory, result.error)
    chosen = _select(result, ns.ids)
    _confirm_not_running(ctx, chosen, "discard", ns.yes)
    batch = store.discard(ctx.directory, chosen)
    from snaptui.catalog.seen import remember

    remember(ctx.dirs.state, ctx.directory, chosen)  # triaged: the startup check stays quiet
    for s in chosen:
        _out(f"discarded {one_line(s.session_id, 60) or '(empty id)'}  ({one_line(s.name)})")
    _out(f"moved to the trash as batch {batch}; undo with: snaptui restore "
         + " ".join(_quote_id(s) for s in chosen))
    return 0


def _confirm_not_running(ctx: Context, chosen: list, verb: str, yes: bool) -> None:
    """Ask (or refuse without a terminal) before acting on sessions that may be running."""
    from snaptui.base import clock
    from snaptui.present.humanfmt import ago
    from snaptui.catalog.liveness import Liveness, agent_program
    from snaptui.present.safetext import one_line

    now = clock.now_ms()
    live = Liveness(agent_program(ctx.settings["resume_command"]), ctx.seconds("running_threshold") * 1000, now)
    running = [s for s in chosen if live.maybe_running(s)]
    if not running or yes:
        return
    names = ", ".join(one_line(s.session_id, 40) or "(empty id)" for s in running)
    question = (f"{names} was written {ago(running[0].mtime_ns // 1_000_000, now)} and may still be "
                f"running. {verb.capitalize()} anyway?")
    if not _confirm(question):
        raise UsageError(f"not going to {verb} a session that may still be running (pass --yes to insist)")


def _cmd_resume(ns) -> int:
    from snaptui.actions.handoff import HandoffError, hand_off
    from snaptui.actions.resume import plan
    from snaptui.catalog.scan import scan
    from snaptui.catalog.seen import remember

    ctx = _context(ns)
    result = scan(ctx.directory, cache_dir=ctx.dirs.cache)
    if result.error:
        raise _DirectoryError(ctx.directory, result.error)
    chosen = _select(result, [ns.id])
    if len(chosen) > 1:
        raise UsageError(f"{ns.id!r} names {len(chosen)} snapshot files; give the file name")
    _confirm_not_running(ctx, chosen, "resume", ns.yes)
    remember(ctx.dirs.state, ctx.directory, chosen)
    try:
        return hand_off(plan(ctx.settings["resume_command"], chosen[0]))
    except HandoffError as exc:
        _error(str(exc))
        return 1


def _quote_id(session) -> str:
    import shlex

    from snaptui.present.safetext import one_line

    return shlex.quote(one_line(session.session_id or session.name))


def _cmd_restore(ns) -> int:
    from snaptui.actions import trash as store
    from snaptui.present.humanfmt import ago, size
    from snaptui.present.safetext import one_line

    ctx = _context(ns)
    if not os.path.isdir(ctx.directory):
        raise _DirectoryError(ctx.directory, "does not exist" if not os.path.exists(ctx.directory) else "is not a directory")
    if not ns.ids:
        trashed = store.list_trash(ctx.directory)
        if not trashed:
            _out(f"The trash of {one_line(ctx.directory)} is empty.")
            return 0
        from snaptui.base import clock

        now = clock.now_ms()
        _out(f"{len(trashed)} discarded file(s) in {one_line(store.trash_dir(ctx.directory))}:")
        for t in trashed:
            what = one_line(t.session_id, 40) if t.session_id is not None else "(not a valid snapshot)"
            _out(f"  {what:<40}  {one_line(t.name, 60)}  discarded {ago(t.discarded_ms, now)}  {size(t.size)}")
        return 0
    status = 0
    for wanted in ns.ids:
        found = store.find_trashed(ctx.directory, wanted)
        if not found:
            _error(f"nothing in the trash matches {wanted!r}")
            status = 1
            continue
        for name in store.restore(ctx.directory, found):
            _out(f"restored {one_line(name)}")
    return status


def _cmd_purge(ns) -> int:
    from snaptui.actions import trash as store
    from snaptui.base.durations import parse_duration
    from snaptui.present.humanfmt import count, size
    from snaptui.present.humanfmt import duration as format_duration
    from snaptui.present.safetext import one_line

    try:
        older = parse_duration(ns.older_than)
    except ValueError as exc:
        raise UsageError(f"--older-than: {exc}") from None
    ctx = _context(ns)
    if not os.path.isdir(ctx.directory):
        if not os.path.exists(ctx.directory):
            _out(f"Nothing to purge: {one_line(ctx.directory)} does not exist.")
            return 0
        raise _DirectoryError(ctx.directory, "is not a directory")
    retention = ctx.seconds("trash_retention")
    plan = store.plan_purge(ctx.directory, older * 1000, trash_retention_ms=retention * 1000)
    n = len(plan.sessions)
    if not n and not plan.trash_files:
        _out(f"Nothing to purge: no snapshot older than {format_duration(older)} in {one_line(ctx.directory)}.")
        return 0
    verb = "Would remove" if ns.dry_run else "This removes"
    _out(f"{verb} {count(n)} snapshot(s) older than {format_duration(older)} "
         f"({count(plan.incomplete)} incomplete, {size(plan.bytes)}) from {one_line(ctx.directory)}")
    if plan.trash_files:
        _out(f"and empties {count(plan.trash_files)} discarded file(s) ({size(plan.trash_bytes)}) "
             f"kept longer than {format_duration(retention)}.")
    if ns.dry_run:
        return 0
    if not ns.yes:
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise UsageError("refusing to purge without a terminal to confirm on (pass --yes)")
        if not _confirm("Delete them for good?"):
            _out("Nothing removed.")
            return 1
    done = store.purge(plan)
    _out(f"Removed {count(done.removed)} snapshot(s) ({size(done.removed_bytes)})"
         + (f" and {count(done.trash_files)} discarded file(s)" if done.trash_files else "") + ".")
    if done.kept:
        _out(f"Kept {len(done.kept)} that changed after they were judged old: "
             + ", ".join(one_line(k, 60) for k in done.kept[:5]))
    return 0


def _cmd_demo(ns) -> int:
    from snaptui.settings import paths
    from snaptui.actions.demo import default_dir, write_demo
    from snaptui.present.safetext import one_line

    dirs = paths.user_dirs_fast()
    target = os.path.abspath(os.path.expanduser(ns.dir)) if getattr(ns, "dir", None) else default_dir(dirs.cache)
    try:
        write_demo(target)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    if ns.write_only:
        _out(one_line(target))
        return 0
    ns.dir = target
    return _cmd_ui(ns)


def _cmd_config(ns) -> int:
    from snaptui.settings import config
    from snaptui.present.safetext import one_line

    if ns.example:
        sys.stdout.write(config.EXAMPLE)
        return 0
    ctx = _context(ns)
    exists = os.path.exists(ctx.config_file)
    _out(f"config file:    {one_line(ctx.config_file)}{'' if exists else ' (not present: defaults apply)'}")
    _out(f"recovery dir:   {one_line(ctx.directory)}  (from {ctx.source})")
    _out(f"state dir:      {one_line(ctx.dirs.state)}")
    _out(f"cache dir:      {one_line(ctx.dirs.cache)}")
    for key, value in ctx.settings.items():
        _out(f"{key + ':':<16}{one_line(repr(value))}")
    return 0
