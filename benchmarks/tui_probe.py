"""One headless TUI measurement, run in its own process by benchmarks/run.py.

    python benchmarks/tui_probe.py DIR CACHE_DIR [--first-rows-only]

Prints one line of JSON: seconds from process start until the first rows are
on screen, the median latency of a cursor key (down/up alternating, so the
cursor always moves), the median latency of a no-op key (Pilot's own cost, to
subtract), and the peak RSS of this process in MiB. With
``--first-rows-only``, only the first and the last.
"""

from __future__ import annotations

import time

START = time.perf_counter()

import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402


async def measure(directory: str, cache_dir: str, first_only: bool = False, store: str = "off") -> dict:
    # As `snaptui` does (snaptui.cli.ui): the scan starts, then Textual loads.
    from snaptui.catalog.prefetch import Prefetch
    from snaptui.sources.opendev_roots import store_roots

    roots = store_roots(store)
    prefetch = Prefetch(directory, cache_dir, store_roots=roots, state_dir=cache_dir + "/state")
    from snaptui.settings.config import DEFAULTS
    from snaptui.tui.app import SnaptuiApp
    from snaptui.tui.session_list import SessionList

    app = SnaptuiApp(directory, settings=dict(DEFAULTS), cache_dir=cache_dir, state_dir=cache_dir + "/state",
                     watch_interval=None, prefetch=prefetch, store_roots=roots)
    async with app.run_test(size=(140, 40)) as pilot:
        rows = app.query_one(SessionList)
        while not rows.rows:
            await pilot.pause(0.002)
        first = time.perf_counter() - START
        if first_only:  # done: leave without waiting for the scan to finish
            print(json.dumps({"first_rows_s": first,
                              "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)
            os._exit(0)
        while app.result is None or app.result.partial or any(w.is_running for w in app.workers):
            await pilot.pause(0.01)
        await pilot.pause(0.2)

        async def latency(keys) -> float:
            times = []
            for key in keys:
                t = time.perf_counter()
                await pilot.press(key)
                times.append(time.perf_counter() - t)
            return statistics.median(times)

        noop = await latency(["f12"] * 20)
        move = await latency(["down", "up"] * 10)
    return {
        "first_rows_s": first,
        "key_s": move,
        "noop_key_s": noop,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    store = sys.argv[sys.argv.index("--store") + 1] if "--store" in sys.argv else "off"
    print(json.dumps(asyncio.run(measure(sys.argv[1], sys.argv[2], "--first-rows-only" in sys.argv[3:], store))))
