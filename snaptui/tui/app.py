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
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from snaptui.base.durations import parse_duration
from snaptui.present import detail as detail_text
from snaptui.present import humanfmt
from snaptui.present.keys import in_scope
from snaptui.present.status import empty_spans, status_spans
from snaptui.present.viewmodel import SESSION, SORTS, Row, build_rows
from snaptui.sources.records import DamagedFile, Item, Leftover, Session
from snaptui.tui import work as actions
from snaptui.tui.detail import Detail, content
from snaptui.tui.dialogs import ConfirmScreen, HelpScreen, PurgeScreen
from snaptui.tui.following import FollowingApp
from snaptui.tui.messages import ActionDone, DetailLoaded, Undo
from snaptui.tui.session_list import SessionList

DETAIL_DELAY_S = 0.05
"""How long the cursor must rest before the detail pane is looked up."""
FILTER_DELAY_S = 0.08
"""How long typing must pause before the list is filtered again."""
RESCAN_EVERY_S = 15.0
"""Besides watching the directory's mtime, rescan now and then (catches in-place edits)."""


class EmptyState(Static, can_focus=True):
    """Says where snaptui looked when there is nothing to list (focusable: the app's keys still work)."""


class SnaptuiApp(FollowingApp):
    """Lists interrupted sessions; resume, discard, undo, purge, filter, sort."""

    CSS_PATH = "app.tcss"
    TITLE = "snaptui"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [Binding(k.keys, k.action, k.label, show=k.footer, tooltip=k.help) for k in in_scope("app")]
    """App-wide keys, from :mod:`snaptui.present.keys`; the list adds its own."""

    def __init__(self, directory: str, **kwargs: Any) -> None:
        super().__init__(directory, **kwargs)
        self.sort = "newest"
        self.show_completed = False
        self.undo_stack: list[Undo] = []
        """Discard batches that ``u`` can restore, newest last, with their row counts."""
        self.seen_sessions: dict[str, Session] = {}
        """Incomplete sessions the person has had on screen (for the startup check)."""
        self._detail_timer: Timer | None = None
        self._filter_timer: Timer | None = None

    # -- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Kept as attributes: App.query_one searches the active screen, which is a
        # dialog while one is open, and scans or timers may land then.
        self.status = Static(id="status")
        self.filter_box = Input(
            id="filter", placeholder="filter: id, project, tool, preview text — enter keeps it, escape clears"
        )
        self.session_list = SessionList(id="list", now_ms=self.clock, live=self.live_reason)
        self.detail = Detail(id="detail")
        self.detail_scroll = VerticalScroll(self.detail, id="detail-scroll")
        self.empty = EmptyState(id="empty")
        self.main = Horizontal(self.session_list, self.detail_scroll, id="main")
        yield self.status
        yield self.filter_box
        yield self.main
        yield self.empty
        yield Footer()

    def on_mount(self) -> None:
        theme = self.settings.get("theme")
        if theme and theme in self.available_themes:
            self.theme = theme
        self.filter_box.display = False
        self.empty.display = False
        self._progress = "scanning…"
        self._update_status()
        self.session_list.focus()
        self.start_following()

    # -- showing -----------------------------------------------------------------------

    def catalog_changed(self) -> None:
        self._refresh_rows()

    def _refresh_rows(self) -> None:
        if self.result is None or not self.screen_stack:  # not yet scanned, or closing
            return
        lst = self.session_list
        keep = lst.current.key if lst.current is not None else None
        rows = build_rows(
            self.result, now_ms=self.clock(), sort=self.sort, show_completed=self.show_completed,
            query=self.query_text, texts=self.texts,
        )
        lst.set_rows(rows, keep=keep)
        for row in rows:
            if row.kind == SESSION and isinstance(row.item, Session) and not row.item.completed:
                self.seen_sessions[row.item.key] = row.item
        empty = not rows
        self.main.display = not empty
        self.empty.display = empty
        if self.screen is lst.screen and self.focused is not self.filter_box:
            # A hidden list cannot keep the focus; give it to what is shown, so
            # the footer's keys do not depend on timing.
            (self.empty if empty else lst).focus()
        if empty:
            self.empty.update(content(empty_spans(self.directory, self.result, source=self.source,
                                                  query=self.query_text)))
        self._schedule_detail(lst.current)  # the list paints first; the detail follows
        self._update_status()

    def _update_status(self) -> None:
        self.status.update(content(status_spans(
            self.directory, self.result, sort=self.sort, show_completed=self.show_completed,
            marks=len(self.session_list.marks), query=self.query_text, progress=self._progress,
        )))

    @on(SessionList.Highlighted)
    def _highlighted(self, message: SessionList.Highlighted) -> None:
        self._schedule_detail(message.row)

    def _schedule_detail(self, row: Row | None) -> None:
        """Show ``row`` in the detail pane shortly: holding a key moves the cursor
        at once, and the detail (looked up in a worker) follows when keys settle."""
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY_S, lambda: self._show_detail(row))

    def _show_detail(self, row: Row | None) -> None:
        if not self.screen_stack:  # a timer landing while the app closes
            return
        if row is None or row.item is None:
            self.detail.show_text("Nothing selected.")
        elif isinstance(row.item, DamagedFile):
            self.detail.show_spans(detail_text.damaged_spans(row.item))
            self.detail_scroll.scroll_home(animate=False)
        elif isinstance(row.item, Leftover):
            self.detail.show_spans(detail_text.leftover_spans(row.item))
            self.detail_scroll.scroll_home(animate=False)
        elif isinstance(row.item, Session):
            self._load_detail(row.item)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load_detail(self, session: Session) -> None:
        facts = detail_text.gather(session, template=self.settings["resume_command"],
                                   live=self.live.get(session.key), now_ms=self.clock(),
                                   roots=self.store_roots or None)
        if not get_current_worker().is_cancelled:
            self.post_message(DetailLoaded(session.key, facts))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        row = self.session_list.current
        if row is None or row.key != message.key or not isinstance(row.item, Session):
            return  # the cursor moved on
        self.detail.show_spans(detail_text.session_spans(row.item, message.facts, now_ms=self.clock()))
        self.detail_scroll.scroll_home(animate=False)

    @on(SessionList.MarkToggled)
    def _marked(self) -> None:
        self._update_status()

    # -- actions -------------------------------------------------------------------------

    @on(SessionList.Selected)
    def _selected(self, message: SessionList.Selected) -> None:
        self.action_resume(message.row)

    def action_resume(self, row: Row | None = None) -> None:
        """Resume the highlighted session (asks first if it may still be running)."""
        row = row or self.session_list.current
        if row is None or not isinstance(row.item, Session):
            if row is not None:
                self.notify("Only a session can be resumed.", severity="warning", markup=False)
            return
        session = row.item
        if session.completed:
            self.notify("This session completed cleanly; opendev can still resume it.", markup=False)
        live = self.live.get(session.key)
        if live is not None:
            self._confirm_then(
                "Resume a session that may be running?",
                f"It may still be running: {humanfmt.live_reason(*live, self.clock())}. Resume it anyway?",
                "Resume", lambda: self.exit(session),
            )
            return
        self.exit(session)

    def _confirm_then(self, title: str, question: str, yes: str, action: Callable[[], object]) -> None:
        """Ask (No has the focus); do ``action`` only on yes."""
        def done(answer: bool | None) -> None:
            if answer:
                action()

        self.push_screen(ConfirmScreen(title, question, yes=yes), done)

    def _chosen(self) -> list[Item]:
        lst = self.session_list
        if lst.marks:
            return [r.item for r in lst.rows if r.key in lst.marks and r.item is not None]
        return [lst.current.item] if lst.current is not None and lst.current.item is not None else []

    def action_discard(self) -> None:
        """Move the highlighted row, or every marked row, to the trash (undo with u)."""
        chosen = self._chosen()
        if not chosen:
            return
        live = [s for s in chosen if isinstance(s, Session) and s.key in self.live]
        if live:
            why = humanfmt.live_reason(*self.live[live[0].key], self.clock())
            self._confirm_then(
                "Discard a session that may be running?",
                f"{len(live)} of these may still be running ({why}). Discard anyway? (u undoes)",
                "Discard", lambda: self._discard(chosen),
            )
            return
        self._discard(chosen)

    def _discard(self, chosen: list[Item]) -> None:
        if self.result is not None:  # gone from the list at once; the worker moves the files
            self.result = self.result.without({c.key for c in chosen})
        self.session_list.marks.clear()
        self._refresh_rows()
        self.run_discard(chosen)

    @work(thread=True, group="action", exit_on_error=False)
    def run_discard(self, chosen: list[Item]) -> None:
        self.post_message(actions.discard(self.directory, chosen, self.state_dir, self.clock))

    def action_undo(self) -> None:
        """Restore the files the last discard moved."""
        if not self.undo_stack:
            self.notify("Nothing to undo.", markup=False)
            return
        self.run_undo(self.undo_stack.pop())

    @work(thread=True, group="action", exit_on_error=False)
    def run_undo(self, what: Undo) -> None:
        self.post_message(actions.undo(self.directory, self.state_dir, what))

    def action_purge(self) -> None:
        """Open the purge dialog: choose an age, see the dry run, confirm."""
        if self.result is None or self.result.partial:
            self.notify("Still scanning: purge is ready once every file is read.", markup=False)
            return

        def done(plan: Any) -> None:
            if plan is not None:
                self.run_purge(plan)

        self.push_screen(
            PurgeScreen(self.directory, self.result, default_age=self.settings["purge_older_than"],
                        retention_s=parse_duration(self.settings["trash_retention"]), clock=self.clock),
            done,
        )

    @work(thread=True, group="action", exit_on_error=False)
    def run_purge(self, plan: Any) -> None:
        self.post_message(actions.purge(plan, self.clock))

    def on_action_done(self, message: ActionDone) -> None:
        if message.undo is not None:
            self.undo_stack.append(message.undo)
        self.notify(message.text, title=message.title, severity="error" if message.error else "information",
                    markup=False)
        self.scan_directory()

    def action_filter(self) -> None:
        """Show the filter box and type into it."""
        box = self.filter_box
        box.display = True
        box.focus()
        if not self.texts:
            self.load_texts()  # previews for the filter: loaded on first use, in a thread

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        # Typing stays fluid at any size: the list follows once the keys pause.
        self.query_text = event.value
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY_S, self._refresh_rows)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.session_list.focus()
        if not self.query_text:
            self.filter_box.display = False

    def action_clear_filter(self) -> None:
        """Clear and hide the filter."""
        box = self.filter_box
        if box.value:
            box.value = ""
        self.query_text = ""
        box.display = False
        self.session_list.focus()
        self._refresh_rows()

    def action_cycle_sort(self) -> None:
        """Sort by the next of: newest, cost, messages, project."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._refresh_rows()

    def action_toggle_completed(self) -> None:
        """Show or hide completed sessions."""
        self.show_completed = not self.show_completed
        self._refresh_rows()

    def action_rescan(self) -> None:
        """Scan the directory again now."""
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
        from snaptui.present.keys import KEYS

        yield from super().get_system_commands(screen)
        for key in KEYS:
            if key.palette:
                help_text = key.help[:1].upper() + key.help[1:]
                yield SystemCommand(key.label, help_text, getattr(self, f"action_{key.action}"))
