"""The insights screen's figures: the last 30 days, the costliest projects, the last tools.

They are chosen from one :func:`snaptui.present.stats.compute` over the
interrupted sessions, the figures ``snaptui stats`` prints: nothing is
counted a second time here. What a chart leaves out is counted too (the
sessions before its first day, the projects past the top ten), so that the
screen can say so instead of letting a picture hide it.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import NamedTuple

from snaptui.base.sums import total
from snaptui.present.stats import ProjectRow, Stats, ToolRow, day_of

DAYS = 30
"""The day chart's span, today being its last day."""
TOP = 10
"""Projects (and tools) charted; the rest are summed in one line."""


class Day(NamedTuple):
    day: date
    interrupted: int
    cost: float
    priced: int
    """How many of its sessions record a cost (the rest add 0)."""


class Left(NamedTuple):
    """What a chart leaves out: how many of its entries, their sessions and cost."""

    entries: int = 0
    sessions: int = 0
    cost: float = 0.0
    priced: int = 0
    failed: int = 0


class Insights(NamedTuple):
    stats: Stats
    """The figures of ``snaptui stats`` (every day, project and tool)."""
    today: date | None
    """None when the clock is past year 9999 (no day chart then)."""
    days: list[Day]
    """The chart's days, oldest first, ending today, days without a session included."""
    before: Left
    """Sessions dated before the chart's first day."""
    after: Left
    """Sessions dated after today (a clock set wrong) or past year 9999."""
    projects: list[ProjectRow]
    """The costliest projects, as ``stats`` orders them (cost, then sessions, then name)."""
    more_projects: Left
    tools: list[ToolRow]
    """The tools most sessions stopped at, as ``stats`` orders them."""
    more_tools: Left


def build(stats: Stats, *, now_ms: int, days: int = DAYS, top: int = TOP) -> Insights:
    """Choose what the charts show from ``stats`` (computed over every interrupted session)."""
    today = day_of(now_ms)
    by_date: dict[date | None, Day] = {}
    for row in stats.by_day:
        when = None if row.date is None else date.fromisoformat(row.date)
        by_date[when] = Day(when or date.max, row.interrupted, row.cost, row.priced)
    window: list[Day] = []
    first = None
    if today is not None and days > 0:
        try:
            first = today - timedelta(days=days - 1)
        except OverflowError:
            first = date.min
        span = (today - first).days + 1
        window = [by_date.get(d) or Day(d, 0, 0.0, 0) for d in (first + timedelta(days=i) for i in range(span))]
    before = [d for when, d in by_date.items() if when is not None and first is not None and when < first]
    after = [d for when, d in by_date.items() if when is None or (today is not None and when > today)]
    if today is None:
        after = list(by_date.values())
    return Insights(
        stats=stats, today=today, days=window, before=_left(before), after=_left(after),
        projects=stats.by_project[:top],
        more_projects=_left_rows(stats.by_project[top:]),
        tools=stats.by_last_tool[:top],
        more_tools=Left(len(stats.by_last_tool[top:]), sum(t.sessions for t in stats.by_last_tool[top:]),
                        failed=sum(t.failed for t in stats.by_last_tool[top:])),
    )


def _left(days: list[Day]) -> Left:
    return Left(len(days), sum(d.interrupted for d in days), total([d.cost for d in days]),
                sum(d.priced for d in days))


def _left_rows(rows: list[ProjectRow]) -> Left:
    return Left(len(rows), sum(r.interrupted for r in rows), total([r.cost for r in rows]),
                sum(r.priced for r in rows))


def failure_share(tool: ToolRow) -> float:
    """The share of ``tool``'s sessions whose last call of it failed (0 to 1)."""
    return tool.failed / tool.sessions if tool.sessions else 0.0


def percent(share: float) -> str:
    """``86%``; never ``0%`` for a share above 0 nor ``100%`` below 1 (``<1%``, ``>99%``)."""
    if not math.isfinite(share) or share <= 0:
        return "0%"
    if share >= 1:
        return "100%"
    shown = round(share * 100)
    if shown < 1:
        return "<1%"
    if shown > 99:
        return ">99%"
    return f"{shown}%"
