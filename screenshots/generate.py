"""Regenerate the README screenshots from the demo data.

    python screenshots/generate.py

Writes main.svg, lost-turn.svg, detail.svg, purge.svg, help.svg (a 140x40
terminal), main-80x24.svg, diff.svg (the diff view of the demo store's
session that died mid-edit) and insights.svg (110x32) next to this file: the demo (a recovery directory
and a small opendev store) under a temporary home (so paths read ~/...), a
frozen clock, UTC.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = 1_795_500_000_000  # 2026-11-24 04:00 UTC
SIZE = (140, 40)


async def shoot(name: str, keys: list[str], home: Path, store_roots: tuple[str, ...],
                size: tuple[int, int] = SIZE) -> None:
    from snaptui.base import clock
    from snaptui.settings.config import DEFAULTS
    from snaptui.tui.app import SnaptuiApp

    app = SnaptuiApp(
        str(home / "recovery"), settings=dict(DEFAULTS), cache_dir=str(home / "cache"),
        state_dir=str(home / "state"), source="--dir", clock=clock.fixed(NOW), watch_interval=None,
        store_roots=store_roots,
    )
    async with app.run_test(size=size) as pilot:
        async def settle() -> None:
            for _ in range(200):
                await pilot.pause(0.02)
                if app.result is not None and not app.result.partial and not any(w.is_running for w in app.workers):
                    break
            await pilot.pause(0.2)  # the detail pane follows the list
            while any(w.is_running for w in app.workers):
                await pilot.pause(0.02)
            await pilot.pause()

        await settle()
        for key in keys:
            await pilot.press(key)
            await settle()
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    print(f"screenshots/{name}.svg")


def main() -> int:
    os.environ["TZ"] = "UTC"
    time.tzset()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        os.environ["HOME"] = tmp
        from snaptui.actions.demo import write_demo
        from snaptui.actions.demo_store import store_dir, write_store
        from snaptui.base import clock

        write_demo(str(home / "recovery"), clock=clock.fixed(NOW))
        store = write_store(store_dir(str(home / "recovery")), str(home / "projects"), NOW)
        roots = (store,)
        for name, keys in (
            ("main", []),
            ("lost-turn", ["down"]),  # the store's session that died mid-edit is the second newest
            ("detail", ["down", "down"]),
            ("purge", ["P"]),
            ("help", ["question_mark"]),
            ("diff", ["down", "D"]),
        ):
            asyncio.run(shoot(name, keys, home, roots))
        asyncio.run(shoot("main-80x24", [], home, roots, (80, 24)))
        asyncio.run(shoot("insights", ["i"], home, roots, (110, 32)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
