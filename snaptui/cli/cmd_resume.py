"""``snaptui resume``: hand the terminal to the agent, as enter does in the UI."""

from __future__ import annotations

import os
import sys

from snaptui.cli.context import Context, hand_over, out, refuse_if_running
from snaptui.cli.parse import Parsed, UsageError
from snaptui.cli.select import one_session
from snaptui.present.safetext import one_line


def run(args: Parsed) -> int:
    from snaptui.actions import relocate
    from snaptui.actions.handoff import can_run
    from snaptui.actions.resume import not_loadable, plan, usable_project_dir

    ctx = Context(args)
    catalog = ctx.catalog()
    session = one_session(catalog, args.id)
    refuse_if_running(ctx, [session], "resume", args.yes, catalog.absorbed)  # (its store half too)
    from snaptui.catalog import seen

    seen.remember(ctx.dirs.state, ctx.directory, [session, *catalog.twins([session])])  # the row, both halves
    session = catalog.to_resume(session)  # a snapshot whose session opendev's store holds: that one
    template = ctx.settings["resume_command"]
    refused = plan(template, session).refused
    if refused is not None:  # before anything is copied (--cd) or handed over
        print(f"snaptui: not resumed: {one_line(refused)}", file=sys.stderr)
        return 1
    if args.cd is not None:
        new_dir = os.path.abspath(os.path.expanduser(args.cd))
        if not os.path.isdir(new_dir):
            what = "not a directory" if os.path.lexists(new_dir) else "not an existing directory (create it first)"
            raise UsageError(f"--cd {one_line(new_dir)}: {what}")
        try:
            moved = relocate.copy_session(session, new_dir, root=relocate.reading_root(session, new_dir))
        except relocate.MoveError as exc:
            raise UsageError(f"cannot resume in {one_line(new_dir)}: {exc}") from None
        if moved.copied:
            out(f"copied {', '.join(one_line(n, 80) for n in moved.copied)} into opendev's folder for "
                f"{one_line(new_dir)}")
        session = relocate.moved_on(session, relocate.move_to(session, new_dir, moved), ctx.dirs.state)
    elif not usable_project_dir(session.project_dir):
        where = session.project_dir
        if not os.path.isabs(where):
            raise UsageError(f"the project directory {one_line(where)} is a relative path (relative to what is "
                             "not known): resume it with --cd NEW")
        if os.path.lexists(where):
            raise UsageError(f"the project directory {one_line(where)} is not a directory: resume it elsewhere "
                             "with --cd NEW")
        gone = f"the project directory {one_line(where)} is gone"
        if relocate.purged_at_start(session):
            gone += " (and opendev deletes this session's folder the next time it starts anywhere)"
        raise UsageError(f"{gone}: resume it elsewhere with --cd NEW, or create the directory")
    why = not_loadable(template, session)
    if why is not None and can_run(plan(template, session)):  # (else that is said, by hand_over)
        print(f"snaptui: warning: {why}", file=sys.stderr)
    return hand_over(template, session, state_dir=ctx.dirs.state, directory=ctx.directory)
