"""The insights (``i``): sessions per day, cost at stake per project, the tools sessions stopped at.

The figures are :func:`snaptui.present.stats.compute`'s, the same as
``snaptui stats``; they are computed in a worker (100,000 sessions take a
few tenths of a second), again whenever the catalog changes while the
screen is open. The charts are drawn by :mod:`snaptui.present.charts` and
coloured from the theme here. Enter (or a double click) on a day or a
project goes back to the list, showing only its sessions
(:class:`snaptui.present.viewmodel.Only`); escape goes back as it was.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Click
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import get_current_worker

from snaptui.catalog.scan import Catalog
from snaptui.present import charts, humanfmt
from snaptui.present import insights as figures
from snaptui.present import stats as stats_of
from snaptui.present.cells import width as cells_of
from snaptui.present.charts import Line
from snaptui.present.viewmodel import Only
from snaptui.tui.detail import content
from snaptui.tui.footer import SnapFooter

SIDE_BY_SIDE = 76
"""From this many columns the projects and the tools sit side by side (below, one under the other)."""
PROJECTS_SHARE = 0.58
"""The projects' part of the width, side by side."""
DAY_LEAST = 7
"""The day chart's least height, side by side: its heading, three rows of bars, the axis, the dates, a note."""
TALL = 30
"""From this many rows a blank line parts the day chart from the charts under it."""
CHECK_EVERY_S = 0.5
"""How often the screen looks whether the catalog changed (a rescan) and counts again."""

ROLES = {
    "": "",
    "heading": "bold",
    "axis": "$text-muted",
    "muted": "$text-muted",
    "bar": "$text-primary",
    "bar-cursor": "bold $text-accent",
    "selected": "bold $text-accent",
    "cost": "$text-warning",
    "cost-bar": "$text-warning",
    "ok": "$text-success",
    "bad": "$text-error",
    "warn": "$text-warning",
}
"""Each role of :mod:`snaptui.present.charts` as a Textual style of theme variables."""
CURSOR = "bold $block-cursor-foreground on $block-cursor-background"
"""The selected row of the chart that has the focus, as the list draws its cursor."""


BAR_ROLES = frozenset({"bar", "bar-cursor", "cost-bar"})
"""Roles of bars: on the cursor's line they keep their colour (they are not text to read)."""


def _content(lines: list[Line], cursor_line: int | None = None) -> Content:
    """Lines of spans as one ``Content`` (text stays text: never parsed as markup)."""
    out = []
    for i, line in enumerate(lines):
        if i == cursor_line:
            out.append(Content.assemble(*((t, f"{ROLES[role]} on $block-cursor-background" if role in BAR_ROLES
                                           else CURSOR) for t, role in line)))
        else:
            out.append(Content.assemble(*((t, ROLES.get(role, "")) for t, role in line)))
    return Content("\n").join(out)


class Counted(Message):
    """The figures for ``catalog`` (computed in a worker)."""

    def __init__(self, catalog: Catalog, insights: figures.Insights) -> None:
        self.catalog = catalog
        self.insights = insights
        super().__init__()


class Chart(Widget):
    """A chart of the insights, drawn for its size whenever the figures or the selection change."""

    DEFAULT_CSS = "Chart { padding: 0 1; height: 100%; text-wrap: nowrap; text-overflow: clip; }"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.figures: figures.Insights | None = None

    def show(self, insights: figures.Insights) -> None:
        self.figures = insights
        self.refresh(layout=True)

    def lines(self, cells: int, height: int | None) -> tuple[list[Line], int | None]:
        """The chart's lines in ``cells`` cells (within ``height`` lines if given), and which is the cursor's."""
        return [], None

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return max(len(self.lines(width, None)[0]), 1)

    def render(self) -> Content:
        if self.figures is None:
            return Content.styled("counting…", "italic $text-muted")
        lines, cursor_line = self.lines(self.content_size.width, self.content_size.height)
        return _content(lines, cursor_line if self.has_focus else None)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


class DayChart(Chart, can_focus=True):
    """Sessions per day over the last 30 days; ← → choose a day, enter shows its sessions."""

    BINDINGS = [
        Binding("left,h", "move(-1)", "Day before", show=False),
        Binding("right,l", "move(1)", "Day after", show=False),
        Binding("home,g", "move(-1000)", "First day", show=False),
        Binding("end,G", "move(1000)", "Today", show=False),
        Binding("enter", "choose", "Show that day"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cursor: int | None = None
        self.columns = charts.DayLayout(0, 0, 0, 0, -1, -1)
        """Where the last drawing put each day (for the mouse)."""

    def show(self, insights: figures.Insights) -> None:
        if self.cursor is None or self.figures is None or self.figures.today != insights.today:
            # The latest day with a session (enter shows it at once), else today.
            days = insights.days
            self.cursor = next((i for i in range(len(days) - 1, -1, -1) if days[i].interrupted),
                               len(days) - 1) if days else None
        super().show(insights)

    def lines(self, cells: int, height: int | None) -> tuple[list[Line], int | None]:
        if self.figures is None:
            return [], None
        lines, self.columns = charts.day_chart(self.figures, cells, height or 10, self.cursor)
        return lines, None

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return 10

    def action_move(self, step: int) -> None:
        if self.figures is None or not self.figures.days or self.cursor is None:
            return
        first = self.columns.first
        self.cursor = min(max(self.cursor + step, first), len(self.figures.days) - 1)
        self._moved()

    def _moved(self) -> None:
        self.refresh()
        if isinstance(self.screen, InsightsScreen):  # the selection may take a line of its own
            self.screen.fit_charts()

    def action_choose(self) -> None:
        if self.figures is not None and self.cursor is not None and self.figures.days:
            day = self.figures.days[self.cursor]
            if not day.interrupted:
                self.app.notify(f"No interrupted session on {charts.day_name(day.day, self.figures.today)}.",
                                markup=False)
                return
            self.screen.dismiss(Only(day=day.day.isoformat()))

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self.columns.day_at(offset.x, offset.y)
        if index is not None:
            self.cursor = index
            self._moved()
            if event.chain >= 2:
                self.action_choose()


class ProjectChart(Chart, can_focus=True):
    """Cost at stake per project, the top ten; ↑ ↓ choose one, enter shows its sessions."""

    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("home,g", "move(-1000)", "First", show=False),
        Binding("end,G", "move(1000)", "Last", show=False),
        Binding("enter", "choose", "Show that project"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cursor = 0
        self._first = 2

    def show(self, insights: figures.Insights) -> None:
        self.cursor = min(self.cursor, max(len(insights.projects) - 1, 0))
        super().show(insights)

    def lines(self, cells: int, height: int | None) -> tuple[list[Line], int | None]:
        if self.figures is None:
            return [], None
        cursor = self.cursor if self.figures.projects else None
        lines, self._first = charts.project_chart(self.figures, cells, cursor)
        return lines, None if cursor is None else self._first + cursor

    def action_move(self, step: int) -> None:
        if self.figures is not None and self.figures.projects:
            self.cursor = min(max(self.cursor + step, 0), len(self.figures.projects) - 1)
            self.refresh()

    def action_choose(self) -> None:
        if self.figures is not None and self.figures.projects:
            self.screen.dismiss(Only(project_dir=self.figures.projects[self.cursor].project_dir))

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self.figures is None:
            return
        index = offset.y - self._first
        if 0 <= index < len(self.figures.projects):
            self.cursor = index
            self.refresh()
            if event.chain >= 2:
                self.action_choose()


class ToolChart(Chart):
    """The tools sessions stopped at, with how often that call failed."""

    def lines(self, cells: int, height: int | None) -> tuple[list[Line], int | None]:
        if self.figures is None:
            return [], None
        return charts.tool_chart(self.figures, cells, height if self.screen.has_class("-side") else None), None


class InsightsScreen(ModalScreen["Only | None"]):
    """The insights, full screen: dismissed with the day or project chosen, or None."""

    DEFAULT_CSS = """
    InsightsScreen { background: $background; align: left top; layout: vertical; }
    #insights-head { height: 1; padding: 0 1; background: $panel; }
    #insights-body { height: 1fr; overflow-y: auto; scrollbar-size-vertical: 1; }
    #days { height: 1fr; min-height: 7; }  /* DAY_LEAST */
    InsightsScreen.-stacked #days { height: auto; }
    InsightsScreen.-tall #insights-bottom { margin-top: 1; }
    InsightsScreen.-stacked #insights-bottom { layout: vertical; }
    InsightsScreen.-stacked #projects, InsightsScreen.-stacked #tools { height: auto; }
    """

    BINDINGS = [
        Binding("escape,i,q", "close", "Back", priority=True),
        Binding("tab", "app.focus_next", "Next chart"),
        Binding("shift+tab", "app.focus_previous", "Previous chart", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._partial = False
        self._asked: Catalog | None = None

    def compose(self) -> ComposeResult:
        self.head = Static(Content.styled("snaptui insights  counting…", "bold $text-accent"), id="insights-head")
        self.days = DayChart(id="days")
        self.projects = ProjectChart(id="projects")
        self.tools = ToolChart(id="tools")
        yield self.head
        with Vertical(id="insights-body"):
            yield self.days
            with Horizontal(id="insights-bottom"):
                yield self.projects
                yield self.tools
        yield SnapFooter()

    def on_mount(self) -> None:
        self.days.focus()
        self.fit_charts()
        self._check()
        self.set_interval(CHECK_EVERY_S, self._check)

    def _check(self) -> None:
        """Count again when the catalog changed (a rescan, a discard)."""
        catalog = getattr(self.app, "result", None)
        if catalog is not None and catalog is not self._asked:
            self._asked = catalog
            self._count(catalog, self.app.clock())  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, group="insights", description="insights", exit_on_error=False)
    def _count(self, catalog: Catalog, now_ms: int) -> None:
        insights = figures.build(stats_of.compute(catalog.incomplete), now_ms=now_ms)
        if not get_current_worker().is_cancelled:
            self.post_message(Counted(catalog, insights))

    def on_counted(self, message: Counted) -> None:
        self._partial = message.catalog.partial
        ins = message.insights
        for chart in (self.days, self.projects, self.tools):
            chart.show(ins)
        self.fit_charts()

    def on_resize(self) -> None:
        self.fit_charts()

    def fit_charts(self) -> None:
        """Side by side, the charts under the day chart are as tall as the projects' ten rows, or
        the tools' when they need more and the day chart keeps its least height (the tools show
        what fits); one under the other (a narrow terminal), the body scrolls."""
        width, height = self.size
        ins = self.days.figures
        if ins is not None:
            self.head.update(content(heading(ins, self._partial, width - 2)))
            lines, _ = charts.day_chart(ins, max(width - 2, 1), 1000, self.days.cursor)
            self.days.styles.max_height = len(lines)  # no taller than its tallest drawing
        side = width >= SIDE_BY_SIDE
        tall = height >= TALL
        self.set_class(side, "-side")
        self.set_class(not side, "-stacked")
        self.set_class(tall, "-tall")
        bottom = self.query_one("#insights-bottom")
        if side and ins is not None:
            projects = round(width * PROJECTS_SHARE)
            self.projects.styles.width = projects
            self.tools.styles.width = width - projects
            tools_cells = max(width - projects - 2, 1)
            room = height - 2 - int(tall) - DAY_LEAST  # the head and the footer, the blank line
            bottom.styles.height = max(
                len(charts.project_chart(ins, max(projects - 2, 1), 0)[0]),
                len(charts.tool_chart(ins, tools_cells, 1)),
                min(len(charts.tool_chart(ins, tools_cells)), room))
        elif not side:
            self.projects.styles.width = "1fr"
            self.tools.styles.width = "1fr"
            bottom.styles.height = "auto"
        self.tools.refresh(layout=True)

    def action_close(self) -> None:
        self.dismiss(None)


def heading(ins: figures.Insights, partial: bool, cells: int) -> list[tuple[str, str]]:
    """``snaptui insights  12 interrupted · $1,237.09 at stake · 3 with no cost recorded``, shorter
    when ``cells`` is short (the name goes first, then the words)."""
    st = ins.stats
    unpriced = st.interrupted - st.priced
    for name, no_cost in (("snaptui insights  ", "with no cost recorded"), ("insights  ", "with no cost recorded"),
                          ("insights  ", "no cost"), ("", "no cost")):
        spans: list[tuple[str, str]] = [(name, "title"), (f"{humanfmt.count(st.interrupted)} interrupted", "strong")]
        if st.priced:
            spans += [(" · ", ""), (f"{humanfmt.cost(st.cost_at_stake)} at stake", "warn")]
        if unpriced:
            spans += [(" · ", ""), (f"{humanfmt.count(unpriced)} {no_cost}", "muted")]
        if partial:
            spans += [("  ", ""), ("so far: still scanning", "progress")]
        if sum(cells_of(t) for t, _ in spans) <= cells:
            break
    return spans


class InsightsKeys:
    """The app's side: ``i`` opens the insights; a day or a project chosen there filters the list."""

    only: Only | None

    def action_insights(self: Any) -> None:
        """Open the insights: sessions per day, cost per project, last tools."""
        if self.result is None:
            self.notify("Still scanning: the insights are ready once the first sessions are read.", markup=False)
            return
        self.push_screen(InsightsScreen(), self._insights_chosen)

    def _insights_chosen(self: Any, only: Only | None) -> None:
        if only is None:
            return
        # The list shows exactly the sessions the bar counted: the typed filter goes.
        self.query_text = ""
        self.filter_box.value = ""
        self.filter_box.display = False
        if self.zoomed:
            self.action_toggle_detail()
        self.only = only
        self.person_moved = True
        self.session_list.cursor = 0  # from the chosen sessions' newest
        self.session_list.focus()
        self._refresh_rows()
        self._update_status()
