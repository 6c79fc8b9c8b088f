"""``snaptui discard`` and ``snaptui restore``: to the trash and back, byte for byte."""

from __future__ import annotations

import shlex

from snaptui.actions import trash
from snaptui.base import clock
from snaptui.catalog import seen
from snaptui.cli.context import Context, existing_directory, out, refuse_if_running
from snaptui.cli.parse import Parsed, UsageError
from snaptui.cli.select import select
from snaptui.present import humanfmt
from snaptui.present.safetext import one_line
from snaptui.sources.records import Session


def discard(args: Parsed) -> int:
    ctx = Context(args.dir)
    catalog = ctx.catalog(cached=False)
    chosen = select(catalog, args.ids)
    refuse_if_running(ctx, chosen, "discard", args.yes)
    batch = trash.discard(ctx.directory, chosen)
    seen.remember(ctx.dirs.state, ctx.directory, [s for s in chosen if isinstance(s, Session)])
    for item in chosen:
        what = one_line(item.session_id, 60) or "(empty id)" if isinstance(item, Session) else "file"
        out(f"discarded {what}  ({one_line(item.name)})")
    out(f"moved to the trash as batch {batch}; undo with: snaptui restore "
        + " ".join(shlex.quote(one_line(i.session_id if isinstance(i, Session) and i.session_id else i.name))
                   for i in chosen))
    return 0


def restore(args: Parsed) -> int:
    ctx = Context(args.dir)
    existing_directory(ctx)
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
