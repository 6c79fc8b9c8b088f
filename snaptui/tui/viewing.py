"""The part of the app that shows the catalog: rows, the cursor's start, the detail pane.

What a key costs is kept small: a cursor key repaints two lines of the list
and swaps the detail pane's text for the new row's at once — from a cache
of looked-up facts when it has them (the rows around the cursor are looked
up ahead, in a worker), else from the record alone, completed when the
worker answers. Rows of a large catalog are built in a worker too, so a
rescan of 100,000 files never stalls a key.
"""

from __future__ import annotations

import gc
import sys
import time
from collections import OrderedDict
from typing import Any

from textual import work
from textual.worker import get_current_worker

from snaptui.catalog.liveness import Live
from snaptui.catalog.scan import Catalog
from snaptui.catalog.seen import unseen
from snaptui.present import detail as detail_text
from snaptui.present import humanfmt
from snaptui.present.diffs import Cancelled
from snaptui.present.viewmodel import SESSION, Only, Row, View, build_view
from snaptui.sources.records import DamagedFile, Leftover, Session
from snaptui.tui.detail import DetailView
from snaptui.tui.following import FollowingApp
from snaptui.tui.messages import DetailLoaded, RowsBuilt
from snaptui.tui.session_list import SessionList

ROWS_IN_WORKER = 2_000
"""Above this many items, rows are built in a worker (below, at once: no flash)."""
DETAIL_DELAY_S = 0.03
"""How long the cursor rests before its facts are looked up (the record shows at once)."""
FACTS_KEPT = 128
FACTS_FRESH_S = 30.0
"""Looked-up facts are shown at once for this long, then shown and looked up again."""
AHEAD = 2
"""Rows above and below the cursor whose facts are looked up ahead."""


AGES_EVERY_S = 30.0
"""How often the ages on screen ("12 minutes ago", the day groups) are worked out again."""


class ViewingApp(FollowingApp):
    """Rows from the catalog, a cursor that starts where it should, and the detail pane."""

    session_list: SessionList
    detail: DetailView
    """Made by the app's ``compose``."""

    def __init__(self, directory: str, *, start_unseen: dict[str, int] | None = None, **kwargs: Any) -> None:
        super().__init__(directory, **kwargs)
        self.sort = "newest"
        self.show_completed = False
        self.expanded = False
        """Long tool outputs shown whole (``o``)."""
        self.only: Only | None = None
        """The project or day chosen in the insights (``i``): the list shows only its sessions."""
        self.person_moved = False
        """The person moved the cursor (or sorted, filtered): rescans keep it where it is."""
        self.start_unseen = start_unseen
        """Opened by the startup check: start on the newest crash not in this seen memory."""
        self.seen_sessions: dict[str, Session] = {}
        """Incomplete sessions the person has had on screen (for the startup check)."""
        self.view: View | None = None
        self._shown: tuple[Any, ...] | None = None
        """What the rows on screen were built from (a rescan that changed nothing is skipped)."""
        self._rows_seq = 0
        self._facts: OrderedDict[tuple[str, Any], tuple[detail_text.Facts, float]] = OrderedDict()
        self._detail_key: str | None = None
        self._detail_timer: Any = None
        self._day: tuple[int, int, int] | None = None
        """The local day the rows were last built on: their day groups say "Today"."""
        # Keys must not wait for a worker thread that holds the GIL (a scan, a row build).
        sys.setswitchinterval(0.001)

    # -- rows ------------------------------------------------------------------------

    def catalog_changed(self) -> None:
        self._refresh_rows()

    def start_following(self) -> None:
        super().start_following()
        if self.watch_interval:  # a live screen: its ages move on while nothing else does
            self.set_interval(AGES_EVERY_S, self._ages_moved)

    def _ages_moved(self) -> None:
        """Time passed: draw the ages again (the list's rows work them out as they are drawn),
        the detail too, and the day groups when the day changed."""
        if self.result is None or not self.screen_stack:
            return
        if self._day != _local_day(self.clock()):
            self._shown = None  # the same catalog, another day
            self._refresh_rows()
            return
        self.session_list.refresh()
        self._show_detail(self.session_list.current)

    def _refresh_rows(self, *, now: bool = False) -> None:
        """Show the rows again. A big list is built in a worker (a rescan, the filter as it is
        typed), unless ``now``: a key that reorders or changes the rows (sort, completed, discard,
        the filter kept or cleared) builds them before the next key is taken, so that the keys
        typed after it act on the rows it made (~60 ms at 10,000), not on the old ones."""
        if self.result is None or not self.screen_stack:  # not yet scanned, or closing
            return
        self._rows_seq += 1
        marks = frozenset(self.session_list.marks)
        args = (self.result, self.sort, self.show_completed, self.query_text, self.texts, marks, dict(self.live),
                self.only)
        if now or len(self.result.incomplete) + len(self.result.completed) <= ROWS_IN_WORKER:
            self._apply_view(self._compute_view(*args), args)
        else:
            self._build_in_worker(self._rows_seq, *args)

    def _compute_view(self, catalog: Catalog, sort: str, show_completed: bool, query: str, texts: dict[str, str],
                      marks: frozenset[str], live: dict[str, Live], only: Only | None = None) -> View:
        now = self.clock()
        view = build_view(catalog, now_ms=now, sort=sort, show_completed=show_completed, query=query,
                          texts=texts, marks=marks, flags=bool(live), only=only)
        self._day = _local_day(now)
        shown = [r.item for r in view.rows
                 if r.kind == SESSION and isinstance(r.item, Session) and not r.item.completed]
        # (a row's store half too: seen as the row, it stays seen when the snapshot is gone)
        self.seen_sessions.update((s.key, s) for s in [*shown, *catalog.twins(shown)])
        return view

    @work(thread=True, exclusive=True, group="rows", description="rows", exit_on_error=False)
    def _build_in_worker(self, seq: int, *args: Any) -> None:
        shown = self._shown  # compared with what is on screen, not with what was built last: rows
        # built for an earlier request (its message dropped when this one came) never got there
        if shown is not None and shown[1:] == args[1:] and shown[0].items == args[0].items \
                and shown[0].partial == args[0].partial:
            return  # a rescan that changed nothing: nothing to redraw
        view = self._compute_view(*args)
        if not get_current_worker().is_cancelled:
            self.post_message(RowsBuilt(seq, view, args))

    def on_rows_built(self, message: RowsBuilt) -> None:
        if message.seq == self._rows_seq and self.screen_stack:
            self._apply_view(message.view, message.args)

    @property
    def hidden_marks(self) -> int:
        """How many marks the filter hides."""
        view = self.view
        return 0 if view is None else sum(1 for k in self.session_list.marks if k not in view.positions)

    def _apply_view(self, view: View, args: tuple[Any, ...]) -> None:
        """Show ``view``, built from ``args`` (:meth:`_refresh_rows`'s)."""
        lst = self.session_list
        marks_then: frozenset[str] = args[5]
        self.view = view
        self._shown = args
        lst.marks -= marks_then - view.marks  # marks of items that are gone; hidden ones stay
        keep = lst.current.key if lst.current is not None else None
        if not (self.person_moved or lst.moved_by_person) and self.result is not None:
            keep = self._start_key(self.result) or keep
        lst.set_rows(view.rows, keep=keep, measure=view.measure, positions=view.positions)
        self.rows_shown(not view.rows)
        self._show_detail(lst.current)
        self._update_status()
        if self.result is not None and not self.result.partial and len(view.rows) > ROWS_IN_WORKER:
            # A large catalog is long-lived and acyclic: keep the cyclic collector from
            # walking it (a full collection over 100,000 records stalls a key for 100 ms+).
            gc.freeze()

    def rows_shown(self, empty: bool) -> None:
        """New rows are on screen (the app shows or hides what goes with them)."""

    def _start_key(self, catalog: Catalog) -> str | None:
        """Where the cursor starts: the newest interrupted session; opened by the startup
        check, the newest crash the person has not seen (not one that may be running)."""
        if self.sort != "newest" or self.query_text or self.only is not None:
            return None
        if self.start_unseen is not None:
            seen = self.start_unseen
            for s in unseen(catalog.incomplete, seen):
                if not self._may_run(s):
                    return s.key
            for s in catalog.incomplete:
                if not self._may_run(s):
                    return s.key
        return catalog.incomplete[0].key if catalog.incomplete else None

    def _may_run(self, s: Session) -> bool:
        """Not a crash to start on, by the startup check's rule (``Liveness.crashed``): an agent
        works in its directory, or it was written a moment ago and the agents cannot be seen."""
        live = self.live.get(s.key)
        return live is not None and (live.agent or not self.agents_seen)

    # -- the detail pane ---------------------------------------------------------------

    def _show_detail(self, row: Row | None) -> None:
        """Show ``row`` in the detail pane now; look up what the record lacks in a worker."""
        if not self.screen_stack:
            return
        pane = self.detail
        key = row.key if row is not None else None
        top = key != self._detail_key
        self._detail_key = key
        if row is None or row.item is None:
            pane.show_text("Nothing selected.")
        elif isinstance(row.item, DamagedFile):
            pane.show_spans(detail_text.damaged_spans(row.item), top=top)
        elif isinstance(row.item, Leftover):
            pane.show_spans(detail_text.leftover_spans(row.item), top=top)
        elif isinstance(row.item, Session):
            session = row.item
            cached = self._facts.get((session.key, self._facts_identity(session)))
            facts = cached[0] if cached is not None else None
            live = self.live.get(session.key)
            why = humanfmt.live_reason(live.agent, live.written_ms, self.clock()) if live is not None else None
            pane.show_spans(detail_text.session_spans(session, facts, now_ms=self.clock(), expanded=self.expanded,
                                                      live_reason=why), top=top)
            if cached is None or time.monotonic() - cached[1] > FACTS_FRESH_S:
                self._look_up_soon([session])
            else:
                self._look_up_soon([])

    def _look_up_soon(self, first: list[Session]) -> None:
        """Look up ``first`` and the rows around the cursor once keys rest a moment."""
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY_S, lambda: self._look_up(first))

    def _look_up(self, first: list[Session]) -> None:
        if not self.screen_stack:
            return
        lst = self.session_list
        wanted = list(first)
        now = time.monotonic()
        for offset in (1, -1, 2, -2)[: 2 * AHEAD]:
            i = lst.cursor + offset
            s = lst.rows[i].item if 0 <= i < len(lst.rows) else None
            if isinstance(s, Session):
                cached = self._facts.get((s.key, self._facts_identity(s)))
                if cached is None or now - cached[1] > FACTS_FRESH_S:
                    wanted.append(s)
        if wanted:
            self._gather(wanted)

    @work(thread=True, exclusive=True, group="detail", description="detail", exit_on_error=False)
    def _gather(self, sessions: list[Session]) -> None:
        worker = get_current_worker()
        for session in sessions:
            if worker.is_cancelled:
                return
            resumed = self.resumed(session)
            try:
                facts = detail_text.gather(session, template=self.settings["resume_command"],
                                           cancelled=lambda: worker.is_cancelled, resumed=resumed)
            except Cancelled:
                return  # a newer look is under way; the files diffed so far are kept for it
            self.post_message(DetailLoaded(session.key, facts, _identity(session, resumed)))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        self._facts[(message.key, message.identity)] = (message.facts, time.monotonic())
        self._facts.move_to_end((message.key, message.identity))
        while len(self._facts) > FACTS_KEPT:
            self._facts.popitem(last=False)
        row = self.session_list.current
        if row is not None and row.key == message.key and isinstance(row.item, Session) \
                and self._facts_identity(row.item) == message.identity:
            self._show_detail(row)

    def resumed(self, session: Session) -> Session:
        """What resuming ``session``'s row resumes (:meth:`snaptui.catalog.scan.Catalog.to_resume`;
        itself until the catalog is known)."""
        return self.result.to_resume(session) if self.result is not None else session

    def _facts_identity(self, session: Session) -> tuple[object, object]:
        """What a session's facts were looked up for: its file as it was, and what resuming its
        row resumes (the store's twin, once the catalog knows it: facts looked up before the
        scan knew it are not that row's)."""
        return _identity(session, self.resumed(session))

    def forget_facts(self) -> None:
        """After an action changed files: look everything up again."""
        self._facts.clear()


def _identity(session: Session, resumed: Session) -> tuple[object, object]:
    return session.identity, None if resumed is session else (resumed.key, resumed.identity)


def _local_day(now_ms: int) -> tuple[int, int, int]:
    return time.localtime(now_ms / 1000)[:3]
