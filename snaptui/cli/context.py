"""What every command needs: settings, directories, the catalog, one way to ask and to print."""

from __future__ import annotations

import os
import sys

from snaptui.base.durations import parse_duration
from snaptui.cli.parse import UsageError
from snaptui.settings import config, paths

TYPE_CHECKING = False  # not typing's: list --json of an unchanged directory loads next to nothing
if TYPE_CHECKING:
    from typing import Any

    from snaptui.catalog.scan import Catalog
    from snaptui.cli.parse import Parsed
    from snaptui.sources.records import Item, Session

SOURCES = ("snapshot", "opendev")


class Context:
    """Settings and directories for one command."""

    def __init__(self, args: Parsed) -> None:
        self.dirs = paths.user_dirs_fast()
        self.config_file = paths.config_file(self.dirs)
        self.settings: dict[str, Any] = config.load_fast(self.config_file, self.dirs.cache)
        self.directory, self.source = paths.recovery_dir(args.dir, self.settings["recovery_dir"])
        if args.source is not None and args.source not in SOURCES:
            raise UsageError(f"--source must be one of {', '.join(SOURCES)}, not {args.source!r}")
        self.only: str | None = args.source
        """``--source``: only this source's sessions."""
        self.store_setting: str = args.store or self.settings["opendev_store"]
        """Where opendev's store is (``auto``, ``off`` or a path), and whether --store chose it."""
        self.store_from_cli = bool(args.store)
        if args.store:
            from snaptui.sources.opendev_roots import named_store_problem

            problem = named_store_problem(args.store)
            if problem is not None:
                raise UsageError(problem)
        self.startup = bool(args.values.get("startup"))
        """Opened by the shell integration's startup check (``snaptui --startup``)."""

    @property
    def snapshots(self) -> bool:
        """Whether the recovery directory is read."""
        return self.only in (None, "snapshot")

    @property
    def store_roots(self) -> tuple[str, ...]:
        """The opendev data roots whose sessions are read (none with ``--source snapshot``)."""
        if self.only == "snapshot":
            return ()
        from snaptui.sources.opendev_roots import store_roots

        return store_roots(self.store_setting)

    def seconds(self, name: str) -> int:
        return parse_duration(self.settings[name])

    def catalog(self, *, cached: bool = True) -> Catalog:
        """The recovery directory's catalog; a directory that cannot be read is an error."""
        from snaptui.catalog import dismissed
        from snaptui.catalog.scan import scan

        found = scan(self.directory, cache_dir=self.dirs.cache if cached else None, store_roots=self.store_roots,
                     snapshots=self.snapshots, dismissed=dismissed.load(self.dirs.state))
        if found.error and not found.missing:
            raise DirectoryError(self.directory, found.error)
        return found


class DirectoryError(OSError):
    """The recovery directory cannot be read; ``usage``: it names something else than a
    directory, a usage or configuration error (exit status 2, as ``--store FILE`` is)."""

    def __init__(self, directory: str, problem: str) -> None:
        super().__init__(f"recovery directory {directory} {problem}")
        self.usage = problem == "is not a directory"

    def __str__(self) -> str:
        return str(self.args[0])


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


def refuse_if_running(ctx: Context, chosen: list[Item], verb: str, yes: bool,
                      halves: dict[str, list[Session]] | None = None) -> None:
    """Ask (or refuse without a terminal) before acting on sessions that may be running (a row
    joined by ``halves``, ``Catalog.absorbed``, to sessions of opendev's store: when one may)."""
    from snaptui.base import clock
    from snaptui.catalog.liveness import Liveness
    from snaptui.present import humanfmt
    from snaptui.present.safetext import one_line
    from snaptui.sources.records import Session

    now = clock.now_ms()
    live = Liveness.from_settings(ctx.settings, now)
    sessions = [s for s in chosen if isinstance(s, Session)]
    reasons = live.running(sessions, halves)
    running = [(s, reasons[s.key]) for s in sessions if s.key in reasons]
    if not running or yes:
        return
    names = ", ".join(dict.fromkeys(one_line(s.session_id, 40) or "(empty id)" for s, _ in running[:5]))
    if len(running) > 5:
        names += f" and {len(running) - 5} more"
    reason = humanfmt.live_reason(*running[0][1], now)
    if not confirm(f"{names} may still be running ({reason}). {verb.capitalize()} anyway?"):
        raise UsageError(f"not going to {verb} a session that may still be running (pass --yes to insist)")


def existing_directory(ctx: Context) -> None:
    if not os.path.isdir(ctx.directory):
        problem = "does not exist" if not os.path.exists(ctx.directory) else "is not a directory"
        raise DirectoryError(ctx.directory, problem)


def hand_over(template: str, session: Session, *, state_dir: str | None = None, directory: str = "") -> int:
    """Resume ``session`` with the ``resume_command`` template (handed to the shell, or run
    here); a fresh session is said first (opendev cannot load this one). A store session
    opendev would not find is first copied where it reads (:func:`relocate.into_reach`).
    What is resumed is remembered as seen (``state_dir``, for the recovery ``directory``).
    The exit status."""
    from snaptui.actions import relocate
    from snaptui.actions.handoff import HandoffError, hand_off
    from snaptui.actions.resume import plan
    from snaptui.present import humanfmt
    from snaptui.present.safetext import one_line

    try:
        moved = relocate.into_reach(session)
    except relocate.MoveError as exc:
        print(f"snaptui: opendev reads sessions from another directory, and this one cannot be copied there: "
              f"{one_line(str(exc))}", file=sys.stderr)
        return 1
    if moved.folder:
        where = one_line(humanfmt.home_short(moved.folder))
        out(f"copied {', '.join(one_line(n, 80) for n in moved.copied)} into {where}: opendev reads its sessions "
            "there now" if moved.copied else f"opendev reads its sessions from another directory: it will load the "
            f"same copy in {where}")
        session = relocate.moved_on(session, relocate.move_to(session, session.project_dir, moved), state_dir)
    if state_dir:
        from snaptui.catalog import seen

        seen.remember(state_dir, directory, [session])  # the next shell's check: nothing new
    resume = plan(template, session)
    if resume.fresh:
        out(f"opendev has no saved turn of {one_line(session.session_id, 60) or '(empty id)'}: starting a fresh "
            f"session in {one_line(humanfmt.home_short(session.project_dir))} (snaptui export shows what it lost)")
    try:
        return hand_off(resume)
    except HandoffError as exc:
        print(f"snaptui: {one_line(str(exc))}", file=sys.stderr)
        return 1

