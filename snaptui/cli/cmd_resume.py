"""``snaptui resume``: hand the terminal to the agent, as enter does in the UI."""

from __future__ import annotations

from snaptui.catalog import seen
from snaptui.cli.context import Context, refuse_if_running
from snaptui.cli.parse import Parsed
from snaptui.cli.select import one_session


def run(args: Parsed) -> int:
    from snaptui.actions.handoff import HandoffError, hand_off
    from snaptui.actions.resume import plan

    ctx = Context(args)
    session = one_session(ctx.catalog(), args.id)
    refuse_if_running(ctx, [session], "resume", args.yes)
    seen.remember(ctx.dirs.state, ctx.directory, [session])
    try:
        return hand_off(plan(ctx.settings["resume_command"], session))
    except HandoffError as exc:
        from snaptui.cli.main import error

        error(str(exc))
        return 1
