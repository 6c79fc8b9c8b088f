"""The session list: draws only the visible rows, so 10,000 sessions cost what 10 do.

A line-API ``ScrollView`` (like toolong's log view): ``render_line`` builds one
``Strip`` per visible line from the view model's rows. Every piece of text from
a snapshot has been through :mod:`snaptui.safetext` and goes into a ``Segment``
as plain text, so markup and escape sequences are shown, never interpreted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from snaptui.base.clock import Clock
from snaptui.catalog.liveness import Live
from snaptui.present import humanfmt
from snaptui.present.cells import fit, fit_path
from snaptui.present.keys import in_scope
from snaptui.present.safetext import one_line
from snaptui.present.viewmodel import HEADER, Row
from snaptui.sources.records import DamagedFile, Leftover, Session


class SessionList(ScrollView, can_focus=True):
    """Sessions grouped by day, then damaged files and leftovers; a cursor and marks."""

    BINDINGS = [Binding(k.keys, k.action, k.label, show=k.footer, tooltip=k.help) for k in in_scope("list")]
    """Cursor keys; enter resumes, space marks (both handled by the app)."""

    COMPONENT_CLASSES = {
        "session-list--header",
        "session-list--cursor",
        "session-list--muted",
        "session-list--failure",
        "session-list--success",
        "session-list--mark",
        "session-list--running",
        "session-list--damaged",
        "session-list--cost",
    }
    """Styled in ``app.tcss`` with theme variables, so every theme looks right."""

    DEFAULT_CSS = """
    SessionList {
        overflow-x: hidden;
    }
    """

    class Highlighted(Message):
        """The cursor moved to another row (or to none)."""

        def __init__(self, row: Row | None) -> None:
            self.row = row
            super().__init__()

    class Selected(Message):
        """Enter was pressed on a row."""

        def __init__(self, row: Row) -> None:
            self.row = row
            super().__init__()

    class MarkToggled(Message):
        """Space was pressed on a row."""

        def __init__(self, row: Row) -> None:
            self.row = row
            super().__init__()

    def __init__(self, *, now_ms: Clock, live: Callable[[Session], Live | None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: list[Row] = []
        """What is shown, top to bottom (see :mod:`snaptui.viewmodel`)."""
        self.cursor = -1
        """Index of the highlighted row, -1 when there is none."""
        self.marks: set[str] = set()
        """Row keys marked for bulk actions."""
        self._now_ms = now_ms
        self._live = live

    # -- data ------------------------------------------------------------------

    def set_rows(self, rows: list[Row], *, keep: str | None = None) -> None:
        """Show ``rows``, keeping the cursor on the row with key ``keep`` if present."""
        old_cursor = self.cursor
        self.rows = rows
        keys = {r.key for r in rows}
        self.marks &= keys
        index = next((i for i, r in enumerate(rows) if keep is not None and r.key == keep), None)
        if index is None:
            index = self._nearest_selectable(min(max(old_cursor, 0), len(rows) - 1), 1)
        self.virtual_size = Size(self.size.width, len(rows))
        self._move_to(index)
        self.refresh()

    @property
    def current(self) -> Row | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def _nearest_selectable(self, start: int, step: int) -> int:
        if not self.rows:
            return -1
        for direction in (step, -step):
            i = start
            while 0 <= i < len(self.rows):
                if self.rows[i].selectable:
                    return i
                i += direction
        return -1

    def _move_to(self, index: int) -> None:
        old = self.cursor
        self.cursor = index
        scrolled = False
        if index >= 0:
            height = max(self.scrollable_content_region.height, 1)
            top = round(self.scroll_y)
            # Show the header above the first row of a group too.
            want_top = index - 1 if index > 0 and not self.rows[index - 1].selectable else index
            if want_top < top:
                self.scroll_to(y=want_top, animate=False, immediate=True)
                scrolled = True
            elif index >= top + height:
                self.scroll_to(y=index - height + 1, animate=False, immediate=True)
                scrolled = True
        if index != old:
            self.post_message(self.Highlighted(self.current))
            if not scrolled:  # only two lines changed: repaint just those
                for line in (old, index):
                    if line >= 0:
                        self.refresh_line(line)
                return
        self.refresh()

    # -- actions -----------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        if not self.rows:
            return
        start = self.cursor + step if self.cursor >= 0 else 0
        start = min(max(start, 0), len(self.rows) - 1)
        index = self._nearest_selectable(start, step)
        if index >= 0:
            self._move_to(index)

    def action_page(self, direction: int) -> None:
        height = max(self.scrollable_content_region.height - 1, 1)
        self.action_cursor(direction * height)

    def action_jump(self, where: int) -> None:
        if self.rows:
            start = 0 if where == 0 else len(self.rows) - 1
            self._move_to(self._nearest_selectable(start, 1 if where == 0 else -1))

    def action_resume(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self.current))

    def action_mark(self) -> None:
        row = self.current
        if row is None or row.key is None:  # the cursor never rests on a header (the only rows without a key)
            return
        if row.key in self.marks:
            self.marks.discard(row.key)
        else:
            self.marks.add(row.key)
        self.post_message(self.MarkToggled(row))
        self.refresh_line(self.cursor)
        self.action_cursor(1)

    def on_click(self, event: Click) -> None:
        index = event.y + round(self.scroll_y)
        if 0 <= index < len(self.rows) and self.rows[index].selectable:
            if index == self.cursor and event.chain == 2:
                self.action_resume()
            self._move_to(index)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows))

    # -- drawing -----------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = y + round(self.scroll_y)
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index]
        if row.kind == HEADER:
            style = self.get_component_rich_style("session-list--header")
            text = f" {row.label} "
            return Strip([Segment(set_cell_size("─" + text + "─" * width, width), base + style)], width)
        segments = self._segments(row, width, base)
        if index == self.cursor:
            cursor = self.get_component_rich_style("session-list--cursor")
            if not self.has_focus:
                cursor = Style(bgcolor=cursor.bgcolor, dim=False)
            segments = [Segment(t, (s or base) + cursor) for t, s, _ in segments]
        return Strip(segments).adjust_cell_length(width, base)

    def _segments(self, row: Row, width: int, base: Style) -> list[Segment]:
        marked = row.key in self.marks
        mark = Segment("● " if marked else "  ", base + self.get_component_rich_style("session-list--mark"))
        if isinstance(row.item, Session):
            return [mark, *self._session(row.item, width - 2, base)]
        item = row.item
        if isinstance(item, DamagedFile):
            return self._file_row(mark, "✗ damaged  ", "session-list--damaged", item.name, item.reason, width, base)
        if isinstance(item, Leftover):
            return self._file_row(mark, "↯ leftover ", "session-list--running", item.name, item.detail, width, base)
        return [mark]

    def _file_row(
        self, mark: Segment, label: str, label_style: str, name: str, why: str, width: int, base: Style
    ) -> list[Segment]:
        """A damaged file or a leftover: its kind, its name, why (all dimmed but the kind)."""
        muted = base + self.get_component_rich_style("session-list--muted")
        name_w = min(max(width // 2, 20), 60)
        return [
            mark,
            Segment(label, base + self.get_component_rich_style(label_style)),
            Segment(fit(one_line(name), name_w) + "  ", muted),
            Segment(one_line(why), muted),
        ]

    def _session(self, s: Session, width: int, base: Style) -> list[Segment]:
        style = self.get_component_rich_style
        muted = base + style("session-list--muted")
        plain = base if not s.completed else muted
        age = humanfmt.ago(s.timestamp_ms, self._now_ms())
        cost = humanfmt.cost(s.cost_usd) if s.cost_usd is not None else "—"
        msgs = humanfmt.count(s.message_count)
        last = s.last_tool
        if last is None:
            tool_mark, tool_style, tool_name = "·", muted, "no tools"
        elif last.ok is None:
            tool_mark, tool_style, tool_name = "…", base + style("session-list--running"), one_line(last.name)
        elif last.ok:
            tool_mark, tool_style, tool_name = "✓", base + style("session-list--success"), one_line(last.name)
        else:
            tool_mark, tool_style, tool_name = "✗", base + style("session-list--failure"), one_line(last.name)
        flag = ""
        if s.completed:
            flag = "done"
        elif self._live(s) is not None:
            flag = "live?"
        # Fixed columns; the project takes what is left (the short id goes first when narrow).
        age_w, cost_w, msgs_w, tool_w, id_w, flag_w = 14, 10, 5, 12, 8, 5
        fixed = age_w + cost_w + msgs_w + tool_w + 2 + flag_w + 7
        if width - fixed - id_w < 16:
            id_w = 0
        project_w = max(width - fixed - id_w, 8)
        segments = [
            Segment(fit(age, age_w) + " ", plain),
            Segment(fit_path(humanfmt.home_short(s.project_dir), project_w) + " ", plain),
            Segment(
                cost.rjust(cost_w)[-cost_w:] + " ", base + style("session-list--cost") if not s.completed else muted
            ),
            Segment(msgs.rjust(msgs_w)[-msgs_w:] + "  ", plain),
            Segment(tool_mark + " ", tool_style),
            Segment(fit(tool_name, tool_w) + " ", plain),
        ]
        if id_w:
            segments.append(Segment(fit(humanfmt.short_id(s.session_id, id_w), id_w) + " ", muted))
        if flag:
            flag_style = muted if s.completed else base + style("session-list--running")
            segments.append(Segment(fit(flag, flag_w), flag_style))
        return segments
