"""The session list's columns: which fit a width, how wide each is, and what a row says.

UI-neutral: a row is a list of :data:`Cell` — ``(text, role)`` — of exactly
the layout's width, which the TUI colours by role. Numbers are never cut:
their columns are as wide as the widest value they hold (:class:`Measure`).
The project takes what is left, shortened from the left so that its own
name (the last path component) stays whole; when the width is short, the
session id goes first, then long ages become short ones (``26m``), then
tool names narrow. Below the width of the numbers and marks themselves (about
45 cells), a row is longer than the width and the widget cuts its end.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from snaptui.present import humanfmt
from snaptui.present.cells import fit, fit_path, width
from snaptui.present.safetext import one_line
from snaptui.sources.records import Session

Cell = tuple[str, str]
"""``(text, role)``; roles: ``""``, ``muted``, ``cost``, ``ok``, ``bad``, ``running``, ``damaged``."""

LONG_AGE = 14
"""``26 minutes ago``, ``a month ago``: the widest humanize writes for the recent past."""
SHORT_AGE = 4
"""``26m``, ``3h``, ``11mo``."""
ID_W = 8
ID_MAX = 40
"""Ids that need more to be told apart are cut (and tab completion tells them apart)."""
TOOL_MAX = 14
TOOL_MIN = 6
NAME_MAX = 32
"""A project name longer than this may be cut (rather than every other column)."""
LIVE_LONG = 24
"""``live? written 2m ago`` / ``live? opendev works here``."""


class Measure(NamedTuple):
    """The widest value of each column over every row that may be shown."""

    cost: int = 1
    msgs: int = 1
    tool: int = 0
    path: int = 0
    """The widest project path (as shown: ``~/src/app``)."""
    name: int = 0
    """The widest project name (last path component)."""
    flag: int = 0
    """5 when any row carries ``live?`` or ``done``."""
    id: int = ID_W
    """How much of each session id tells it from every other (:func:`humanfmt.id_width`)."""


NO_TOOLS = "no tools"
"""The last-tool cell of a session that ran none (measured like a tool's name)."""


def cost_text(s: Session) -> str:
    return humanfmt.cost(s.cost_usd) if s.cost_usd is not None else "—"


def project_text(s: Session) -> str:
    return humanfmt.home_short(s.project_dir)


def last_name(path: str) -> str:
    """The last component of a path as shown (``api-server`` of ``~/src/api-server/``)."""
    stripped = path.rstrip("/")
    return stripped.rsplit("/", 1)[-1] if stripped else path


def measure(sessions: Iterable[Session], *, flags: bool, ids: Iterable[str] = ()) -> Measure:
    """Column widths for ``sessions`` (one pass; cheap enough for 100,000 in a worker); the
    id column tells apart every one of ``ids`` (each session the command line may name)."""
    costs: set[float | int] = set()
    none_cost = False
    most_msgs = 0
    tool = path = name = 0
    projects: set[str] = set()
    tools: set[str] = set()
    for s in sessions:
        if s.cost_usd is None:
            none_cost = True
        else:
            costs.add(s.cost_usd)
        if s.message_count > most_msgs:
            most_msgs = s.message_count
        projects.add(s.project_dir)
        tools.add(s.last_tool.name if s.last_tool is not None else NO_TOOLS)
    cost_w = max((width(humanfmt.cost(c)) for c in _extremes(costs)), default=1)
    if none_cost:
        cost_w = max(cost_w, 1)
    for p in projects:
        shown = humanfmt.home_short(p)
        path = max(path, width(shown))
        name = max(name, width(last_name(shown)))
    for t in tools:
        tool = max(tool, width(one_line(t)))
    return Measure(cost_w, width(humanfmt.count(most_msgs)), tool, path, name, 5 if flags else 0,
                   min(humanfmt.id_width(ids, ID_W), ID_MAX))


def _extremes(costs: set[float | int]) -> list[float | int]:
    """The costs whose text is widest: the largest, the most negative, the smallest positive."""
    if not costs:
        return []
    inf = float("inf")
    finite = [c for c in costs if c == c and abs(c) != inf]
    picks: list[float | int] = [c for c in costs if not (c == c and abs(c) != inf)]  # NaN, ±inf (not a list
    # lookup per cost: that was quadratic, 38 ms for 2,400 distinct costs, minutes at 100,000)
    if finite:
        positive = [c for c in finite if c > 0]
        picks += [max(finite), min(finite)] + ([min(positive)] if positive else [])
    return picks


class Layout(NamedTuple):
    """How wide each column is (0: not shown); the row's cells add up to ``width``."""

    width: int
    age: int
    project: int
    cost: int
    msgs: int
    tool: int
    """Tool name cells, after its 2-cell mark (``✓ ``)."""
    id: int
    flag: int

    @property
    def short_age(self) -> bool:
        return self.age == SHORT_AGE


def layout(total: int, m: Measure) -> Layout:
    """The columns for a row of ``total`` cells."""
    need = min(m.path, min(max(m.name, 4), NAME_MAX) + 2)  # "…/name" at least, or the whole path
    age, tool, id_w, flag = LONG_AGE, min(max(m.tool, TOOL_MIN), TOOL_MAX), m.id, m.flag

    def project(age: int, tool: int, id_w: int, flag: int) -> int:
        used = age + 1 + m.cost + 1 + m.msgs + 2 + 2 + tool + (id_w + 1 if id_w else 0) + (flag + 1 if flag else 0)
        return total - used - 1

    for step in ("id", "age", "tool"):
        if project(age, tool, id_w, flag) >= need:
            break
        if step == "id":
            id_w = 0
        elif step == "age":
            age = SHORT_AGE
        else:
            tool = min(tool, TOOL_MIN + 2)
    proj = project(age, tool, id_w, flag)
    if flag and proj - max(m.path, need) >= LIVE_LONG - flag:
        flag = LIVE_LONG  # room to say why a session may be running
        proj = project(age, tool, id_w, flag)
    return Layout(total, age, max(proj, 4), m.cost, m.msgs, tool, id_w, flag)


def session_cells(s: Session, lay: Layout, *, now_ms: int, live: str | None) -> list[Cell]:
    """One session's row: ``live`` is why it may be running (short words), or None."""
    muted = "muted"
    plain = "" if not s.completed else muted
    when = humanfmt.ago_short(s.timestamp_ms, now_ms) if lay.short_age else humanfmt.ago(s.timestamp_ms, now_ms)
    last = s.last_tool
    if last is None:
        mark, mark_role, tool = "·", muted, NO_TOOLS
    elif last.ok is None:
        mark, mark_role, tool = "…", "running", one_line(last.name)
    elif last.ok:
        mark, mark_role, tool = "✓", "ok", one_line(last.name)
    else:
        mark, mark_role, tool = "✗", "bad", one_line(last.name)
    cells: list[Cell] = [
        (fit(when, lay.age).rjust(lay.age) if lay.short_age else fit(when, lay.age), plain),
        (" ", ""),
        (fit_path(project_text(s), lay.project), plain),
        (" ", ""),
        (cost_text(s).rjust(lay.cost), "cost" if not s.completed else muted),
        (" ", ""),
        (humanfmt.count(s.message_count).rjust(lay.msgs), plain),
        ("  ", ""),
        (mark + " ", mark_role),
        (fit(tool, lay.tool), plain),
    ]
    if lay.id:
        cells += [(" ", ""), (fit(humanfmt.short_id(s.session_id, lay.id), lay.id), muted)]
    if lay.flag:
        if s.completed:
            flag, role = "done", muted
        elif live is not None:
            flag, role = ("live? " + live if lay.flag > 5 else "live?"), "running"
        else:
            flag, role = "", ""
        cells += [(" ", ""), (fit(flag, lay.flag), role)]
    return cells


def header_line(label: str, lay: Layout, mark_w: int = 2) -> str:
    """A day or section header, ``─ Today ───── cost  msgs  last tool``, captions over their columns."""
    total = lay.width + mark_w
    line = list(("─ " + label + " ").ljust(total, "─")[:total]) if width(label) == len(label) else None
    if line is None:  # wide characters in a label: no captions
        return fit("─ " + label + " " + "─" * total, total)
    start = len(label) + 4
    x = mark_w + lay.age + 1 + lay.project + 1
    captions: list[tuple[int, str]] = []
    cost_end = x + lay.cost
    msgs_end = cost_end + 1 + lay.msgs
    tool_x = msgs_end + 2
    captions.append((cost_end - len("cost"), "cost") if lay.cost >= 4 else (cost_end - 1, "$"))
    captions.append((msgs_end - len("msgs"), "msgs") if lay.msgs >= 4 else (msgs_end - 1, "#"))
    captions.append((tool_x, "last tool"))
    if lay.id:
        captions.append((tool_x + 2 + lay.tool + 1, "id"))
    for x0, text in captions:
        lead = 1 if x0 - 1 >= start else 0  # right after the caption before (a 1-wide "#"): no gap of its own
        lo, hi = x0 - lead, x0 + len(text) + 1
        if lo < start or hi > total:
            continue
        line[lo:hi] = " " * lead + text + " "
        start = hi
    return "".join(line)


def file_cells(kind: str, name: str, why: str, total: int) -> list[Cell]:
    """A damaged file or a leftover: its kind, its name, why; cut with an ellipsis."""
    label, role = ("✗ damaged  ", "damaged") if kind == "damaged" else ("↯ leftover ", "running")
    rest = max(total - width(label), 0)
    name_w = min(max(rest // 2, 12), 60, width(one_line(name)) + 2)
    gap = "  " if name_w >= 4 else ""  # a cut name keeps its gap before the reason too
    return [(label, role), (fit(one_line(name), name_w - len(gap)) + gap, "muted"),
            (fit(one_line(why), rest - name_w), "muted")]


def live_words(agent: bool, written_ms: int, now_ms: int) -> str:
    """Why a session may be running, in a list cell: ``written 2m ago`` / ``opendev works here``."""
    if agent:
        return "opendev works here"
    short = humanfmt.ago_short(written_ms, now_ms)
    return "written just now" if short == "now" else f"written {short} ago"
