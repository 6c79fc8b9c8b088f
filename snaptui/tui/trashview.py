"""The trash (``T``): every discarded file, newest discard first; enter restores one.

Listing and restoring run in workers (:mod:`snaptui.actions.trash`); the
screen only shows what they post.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from snaptui.actions import trash
from snaptui.base.clock import Clock
from snaptui.present import humanfmt
from snaptui.present.cells import fit
from snaptui.present.safetext import one_line
from snaptui.tui import work as actions
from snaptui.tui.messages import ActionDone, TrashListed


def describe(t: trash.TrashedFile, now_ms: int) -> str:
    """One line: when it was discarded, which session, when its snapshot was taken."""
    who = one_line(t.session_id, 40) if t.session_id is not None else f"{one_line(t.name, 40)} (not a valid snapshot)"
    taken = f"snapshot {humanfmt.ago(t.timestamp_ms, now_ms)}" if t.timestamp_ms is not None else ""
    return f"{fit('discarded ' + humanfmt.ago(t.discarded_ms, now_ms), 28)} {fit(who, 42)} {taken}".rstrip()


class TrashScreen(ModalScreen[bool]):
    """Lists the trash; enter restores the highlighted file; dismissed with whether anything changed."""

    BINDINGS = [Binding("escape,q,T", "close", "Close"), Binding("r", "restore", "Restore")]

    def __init__(self, directory: str, clock: Clock) -> None:
        super().__init__()
        self._directory = directory
        self._clock = clock
        self._files: list[trash.TrashedFile] = []
        self._changed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="trash-dialog"):
            yield Label("Trash", classes="dialog-title")
            yield Static("Reading the trash…", id="trash-info", classes="dialog-body")
            yield OptionList(id="trash-list")
            yield Static(Content.styled("enter restores the highlighted session · escape closes", "$text-muted"))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._list()

    @work(thread=True, exclusive=True, group="trash", exit_on_error=False)
    def _list(self) -> None:
        try:
            self.post_message(TrashListed(trash.list_trash(self._directory)))
        except (trash.ActionError, OSError) as exc:
            self.post_message(TrashListed([], str(exc)))

    def on_trash_listed(self, message: TrashListed) -> None:
        self._files = message.files
        options = self.query_one(OptionList)
        options.clear_options()
        now = self._clock()
        options.add_options([Option(Content(describe(t, now))) for t in self._files])
        info = self.query_one("#trash-info", Static)
        if message.error:
            info.update(Content.styled(message.error, "$text-error"))
        elif not self._files:
            info.update("The trash is empty.")
        else:
            info.update(f"{humanfmt.plural(len(self._files), 'discarded file')} in "
                        f"{humanfmt.home_short(trash.trash_dir(self._directory))}.")
        if self._files:
            options.highlighted = 0

    @on(OptionList.OptionSelected)
    def action_restore(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self._files):
            return
        self._restore(self._files[index])

    @work(thread=True, group="trash-restore", exit_on_error=False)
    def _restore(self, t: trash.TrashedFile) -> None:
        self.post_message(actions.restore(self._directory, [t], self._clock))

    def on_action_done(self, message: ActionDone) -> None:
        message.stop()
        self._changed = self._changed or not message.error
        self.app.notify(message.text, title=message.title, severity="error" if message.error else "information",
                        markup=False)
        self._list()

    def action_close(self) -> None:
        self.dismiss(self._changed)
