"""A deterministic demo for TUI tests: frozen clock, UTC, paths under a fake home."""

from __future__ import annotations

import os
import time
from pathlib import Path

from snaptui.actions.demo import write_demo
from snaptui.base import clock
from snaptui.settings.config import DEFAULTS
from snaptui.tui.app import DETAIL_DELAY_S, SnaptuiApp
from snaptui.tui.session_list import SessionList

NOW = 1_795_500_000_000  # 2026-11-24 04:00 UTC


def use_utc(monkeypatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def write_fake_opendev(bin_dir: Path) -> Path:
    """An ``opendev`` that does nothing, in ``bin_dir``."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    program = bin_dir / "opendev"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    return program


def fake_opendev(bin_dir: Path, monkeypatch) -> Path:
    """An ``opendev`` that does nothing, first on PATH."""
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return write_fake_opendev(bin_dir)


def make_app(home: Path, directory: Path | None = None, **settings) -> SnaptuiApp:
    """An app on ``directory`` (default: a fresh demo under ``home``)."""
    if directory is None:
        directory = home / "recovery"
        write_demo(str(directory), clock=clock.fixed(NOW))
    return SnaptuiApp(
        str(directory),
        settings={**DEFAULTS, **settings},
        cache_dir=str(home / ".cache" / "snaptui"),
        state_dir=str(home / ".local" / "state" / "snaptui"),
        source="--dir",
        clock=clock.fixed(NOW),
        watch_interval=None,
    )


async def exited(pilot) -> None:
    """Wait for the app to exit (resuming checks the project directory in a worker first)."""
    for _ in range(200):
        if pilot.app.return_value is not None or not pilot.app.is_running:
            return
        await pilot.pause(0.01)


async def settle(pilot) -> None:
    """Wait until the scan, the search texts and any transcript lookup are done."""
    app = pilot.app
    for _ in range(200):
        await pilot.pause()
        if app.result is not None and not app.result.partial and not any(w.is_running for w in app.workers):
            break
        await pilot.pause(0.02)
    await pilot.pause(DETAIL_DELAY_S * 3)  # the detail pane follows the list
    while any(w.is_running for w in app.workers):  # e.g. the transcript lookup it started
        await pilot.pause(0.02)
    await pilot.pause()


def screen_text(app) -> str:
    """What the list and detail show, as plain text."""
    lst = app.query_one(SessionList)
    lines = [lst.render_line(y).text for y in range(lst.size.height)]
    detail = app.query_one("#detail").text
    return "\n".join(lines) + "\n" + detail


def set_old(path: Path, ms: int) -> None:
    os.utime(path, ns=(ms * 1_000_000, ms * 1_000_000))
