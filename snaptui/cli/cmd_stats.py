"""``snaptui stats``: what the interrupted sessions cost, by day, project and last tool."""

from __future__ import annotations

import sys

from snaptui.base import clock
from snaptui.cli.context import Context
from snaptui.cli.parse import Parsed, UsageError
from snaptui.present import stats
from snaptui.present.cells import terminal_columns
from snaptui.present.stats_text import render
from snaptui.present.table import nowhere, places


def run(args: Parsed) -> int:
    days = parse_days(args.days)
    ctx = Context(args)
    catalog = ctx.catalog()
    now = clock.now_ms()
    since = None if days is None else stats.first_day(days, now)
    figures = stats.compute(catalog.incomplete, since=since)
    sys.stdout.flush()
    if args.json:
        sys.stdout.buffer.write(stats.json_bytes(figures))
        return 0
    nothing = nowhere(catalog, ctx.store_roots, ctx.snapshots)
    if nothing is not None:
        sys.stdout.write(nothing)
        return 0
    where = places(catalog, ctx.store_roots, ctx.snapshots)
    columns = terminal_columns()
    text = render(figures, where=where, days=days, columns=columns, now_ms=now)
    sys.stdout.write(text)
    return 0


def parse_days(value: str | None) -> int | None:
    """``--days N``: a whole number of days, 1 or more."""
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise UsageError(f"--days needs a whole number of days, 1 or more (1: today), not {value!r}")
    return int(value)
