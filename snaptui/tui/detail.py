"""The detail pane: the spans of :mod:`snaptui.present.detail`, in the theme's colours."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from snaptui.present.detail import Span

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


class Detail(Static):
    """Shows a session, a damaged file or a leftover in full."""

    def show_spans(self, spans: list[Span]) -> None:
        self.update(content(spans))

    def show_text(self, text: str) -> None:
        self.update(Content(text))
