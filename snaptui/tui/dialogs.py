"""Modal screens: confirm, purge (with its dry run), help."""

from __future__ import annotations

from typing import Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static
from textual.worker import get_current_worker

from snaptui.actions.purge import PurgePlan, plan_purge
from snaptui.base.clock import Clock
from snaptui.base.durations import parse_duration
from snaptui.catalog.liveness import Live
from snaptui.catalog.scan import Catalog
from snaptui.present import humanfmt
from snaptui.present.keys import KEYS
from snaptui.sources.records import Session
from snaptui.tui.footer import SnapFooter
from snaptui.tui.inputs import OrderedInput


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question whose safe answer (No) has the focus."""

    BINDINGS = [
        Binding("escape,n", "answer(False)", "No", priority=True),
        Binding("y", "answer(True)", "Yes", priority=True),
    ]
    """``y`` answers yes, ``n`` or escape no. Keys that close a dialog are priority bindings:
    the dialog is gone before the next key is taken, which then acts on the screen below (it
    went to the closing dialog, and was lost)."""

    def __init__(self, title: str, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self._title = title
        self._question = question
        self._yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content(self._title), classes="dialog-title")
            yield Static(Content(self._question), classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("No", id="no", variant="default")
                yield Button(f"{self._yes} (y)", id="yes", variant="warning")
        yield SnapFooter()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class PurgeScreen(ModalScreen["PurgePlan | None"]):
    """Choose an age, read the dry run's answer, then confirm or cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", priority=True)]
    """Escape cancels; nothing is removed until Purge is pressed."""

    class Planned(Message):
        """The dry run for the age typed (computed in a worker: it lists the trash)."""

        def __init__(self, text: str, plan: PurgePlan | None, error: str | None) -> None:
            self.text = text
            self.plan = plan
            self.error = error
            super().__init__()

    def __init__(self, directory: str, catalog: Catalog, *, default_age: str, retention_s: int, clock: Clock,
                 running_s: int = 0, live: dict[str, Live] | None = None) -> None:
        super().__init__()
        self._running_s = running_s
        self._live = live or {}
        self._warning: str | None = None
        self._directory = directory
        self._catalog = catalog
        self._default_age = default_age
        self._retention_s = retention_s
        self._clock = clock
        self._plan: PurgePlan | None = None
        self._planned_text: str | None = None
        """The age whose dry run is shown (or why it cannot be made)."""
        self._submitted_early = False
        """Enter came before that dry run: it moves on once the dry run is there."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="purge-dialog"):
            yield Label("Purge old snapshots", classes="dialog-title")
            yield Static(
                "Delete for good every snapshot older than this age, interrupted or "
                "completed (damaged files are never purged):",
                classes="dialog-body",
            )
            yield OrderedInput(self._default_age, id="age", placeholder="e.g. 90m, 12h, 7d, 2w")
            yield Static("", id="dry-run", classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Purge", id="purge", variant="error", disabled=True)
        yield SnapFooter()

    def on_mount(self) -> None:
        self.query_one("#age", Input).focus()
        self._plan_for(self._default_age)

    @on(Input.Changed, "#age")
    def _age_changed(self, event: Input.Changed) -> None:
        self._plan = None
        self._planned_text = None
        button = self.query_one("#purge", Button)
        button.disabled = True
        button.label = "Purge"
        self._plan_for(event.value)

    def holds_keys_after(self, event: events.Key) -> bool:
        """Enter in the age box: the keys typed after it wait until it has acted, which is
        once the dry run of the age typed (with keys still on their way to the box) is there;
        the app holds them, so that they act as they would typed slowly."""
        return event.key == "enter" and self.focused is self.query_one("#age", Input)

    @on(Input.Submitted, "#age")
    def _age_submitted(self) -> None:
        if self._planned_text != self.query_one("#age", Input).value:
            self._submitted_early = True  # moves on once its dry run is there
            return
        if self._plan is not None and (self._plan.sessions or self._plan.trash_files):
            self.query_one("#purge", Button).focus()
        self._release_keys()

    def _release_keys(self) -> None:
        """Hand on the keys the app held after enter in the age box (:meth:`holds_keys_after`)."""
        release = getattr(self.app, "release_held", None)
        if release is not None:
            self.app.call_next(release)

    @work(thread=True, exclusive=True, group="purge-plan", description="purge-plan", exit_on_error=False)
    def _plan_for(self, text: str) -> None:
        try:
            seconds = parse_duration(text)
        except ValueError as exc:
            self.post_message(self.Planned(text, None, str(exc)))
            return
        plan = plan_purge(self._directory, seconds * 1000, trash_retention_ms=self._retention_s * 1000,
                          clock=self._clock, catalog=self._catalog)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Planned(text, plan, None))

    def on_purge_screen_planned(self, message: Planned) -> None:
        if message.text != self.query_one("#age", Input).value:
            return  # typed on since
        self._show_plan(message)
        age = self.query_one("#age", Input)
        if self.focused is age:  # a short terminal: the box typed in stays in view as the dry run grows
            self.call_after_refresh(age.scroll_visible, animate=False)
        self._planned_text = message.text
        if self._submitted_early:
            self._submitted_early = False
            self._age_submitted()

    def _show_plan(self, message: Planned) -> None:
        out = self.query_one("#dry-run", Static)
        button = self.query_one("#purge", Button)
        plan = self._plan = message.plan
        if plan is None:
            out.update(Content.styled(message.error or "", "$text-error"))
            button.disabled = True
            button.label = "Purge"
            return
        seconds = parse_duration(message.text)
        n = len(plan.sessions)
        self._warning = purge_warning(seconds, self._running_s, [s for s in plan.sessions if s.key in self._live])
        lines = [
            f"Would remove {humanfmt.count(n)} snapshot{'s' if n != 1 else ''} older than "
            f"{humanfmt.duration(seconds)}: {humanfmt.count(plan.incomplete)} interrupted, "
            f"{humanfmt.count(n - plan.incomplete)} completed, {humanfmt.size(plan.bytes)}."
        ]
        if plan.trash_files:
            lines.append(
                f"And empty {humanfmt.plural(plan.trash_files, 'discarded file')} "
                f"({humanfmt.size(plan.trash_bytes)}) kept longer than {humanfmt.duration(self._retention_s)}."
            )
        text = Content.styled("\n".join(lines), "bold" if n or plan.trash_files else "$text-muted")
        if self._warning:
            text = Content.assemble(text, "\n", (f"⚠ {self._warning}", "bold $text-warning"))
        out.update(text)
        button.disabled = not (n or plan.trash_files)
        button.label = f"Purge {humanfmt.count(n)}" if n else "Purge"

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#purge")
    def _purge(self) -> None:
        plan = self._plan
        if plan is None:
            return
        if self._warning:  # asked twice: the button, then this
            def answered(yes: bool | None) -> None:
                if yes:
                    self.dismiss(plan)

            self.app.push_screen(ConfirmScreen("Purge sessions that may be running?",
                                               f"{self._warning} Purge them for good anyway?", yes="Purge"), answered)
            return
        self.dismiss(plan)


def purge_warning(age_s: int, running_s: int, live: list[Session]) -> str | None:
    """What to say before purging at ``age_s`` (None: nothing to warn about)."""
    words = []
    if age_s < running_s:
        words.append(f"{humanfmt.duration(age_s)} is less than running_threshold "
                     f"({humanfmt.duration(running_s)}): sessions still running may be purged.")
    if live:
        words.append(f"{humanfmt.plural(len(live), 'session')} to purge may still be running (live?).")
    return " ".join(words) or None


KEY = "bold $text-accent"
"""A key's name in help: the accent made readable (the dialog's border colour was 1.3:1 in the light theme)."""


class HelpScreen(ModalScreen[None]):
    """Every key, what it does."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", priority=True)]
    """Escape, q or ? closes help."""

    def compose(self) -> ComposeResult:
        column = max(len(key.shown) for key in KEYS) + 4
        parts: list[Any] = [
            ("Marks ", "bold"),
            "on a row: ", ("✓", "$text-success"), " / ", ("✗", "$text-error"), " last tool succeeded / failed, ",
            ("…", "$text-warning"), " it never finished, ",
            ("live?", "bold $text-warning"), " may still be running: its file was written within running_threshold, "
            "or an opendev process works in its directory (a wide list and the detail say which; snaptui asks "
            "first), ", ("done", "$text-muted"), " completed, ", ("●", "$text-accent"), " marked.\n\n",
            "Long tool outputs are collapsed to their first and last lines; ", ("o", KEY),
            " shows them whole. Colour codes in outputs are dropped; other control characters are shown "
            "(␛, ␇).\n\n",
            ("D", KEY), " shows what a session's lost turn did to its files, one diff after another "
            "(n / N: next / previous file); ", ("B", KEY), " puts them back as they were before it, "
            "after listing what it will do to each.\n\n",
            ("Insights ", "bold"), "(", ("i", KEY), "): ← → choose a day, ↑ ↓ a project (",
            ("tab", KEY), " between them); ", ("enter", KEY), " lists only its sessions, ",
            ("escape", KEY), " lists them all again.\n\n",
            ("Copy keys ", "bold"), ("c", KEY), " ", ("e", KEY), " ", ("p", KEY),
            " copy through the terminal (OSC 52: over SSH too; in tmux with set-clipboard on); a control "
            "character is copied as it is shown (␛), never raw.\n\n",
            ("Discarded files go to .snaptui-trash in the recovery directory, and discarded sessions of "
             "opendev's store are only dismissed (its files stay): T lists both and restores one. u undoes the "
             "last discard or rollback, even after a restart (a rollback after asking).", "$text-muted"),
        ]
        with Vertical(classes="dialog", id="help-dialog"):
            yield Label("snaptui keys", classes="dialog-title")
            with VerticalScroll():
                for key in KEYS:  # a row each: a long description wraps under itself, not under the keys
                    if key.shown:
                        with Horizontal(classes="help-row"):
                            name = Static(Content.styled(f"  {key.shown}", KEY), classes="help-key")
                            name.styles.width = column
                            yield name
                            yield Static(Content(key.help), classes="help-text")
                yield Static(Content.assemble(*parts), classes="help-notes")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="close")
        yield SnapFooter()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)

