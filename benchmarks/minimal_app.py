"""The floor for key latency: the smallest Textual app that changes the screen on a key.

    python benchmarks/minimal_app.py

One line of text; up and down change it. benchmarks/keylat.py runs it in a
real terminal (tmux) beside snaptui and sends both the same keys.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static


class Minimal(App[None]):
    BINDINGS = [("down", "move(1)"), ("up", "move(-1)")]

    def compose(self) -> ComposeResult:
        self.line = Static("ready 0")
        yield self.line

    def action_move(self, step: int) -> None:
        self.n = getattr(self, "n", 0) + step
        self.line.update(f"ready {self.n}")


if __name__ == "__main__":
    Minimal().run()
