"""The snaptui terminal UI: triage interrupted sessions from the keyboard.

Data flows one way: the directory is scanned in a thread worker
(:mod:`snaptui.scan`), the view model turns the result into rows
(:mod:`snaptui.viewmodel`), the widgets draw them. Actions ask
:mod:`snaptui.store` to act, then the directory is scanned again.
"""

from __future__ import annotations

import os
from typing import Iterable

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from snaptui.base import clock as _clock
from snaptui.present import humanfmt
from snaptui.catalog import seen
from snaptui.actions import trash as store
from snaptui.base.durations import parse_duration
from snaptui.catalog.liveness import Liveness, agent_program
from snaptui.sources.transcript import Transcript
from snaptui.sources.transcript import find as find_transcript
from snaptui.catalog.scan import ScanResult, scan
from snaptui.tui.detail import Detail
from snaptui.tui.dialogs import ConfirmScreen, HelpScreen, PurgeScreen
from snaptui.tui.session_list import SessionList
from snaptui.present.viewmodel import SESSION, SORTS, build_rows

DETAIL_DELAY_S = 0.05
"""How long the cursor must rest before the detail pane is redrawn."""

FILTER_DELAY_S = 0.08
"""How long typing must pause before the list is filtered again."""

RESCAN_EVERY_S = 15.0
"""Besides watching the directory's mtime, rescan now and then (catches in-place edits)."""


class ScanProgress(Message):
    """Posted from the scan thread; a newer one replaces an unprocessed older one."""

    def __init__(self, done: int, total: int) -> None:
        self.done = done
        self.total = total
        super().__init__()

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ScanProgress)


class ScanDone(Message):
    def __init__(self, result: ScanResult) -> None:
        self.result = result
        super().__init__()


class TextsReady(Message):
    """Search texts (with previews) for the filter, loaded after the first paint."""

    def __init__(self, texts: dict[str, bytes]) -> None:
        self.texts = texts
        super().__init__()


class EmptyState(Static, can_focus=True):
    """Says where snaptui looked when there is nothing to list (focusable: the app's keys still work)."""


class TranscriptFound(Message):
    def __init__(self, key: tuple[str, str], transcript: Transcript) -> None:
        self.key = key
        self.transcript = transcript
        super().__init__()


class SnaptuiApp(App):
    """Lists interrupted sessions; resume, discard, undo, purge, filter, sort."""

    CSS_PATH = "app.tcss"
    TITLE = "snaptui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("d", "discard", "Discard", tooltip="Move the highlighted or marked rows to the trash"),
        Binding("u", "undo", "Undo", tooltip="Restore what the last discard moved"),
        Binding("P", "purge", "Purge", tooltip="Delete old snapshots after a dry run"),
        Binding("slash", "filter", "Filter", tooltip="Filter as you type"),
        Binding("s", "cycle_sort", "Sort", tooltip="Sort by newest, cost, messages, project"),
        Binding("a", "toggle_completed", "Completed", tooltip="Show or hide completed sessions"),
        Binding("ctrl+r", "rescan", "Rescan"),
        Binding("R", "rescan", "Rescan", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]
    """App-wide keys; the list adds enter (resume), space (mark) and the cursor keys."""

    def __init__(
        self,
        directory: str,
        *,
        settings: dict,
        cache_dir: str | None = None,
        state_dir: str | None = None,
        source: str = "",
        clock: _clock.Clock = _clock.now_ms,
        watch_interval: float | None = 1.0,
        prefetch=None,
    ) -> None:
        super().__init__()
        self.prefetch = prefetch
        """A :class:`snaptui.prefetch.Prefetch` started before the UI, if any."""
        self.directory = directory
        """The recovery directory shown."""
        self.settings = settings
        self.cache_dir = cache_dir
        self.state_dir = state_dir
        self.source = source
        self.clock = clock
        """Milliseconds now; frozen in tests and screenshots."""
        self.watch_interval = watch_interval
        self.result: ScanResult | None = None
        """The latest scan (None until the first one finishes)."""
        self.sort = "newest"
        self.show_completed = False
        self.query_text = ""
        self.texts: dict[str, bytes] = {}
        """What the filter searches, by file name (loaded when the filter is first used)."""
        self.undo_stack: list[tuple[str, int]] = []
        """Discard batches that ``u`` can restore, newest last, with their row counts."""
        self.seen_sessions: dict[str, object] = {}
        """Incomplete sessions the person has had on screen (for the startup check)."""
        self._progress = ""
        self._detail_timer = None
        self._filter_timer = None
        self._dir_stamp: tuple | None = None
        self._since_full_scan = 0.0
        self.threshold_ms = parse_duration(settings["running_threshold"]) * 1000
        self.liveness: Liveness | None = None
        """Which sessions may still be running (refreshed with every scan)."""
        self.transcripts: dict[tuple[str, str], Transcript] = {}
        """Transcript lookups by (project_dir, session_id), filled by a worker."""

    # -- layout --------------------------------------------------------------------

    def maybe_running(self, session) -> bool:
        """Written within the threshold, or an agent works in its project directory."""
        if self.liveness is None:
            self.liveness = Liveness(agent_program(self.settings["resume_command"]), self.threshold_ms, self.clock())
        return self.liveness.maybe_running(session)

    def compose(self) -> ComposeResult:
        # Kept as attributes: App.query_one searches the active screen, which is a
        # dialog while one is open, and scans or timers may land then.
        self.status = Static(id="status")
        self.filter_box = Input(
            id="filter", placeholder="filter: id, project, tool, preview text — enter keeps it, escape clears"
        )
        self.session_list = SessionList(id="list", now_ms=self.clock, is_running=self.maybe_running)
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
        if self.prefetch is not None and self.prefetch.directory == self.directory:
            self.take_prefetch()
        else:
            self.scan_directory()
        if self.watch_interval:
            self.set_interval(self.watch_interval, self._watch)

    # -- scanning ------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="scan", exit_on_error=False)
    def scan_directory(self) -> None:
        """Scan in a thread; the screen stays live and shows progress."""
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            if total >= 2000:
                self.post_message(ScanProgress(done, total))

        def early(partial: ScanResult) -> None:
            if self.result is None:  # first paint only: a huge directory shows its newest rows at once
                self.post_message(ScanDone(partial))

        result = scan(self.directory, cache_dir=self.cache_dir, progress=progress, early=early)
        if not worker.is_cancelled:
            self.post_message(ScanDone(result))

    @work(thread=True, exclusive=True, group="scan", exit_on_error=False)
    def take_prefetch(self) -> None:
        """Hand over the scan started before the UI (see :mod:`snaptui.prefetch`)."""
        worker = get_current_worker()
        prefetch = self.prefetch
        prefetch.first.wait()
        if prefetch.partial is not None and not prefetch.done.is_set() and not worker.is_cancelled:
            self.post_message(ScanDone(prefetch.partial))
        else:
            prefetch.painted.set()
        prefetch.done.wait()
        if prefetch.error is not None:
            raise prefetch.error
        if not worker.is_cancelled:
            self.post_message(ScanDone(prefetch.full))

    @work(thread=True, exclusive=True, group="texts", exit_on_error=False)
    def load_texts(self) -> None:
        """What the filter searches: each session's JSON text, from the list cache."""
        from snaptui.catalog.jsonlist import session_pieces

        worker = get_current_worker()
        # Each session's JSON text, lowercased: ids, paths, tool names and previews
        # in one bytes object per session (about its file's size, nothing decoded).
        texts = {name: bytes(piece).lower() for name, piece in session_pieces(self.directory, self.cache_dir).items()}
        if not worker.is_cancelled:
            self.post_message(TextsReady(texts))

    def on_scan_progress(self, message: ScanProgress) -> None:
        self._progress = f"scanning… {humanfmt.count(message.done)} / {humanfmt.count(message.total)}"
        self._update_status()

    def on_scan_done(self, message: ScanDone) -> None:
        self.result = message.result
        if self.liveness is None or not message.result.partial:  # one look at /proc per full scan
            self.liveness = Liveness(agent_program(self.settings["resume_command"]), self.threshold_ms, self.clock())
        if message.result.partial:
            self._refresh_rows()  # the newest rows, while the rest is read
            if self.prefetch is not None:
                self.call_after_refresh(self.prefetch.painted.set)
            return
        self._progress = ""
        self._dir_stamp = self._stamp()
        self._refresh_rows()
        if self.texts:
            self.load_texts()  # the filter is in use: keep its texts current (cheap: cached per file)

    def on_texts_ready(self, message: TextsReady) -> None:
        self.texts = message.texts
        if self.query_text:
            self._refresh_rows()

    def _stamp(self) -> tuple | None:
        try:
            st = os.stat(self.directory)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _watch(self) -> None:
        """Rescan when the directory changed (new, replaced, removed files), and now and then."""
        self._since_full_scan += self.watch_interval or 0
        if self._progress:
            return
        if self._stamp() != self._dir_stamp or self._since_full_scan >= RESCAN_EVERY_S:
            self._since_full_scan = 0.0
            self.scan_directory()

    # -- showing ---------------------------------------------------------------------

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
            if row.kind == SESSION and not row.item.completed:
                self.seen_sessions[row.item.name] = row.item
        empty = not rows
        self.main.display = not empty
        self.empty.display = empty
        if self.screen is lst.screen and self.focused is not self.filter_box:
            # A hidden list cannot keep the focus; give it to what is shown, so
            # the footer's keys do not depend on timing.
            (self.empty if empty else lst).focus()
        if empty:
            self.empty.update(self._empty_content())
        self._schedule_detail(lst.current)  # the list paints first; the detail follows
        self._update_status()

    def _empty_content(self) -> Content:
        r = self.result
        where = humanfmt.home_short(self.directory)
        if self.query_text:
            return Content.assemble(("Nothing matches ", ""), (repr(self.query_text), "bold"),
                                    ". Press escape to clear the filter.")
        lines: list = []
        if r is not None and r.error and not r.missing:
            lines += [("Cannot read the recovery directory\n", "bold $error"), (f"{where} {r.error}.\n\n", "")]
        elif r is not None and r.missing:
            lines += [("No interrupted sessions\n", "bold $success"),
                      (f"{where} does not exist: nothing has crashed there yet.\n\n", "")]
        else:
            lines += [("No interrupted sessions\n", "bold $success"),
                      (f"Every opendev session in {where} ended cleanly.\n", "")]
            if r is not None and r.completed:
                lines += [(f"{len(r.completed)} completed session(s) are hidden: press a to show them.\n", "")]
            lines.append("\n")
        lines += [
            ("Looked in ", "$text-muted"), (where, "$text-accent"), (f" ({self.source or 'default'}).\n", "$text-muted"),
            ("Point snaptui elsewhere with ", "$text-muted"), ("snaptui --dir DIR", "bold"),
            (", the ", "$text-muted"), ("SNAPTUI_RECOVERY_DIR", "bold"), (" variable, or ", "$text-muted"),
            ("recovery_dir", "bold"), (" in the config file.", "$text-muted"),
        ]
        return Content.assemble(*lines)

    def _update_status(self) -> None:
        r = self.result
        parts: list = [("snaptui ", "bold $accent"), (humanfmt.home_short(self.directory), "$text-accent")]
        if r is not None:
            parts += ["  ", (f"{humanfmt.count(len(r.incomplete))} interrupted", "bold")]
            if r.damaged:
                parts += [" · ", (f"{humanfmt.count(len(r.damaged))} damaged", "bold $error")]
            if r.leftovers:
                parts += [" · ", (f"{humanfmt.count(len(r.leftovers))} leftover", "$warning")]
            parts += [" · ", (f"{humanfmt.cost(r.cost_at_stake)} at stake", "bold $warning")]
            if self.show_completed:
                parts += [" · ", (f"{humanfmt.count(len(r.completed))} completed shown", "$text-muted")]
        parts += ["  ", (f"sort: {self.sort}", "$text-muted")]
        marks = len(self.session_list.marks)
        if marks:
            parts += ["  ", (f"{marks} marked", "bold $accent")]
        if self.query_text:
            parts += ["  ", ("filter: ", "$text-muted"), (self.query_text, "bold")]
        if self._progress:
            parts += ["  ", (self._progress, "italic $warning")]
        self.status.update(Content.assemble(*parts))

    def _show_detail(self, row, *, keep_scroll: bool = False) -> None:
        if not self.screen_stack:  # a timer landing while the app closes
            return
        transcript = None
        if row is not None and row.kind == SESSION:
            key = (row.item.project_dir, row.item.session_id)
            transcript = self.transcripts.get(key)
            if transcript is None:
                self.find_transcript(*key)
        self.detail.show(
            row, now_ms=self.clock(), template=self.settings["resume_command"], is_running=self.maybe_running,
            transcript=transcript,
        )
        if not keep_scroll:
            self.detail_scroll.scroll_home(animate=False)

    @work(thread=True, exclusive=True, group="transcript", exit_on_error=False)
    def find_transcript(self, project_dir: str, session_id: str) -> None:
        """Look for opendev's transcript off the UI thread (it can be large)."""
        found = find_transcript(project_dir, session_id)
        self.post_message(TranscriptFound((project_dir, session_id), found))

    def on_transcript_found(self, message: TranscriptFound) -> None:
        self.transcripts[message.key] = message.transcript
        row = self.session_list.current
        if row is not None and row.kind == SESSION and (row.item.project_dir, row.item.session_id) == message.key:
            self._show_detail(row, keep_scroll=True)

    @on(SessionList.Highlighted)
    def _highlighted(self, message: SessionList.Highlighted) -> None:
        self._schedule_detail(message.row)

    def _schedule_detail(self, row) -> None:
        """Show ``row`` in the detail pane shortly: holding a key moves the cursor
        at once, and the detail (the costly part to draw) follows when keys settle."""
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY_S, lambda: self._show_detail(row))

    @on(SessionList.MarkToggled)
    def _marked(self) -> None:
        self._update_status()

    # -- actions -----------------------------------------------------------------------

    @on(SessionList.Selected)
    def _selected(self, message: SessionList.Selected) -> None:
        self.action_resume(message.row)

    def action_resume(self, row=None) -> None:
        """Resume the highlighted session (asks first if it may still be running)."""
        row = row or self.session_list.current
        if row is None or row.kind != SESSION:
            if row is not None:
                self.notify("Only a session can be resumed.", severity="warning", markup=False)
            return
        session = row.item
        if session.completed:
            self.notify("This session completed cleanly; opendev can still resume it.", markup=False)
        if self.maybe_running(session):
            self._confirm_then(
                "Resume a session that may be running?",
                f"This snapshot was written {humanfmt.ago(session.mtime_ns // 1_000_000, self.clock())}, or an "
                "opendev process works in its directory: it may still be running. Resume it anyway?",
                "Resume", lambda: self.exit(session),
            )
            return
        self.exit(session)

    def _confirm_then(self, title: str, question: str, yes: str, action) -> None:
        """Ask (No has the focus); do ``action`` only on yes."""
        self.push_screen(ConfirmScreen(title, question, yes=yes), lambda answer: action() if answer else None)

    def _chosen(self) -> list:
        lst = self.session_list
        if lst.marks:
            return [r.item for r in lst.rows if r.key in lst.marks]
        return [lst.current.item] if lst.current is not None else []

    def action_discard(self) -> None:
        """Move the highlighted row, or every marked row, to the trash (undo with u)."""
        chosen = self._chosen()
        if not chosen:
            return
        live = [s for s in chosen if getattr(s, "completed", True) is False and self.maybe_running(s)]
        if live:
            self._confirm_then(
                "Discard a session that may be running?",
                f"{len(live)} of these snapshots were written moments ago, or an opendev process works in "
                "their directory: they may still be running. Discard anyway? (u undoes)",
                "Discard", lambda: self._discard(chosen),
            )
            return
        self._discard(chosen)

    def _discard(self, chosen: list) -> None:
        try:
            batch = store.discard(self.directory, chosen, clock=self.clock)
        except (store.ActionError, OSError) as exc:
            self.notify(f"Nothing discarded: {exc}", severity="error", markup=False)
            return
        self.undo_stack.append((batch, len(chosen)))
        if self.state_dir:
            seen.remember(self.state_dir, self.directory, [s for s in chosen if hasattr(s, "timestamp_ms")])
        gone = {c.name for c in chosen}
        r = self.result
        r.incomplete = [s for s in r.incomplete if s.name not in gone]
        r.completed = [s for s in r.completed if s.name not in gone]
        r.damaged = [d for d in r.damaged if d.name not in gone]
        r.leftovers = [lo for lo in r.leftovers if lo.name not in gone]
        self.session_list.marks.clear()
        self._refresh_rows()
        what = f"{len(chosen)} rows" if len(chosen) > 1 else _describe(chosen[0])
        self.notify(f"Discarded {what} to the trash. Press u to undo.", title="Discarded", markup=False)
        self.scan_directory()

    def action_undo(self) -> None:
        """Restore the files the last discard moved."""
        if not self.undo_stack:
            self.notify("Nothing to undo.", markup=False)
            return
        batch, _ = self.undo_stack.pop()
        try:
            names = store.undo_batch(self.directory, batch)
        except (store.ActionError, OSError) as exc:
            self.notify(f"Undo failed: {exc}", severity="error", markup=False)
            return
        self.notify(f"Restored {len(names)} file(s).", title="Undone", markup=False)
        self.scan_directory()

    def action_purge(self) -> None:
        """Open the purge dialog: choose an age, see the dry run, confirm."""
        if self.result is None or self.result.partial:
            self.notify("Still scanning: purge is ready once every file is read.", markup=False)
            return

        def done(plan) -> None:
            if plan is not None:
                self._purge(plan)

        self.push_screen(
            PurgeScreen(
                self.directory, self.result, default_age=self.settings["purge_older_than"],
                retention_s=parse_duration(self.settings["trash_retention"]), clock=self.clock,
            ),
            done,
        )

    def _purge(self, plan) -> None:
        try:
            out = store.purge(plan, clock=self.clock)
        except (store.ActionError, OSError) as exc:
            self.notify(f"Purge failed: {exc}", severity="error", markup=False)
            return
        message = f"Removed {humanfmt.count(out.removed)} snapshot(s), {humanfmt.size(out.removed_bytes)}."
        if out.trash_files:
            message += f" Emptied {humanfmt.count(out.trash_files)} old discarded file(s)."
        if out.kept:
            message += f" Kept {len(out.kept)} that changed meanwhile."
        self.notify(message, title="Purged", markup=False)
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

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Resume", "Resume the highlighted session", self.action_resume)
        yield SystemCommand("Discard", "Move the highlighted or marked rows to the trash", self.action_discard)
        yield SystemCommand("Undo discard", "Restore what the last discard moved", self.action_undo)
        yield SystemCommand("Purge", "Delete old snapshots after a dry run", self.action_purge)
        yield SystemCommand("Filter", "Filter the list as you type", self.action_filter)
        yield SystemCommand("Sort", "Cycle the sort order", self.action_cycle_sort)
        yield SystemCommand("Toggle completed", "Show or hide completed sessions", self.action_toggle_completed)
        yield SystemCommand("Rescan", "Scan the recovery directory again", self.action_rescan)
        yield SystemCommand("Help", "Show every key", self.action_help)


def _describe(item) -> str:
    sid = getattr(item, "session_id", None)
    from snaptui.present.safetext import one_line

    return f"session {one_line(sid, 40)}" if sid is not None else one_line(item.name, 60)
