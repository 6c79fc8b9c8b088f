"""``snaptui changes`` and ``snaptui rollback``: what the interrupted turn did to the files, and undoing it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from snaptui.cli.context import Context, confirm, out
from snaptui.cli.parse import Parsed, UsageError
from snaptui.cli.select import one_session
from snaptui.present import humanfmt
from snaptui.present.safetext import multi_line, one_line
from snaptui.sources.records import Session

TYPE_CHECKING = False
if TYPE_CHECKING:
    from snaptui.sources.filehistory import TurnFiles


def rollback_root(ctx: Context) -> str:
    """Where rollbacks keep what they replaced (snaptui's state dir): ``snaptui restore`` undoes them."""
    from snaptui.actions.rollback import trash_root

    return trash_root(ctx.dirs.state)


def _turn(ctx: Context, wanted: str) -> tuple[Session, TurnFiles]:
    from snaptui.sources import details

    session = one_session(ctx.catalog(), wanted)
    found = details.turn_changes(session)
    if found is None:  # a session named right, with nothing to show: a failure (1), not a usage error
        from snaptui.actions.trash import ActionError

        raise ActionError(f"{one_line(session.session_id, 60)}: no interrupted turn is known for it "
                          "(only opendev's session store keeps the turn a crash lost)")
    return session, found


def changes(args: Parsed) -> int:
    from snaptui.present import diffs

    ctx = Context(args)
    session, found = _turn(ctx, args.id)
    shown = diffs.turn_diffs(found.changes)
    if args.json:
        import json

        doc = [{"path": c.path, "change": c.change, "diff": d.text or None, "backup": c.backup, "notes": list(d.notes)}
               for c, d in zip(found.changes, shown, strict=True)]
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return 0
    if found.problem:
        out(f"opendev's checkpoints of this session cannot be used: {one_line(found.problem)}")
    if not shown:
        out(f"The interrupted turn of {one_line(session.session_id, 60)} left no file changed "
            f"({len(found.untouched)} named, all as they were).")
    else:
        out(f"{diffs.summary(shown)}: the interrupted turn of {one_line(session.session_id, 60)} "
            f"in {humanfmt.home_short(session.project_dir)}")
    for d in shown:
        counts = f" +{d.added} -{d.removed}" if d.added is not None else ""
        out(f"\n{d.change:<9} {one_line(d.relative, 200)}{counts}" + (f"  ({one_line(d.note, 200)})" if d.note else ""))
        for note in d.notes:
            out(f"  note: {one_line(note, 300)}")
        if d.text:
            sys.stdout.write(multi_line(d.text).rstrip("\n") + "\n")
    for note in found.notes:
        out(f"note: {one_line(note, 300)}")
    return 0


def rollback(args: Parsed) -> int:
    from snaptui.actions import rollback as rb
    from snaptui.base import clock
    from snaptui.catalog.liveness import Liveness

    ctx = Context(args)
    session, found = _turn(ctx, args.id)
    plan = rb.plan(found.changes, session.project_dir, session_id=session.session_id)
    if plan.problem:
        raise _failed(f"cannot roll back: {one_line(plan.problem)}")
    if not plan.steps:
        out("Nothing to roll back: the interrupted turn left no file it changed that snaptui can put back.")
        for path, why in plan.untouched:
            out(f"  left as it is: {one_line(path, 200)} ({one_line(why, 200)})")
        return 0
    now = clock.now_ms()
    live = Liveness.from_settings(ctx.settings, now).reason(session)
    if live is not None:  # before the plan is shown or asked about: it would be refused anyway
        raise _failed(f"nothing {'would be' if args.dry_run else 'was'} rolled back: the session may still be "
                         f"running ({humanfmt.live_reason(*live, now)}), and opendev could change these files "
                         "again; stop it first")
    from snaptui.present.changes import ROLLBACK_VERBS as verbs

    refused = plan.refused
    verb = "Would" if args.dry_run else "This will"
    out(f"{'Cannot' if refused else verb} put {humanfmt.plural(len(plan.steps), 'file')} back as they were "
        f"before the interrupted turn of {one_line(session.session_id, 60)}:")
    for step in plan.steps:
        why = f"  REFUSED: {one_line(step.refused, 200)}" if step.refused else ""
        out(f"  {verbs.get(step.action, step.action)}: {one_line(step.change.relative, 200)}{why}")
    for path, why in plan.untouched:
        out(f"  left as it is: {one_line(path, 200)} ({one_line(why, 200)})")
    if refused:  # a plan with a refused file is never applied, in part or whole
        raise _failed(f"nothing {'would be' if args.dry_run else 'was'} rolled back: {len(refused)} of "
                         f"{len(plan.steps)} files are refused (above)")
    out("Every current version is kept first, so 'snaptui restore' undoes the rollback byte for byte.")
    if args.dry_run:
        return 0
    if not args.yes:
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise UsageError("refusing to roll back without a terminal to confirm on (pass --yes)")
        if not confirm("Roll these files back?"):
            out("Nothing changed.")
            return 1
    try:
        with _terminated_as_interrupted():
            batch = rb.apply(plan, rollback_root(ctx), session_may_be_running=live is not None)
    except rb.Refused as exc:
        raise _failed(f"nothing changed: {one_line(str(exc), 300)}") from None
    except rb.RollbackError as exc:
        from snaptui.cli.main import error

        error(f"the rollback stopped: {exc}")
        return 1
    out(f"Rolled back {humanfmt.plural(len(batch.entries), 'file')}. Undo with: snaptui restore {batch.name}")
    return 0


@contextmanager
def _terminated_as_interrupted() -> Iterator[None]:
    """SIGTERM and SIGHUP (a closed terminal) stop a rollback as Ctrl+C does: what was done is
    put back and its temporary files go, rather than left in the project half made."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    before = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _failed(text: str) -> Exception:
    """A rollback that could not be done (exit status 1): not a usage error, the command was right."""
    from snaptui.actions.trash import ActionError

    return ActionError(text)
