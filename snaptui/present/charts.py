"""The insights charts as lines of spans: sessions per day, cost per project, the last tools.

UI-neutral like :mod:`snaptui.present.detail`: each line is a list of
``(text, role)`` spans that the TUI colours from the theme. Bars are unicode
blocks (eighths of a cell where one colour is enough) scaled to the chart's
largest figure; every figure a bar stands for is also written as a number,
never cut (labels are cut first). Text from sessions (project directories,
tool names) is made safe for one line before it gets here or here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from snaptui.present import humanfmt
from snaptui.present.cells import bar, eighths, fit, fit_path, width
from snaptui.present.insights import TOP, Day, Insights, Left, failure_share, percent
from snaptui.present.safetext import one_line
from snaptui.present.stats import ToolRow
from snaptui.present.wrap import wrap

Span = tuple[str, str]
Line = list[Span]

UP = " ▁▂▃▄▅▆▇█"
"""A column's top cell, by eighths filled."""
FAILED, UNFINISHED, SUCCEEDED = "█", "▓", "░"
"""A tool's bar: solid where its sessions failed; a colour-blind reader tells them apart too."""
MARK = "▶ "
"""Before the selected row."""


def day_name(day: date, today: date | None) -> str:
    """``Today``, ``Yesterday``, ``Fri 27 Nov``."""
    if day == today:
        return f"Today {day.day} {day:%b}"
    if today is not None and (today - day).days == 1:
        return f"Yesterday {day.day} {day:%b}"
    return f"{day:%a} {day.day} {day:%b}"


def money(cost: float, priced: int, sessions: int) -> str:
    """The cost of ``sessions``, ``—`` when none of them records one (opendev's store)."""
    return humanfmt.cost(cost) if priced else "—" if sessions else humanfmt.cost(0)


def day_words(day: Day, today: date | None) -> str:
    """``Fri 27 Nov: 2 sessions, $12.95`` (and how many record no cost)."""
    words = f"{day_name(day.day, today)}: {humanfmt.plural(day.interrupted, 'session')}"
    if not day.interrupted:
        return words
    if not day.priced:
        return words + ", no cost recorded"
    words += f", {humanfmt.cost(day.cost)}"
    unpriced = day.interrupted - day.priced
    return words + (f" ({humanfmt.count(unpriced)} of them with no cost recorded)" if unpriced else "")


def _left_words(left: Left) -> str:
    if not left.priced:
        return "no cost recorded"
    return humanfmt.cost(left.cost)


def note(text: str, cells: int, role: str = "muted") -> list[Line]:
    """Prose in ``cells`` cells."""
    return noted([(text, role)], cells)


def noted(spans: list[Span], cells: int) -> list[Line]:
    """Spans laid out in ``cells`` cells (a word wider than a line is cut)."""
    return wrap(spans, max(cells, 8))


# -- sessions per day --------------------------------------------------------------------------


MAX_ROWS = 12
"""The day chart's bars are at most this tall (a taller chart says no more)."""


class DayLayout(NamedTuple):
    """Where the day chart put its columns (for the mouse)."""

    first: int
    """Index in ``Insights.days`` of the first day drawn."""
    drawn: int
    """How many days are drawn (the last ones, when the chart is too narrow for every day)."""
    x0: int
    step: int
    top_y: int
    bottom_y: int

    def day_at(self, x: int, y: int) -> int | None:
        """The index (in ``Insights.days``) of the day drawn at ``x, y``, if any."""
        if not (self.top_y <= y <= self.bottom_y) or x < self.x0 or self.step <= 0:
            return None
        i = (x - self.x0) // self.step
        return self.first + i if 0 <= i < self.drawn else None


def day_chart(ins: Insights, cells: int, height: int, cursor: int | None) -> tuple[list[Line], DayLayout]:
    """Sessions per day over the chart's days, as vertical bars; ``cursor`` is the selected
    day's index in ``ins.days`` (its bar and its figures stand out)."""
    days = ins.days
    if not days:
        return ([[("Sessions per day", "heading")],
                 *note("No day chart: the clock says it is past year 9999.", cells)], DayLayout(0, 0, 0, 0, -1, -1))
    top = max(d.interrupted for d in days)
    label_w = len(humanfmt.count(top))
    x0 = label_w + 2  # "12 │"
    plot = max(cells - x0, 1)
    count = min(len(days), plot)
    first = len(days) - count
    shown = days[first:]
    step = plot // count
    bar_w = max(step - 1, 1)
    notes = _day_notes(ins, cells)
    selected = cursor - first if cursor is not None and first <= cursor < len(days) else None
    lines = _title_with(f"Interrupted sessions per day, last {count} days", f"Per day, last {count} days",
                        day_words(days[cursor], ins.today) if selected is not None and cursor is not None else "",
                        cells)
    top_y = len(lines)
    rows = min(max(height - top_y - 2 - len(notes), 1), MAX_ROWS)
    heights = [eighths(d.interrupted, top, rows) for d in shown]
    for r in range(rows):
        level = (rows - 1 - r) * 8
        gutter = humanfmt.count(top) if r == 0 and top else ""
        line: Line = [(f"{gutter:>{label_w}} │", "axis")]
        for i, h in enumerate(heights):
            fill = min(max(h - level, 0), 8)
            role = "bar-cursor" if i == selected else "bar"
            line += [(UP[fill] * bar_w, role), (" " * (step - bar_w), "")]
        lines.append(_trim(line))
    base: Line = [(f"{'0':>{label_w}} └", "axis")]
    for i in range(count):
        if i == selected:
            base += [("▲" + "─" * (step - 1), "bar-cursor")]
        else:
            base += [("─" * step, "axis")]
    lines.append(base)
    lines.append([(_date_labels(shown, x0, step, cells), "axis")])
    lines += notes
    return lines, DayLayout(first, count, x0, step, top_y, top_y + rows)


def _day_notes(ins: Insights, cells: int) -> list[Line]:
    out = []
    if ins.before.sessions:
        out.append(f"{humanfmt.plural(ins.before.sessions, 'earlier session')} "
                   f"({_left_words(ins.before)}) before this chart.")
    if ins.after.sessions:
        out.append(f"{humanfmt.plural(ins.after.sessions, 'session')} dated after today (a clock set wrong?) "
                   f"({_left_words(ins.after)}) not in this chart.")
    return [line for text in out for line in note(text, cells)]


def _date_labels(shown: list[Day], x0: int, step: int, cells: int) -> str:
    """Every seventh day's date under its column, counted back from today (the last)."""
    row = [" "] * cells
    next_start = cells + 1
    for i in range(len(shown) - 1, -1, -7):
        text = f"{shown[i].day.day} {shown[i].day:%b}"
        x = min(x0 + i * step, cells - len(text))
        if x < x0 or x + len(text) >= next_start:
            continue
        row[x:x + len(text)] = list(text)
        next_start = x
    return "".join(row).rstrip()


def _title_with(long: str, short: str, right: str, cells: int) -> list[Line]:
    """A heading and ``right`` (the selection) right-aligned on its line; on a line of its own
    when even the short heading leaves no room for it."""
    title = long if width(long) <= cells else short
    if not right:
        return [[(fit(title, cells).rstrip(), "heading")]]
    for title in (long, short):
        gap = cells - width(title) - width(right)
        if gap >= 2:
            return [[(title, "heading"), (" " * gap, ""), (right, "selected")]]
    return [[(fit(title, cells).rstrip(), "heading")], [(fit(right, cells).rstrip(), "selected")]]


def _trim(line: Line) -> Line:
    while line and not line[-1][0].strip():
        line.pop()
    return line


# -- horizontal charts: cost per project, last tools -----------------------------------------------


class Column(NamedTuple):
    header: str
    short: str
    """The header when the chart is narrow."""


class BarRow(NamedTuple):
    label: str
    numbers: list[Span]
    bar: Callable[[int], Line]
    """The row's bar in a given number of cells."""
    role: str = ""
    """The label's role (``muted`` for a row without figures to chart)."""


MIN_LABEL = 12
"""Enough for ``…/game-engine``: a path is cut from the left, keeping the project's name."""
MIN_BAR = 6
MAX_BAR = 40
ROOM_FOR_HEADERS = 30
"""Below this many cells for label and bar, the numbers' headers are abbreviated."""


def bar_chart(title: str, columns: list[Column], rows: list[BarRow], cells: int, cursor: int | None, *,
              paths: bool = False) -> tuple[list[Line], int]:
    """A heading, a header over the numbers, then a row per item: label, bar, numbers.
    Returns the lines and the index of the first item's line."""
    lines: list[Line] = [[(fit(title, cells).rstrip(), "heading")]]
    if not rows:
        return lines, 1
    for header in ([c.header for c in columns], [c.short for c in columns]):
        widths = [max([width(h)] + [width(r.numbers[i][0]) for r in rows]) for i, h in enumerate(header)]
        fixed = len(MARK) + 1 + sum(widths) + 2 * len(widths)
        if cells - fixed >= ROOM_FOR_HEADERS:
            break
    room = max(cells - fixed, 0)
    longest = max(width(r.label) for r in rows)
    label_w = min(longest, max(min(MIN_LABEL, room), room - max(MIN_BAR, room * 2 // 5)))
    bar_w = min(max(room - label_w, 0), MAX_BAR)
    label_w = min(longest, max(room - bar_w, label_w))
    heads = "".join("  " + h.rjust(w) for h, w in zip(header, widths, strict=True))
    lines.append([(" " * (len(MARK) + label_w + 1 + bar_w) + heads, "axis")])
    for i, row in enumerate(rows):
        shown = short_path(row.label, label_w) if paths else fit(row.label, label_w)
        line: Line = [(MARK if i == cursor else " " * len(MARK), "selected"),
                      (shown, "selected" if i == cursor else row.role), (" ", "")]
        drawn = row.bar(bar_w)
        line += drawn
        line.append((" " * (bar_w - sum(width(t) for t, _ in drawn)), ""))
        for (text, role), w in zip(row.numbers, widths, strict=True):
            line += [("  " + " " * (w - width(text)), ""), (text, role)]
        lines.append(line)
    return lines, 2


def short_path(path: str, cells: int) -> str:
    """``path`` in ``cells`` cells, cut at its start: at a separator when what follows fits
    (``…/game-engine``), else within the name (``…me-engine``)."""
    if width(path) <= cells:
        return fit(path, cells)
    for i, c in enumerate(path):
        if c == "/" and i and width(path) - width(path[:i]) + 1 <= cells:
            return fit("…" + path[i:], cells)
    return fit_path(path, cells)


def _right_bar(value: float, top: float, role: str) -> Callable[[int], Line]:
    def draw(cells: int) -> Line:
        drawn = bar(value, top, cells)
        return [(drawn, role)] if drawn else []

    return draw


def project_chart(ins: Insights, cells: int, cursor: int | None) -> tuple[list[Line], int]:
    """Cost at stake per project (the costliest first), bars of the cost, with the amounts."""
    shown = ins.projects
    more = ins.more_projects
    title = "Cost at stake per project"
    if more.entries:
        title += f", top {len(shown)} of {humanfmt.count(len(shown) + more.entries)}"
    top = max((r.cost for r in shown if r.priced and math.isfinite(r.cost)), default=0.0)
    rows = [BarRow(humanfmt.home_short(r.project_dir) or "(no project directory)",
                   [(money(r.cost, r.priced, r.interrupted), "cost" if r.priced else "muted"),
                    (humanfmt.count(r.interrupted), "")],
                   _right_bar(r.cost if r.priced else 0.0, top, "cost-bar"), "" if r.priced else "muted")
            for r in shown]
    lines, first = bar_chart(title, [Column("cost", "cost"), Column("sessions", "n")], rows, cells, cursor,
                             paths=True)
    if not shown:
        lines += note("No interrupted sessions.", cells)
    if more.entries:
        lines += note(f"+ {humanfmt.plural(more.entries, 'more project')}: "
                      f"{humanfmt.plural(more.sessions, 'session')}, {money(more.cost, more.priced, more.sessions)}",
                      cells)
    if any(r.priced < r.interrupted for r in shown) or more.priced < more.sessions:
        lines += note("— no cost recorded (opendev's store)", cells)
    return lines, first


def _tool_bar(sessions: int, failed: int, unfinished: int, top: int) -> Callable[[int], Line]:
    def draw(cells: int) -> Line:
        if cells <= 0 or top <= 0 or sessions <= 0:
            return []
        n = min(max(round(sessions / top * cells), 1), cells)
        return [p for p in zip(split(n, [failed, unfinished, sessions - failed - unfinished]),
                               ("bad", "warn", "ok"), strict=True) if p[0]]

    return draw


def split(cells: int, counts: list[int]) -> list[str]:
    """``cells`` cells shared among ``counts`` in proportion (failed, unfinished, succeeded): each
    part that is not zero gets a cell while there are cells for it, so no kind of ending hides."""
    total_n = sum(counts)
    bounds = [round(cells * sum(counts[: i + 1]) / total_n) for i in range(len(counts))] if total_n else []
    shares = [b - a for a, b in zip([0, *bounds], bounds, strict=False)]
    for i, c in enumerate(counts):
        if c and not shares[i]:
            donor = max(range(len(shares)), key=lambda j: shares[j])
            if shares[donor] > 1:
                shares[donor] -= 1
                shares[i] += 1
    return [glyph * n for glyph, n in zip((FAILED, UNFINISHED, SUCCEEDED), shares, strict=True)]


def tool_chart(ins: Insights, cells: int, height: int | None = None) -> list[Line]:
    """The tools sessions stopped at (most first, up to ten, fewer when ``height`` lines
    cannot hold them), each bar split by how those calls ended."""
    every = ins.stats.by_last_tool
    shown = every[:TOP]
    while True:
        more = every[len(shown):]
        lines = _tools(ins, shown, more, cells)
        if height is None or len(lines) <= height or len(shown) <= 1:
            return lines
        shown = shown[: max(len(shown) - (len(lines) - height), 1)]


def _tools(ins: Insights, shown: list[ToolRow], more: list[ToolRow], cells: int) -> list[Line]:
    top = max((t.sessions for t in shown), default=0)
    rows = [BarRow(one_line(t.name) or "(unnamed)",
                   [(humanfmt.count(t.sessions), ""), (humanfmt.count(t.failed), "bad" if t.failed else "muted"),
                    (percent(failure_share(t)), "bad" if t.failed else "muted")],
                   _tool_bar(t.sessions, t.failed, t.unfinished, top))
            for t in shown]
    title = "Last tool before the crash, and how often it failed"
    if width(title) > cells:
        title = "Last tool, failure share"
    lines, _ = bar_chart(title, [Column("sessions", "n"), Column("failed", "✗"), Column("", "")], rows, cells, None)
    if more:
        lines += note(f"+ {humanfmt.plural(len(more), 'more tool')}: "
                      f"{humanfmt.plural(sum(t.sessions for t in more), 'session')}, "
                      f"{humanfmt.count(sum(t.failed for t in more))} failed", cells)
    if shown:
        legend: list[Span] = [(FAILED, "bad"), (" failed  ", "muted"), (SUCCEEDED, "ok"), (" succeeded", "muted")]
        pending = any(t.unfinished for t in shown)
        if pending:
            legend += [("  ", ""), (UNFINISHED, "warn"), (" pending", "muted")]
        lines += noted(legend, cells)
        if pending:
            lines += note("Pending: the model had just asked for it when the session stopped (opendev's store); "
                          "not a failure.", cells)
    if ins.stats.no_tool:
        lines += note(f"{humanfmt.plural(ins.stats.no_tool, 'session')} kept no tool result", cells)
    if not shown and not ins.stats.no_tool:
        lines += note("No interrupted sessions.", cells)
    return lines
