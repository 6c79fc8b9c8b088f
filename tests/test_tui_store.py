"""Sessions of opendev's store in the terminal UI: listed, explained, dismissed, undone."""

from __future__ import annotations

import os

import opendev_fixtures as fx
from snaptui.base import clock
from snaptui.settings.config import DEFAULTS
from snaptui.tui.app import SnaptuiApp
from tui_support import NOW, screen_text, settle, use_utc

OLD = 1_700_000_000


def make_store(tmp_path):
    root = tmp_path / "opendev"
    project = tmp_path / "proj-a"
    project.mkdir()
    fx.died_mid_turn(root, str(project), sid="bbbbbbbbbbbb", now_ns=fx.T0_NS + 60_000_000_000)
    fx.stopped_with_error(root, str(tmp_path / "gone"), sid="cccccccccccc")
    for path in root.rglob("*"):
        os.utime(path, (OLD, OLD), follow_symlinks=False)
    return root


def app_for(tmp_path, root):
    return SnaptuiApp(str(tmp_path / "no-recovery"), settings=dict(DEFAULTS), cache_dir=str(tmp_path / "cache"),
                      state_dir=str(tmp_path / "state"), source="--dir", clock=clock.fixed(NOW),
                      watch_interval=None, store_roots=(str(root),))


async def test_store_sessions_are_listed_and_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    use_utc(monkeypatch)
    root = make_store(tmp_path)
    app = app_for(tmp_path, root)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "bbbbbbbb" in text and "cccccccc" in text
        assert "Lost turn" in text and "\u201cPlease also handle whitespace-only files\u201d" in text
        assert "Asked for" in text and "src/config.rs" in text and "cargo test" in text
        assert "opendev's session store" in text and "not recorded" in text
        await pilot.press("down")
        await settle(pilot)
        text = screen_text(app)
        assert "with an error: " in text and "HTTP 529: overloaded" in text
        assert "opendev deletes this session's folder the next time it starts anywhere" in text


async def test_discard_dismisses_a_store_session_and_u_brings_it_back(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    use_utc(monkeypatch)
    root = make_store(tmp_path)
    before = fx.fingerprint(root)
    app = app_for(tmp_path, root)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert app.session_list.current.item.session_id == "bbbbbbbbbbbb"
        await pilot.press("d")
        await settle(pilot)
        assert "bbbbbbbb" not in screen_text(app)
        assert fx.fingerprint(root) == before  # opendev's files are never touched
        await pilot.press("u")
        await settle(pilot)
        assert "bbbbbbbb" in screen_text(app)
    assert fx.fingerprint(root) == before
