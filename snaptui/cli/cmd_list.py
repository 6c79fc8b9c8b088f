"""``snaptui list``: the interrupted sessions as a table, or as one JSON array."""

from __future__ import annotations

import sys

from snaptui.cli.context import Context, DirectoryError
from snaptui.cli.parse import Parsed


def run(args: Parsed) -> int:
    ctx = Context(args)
    if args.json:
        from snaptui.catalog import dismissed
        from snaptui.catalog.jsonlist import DirectoryProblem, json_parts, write_answer

        try:
            parts = json_parts(ctx.directory, ctx.dirs.cache, everything=args.all, store_roots=ctx.store_roots,
                               snapshots=ctx.snapshots, dismissed=dismissed.load(ctx.dirs.state))
        except DirectoryProblem as exc:
            raise DirectoryError(ctx.directory, str(exc)) from None
        sys.stdout.flush()
        write_answer(sys.stdout.fileno(), parts)
        return 0
    from snaptui.present.table import table

    sys.stdout.write(table(ctx.catalog(), everything=args.all, source=ctx.source, store_roots=ctx.store_roots,
                           snapshots=ctx.snapshots))
    return 0
