"""The detail pane: the spans of :mod:`snaptui.present.detail`, in the theme's colours.

:class:`DetailView` is a line-API ``ScrollView`` like the session list: the
spans are wrapped once for the pane's width (:mod:`snaptui.present.wrap`)
and only the visible lines are drawn, so a long detail costs a key what a
short one does.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import messages
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from snaptui.present.detail import Span
from snaptui.present.wrap import Line, wrap

ROLES = {
    "": "",
    "strong": "bold",
    "label": "bold $text-muted",
    "path": "$text-accent",
    "muted": "$text-muted",
    "ok": "$text-success",
    "bad": "bold $text-error",
    "bad-text": "$text-error",
    "warn": "bold $text-warning",
    "command": "$text-secondary",
    "heading": "bold",
    "gutter": "$text-muted",
    "bad-gutter": "$text-error",
    "title": "bold $text-accent",
    "ok-heading": "bold $text-success",
    "warn-soft": "$text-warning",
    "progress": "italic $text-warning",
}
"""Each role of a span, as a Textual style of theme variables (every theme looks right)."""


def content(spans: list[Span]) -> Content:
    """Spans as one ``Content`` (text stays text: never parsed as markup)."""
    return Content.assemble(*((text, ROLES.get(role, "")) for text, role in spans))


def _css() -> str:
    rules = []
    for role, style in ROLES.items():
        if not role:
            continue
        words = style.split()
        colour = next((w for w in words if w.startswith("$")), None)
        decoration = [w for w in words if not w.startswith("$")]
        body = (f"color: {colour};" if colour else "") + (f" text-style: {' '.join(decoration)};" if decoration else "")
        rules.append(f"DetailView > .detail--{role} {{ {body} }}")
    return "\n".join(rules)


class DetailView(ScrollView, can_focus=True):
    """Shows a session, a damaged file or a leftover in full."""

    COMPONENT_CLASSES = {f"detail--{role}" for role in ROLES if role}
    DEFAULT_CSS = "DetailView { overflow-x: hidden; overflow-y: scroll; scrollbar-size-vertical: 0; }\n" + _css()
    """The pane draws its scrollbar itself, in its last column, and always: Textual's own
    is drawn through its generic path (3 ms a cursor key, more than the new text), and
    one appearing or going would lay out the screen again. Its thumb is placed as
    Textual places its own, rounded to whole cells (Textual's has eighths); it shows
    where the text is and is not dragged: the wheel and the keys scroll."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._spans: list[Span] = []
        self._lines: list[Line] = []
        self._wrapped_at = -1
        self._styles: dict[str, Style] = {}

    @property
    def text(self) -> str:
        """What the pane holds, as plain text (for tests)."""
        return "".join(t for t, _ in self._spans)

    def show_spans(self, spans: list[Span], *, top: bool = True) -> None:
        old, old_thumb = self._lines, self._geometry()[:2]
        self._spans = spans
        self._rewrap()
        if top and self.scroll_y:
            self.scroll_to(y=0, animate=False, immediate=True)
            self.refresh()
        else:
            self._refresh_changed(old, old_thumb)
        if self.is_mounted and self.display:
            # Straight to the screen, not through this widget's next idle moment: the new
            # text is drawn in the same frame as the list's cursor, not one or two later.
            self.screen.post_message(messages.Update(self))

    def _refresh_changed(self, old: list[Line], old_thumb: tuple[int, int]) -> None:
        """Repaint only the visible lines whose text, roles or scrollbar cell changed (a
        key's frame is as small as what it changes)."""
        top = round(self.scroll_y)
        height = self.scrollable_content_region.height
        new = self._lines
        thumb = self._geometry()[:2]
        start = None
        for y in range(top, top + height + 1):
            row = y - top
            same = (old[y] if y < len(old) else None) == (new[y] if y < len(new) else None) \
                and (old_thumb[0] <= row < old_thumb[1]) == (thumb[0] <= row < thumb[1])
            if not same and start is None:
                start = y
            elif same and start is not None:
                self.refresh_lines(start, y - start)
                start = None
        if start is not None:
            self.refresh_lines(start, top + height + 1 - start)

    def show_text(self, text: str) -> None:
        self.show_spans([(text, "")])

    def _text_width(self) -> int:
        return max(self.scrollable_content_region.width - 3, 8)  # a cell of padding each side, the scrollbar

    def _geometry(self) -> tuple[int, int, int]:
        """The scrollbar thumb's rows ``(start, end)``, empty when everything fits, and the
        pane's width, worked out again only when the size, the
        text or the scroll position changed (a line is drawn in less time than a region's
        geometry takes)."""
        size = self.size  # the content area: the scrollbar is in it, Textual's has no width
        key = (size, len(self._lines), self.scroll_y)
        if self._geom is None or self._geom[0] != key:
            height, total = size.height, len(self._lines)
            if height <= 0 or total <= height:
                start = end = 0
            else:
                thumb = max(1, round(height * height / total))
                start = round((height - thumb) * min(1.0, self.scroll_y / (total - height)))
                end = start + thumb
            self._geom = (key, (start, end, size.width))
        return self._geom[1]

    _geom: tuple[object, tuple[int, int, int]] | None = None


    def _rewrap(self) -> None:
        cells = self._text_width()
        self._lines = wrap(self._spans, cells)
        self._wrapped_at = cells
        size = Size(cells + 2, len(self._lines))
        if size != self.virtual_size:
            # Not through the reactive: that would lay out the whole screen again, which
            # Textual defers to its next idle moment (tens of ms after the key). Only the
            # scrollbar depends on it.
            self.set_reactive(DetailView.virtual_size, size)
            self._scroll_update(size)

    def on_resize(self) -> None:
        if self._text_width() != self._wrapped_at:
            self._rewrap()
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._base = None
        self._bar = None

    _base: Style | None = None

    def _base_style(self) -> Style:
        """``rich_style`` (costly: it walks the ancestors) once per style change, not per line."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def _style(self, role: str) -> Style:
        style = self._styles.get(role)
        if style is None:
            style = self._styles[role] = self.get_component_rich_style(f"detail--{role}") if role else Style()
        return style

    def _bar_styles(self) -> tuple[Style, Style]:
        """The scrollbar's track and thumb, in the theme's scrollbar colours."""
        if self._bar is None:
            styles = self.styles
            self._bar = (Style(bgcolor=styles.scrollbar_background.rich_color),
                         Style(bgcolor=styles.scrollbar_color.rich_color))
        return self._bar

    _bar: tuple[Style, Style] | None = None

    def render_line(self, y: int) -> Strip:
        index = y + round(self.scroll_y)
        start, end, width = self._geometry()
        width -= 1  # the last column is the scrollbar's
        base = self._base_style()
        bar = Segment(" ", self._bar_styles()[start <= y < end])
        if index >= len(self._lines):
            return Strip([Segment(" " * width, base), bar], width + 1)
        segments = [Segment(" ", base)]
        used = 1
        for text, role in self._lines[index]:
            segments.append(Segment(text, base + self._style(role)))
            used += cell_len(text)
        if used > width:  # wrapped to fit: only a line wider than the pane's least width is cut here
            return Strip([*Strip(segments).crop(0, width), bar], width + 1)
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        segments.append(bar)
        return Strip(segments, width + 1)
