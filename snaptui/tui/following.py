"""The part of the app that follows the recovery directory: scans, liveness, filter texts.

Every file is touched by thread workers, which post messages; the handlers
keep :attr:`FollowingApp.result` current and call :meth:`catalog_changed`,
which the interactive app (:mod:`snaptui.tui.app`) implements.
"""

from __future__ import annotations

import os
import time
from typing import Any

from textual import work
from textual.app import App
from textual.worker import Worker, WorkerState, get_current_worker

from snaptui.base import clock as _clock
from snaptui.catalog.liveness import Live, Liveness
from snaptui.catalog.prefetch import Prefetch
from snaptui.catalog.scan import Catalog, scan
from snaptui.present import humanfmt
from snaptui.sources.records import Session
from snaptui.tui.messages import DirectoryChanged, LiveChanged, Scanned, ScanProgress, TextsLoaded

RESCAN_EVERY_S = 15.0
"""Besides watching the directory's mtime, rescan now and then (catches in-place edits)."""


class FollowingApp(App[Session | None]):
    """An app that keeps a catalog of the recovery directory current."""

    def __init__(
        self,
        directory: str,
        *,
        settings: dict[str, Any],
        cache_dir: str | None = None,
        state_dir: str | None = None,
        source: str = "",
        clock: _clock.Clock = _clock.now_ms,
        watch_interval: float | None = 1.0,
        prefetch: Prefetch | None = None,
        store_roots: tuple[str, ...] = (),
        snapshots: bool = True,
    ) -> None:
        super().__init__()
        self.directory = directory
        """The recovery directory shown."""
        self.settings = settings
        self.cache_dir = cache_dir
        self.state_dir = state_dir
        self.source = source
        """Where the choice of directory came from (``--dir``, the config file, ...)."""
        self.clock = clock
        """Milliseconds now; frozen in tests and screenshots."""
        self.watch_interval = watch_interval
        self.prefetch = prefetch
        """A scan started before the UI, if any."""
        self.store_roots = store_roots
        """opendev's data roots whose sessions are listed too."""
        self.snapshots = snapshots
        """Whether the recovery directory is listed (``--source opendev`` leaves it out)."""
        self.result: Catalog | None = None
        """The latest scan (None until the first one lands)."""
        self.live: dict[str, Live] = {}
        """Sessions that may still be running, by key, with why."""
        self.query_text = ""
        """The filter's text (the texts are kept current while it is in use)."""
        self.texts: dict[str, str] = {}
        """What the filter searches, by session key (loaded when the filter is first used)."""
        self._progress = ""
        self._dir_stamp: tuple[int, int] | None = None
        self._since_full_scan = 0.0
        self._scan_seconds = 0.0
        self.agents_seen = False
        """Whether the agents' processes could be looked at (/proc): then a session written a
        moment ago with no agent in its directory crashed (the startup check's rule)."""
        self._routine_print: bytes | None = None
        """The digest of what the last full scan read, if a routine rescan took one before it began."""

    def start_following(self) -> None:
        """The first scan (or the one started before the UI), then watch the directory."""
        if self.prefetch is not None and self.prefetch.directory == self.directory:
            self.take_prefetch()
        else:
            self.scan_directory()
        if self.watch_interval:
            self.set_interval(self.watch_interval, self._tick)

    def catalog_changed(self) -> None:
        """A new catalog (or filter texts) arrived: show it."""

    def _update_status(self) -> None:
        """Show the scan's progress."""

    def live_reason(self, session: Session) -> Live | None:
        return self.live.get(session.key)

    # -- scanning ----------------------------------------------------------------------

    def _live_now(self, catalog: Catalog) -> dict[str, Live]:
        """Which sessions may still be running (reads /proc: call it in a worker)."""
        liveness = Liveness.from_settings(self.settings, self.clock())
        self.agents_seen = liveness.agents is not None
        return liveness.running(catalog.incomplete, catalog.absorbed)

    @work(thread=True, exclusive=True, group="scan", description="scan", exit_on_error=False)
    def scan_directory(self, printed: bytes | None = None) -> None:
        """Scan in a thread; the screen stays live and shows progress. ``printed``: the digest
        of what it is to read, taken just before (a routine rescan's)."""
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            if total >= 2000:
                self.post_message(ScanProgress(done, total))

        def early(partial: Catalog) -> None:
            if self.result is None:  # first paint only: a huge directory shows its newest rows at once
                self.post_message(Scanned(partial, self._live_now(partial)))

        from snaptui.catalog import dismissed

        started = time.monotonic()
        result = scan(self.directory, cache_dir=self.cache_dir, progress=progress, early=early,
                      store_roots=self.store_roots, snapshots=self.snapshots, dismissed=dismissed.load(self.state_dir))
        self._scan_seconds = time.monotonic() - started
        if not worker.is_cancelled:
            self.post_message(Scanned(result, self._live_now(result), printed))

    @work(thread=True, exclusive=True, group="scan", description="scan", exit_on_error=False)
    def take_prefetch(self) -> None:
        """Hand over the scan started before the UI (see :mod:`snaptui.catalog.prefetch`)."""
        worker = get_current_worker()
        prefetch = self.prefetch
        assert prefetch is not None
        prefetch.first.wait()
        if prefetch.partial is not None and not prefetch.done.is_set() and not worker.is_cancelled:
            self.post_message(Scanned(prefetch.partial, self._live_now(prefetch.partial)))
        else:
            prefetch.painted.set()
        prefetch.done.wait()
        self._scan_seconds = prefetch.seconds  # what paces the routine rescans
        if prefetch.error is not None:
            raise prefetch.error
        if not worker.is_cancelled and prefetch.full is not None:
            self.post_message(Scanned(prefetch.full, self._live_now(prefetch.full)))

    @work(thread=True, exclusive=True, group="texts", description="texts", exit_on_error=False)
    def load_texts(self) -> None:
        """What the filter searches, previews included (from the cache where it can be)."""
        from snaptui.catalog.search import search_texts

        texts = search_texts(self.directory, self.cache_dir)
        if not get_current_worker().is_cancelled:
            self.post_message(TextsLoaded(texts))

    @work(thread=True, exclusive=True, group="watch", description="watch", exit_on_error=False)
    def _watch(self) -> None:
        """Has the directory changed (new, replaced, removed files)?"""
        if _stamp(self.directory) != self._dir_stamp:
            self.post_message(DirectoryChanged())

    @work(thread=True, exclusive=True, group="routine", description="routine", exit_on_error=False)
    def _routine(self) -> None:
        """Has anything a scan reads changed since the last routine rescan (edits in place,
        the store, a discard made elsewhere)? If not, only whether sessions run is looked at."""
        from snaptui.base.datafile import RACY_NS
        from snaptui.catalog.scanprint import scan_print

        now_ns = time.time_ns()
        printed, newest = scan_print(self.directory, self.store_roots, snapshots=self.snapshots,
                                     state_dir=self.state_dir)
        trusted = newest < now_ns - RACY_NS
        catalog = self.result
        if not trusted or printed != self._routine_print or catalog is None or catalog.partial:
            self.post_message(DirectoryChanged(printed if trusted else None))
            return
        live = self._live_now(catalog)  # nothing to read again; whether a session still runs may have changed
        if live != self.live and not get_current_worker().is_cancelled:
            self.post_message(LiveChanged(catalog, live))

    def _tick(self) -> None:
        self._since_full_scan += self.watch_interval or 0
        if self._progress:
            return
        # A routine rescan takes at most 5% of the time (2 s at 100,000 files: every 40 s).
        if self._since_full_scan >= max(RESCAN_EVERY_S, 20 * self._scan_seconds):
            self._since_full_scan = 0.0
            self._routine()
        else:
            self._watch()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed says so in one line (the app keeps running)."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(f"{event.worker.name} failed: {error}", title="Something went wrong", severity="error",
                        markup=False)

    def on_directory_changed(self, message: DirectoryChanged) -> None:
        if not self._progress:
            self.scan_directory(message.printed)

    def on_live_changed(self, message: LiveChanged) -> None:
        if message.catalog is self.result:
            self.live = message.live
            self.catalog_changed()

    def on_scan_progress(self, message: ScanProgress) -> None:
        self._progress = f"scanning… {humanfmt.count(message.done)} / {humanfmt.count(message.total)}"
        self._update_status()

    def on_scanned(self, message: Scanned) -> None:
        self.result = message.catalog
        self.live = message.live
        if message.catalog.partial:
            self.catalog_changed()  # the newest rows, while the rest is read
            if self.prefetch is not None:
                self.call_after_refresh(self.prefetch.painted.set)
            return
        self._progress = ""
        self._routine_print = message.printed  # recorded once the scan landed (not if it failed)
        self._stamp_later()
        self.catalog_changed()
        if self.texts:
            self.load_texts()  # the filter is in use: keep its texts current (cheap: cached per file)

    @work(thread=True, group="watch", description="watch", exit_on_error=False)
    def _stamp_later(self) -> None:
        stamp = _stamp(self.directory)
        self.call_from_thread(setattr, self, "_dir_stamp", stamp)

    def on_texts_loaded(self, message: TextsLoaded) -> None:
        self.texts = message.texts
        if self.query_text:
            self.catalog_changed()



def _stamp(directory: str) -> tuple[int, int] | None:
    try:
        st = os.stat(directory)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns)
