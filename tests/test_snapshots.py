"""What the TUI looks like (pytest-textual-snapshot; frozen clock, UTC, fixed size).

Regenerate after an intended change: pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

from tui_support import make_app, settle

SIZE = (140, 40)


async def _settled(pilot):
    await settle(pilot)


def test_main_screen(snap_compare, home):
    assert snap_compare(make_app(home), terminal_size=SIZE, run_before=_settled)


def test_main_screen_light_theme(snap_compare, home):
    assert snap_compare(make_app(home, theme="textual-light"), terminal_size=SIZE, run_before=_settled)


def test_detail_with_a_failed_tool(snap_compare, home):
    async def second_session(pilot):
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)

    assert snap_compare(make_app(home), terminal_size=(140, 50), run_before=second_session)


def test_purge_dialog(snap_compare, home):
    async def purge(pilot):
        await settle(pilot)
        await pilot.press("P")
        await pilot.pause()

    assert snap_compare(make_app(home), terminal_size=SIZE, run_before=purge)


def test_help_screen(snap_compare, home):
    async def help_(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(home), terminal_size=SIZE, run_before=help_)


def test_empty_state(snap_compare, home):
    (home / "recovery").mkdir()
    assert snap_compare(make_app(home, home / "recovery"), terminal_size=SIZE, run_before=_settled)


def test_damaged_file(snap_compare, home):
    async def damaged(pilot):
        await settle(pilot)
        await pilot.press("end", "up")
        await settle(pilot)

    assert snap_compare(make_app(home), terminal_size=SIZE, run_before=damaged)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 45)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_main_screen_at_every_size(snap_compare, home, size, theme):
    assert snap_compare(make_app(home, theme=theme), terminal_size=size, run_before=_settled)


def test_detail_full_screen_at_80x24(snap_compare, home):
    async def zoom(pilot):
        await settle(pilot)
        await pilot.press("down", "v")
        await settle(pilot)

    assert snap_compare(make_app(home), terminal_size=(80, 24), run_before=zoom)


def test_trash_view(snap_compare, home):
    async def discard_then_trash(pilot):
        await settle(pilot)
        await pilot.press("down", "d")
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)

    assert snap_compare(make_app(home), terminal_size=SIZE, run_before=discard_then_trash)


def test_diff_view(snap_compare, home):
    """The demo store's session that died mid-edit (the second newest), its diff at 100x30."""
    from snaptui.actions.demo_store import store_dir, write_store
    from tui_support import NOW

    app = make_app(home)
    app.store_roots = (write_store(store_dir(str(home / "recovery")), str(home / "projects"), NOW),)

    async def diff(pilot):
        await settle(pilot)
        await pilot.press("down", "D")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=diff)


async def _insights(pilot):
    await settle(pilot)
    await pilot.press("i")
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (140, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_insights(snap_compare, home, size):
    assert snap_compare(make_app(home), terminal_size=size, run_before=_insights)


def test_insights_light_theme_projects_focused(snap_compare, home):
    async def projects(pilot):
        await _insights(pilot)
        await pilot.press("tab", "down")
        await pilot.pause()

    assert snap_compare(make_app(home, theme="textual-light"), terminal_size=SIZE, run_before=projects)
