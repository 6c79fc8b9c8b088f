"""The snaptui terminal UI: triage interrupted sessions from the keyboard.

Data flows one way: thread workers scan the directory, look up a session's
detail and carry out actions, and post messages (:mod:`snaptui.tui.messages`);
the view model (:mod:`snaptui.present.viewmodel`) turns the catalog into
rows; the widgets draw them. Nothing on the UI thread touches a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static

from snaptui.base.durations import parse_duration
from snaptui.present import humanfmt
from snaptui.present.keys import KEYS, in_scope
from snaptui.present.status import empty_spans, status_spans
from snaptui.present.viewmodel import SORTS
from snaptui.sources.records import Item, Session
from snaptui.tui import theming
from snaptui.tui import work as actions
from snaptui.tui.changes import ChangesApp
from snaptui.tui.clipboard import ClipboardKeys
from snaptui.tui.detail import DetailView, content
from snaptui.tui.dialogs import ConfirmScreen, HelpScreen, PurgeScreen
from snaptui.tui.footer import SnapFooter
from snaptui.tui.inputs import OrderedInput
from snaptui.tui.insights import InsightsKeys
from snaptui.tui.keyorder import HOLD_AT_MOST_S, KeyOrder
from snaptui.tui.messages import ActionDone, Undo
from snaptui.tui.resuming import ResumeKeys
from snaptui.tui.session_list import SessionList
from snaptui.tui.trashview import TrashScreen
from snaptui.tui.viewing import DETAIL_DELAY_S

__all__ = ["DETAIL_DELAY_S", "SnaptuiApp"]

FILTER_DELAY_S = 0.08
"""How long typing must pause before the list is filtered again."""
WIDE = 120
"""From this many columns the detail sits beside the list; below, under it."""
TALL = 20
"""Below this many rows a narrow terminal shows the list alone (``v`` shows the detail)."""


class EmptyState(Static, can_focus=True):
    """Says where snaptui looked when there is nothing to list (focusable: the app's keys still work)."""


_FIRST = frozenset(k.action for k in in_scope("app") if k.action != "quit")
"""The app-wide keys handled before the focused widget sees them (see ``SnaptuiApp.BINDINGS``)."""


class SnaptuiApp(KeyOrder, InsightsKeys, ClipboardKeys, ResumeKeys, ChangesApp):
    """Lists interrupted sessions; resume, discard, undo, purge, filter, sort; diffs and rollbacks
    (ChangesApp), insights, copy keys."""

    CSS_PATH = "app.tcss"
    TITLE = "snaptui"
    ENABLE_COMMAND_PALETTE = True
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (TALL, "-tall")]
    BINDINGS = [Binding(k.keys, k.action, k.label, show=k.footer, tooltip=k.help, priority=k.action in _FIRST)
                for k in in_scope("app")]
    """App-wide keys, from :mod:`snaptui.present.keys`; the list adds its own. They are
    priority bindings (but quit): Textual then runs each as it takes the key from its
    queue, before it hands the next key on, so the keys a fast typist sends after ``/``
    (or ``P``, ``T``, ``?``) go where that key sent the focus, not to the list (where ``c``
    copies, ``a`` shows completed sessions and enter resumes). A key an input takes as text
    stays text (Textual leaves those out), and none of them acts under a dialog (:meth:`check_action`)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The app-wide keys act on the main screen only: a dialog (every other screen is
        one) has its own keys, and a priority binding would otherwise be seen first."""
        if action in _FIRST and len(self.screen_stack) > 1:
            return False
        return super().check_action(action, parameters)

    def __init__(self, directory: str, **kwargs: Any) -> None:
        super().__init__(directory, **kwargs)
        self.undo_stack: list[Undo] = []
        """Discard batches that ``u`` can restore, newest last, with their row counts."""
        self._filter_timer: Timer | None = None
        self._in_flight = 0
        """Discards, purges and rollbacks whose worker has not said it is done."""
        self._asked = 0
        """How many discards and rollbacks were asked for: their order."""
        self._undo_waits = 0
        """How many u wait for the discards in flight (then each undoes the newest left)."""
        self._theme_ready = False

    # -- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Kept as attributes: App.query_one searches the active screen, which is a
        # dialog while one is open, and scans or timers may land then.
        self.status = Static(id="status")
        self.filter_box = OrderedInput(
            id="filter",
            placeholder="filter: id, project, tools, previews, title, lost prompt — enter keeps it, escape clears",
        )
        self.session_list = SessionList(id="list", now_ms=self.clock, live=self.live_reason, on_move=self._show_detail)
        self.detail = DetailView(id="detail")
        self.empty = EmptyState(id="empty")
        self.main = Horizontal(self.session_list, self.detail, id="main")
        yield self.status
        yield self.filter_box
        yield self.main
        yield self.empty
        yield SnapFooter()

    def on_mount(self) -> None:
        theme = self.settings.get("theme")
        if theme and theme in self.available_themes:
            self.theme = theme
        self._theme_ready = True
        self.filter_box.display = False
        self.empty.display = False
        self._progress = "scanning…"
        self._update_status()
        self.session_list.focus()
        self.start_following()

    def on_command_palette_opened(self) -> None:
        self._palette_keys(True)

    def on_command_palette_closed(self) -> None:
        self._palette_keys(False)

    def _palette_keys(self, shown: bool) -> None:
        """The footer under the command palette names the palette's keys (the list's do not work there)."""
        for footer in self.screen_stack[0].query(SnapFooter):
            footer.show_palette_keys(shown)

    def get_css_variables(self) -> dict[str, str]:
        return theming.readable_variables(super().get_css_variables())

    def watch_theme(self, theme: str) -> None:
        # A theme the person picked: remembered, in a worker.
        if getattr(self, "_theme_ready", False) and self.state_dir:
            self._save_theme(theme)

    @work(thread=True, group="theme", description="theme", exit_on_error=False)
    def _save_theme(self, theme: str) -> None:
        from snaptui.settings.uistate import save_theme

        save_theme(self.state_dir or "", theme, self.settings.get("configured_theme"))

    # -- showing -----------------------------------------------------------------------

    def rows_shown(self, empty: bool) -> None:
        lst = self.session_list
        self.main.display = not empty
        self.empty.display = empty
        if self.screen is lst.screen and self.focused is not self.filter_box and not self.zoomed:
            # A hidden list cannot keep the focus; give it to what is shown, so
            # the footer's keys do not depend on timing. Now, not later (Widget.focus waits):
            # a later one took the focus back from the filter a key had opened meanwhile.
            target = self.empty if empty else lst
            if self.focused is not target:
                self.screen.set_focus(target)
        if empty:
            self.empty.update(content(empty_spans(self.directory, self.result, source=self.source,
                                                  query=self.query_text, only=self.only)))

    def _update_status(self) -> None:
        view = self.view if self.query_text or self.only is not None else None
        self.status.update(content(status_spans(
            self.directory, self.result, sort=self.sort, show_completed=self.show_completed,
            marks=len(self.session_list.marks), hidden_marks=self.hidden_marks, query=self.query_text,
            progress=self._progress,
            matched=(view.matched, view.total, view.matched_cost) if view is not None else None,
            width=max(self.size.width - 2, 20), only=self.only,
        )))

    def on_resize(self) -> None:
        self._update_status()
        self.call_after_refresh(self._update_status)  # again once laid out: a resize in a burst left it narrow

    @on(SessionList.MarkToggled)
    def _marked(self) -> None:
        self.person_moved = True
        self._update_status()

    @property
    def zoomed(self) -> bool:
        return self.screen.has_class("-zoom")

    def action_toggle_detail(self) -> None:
        """Show the detail full screen (its keys scroll it), or go back to the list."""
        screen = self.session_list.screen
        zoom = not screen.has_class("-zoom")
        screen.set_class(zoom, "-zoom")
        self.screen.set_focus(self.detail if zoom else self.session_list)  # now: the next key goes there

    def action_toggle_outputs(self) -> None:
        """Expand or collapse long tool outputs in the detail."""
        self.expanded = not self.expanded
        self._detail_key = None  # redraw from the top
        self._show_detail(self.session_list.current)
        self.notify("Tool outputs shown whole." if self.expanded else "Long tool outputs collapsed.", timeout=2,
                    markup=False)

    # -- actions -------------------------------------------------------------------------

    @on(SessionList.Selected)
    def _selected(self, message: SessionList.Selected) -> None:
        self.action_resume(message.row)

    def _confirm_then(self, title: str, question: str, yes: str, action: Callable[[], object]) -> None:
        """Ask (No has the focus); do ``action`` only on yes."""
        def done(answer: bool | None) -> None:
            if answer:
                action()

        self.push_screen(ConfirmScreen(title, question, yes=yes), done)

    def _chosen(self) -> list[Item]:
        """The marked items (hidden by the filter or not), else the highlighted one."""
        lst = self.session_list
        if lst.marks and self.result is not None:
            return [i for i in self.result.items if i.key in lst.marks]
        return [lst.current.item] if lst.current is not None and lst.current.item is not None else []

    def action_discard(self) -> None:
        """Move the highlighted row, or every marked row, to the trash (undo with u)."""
        chosen = self._chosen()
        if not chosen:
            return
        live = [s for s in chosen if isinstance(s, Session) and s.key in self.live]
        hidden = self.hidden_marks if self.session_list.marks else 0
        said = []  # each reason to ask, all of them in the one question
        if hidden:
            said.append(f"{humanfmt.plural(len(chosen), 'marked session')}, {hidden} of them hidden by the filter.")
        if live:
            first = self.live[live[0].key]
            why = humanfmt.live_reason(first.agent, first.written_ms, self.clock())
            said.append(f"{len(live)} of these may still be running ({why}).")
        if said:
            title = "Discard a session that may be running?" if live else "Discard marked sessions the filter hides?"
            self._confirm_then(title, " ".join([*said, "Discard anyway? (u undoes)"]), "Discard",
                               lambda: self._discard(chosen))
            return
        self._discard(chosen)

    def _discard(self, chosen: list[Item]) -> None:
        twins = self.result.twins(chosen) if self.result is not None else []  # a row's store half
        along = self.result.leftovers_of(chosen) if self.result is not None else []  # their leftovers
        if self.result is not None:  # gone from the list at once; the worker moves the files
            self.result = self.result.without({c.key for c in [*chosen, *along]})
        self.session_list.marks.clear()
        self._refresh_rows(now=True)
        self._in_flight += 1
        self._asked += 1
        self.run_discard(chosen, self._asked, twins, along)

    @work(thread=True, group="action", description="action", exit_on_error=False)
    def run_discard(self, chosen: list[Item], order: int = 0, twins: list[Session] | None = None,
                    along: list[Item] | None = None) -> None:
        done = actions.discard(self.directory, chosen, self.state_dir, self.clock, twins, along)
        done.order = order
        self.post_message(done)

    def action_trash(self) -> None:
        """Open the trash: every discarded file, restorable."""
        def closed(changed: bool | None) -> None:
            if changed:
                self.forget_facts()
                self.scan_directory()

        back = frozenset(self.result.came_back) if self.result is not None else frozenset()
        self.push_screen(TrashScreen(self.directory, self.state_dir, self.clock, back), closed)

    def action_purge(self) -> None:
        """Open the purge dialog: choose an age, see the dry run, confirm."""
        if self.result is None or self.result.partial:
            self.notify("Still scanning: purge is ready once every file is read.", markup=False)
            return

        def done(plan: Any) -> None:
            if plan is not None:
                self._in_flight += 1
                self.run_purge(plan)

        self.push_screen(
            PurgeScreen(self.directory, self.result, default_age=self.settings["purge_older_than"],
                        retention_s=parse_duration(self.settings["trash_retention"]), clock=self.clock,
                        running_s=parse_duration(self.settings["running_threshold"]), live=dict(self.live)),
            done,
        )

    @work(thread=True, group="action", description="action", exit_on_error=False)
    def run_purge(self, plan: Any) -> None:
        self.post_message(actions.purge(plan, self.clock))

    def on_action_done(self, message: ActionDone) -> None:
        if message.undo is not None:  # in the order the discards were asked for: u undoes the last one
            undo = message.undo._replace(order=message.order)
            at = len(self.undo_stack)
            while at and self.undo_stack[at - 1].order > undo.order:
                at -= 1
            self.undo_stack.insert(at, undo)
        self.notify(message.text, title=message.title, severity="error" if message.error else "information",
                    markup=False)
        self.forget_facts()
        self.scan_directory()
        self._in_flight = max(self._in_flight - 1, 0)
        if self._undo_waits and not self._in_flight:
            self._undo_waits -= 1  # one u at a time: each undoes the newest left ("d d u u": both)
            super().action_undo()

    def action_undo(self) -> None:
        """Undo the last discard or rollback; right after a discard (or purge) whose files are
        still being moved, once they are: "d u" typed at once said there was nothing to undo,
        and "d d u" undid the first discard."""
        if self._in_flight or self._undo_waits:
            self._undo_waits += 1
            self.set_timer(HOLD_AT_MOST_S, self._undo_anyway)
            return
        super().action_undo()

    def _undo_anyway(self) -> None:
        if self._undo_waits:  # what it waited for never said it was done: undo what is known
            self._in_flight = 0
            self._undo_waits -= 1
            super().action_undo()

    def action_filter(self) -> None:
        """Show the filter box and type into it."""
        box = self.filter_box
        box.display = True
        self.screen.set_focus(box)  # now: Widget.focus would wait until the keys already queued were handed on
        if not self.texts:
            self.load_texts()  # previews for the filter: loaded on first use, in a thread

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        # Typing stays fluid at any size: the list follows once the keys pause.
        if event.value != self.filter_box.value or not self.filter_box.display:
            return  # news of a value the box has left, or of a key it took after escape hid it
        self.query_text = event.value
        self.person_moved = True
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY_S, self._refresh_rows)

    @on(Input.Submitted, "#filter")
    async def _filter_submitted(self) -> None:
        """Enter keeps the filter: the rows are the box's text's before the next key is taken."""
        self.query_text = self.filter_box.value
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self.screen.set_focus(self.session_list)
        if not self.query_text:
            self.filter_box.display = False
        self._refresh_rows(now=True)
        await self.release_held()

    def action_clear_filter(self) -> None:
        """Leave the full-screen detail, or clear and hide the filter."""
        if self.zoomed:
            self.action_toggle_detail()
            return
        if self.focused is self.filter_box:  # after the keys the box has yet to take
            self.hold_keys()
            self.filter_box.call_next(self._clear_filter)
            return
        self.call_next(self._clear_filter)

    async def _clear_filter(self) -> None:
        box = self.filter_box
        if self._filter_timer is not None:
            self._filter_timer.stop()
        box.display = False  # first: news of the value cleared below is then ignored
        if box.value:
            box.value = ""
        self.query_text = ""
        self.only = None
        self.screen.set_focus(self.session_list)
        self._refresh_rows(now=True)
        await self.release_held()

    def action_cycle_sort(self) -> None:
        """Sort by the next of: newest, cost, messages, project."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.person_moved = True
        self._refresh_rows(now=True)

    def action_toggle_completed(self) -> None:
        """Show or hide completed sessions."""
        self.show_completed = not self.show_completed
        self._refresh_rows(now=True)

    def action_rescan(self) -> None:
        """Scan the directory again now (and look at the highlighted session's files again)."""
        self.forget_facts()
        self._progress = "scanning…"
        self._update_status()
        self.scan_directory()

    def action_help(self) -> None:
        """Show every key."""
        self.push_screen(HelpScreen())

    def action_mark(self) -> None:
        """Mark or unmark the highlighted row (the list's space key)."""
        self.session_list.action_mark()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # Textual's "Keys" opens a panel over the detail that escape does not close; "Help" (?)
        # lists every key, and closes with escape.
        yield from (c for c in super().get_system_commands(screen) if c.title != "Keys")
        for key in KEYS:
            if key.palette:
                help_text = key.help[:1].upper() + key.help[1:]
                yield SystemCommand(key.label, help_text, getattr(self, f"action_{key.action}"))
