"""Keys typed at once act in the order they were typed, on what the keys before them made.

Textual takes each key from the app's queue and runs the priority bindings there and then;
any other key goes into the focused widget's own queue, and is handled later. Most of
snaptui's keys are priority bindings for that reason. Two cases remain where a key opens
something that is not there yet when the next key is taken:

- enter (or escape) in the filter box: the box has still to take the keys typed before it,
  and "enter j d" would give "j d" to the box too, or act on the list before it is filtered;
- enter on the list: the resume looks for the project directory in a thread, and may open
  a dialog; "enter d" discarded the session being resumed;
- a key in a dialog that starts what the next keys are for (``holds_keys_after``): enter in
  the purge dialog's age box before its dry run is there ("P 1d enter enter" purged nothing,
  as typed slowly it purged).

From such a key until what it opens is there, the app holds the keys that come after, then
hands them on in order (:meth:`KeyOrder.release_held`), waiting for each dialog a key opens
to be mounted before the next key goes to it. A hold ends after :data:`HOLD_AT_MOST_S` at the
latest, whatever happens.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import events
from textual.app import App
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input

HOLD_AT_MOST_S = 2.0
"""Keys held are handed on after this long at the latest."""


class KeyOrder(App[Any]):
    """The holding of keys (a mixin of the app, whose ``filter_box`` it knows)."""

    filter_box: Input
    _held: list[events.Key] | None = None
    """Keys taken while a key before them had not yet made what it opens."""
    _held_timer: Timer | None = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._held is not None:
                self._held.append(event)
                return
            if len(self.screen_stack) == 1:
                if event.key == "enter" and self.focused is self.filter_box:
                    self.hold_keys()
            else:  # a dialog whose key starts something the keys after it are for (its dry run)
                holds = getattr(self.screen, "holds_keys_after", None)
                if holds is not None and holds(event):
                    self.hold_keys()
        await super().on_event(event)

    def hold_keys(self) -> None:
        """Hold the keys typed from now on, until :meth:`release_held`."""
        if self._held is None:
            self._held = []
            self._held_timer = self.set_timer(HOLD_AT_MOST_S, self.release_held)  # never for good

    def holding(self) -> bool:
        return self._held is not None

    async def release_held(self) -> None:
        """Hand the keys held on, in order; stop where one of them holds again."""
        held, self._held = self._held or [], None
        if self._held_timer is not None:
            self._held_timer.stop()
            self._held_timer = None
        await self._mounted(self.screen)
        for i, event in enumerate(held):
            screen = self.screen
            await self.on_event(event)
            if self.holding():  # that key holds the ones after it in turn
                self._held = [*(self._held or []), *held[i + 1 :]]
                return
            if self.screen is not screen:  # it opened (or closed) a dialog: the next key is for it, once mounted
                await self._mounted(self.screen)

    async def _mounted(self, screen: Screen[Any]) -> None:
        for _ in range(100):
            if screen.is_mounted or screen not in self.screen_stack:
                return
            await asyncio.sleep(0.005)
