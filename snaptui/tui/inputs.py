"""Text boxes whose editing keys act in the order they were typed.

Textual inserts a typed character as the focused input takes its key, but runs
the input's own bindings (backspace, delete, the cursor's keys) only once the
key has bubbled up to the screen: after the keys queued behind it on the input.
Typed in one burst (a fast typist, a paste of keys over SSH, a busy moment),
``pay`` then backspace three times and ``inf`` left ``pay`` in the filter box,
and ``1h`` then backspace, ``1``, ``h`` left ``1h1`` in the purge dialog's age.
These inputs run those bindings as they take the key, as a slow typist gets.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

EDITING = frozenset({
    "cursor_left", "cursor_left(True)", "cursor_left_word", "cursor_left_word(True)",
    "cursor_right", "cursor_right(True)", "cursor_right_word", "cursor_right_word(True)",
    "home", "home(True)", "end", "end(True)", "select_all",
    "delete_left", "delete_right", "delete_left_word", "delete_right_word", "delete_left_all", "delete_right_all",
})
"""The input's own actions that only edit its text or move its cursor (not enter's submit, nor the
clipboard's, which reach beyond it)."""


class OrderedInput(Input):
    """An :class:`Input` whose editing keys act in order with the characters around them."""

    IN_ORDER: frozenset[str] = EDITING
    """The actions of its bindings run as the key is taken (a subclass adds its own)."""

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            for key in event.aliases:
                for binding in self._bindings.key_to_bindings.get(key, ()):
                    if binding.action in self.IN_ORDER:
                        event.stop()
                        event.prevent_default()
                        await self.run_action(binding.action)
                        return
        await super()._on_key(event)
