"""Resume somewhere else: the dialog enter opens when a session's project directory is gone.

It asks where to resume (an input holding the old path, completing
directory names as you type: tab or right takes the completion) or offers
to create the old directory again. A path that is not an existing directory
keeps the dialog open, with the reason under the input.
Nothing here touches a file on the UI thread: the suggester lists
directories in a thread, and the app's workers do the copying and creating
(:mod:`snaptui.actions.relocate`).
"""

from __future__ import annotations

import asyncio
import os

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, Static

from snaptui.present import humanfmt
from snaptui.present.safetext import one_line
from snaptui.sources.records import Session
from snaptui.tui.footer import SnapFooter
from snaptui.tui.inputs import EDITING, OrderedInput

MAX_LISTED = 2000
"""A directory with more entries than this is not listed for suggestions (it would stall typing)."""


class DirectorySuggester(Suggester):
    """Completes the last component of a path with the name of an existing directory."""

    def __init__(self) -> None:
        super().__init__(use_cache=True, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value.startswith(("/", "~")) or "\0" in value:
            return None
        return await asyncio.to_thread(_complete, value)


def _complete(value: str) -> str | None:
    path = os.path.expanduser(value)
    parent, stem = os.path.split(path)
    try:
        with os.scandir(parent or "/") as it:
            names = []
            for n, entry in enumerate(it):
                if n > MAX_LISTED:
                    return None
                if entry.name.startswith(stem) and entry.name != stem and entry.is_dir():
                    names.append(entry.name)
    except (OSError, ValueError):
        return None
    if not names:
        return None
    best = min(names)
    return value[: len(value) - len(stem)] + best + "/"


class PathInput(OrderedInput):
    """An input for a directory: tab takes the suggested completion (as right does at the
    end), and moves on only when there is none."""

    BINDINGS = [Binding("tab", "complete_or_next", "Complete or next", show=True),
                Binding("enter", "submit", "Resume here", show=True)]

    IN_ORDER = EDITING | {"complete_or_next"}
    """Tab too, in order with the keys typed after it (the completion before them)."""

    async def action_complete_or_next(self) -> None:
        suggestion = self._suggestion
        if self.cursor_at_end and not suggestion and self.suggester is not None:
            # typed faster than the suggestion came ("/path/bl<tab><enter>" at once): look now;
            # the keys after tab wait in this input's queue, as they would for a slow typist
            suggestion = await self.suggester.get_suggestion(self.value) or ""
        if self.cursor_at_end and suggestion and suggestion != self.value:
            self.value = suggestion
            self.cursor_position = len(self.value)
        else:
            self.screen.focus_next()


class Choice:
    """What the person chose: resume in ``directory`` (``create``: make it first)."""

    __slots__ = ("create", "directory")

    def __init__(self, directory: str, *, create: bool = False) -> None:
        self.directory = directory
        self.create = create


class ResumeElsewhereScreen(ModalScreen["Choice | None"]):
    """Where to resume a session whose project directory is gone."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", priority=True),
                Binding("shift+tab", "app.focus_previous", "Back", show=True)]
    """Escape cancels: nothing is copied or created. Tab completes the path, else moves on to the
    buttons, as shift+tab does backwards (both named in the footer: the buttons are reached so)."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self._session = session

    def compose(self) -> ComposeResult:
        from snaptui.actions.relocate import in_demo, purged_at_start

        s = self._session
        relative = not os.path.isabs(s.project_dir)
        body = [("The project directory ", ""), (one_line(s.project_dir, 200), "bold"),
                (" is a relative path, as opendev was given it: where it is, is not known. Resume the session "
                 "in the directory you choose." if relative else
                 " is gone. Resume the session in another directory, or create the old one again.", "")]
        if s.source == "opendev" and not relative:
            purged = ", and deletes this session's folder the next time it starts anywhere" \
                if purged_at_start(s) else ""
            copies = ("the demo's sessions are never copied into a store opendev reads, so it will not find "
                      "this one there" if in_demo(s) else "resuming elsewhere first copies its files into the new "
                      "directory's folder (the originals stay)")
            body.append((f"\n\nopendev looks a session up only in the folder of the directory it runs in{purged}: "
                         f"{copies}.", "$text-warning"))
        with Vertical(classes="dialog", id="relocate-dialog"):
            yield Label("Resume somewhere else", classes="dialog-title")
            yield Static(Content.assemble(*body), classes="dialog-body")
            known = not relative and "\0" not in s.project_dir  # a relative one is no start: it means nothing here
            yield PathInput(humanfmt.home_short(s.project_dir) if known else "", id="new-dir",
                            placeholder="a directory that exists, e.g. ~/src/app", suggester=DirectorySuggester())
            yield Static("", id="relocate-problem", classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Create the old directory", id="create", disabled=relative)
                yield Button("Resume here", id="resume", variant="primary")
        yield SnapFooter()

    def on_mount(self) -> None:
        self.query_one("#new-dir", Input).focus()

    @on(Input.Submitted, "#new-dir")
    @on(Button.Pressed, "#resume")
    def _resume(self) -> None:
        typed = os.path.expanduser(self.query_one("#new-dir", Input).value.strip())
        if not typed or "\0" in typed:
            self._problem("Type the directory to resume in.")
            return
        if not os.path.isabs(typed):  # relative to where snaptui runs: not what anyone means here
            self._problem("Type the whole path, from / (or ~).")
            return
        self.run_worker(self._resume_in(os.path.normpath(typed)), exclusive=True, group="relocate-check")

    async def _resume_in(self, directory: str) -> None:
        """Resume in ``directory`` if it exists (looked at in a thread); else say so and stay open."""
        if await asyncio.to_thread(os.path.isdir, directory):
            self.dismiss(Choice(directory))
        else:
            self._problem(f"{one_line(directory, 200)} is not an existing directory.")

    @on(Button.Pressed, "#create")
    def _create(self) -> None:
        if os.path.isabs(self._session.project_dir):  # a relative one would be made wherever snaptui runs
            self.dismiss(Choice(self._session.project_dir, create=True))

    def _problem(self, text: str) -> None:
        self.query_one("#relocate-problem", Static).update(Content.styled(text, "$text-error"))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
