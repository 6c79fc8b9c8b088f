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
from textual import messages
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from snaptui.base.clock import Clock
from snaptui.catalog.liveness import Live
from snaptui.present.columns import Layout, Measure, file_cells, header_line, layout, live_words, session_cells
from snaptui.present.keys import in_scope
from snaptui.present.viewmodel import HEADER, Row
from snaptui.sources.records import DamagedFile, Leftover, Session

ROLE_CLASSES = {"ok": "success", "bad": "failure"}
"""Cell roles (:mod:`snaptui.present.columns`) whose component class has another name."""


CURSOR_GLYPH = "› "
"""The cursor row's first cells (unless marked, "● "): a monochrome terminal, or a plain-text copy
of the screen, shows where the cursor is without its colour."""


class SessionList(ScrollView, can_focus=True):
    """Sessions grouped by day, then damaged files and leftovers; a cursor and marks."""

    BINDINGS = [Binding(k.keys, k.action, k.label, show=k.footer, tooltip=k.help, priority=True)
                for k in in_scope("list")]
    """Cursor keys; enter resumes, space marks (both handled by the app). Priority bindings,
    as the app-wide keys are: Textual runs those as it takes each key from the app's queue,
    while a plain binding waits in the list's own queue, so "j d" typed at once discarded
    the row before j. Now every key acts in the order it was typed. (Only while the list
    has the focus: the filter's text and a dialog's keys are not the list's.)"""

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
        """The cursor moved to another row (or to none); posted only without ``on_move``."""

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

    def __init__(self, *, now_ms: Clock, live: Callable[[Session], Live | None],
                 on_move: Callable[[Row | None], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: list[Row] = []
        """What is shown, top to bottom (see :mod:`snaptui.viewmodel`)."""
        self.cursor = -1
        """Index of the highlighted row, -1 when there is none."""
        self.marks: set[str] = set()
        """Row keys marked for bulk actions."""
        self._now_ms = now_ms
        self._live = live
        self._on_move = on_move
        """Called as the cursor moves, before the screen is next drawn (the detail pane)."""
        self.moved_by_person = False
        """The person moved the cursor (a key or a click): no message, a key's path stays short."""
        self.measure = Measure()
        """How wide the rows' values are (computed with the rows, off the UI thread)."""
        self._layout: Layout | None = None
        self._role_styles: dict[str, Style] = {}

    # -- data ------------------------------------------------------------------

    def set_rows(self, rows: list[Row], *, keep: str | None = None, measure: Measure | None = None,
                 positions: dict[str, int] | None = None) -> None:
        """Show ``rows``, keeping the cursor on the row with key ``keep`` if present
        (``positions``: each key's row index, when the caller has it)."""
        old_cursor = self.cursor
        self.rows = rows
        if measure is not None and measure != self.measure:
            self.measure = measure
            self._layout = None
        if keep is None:
            index = None
        elif positions is not None:
            index = positions.get(keep)
        else:
            index = next((i for i, r in enumerate(rows) if r.key == keep), None)
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
            if self._on_move is not None:
                self._on_move(self.current)
            else:
                self.post_message(self.Highlighted(self.current))
            if not scrolled:  # only two lines changed: repaint just those
                for line in (old, index):
                    if line >= 0:
                        self.refresh_line(line)
                self._update_now()
                return
        self.refresh()
        self._update_now()

    def _update_now(self) -> None:
        """Tell the screen at once (not at this widget's next idle moment), so that the
        cursor is drawn in the same frame as the detail pane it changed."""
        if self.is_mounted and self.display:
            self.screen.post_message(messages.Update(self))

    # -- actions -----------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        self.moved_by_person = True
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
        self.moved_by_person = True
        if self.rows:
            start = 0 if where == 0 else len(self.rows) - 1
            self._move_to(self._nearest_selectable(start, 1 if where == 0 else -1))

    def action_resume(self) -> None:
        if self.current is not None:
            hold = getattr(self.app, "hold_keys", None)  # the keys after enter wait for what it opens
            if hold is not None:
                hold()
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
            self.moved_by_person = True
            if index == self.cursor and event.chain == 2:
                self.action_resume()
            self._move_to(index)

    _base: Style | None = None

    def _base_style(self) -> Style:
        """``rich_style`` (costly: it walks the ancestors) once per style change, not per line."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        self._role_styles.clear()

    def on_focus(self) -> None:
        self._base = None

    def on_blur(self) -> None:
        self._base = None

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows))
        self._layout = None
        self.refresh()

    # -- drawing -----------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = y + round(self.scroll_y)
        width = self.scrollable_content_region.width
        base = self._base_style()
        if index >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index]
        if row.kind == HEADER:
            style = self.get_component_rich_style("session-list--header")
            text = header_line(row.label, self.layout_for(width)) if row.columns else f"─ {row.label} " + "─" * width
            return Strip([Segment(set_cell_size(text, width), base + style)], width)
        segments = self._segments(row, width, base)
        if index == self.cursor:
            cursor = self.get_component_rich_style("session-list--cursor")
            if not self.has_focus:
                cursor = Style(bgcolor=cursor.bgcolor, dim=False)
            if segments and segments[0].text == "  ":  # not by colour alone: a glyph where a mark goes
                segments[0] = Segment(CURSOR_GLYPH, segments[0].style)
            segments = [Segment(t, (s or base) + cursor) for t, s, _ in segments]
        return Strip(segments).adjust_cell_length(width, base)

    def _segments(self, row: Row, width: int, base: Style) -> list[Segment]:
        marked = row.key in self.marks
        mark = Segment("● " if marked else "  ", base + self.get_component_rich_style("session-list--mark"))
        item = row.item
        if isinstance(item, Session):
            live = self._live(item)
            words = live_words(live.agent, live.written_ms, self._now_ms()) if live is not None else None
            cells = session_cells(item, self.layout_for(width), now_ms=self._now_ms(), live=words)
        elif isinstance(item, DamagedFile):
            cells = file_cells("damaged", item.name, item.reason, width - 2)
        elif isinstance(item, Leftover):
            cells = file_cells("leftover", item.name, item.detail, width - 2)
        else:
            return [mark]
        return [mark, *(Segment(text, self._role_style(role, base)) for text, role in cells)]

    def _role_style(self, role: str, base: Style) -> Style:
        if not role:
            return base
        style = self._role_styles.get(role)
        if style is None:
            style = self._role_styles[role] = self.get_component_rich_style(
                f"session-list--{ROLE_CLASSES.get(role, role)}")
        return base + style

    def layout_for(self, width: int) -> Layout:
        """The columns at this width (recomputed only when the width or the rows' measure changes)."""
        if self._layout is None or self._layout.width != width - 2:
            self._layout = layout(width - 2, self.measure)
        return self._layout
