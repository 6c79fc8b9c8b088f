"""``snaptui stats`` for a person: a compact table per section, with bars.

Bars are unicode blocks in eighths of a cell, scaled to the section's largest
figure, and take what the terminal width leaves: numbers are never cut (a
label is cut first, then the bar shrinks, and on a terminal too narrow even
for that the line runs long rather than lose a digit).
"""

from __future__ import annotations

import math
import textwrap

from snaptui.present import humanfmt
from snaptui.present.cells import bar, fit, fit_path, width
from snaptui.present.safetext import one_line
from snaptui.present.stats import Stats

MAX_BAR = 40
MIN_BAR = 8
MIN_LABEL = 12
INDENT = "  "
GAP = "  "

Row = tuple[str, list[str], float]
"""A line: its label, its numbers (as shown), the figure its bar stands for."""


def section(title: str, headers: list[str], rows: list[Row], columns: int, *, path_labels: bool = False) -> list[str]:
    """A titled table: label, right-aligned numbers, then the bar, in ``columns`` cells."""
    numbers = [max([width(h)] + [width(r[1][i]) for r in rows]) for i, h in enumerate(headers)]
    numbers_w = sum(numbers) + len(GAP) * (len(numbers) - 1)
    room = columns - len(INDENT) - len(GAP) - numbers_w - len(GAP)
    label_full = max([width(r[0]) for r in rows], default=0)
    label_w = max(min(label_full, room - MIN_BAR), min(label_full, MIN_LABEL))
    bar_w = max(min(room - label_w, MAX_BAR), 0)
    top = max((r[2] for r in rows if math.isfinite(r[2])), default=0.0)
    heads = GAP.join(h.rjust(w) for h, w in zip(headers, numbers, strict=True))
    lines = [title, (" " * (len(INDENT) + label_w) + GAP + heads).rstrip()]
    for label, cells, value in rows:
        shown = fit_path(label, label_w) if path_labels else fit(label, label_w)
        nums = GAP.join(" " * (w - width(c)) + c for c, w in zip(cells, numbers, strict=True))
        lines.append((INDENT + shown + GAP + nums + GAP + bar(value, top, bar_w)).rstrip())
    return lines


def render(stats: Stats, *, where: str, days: int | None, columns: int, now_ms: int) -> str:
    """The whole report, ready to print."""
    n = stats.interrupted
    span = ""
    if days is not None:
        span = " today" if days == 1 else f" in the last {humanfmt.count(days)} days"
        if stats.since is not None and days > 1:
            span += f" (since {stats.since.isoformat()})"
    if not n:
        return "\n".join(_wrap(f"No interrupted sessions{span} in {where}.", columns)) + "\n"
    out = _wrap(f"{humanfmt.count(n)} interrupted session{'s' if n != 1 else ''}{span} in {where}", columns)
    out += _wrap(_cost_line(stats), columns)
    by_cost = any(r.priced for r in stats.by_day) and max(r.cost for r in stats.by_day) > 0
    bars = "cost" if by_cost else "sessions"
    out.append("")
    out += section(f"By day (bars: {bars})", ["sessions", "cost"], [
        (_day_label(r.date, now_ms), [humanfmt.count(r.interrupted), _money(r.cost, r.priced)],
         r.cost if by_cost else r.interrupted) for r in stats.by_day], columns)
    out.append("")
    out += section(f"By project (bars: {bars})", ["sessions", "cost"], [
        (humanfmt.home_short(r.project_dir) or "(no project directory)",
         [humanfmt.count(r.interrupted), _money(r.cost, r.priced)], r.cost if by_cost else r.interrupted)
        for r in stats.by_project], columns, path_labels=True)
    out.append("")
    if stats.by_last_tool:
        out += section("By last tool (bars: sessions)", ["sessions", "failed"], [
            (one_line(r.name) or "(unnamed)", [humanfmt.count(r.sessions), humanfmt.count(r.failed)], r.sessions)
            for r in stats.by_last_tool], columns)
    else:
        out.append("By last tool")
    unfinished = sum(r.unfinished for r in stats.by_last_tool)
    if unfinished:
        out += _wrap(f"{_sessions(unfinished)} stopped while a tool the model had just asked for was "
                     "running (opendev's store): counted, never as failed.", columns, INDENT)
    if stats.no_tool:
        out += _wrap(f"{_sessions(stats.no_tool)} kept no tool result.", columns, INDENT)
    return "\n".join(out) + "\n"


def _wrap(text: str, columns: int, indent: str = "") -> list[str]:
    """Prose in the terminal's width (a word longer than a line stays whole)."""
    return textwrap.wrap(text, max(columns, 20), initial_indent=indent, subsequent_indent=indent + "  ",
                         break_long_words=False, break_on_hyphens=False) or [""]


def _cost_line(stats: Stats) -> str:
    unpriced = stats.interrupted - stats.priced
    if not stats.priced:
        return "No cost recorded: opendev's store keeps none (each of these sessions counts as $0)."
    line = f"{humanfmt.cost(stats.cost_at_stake)} at stake"
    if unpriced:
        line += (f"; {_sessions(unpriced)} from opendev's store record{'s' if unpriced == 1 else ''} no cost "
                 "and count as $0 (— where none does)")
    return line + "."


def _sessions(n: int) -> str:
    return f"{humanfmt.count(n)} session{'s' if n != 1 else ''}"


def _money(cost: float, priced: int) -> str:
    return humanfmt.cost(cost) if priced else "—"


def _day_label(day: str | None, now_ms: int) -> str:
    """``2026-11-24 Today``, ``2026-11-20 Friday``, ``2026-10-02``."""
    if day is None:
        return "after year 9999"
    from datetime import date

    when = date.fromisoformat(day)
    today = humanfmt.local_time(now_ms)
    if today is None:
        return day
    ago = (today.date() - when).days
    if ago == 0:
        return f"{day} today"
    if ago == 1:
        return f"{day} yesterday"
    if 1 < ago < 7:
        return f"{day} {when.strftime('%A')}"
    return day
