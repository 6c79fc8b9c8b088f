"""What crashes cost, at a glance: the interrupted sessions counted by day, project and last tool.

Pure functions over session records, for ``snaptui stats`` (and, later, the
TUI). Costs are summed exactly (``math.fsum``), so a total equals the sum of
the costs ``list --json`` reports, in any order. A source that records no cost
(opendev's store: ``cost_usd`` is None) adds 0 to every sum; the figures keep
count of such sessions so that the human form can say so. Days are local
dates, as the list groups them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, NamedTuple

from snaptui.base.sums import total
from snaptui.present.humanfmt import local_time
from snaptui.sources.records import Session


class DayRow(NamedTuple):
    date: str | None
    """``YYYY-MM-DD`` (local), or None for a time past year 9999."""
    interrupted: int
    cost: float
    priced: int
    """How many of its sessions record a cost (the rest add 0)."""


class ProjectRow(NamedTuple):
    project_dir: str
    interrupted: int
    cost: float
    priced: int


class ToolRow(NamedTuple):
    name: str
    sessions: int
    """Sessions whose last kept tool result (or last tool asked for) is this tool."""
    failed: int
    """How many of those failed (a tool that never finished, ``ok`` None, did not fail)."""
    unfinished: int = 0
    """How many of those never finished: the model had just asked for it (opendev's store)."""


class Stats(NamedTuple):
    interrupted: int
    cost_at_stake: float
    """Exact sum of the recorded costs; ±inf (or nan) only when it overflows a double."""
    priced: int
    """Sessions that record a cost (``interrupted - priced`` record none and add 0)."""
    no_tool: int
    """Sessions that kept no tool result (not in ``by_last_tool``)."""
    by_day: list[DayRow]
    """Newest first; only days with a session; the day past year 9999 (None) last."""
    by_project: list[ProjectRow]
    """Costliest first, then most sessions, then by directory."""
    by_last_tool: list[ToolRow]
    """Most sessions first, then most failed, then by name."""
    since: date | None = None
    """The first local date counted (``--days``), or None for every day."""


def day_of(timestamp_ms: int) -> date | None:
    """The local date of a session's time (None past year 9999)."""
    when = local_time(timestamp_ms)
    return None if when is None else when.date()


def first_day(days: int, now_ms: int) -> date | None:
    """The first local date of the last ``days`` days, today being the last
    (``days`` 1: today). None when that is before year 1 (every day counts)."""
    today = day_of(now_ms)
    if today is None or days < 1:
        return None
    try:
        return today - timedelta(days=days - 1)
    except OverflowError:
        return None


def within(sessions: Iterable[Session], since: date | None) -> list[Session]:
    """The sessions on ``since`` or later (a later time, even in the future or past
    year 9999, is kept: a clock set wrong must not hide a crash)."""
    if since is None:
        return list(sessions)
    return [s for s in sessions if _counted(day_of(s.timestamp_ms), since)]


def _counted(day: date | None, since: date | None) -> bool:
    return since is None or day is None or day >= since


def compute(sessions: Iterable[Session], *, since: date | None = None) -> Stats:
    """The figures for ``sessions`` (the interrupted ones, as the catalog lists
    them), only those on ``since`` or later when given."""
    chosen: list[Session] = []
    days: dict[date | None, list[Session]] = {}
    projects: dict[str, list[Session]] = {}
    tools: dict[str, list[int]] = {}  # name: [sessions, failed, unfinished]
    no_tool = 0
    for s in sessions:
        day = day_of(s.timestamp_ms)
        if not _counted(day, since):
            continue
        chosen.append(s)
        days.setdefault(day, []).append(s)
        projects.setdefault(s.project_dir, []).append(s)
        if s.last_tool is None:
            no_tool += 1
            continue
        counts = tools.setdefault(s.last_tool.name, [0, 0, 0])
        counts[0] += 1
        counts[1] += s.last_tool.ok is False
        counts[2] += s.last_tool.ok is None
    by_day = [DayRow(None if d is None else d.isoformat(), len(group), *_cost(group))
              for d, group in sorted(days.items(), key=_newest_day_first)]
    by_project = sorted((ProjectRow(p, len(group), *_cost(group)) for p, group in projects.items()),
                        key=lambda r: (-_sortable(r.cost), -r.interrupted, r.project_dir))
    by_tool = sorted((ToolRow(name, *counts) for name, counts in tools.items()),
                     key=lambda r: (-r.sessions, -r.failed, r.name))
    cost, priced = _cost(chosen)
    return Stats(len(chosen), cost, priced, no_tool, by_day, by_project, by_tool, since)


def _cost(group: list[Session]) -> tuple[float, int]:
    costs = [float(s.cost_usd) for s in group if s.cost_usd is not None]
    return total(costs), len(costs)


def _newest_day_first(item: tuple[date | None, object]) -> tuple[int, int]:
    day = item[0]
    return (1, 0) if day is None else (0, -day.toordinal())


def _sortable(cost: float) -> float:
    return cost if not math.isnan(cost) else -math.inf


def as_json(stats: Stats) -> dict[str, Any]:
    """The ``stats --json`` object. A cost that overflowed a double is null
    (JSON has no infinity); ``project_dir`` is written as ``list --json`` writes it."""
    from snaptui.catalog.jsonpieces import safe_path

    return {
        "interrupted": stats.interrupted,
        "cost_at_stake": _number(stats.cost_at_stake),
        "by_day": [{"date": r.date, "interrupted": r.interrupted, "cost": _number(r.cost)} for r in stats.by_day],
        "by_project": [{"project_dir": safe_path(r.project_dir), "interrupted": r.interrupted,
                        "cost": _number(r.cost)} for r in stats.by_project],
        "by_last_tool": [{"name": r.name, "sessions": r.sessions, "failed": r.failed} for r in stats.by_last_tool],
    }


def _number(cost: float) -> float | None:
    return cost if math.isfinite(cost) else None


def json_bytes(stats: Stats) -> bytes:
    """:func:`as_json` as UTF-8, one line (a lone surrogate in a name becomes ``?``)."""
    import json

    return (json.dumps(as_json(stats), ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8", "replace")
