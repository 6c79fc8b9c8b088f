"""Start the scan before the UI exists.

Importing Textual and building the screen take a few hundred milliseconds;
a scan started first, in a thread, usually has the newest rows ready by the
time the UI mounts (and the full answer soon after). No Textual here.
"""

from __future__ import annotations

import gc
import os
import threading
import time

from snaptui.catalog.scan import Catalog, scan

HEAD_START_S = 1.5
"""At most this long before the UI loads anyway (it shows the scan's progress)."""
FIRST_LOOK_WAIT_S = 0.03
"""With no index, the first look runs in another process: the UI loads beside it
after this long (a small directory is done by then)."""
EARLY_AFTER = 150
"""How many of the newest sessions come first."""


class Prefetch:
    """A scan running in a thread: ``partial`` (the newest rows) and ``full`` results."""

    def __init__(self, directory: str, cache_dir: str | None, *, store_roots: tuple[str, ...] = (),
                 snapshots: bool = True, state_dir: str | None = None) -> None:
        self.directory = directory
        self.store_roots = store_roots
        self.snapshots = snapshots
        self.state_dir = state_dir
        self.partial: Catalog | None = None
        self.full: Catalog | None = None
        self.error: BaseException | None = None
        self.first = threading.Event()
        """Set once there is something to show (partial or full), or the scan failed."""
        self.done = threading.Event()
        self.seconds = 0.0
        """How long the whole scan took (set when ``done``)."""
        self.painted = threading.Event()
        """Set by the UI once the first rows are on screen."""
        self._first = None
        if snapshots and not _indexed(cache_dir, directory):
            from snaptui.catalog import firstlook

            self._first = firstlook.start(directory, EARLY_AFTER)  # before any thread: it forks
        self._thread = threading.Thread(target=self._run, args=(cache_dir,), name="snaptui-prefetch", daemon=True)
        self._thread.start()
        # A head start: until the newest rows are found, loading Textual here would
        # only fight the scan for the interpreter, and a scan thread that gives the
        # lock up at every stat() loses that fight (at 10,000 files without an
        # index, the first rows came a second later). Bounded, for slow disks. A
        # first look in another process fights for nothing: the UI loads beside it.
        self.first.wait(timeout=HEAD_START_S if self._first is None else FIRST_LOOK_WAIT_S)

    def _run(self, cache_dir: str | None) -> None:
        # Until the first rows are out, the cyclic collector stays off: a first
        # scan of a huge directory builds hundreds of thousands of small tuples,
        # and each full collection walks all of them (a quarter of the time to
        # the first rows at 100,000 files).
        self._collecting = gc.isenabled()
        gc.disable()
        started = time.monotonic()
        try:
            from snaptui.catalog import dismissed

            self.full = scan(self.directory, cache_dir=cache_dir, early=self._early, store_roots=self.store_roots,
                             snapshots=self.snapshots, dismissed=dismissed.load(self.state_dir),
                             early_after=EARLY_AFTER, first=self._first)
        except BaseException as exc:  # noqa: BLE001 - handed to the UI, which reports it
            self.error = exc
        finally:
            self.seconds = time.monotonic() - started
            self._collect_again()
            self.first.set()
            self.done.set()

    def _collect_again(self) -> None:
        if self._collecting:
            self._collecting = False
            gc.enable()

    def _early(self, partial: Catalog) -> None:
        self.partial = partial
        self._collect_again()
        self.first.set()
        # Let the UI paint the newest rows before the rest of the scan competes
        # with it for the interpreter (at most a second).
        self.painted.wait(timeout=1.0)


def _indexed(cache_dir: str | None, directory: str) -> bool:
    """Whether the catalog's cache has a table for ``directory`` (its newest rows come from there)."""
    from snaptui.catalog.pieces import base_path

    return cache_dir is not None and os.path.exists(base_path(cache_dir, directory) + ".table")
