"""The footer: Textual's, keeping the keys that fit and always ``?`` and ``q``; a dialog's shows
its own keys (it has a footer of its own: the main screen's, under it, would name keys that
do nothing there)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from snaptui.present.cells import width
from snaptui.present.keys import footer_fit

PALETTE_KEYS = (("up", "↑↓", "Choose"), ("enter", "⏎", "Run"), ("escape", "esc", "Close"))
"""What the command palette's keys do (Textual's palette has no footer of its own)."""


class SnapFooter(Footer):
    """Shows the keys of :mod:`snaptui.present.keys` that fit its width, best first."""

    palette = False
    """The command palette is open over this screen: its keys are shown, not the screen's."""

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        if self.palette:
            self.styles.grid_size_columns = len(PALETTE_KEYS)
            for key, display, what in PALETTE_KEYS:
                yield FooterKey(key, display, what, "", disabled=False).data_bind(compact=Footer.compact)
            return
        seen: set[str] = set()
        shown = []
        dialog = self.screen is not self.app.screen_stack[0]
        for node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if dialog and (node is self.app or not enabled):
                continue  # a dialog's footer: its own keys (the app's act on the main screen only)
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                shown.append((binding, enabled, tooltip))
        palette = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and not dialog:
            palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        items = [(b.action, width(self.app.get_key_display(b)) + width(b.description) + 3) for b, _, _ in shown]
        if palette is not None:
            items.append((palette.binding.action, width(self.app.get_key_display(palette.binding))
                          + width(palette.binding.description) + 3))
        self._fitted_to = self.size.width or self.app.size.width
        kept = footer_fit(items, self._fitted_to)
        self.styles.grid_size_columns = len(kept)
        for binding, enabled, tooltip in shown:
            if binding.action in kept:
                yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                                disabled=not enabled, tooltip=tooltip).data_bind(compact=Footer.compact)
        if palette is not None and palette.binding.action in kept:
            yield FooterKey(palette.binding.key, self.app.get_key_display(palette.binding),
                            palette.binding.description, palette.binding.action, classes="-command-palette",
                            disabled=not palette.enabled, tooltip=palette.binding.tooltip or "")

    def show_palette_keys(self, shown: bool) -> None:
        if shown != self.palette:
            self.palette = shown
            self.refresh(recompose=True)

    _fitted_to = 0

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._fitted_to:
            self.call_after_refresh(self.recompose)
