"""The trash (``T``): every discarded file and every dismissed store session, newest
first; enter restores one (a dismissed session is listed again).

Listing and restoring run in workers (:mod:`snaptui.actions.trash`,
:mod:`snaptui.catalog.dismissed`); the screen only shows what they post.
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
from snaptui.catalog import dismissed
from snaptui.catalog.dismissed import Dismissal
from snaptui.present import humanfmt
from snaptui.present.cells import fit
from snaptui.present.safetext import one_line
from snaptui.tui import work as actions
from snaptui.tui.footer import SnapFooter
from snaptui.tui.messages import ActionDone, TrashListed


def describe(t: trash.TrashedFile | Dismissal, now_ms: int) -> str:
    """One line: when it was discarded (or dismissed), which session, when its snapshot was
    taken (or which project it was in)."""
    if isinstance(t, Dismissal):
        who = one_line(t.session_id, 40) or "(damaged file)"
        where = f"opendev's store: {humanfmt.home_short(t.label)}"
        return f"{fit('dismissed ' + humanfmt.ago(t.dismissed_ms, now_ms), 28)} {fit(who, 42)} {one_line(where)}"
    when = fit("discarded " + humanfmt.ago(t.discarded_ms, now_ms), 28)
    if t.session_id is None:  # a damaged file: its name has the rest of the line (the list cuts it there)
        return f"{when} {one_line(t.name, 200)} (not a valid snapshot)"
    taken = f"snapshot {humanfmt.ago(t.timestamp_ms, now_ms)}" if t.timestamp_ms is not None else ""
    return f"{when} {fit(one_line(t.session_id, 40), 42)} {taken}".rstrip()


def _when(t: trash.TrashedFile | Dismissal) -> int:
    return t.dismissed_ms if isinstance(t, Dismissal) else t.discarded_ms


class TrashScreen(ModalScreen[bool]):
    """Lists the trash; enter restores the highlighted file; dismissed with whether anything changed."""

    BINDINGS = [Binding("escape,q,T", "close", "Close", priority=True), Binding("r", "restore", "Restore")]

    def __init__(self, directory: str, state_dir: str | None, clock: Clock, came_back: frozenset[str] = frozenset()
                 ) -> None:
        super().__init__()
        self._came_back = came_back
        """Dismissed store sessions listed again (they went on since): not in the trash."""
        self._directory = directory
        self._state_dir = state_dir
        self._clock = clock
        self._files: list[trash.TrashedFile | Dismissal] = []
        self._changed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="trash-dialog"):
            yield Label("Trash", classes="dialog-title")
            yield Static("Reading the trash…", id="trash-info", classes="dialog-body")
            yield OptionList(id="trash-list")
            yield Static(Content.styled("enter or r restores the highlighted session · escape closes", "$text-muted"))
        yield SnapFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._list()

    @work(thread=True, exclusive=True, group="trash", description="trash", exit_on_error=False)
    def _list(self) -> None:
        gone: list[trash.TrashedFile | Dismissal] = [
            d for d in dismissed.listed(self._state_dir) if d.key not in self._came_back]
        try:
            files: list[trash.TrashedFile | Dismissal] = list(trash.list_trash(self._directory))
        except (trash.ActionError, OSError) as exc:
            self.post_message(TrashListed(gone, str(exc)))
            return
        self.post_message(TrashListed(sorted(files + gone, key=lambda t: -_when(t))))

    def on_trash_listed(self, message: TrashListed) -> None:
        self._files = message.files
        options = self.query_one(OptionList)
        options.clear_options()
        now = self._clock()
        options.add_options([Option(Content(describe(t, now))) for t in self._files])
        info = self.query_one("#trash-info", Static)
        files = sum(1 for t in self._files if not isinstance(t, Dismissal))
        gone = len(self._files) - files
        if message.error:
            info.update(Content.styled(message.error, "$text-error"))
        elif not self._files:
            info.update("The trash is empty, and no session of opendev's store is dismissed.")
        else:
            said = [f"{humanfmt.plural(files, 'discarded file')} in "
                    f"{humanfmt.home_short(trash.trash_dir(self._directory))}"] if files else []
            said += [f"{humanfmt.plural(gone, 'dismissed session')} of opendev's store (its files untouched)"] \
                if gone else []
            info.update(", ".join(said) + ".")
        if self._files:
            options.highlighted = 0

    @on(OptionList.OptionSelected)
    def action_restore(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self._files):
            return
        self._restore(self._files[index])

    @work(thread=True, group="trash-restore", description="trash-restore", exit_on_error=False)
    def _restore(self, t: trash.TrashedFile | Dismissal) -> None:
        if isinstance(t, Dismissal):
            self.post_message(actions.show_again(self._state_dir, [t.key]))
        else:
            self.post_message(actions.restore(self._directory, [t], self._clock))

    def on_action_done(self, message: ActionDone) -> None:
        message.stop()
        self._changed = self._changed or not message.error
        self.app.notify(message.text, title=message.title, severity="error" if message.error else "information",
                        markup=False)
        self._list()

    def action_close(self) -> None:
        self.dismiss(self._changed)
