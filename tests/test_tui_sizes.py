"""Issue 13 with Pilot: every size, every key a person uses in a morning's triage."""

from __future__ import annotations

import os

import pytest

from helpers import write
from snaptui.actions import trash
from snaptui.tui.dialogs import ConfirmScreen, PurgeScreen
from snaptui.tui.footer import SnapFooter
from snaptui.tui.trashview import TrashScreen
from tui_support import NOW, make_app, set_old, settle

MIN = 60_000
DAY = 86_400_000


def list_lines(app):
    lst = app.session_list
    return [lst.render_line(y).text for y in range(lst.size.height)]


def footer_text(app):
    return " ".join(f"{k.key_display} {k.description}" for k in app.query_one(SnapFooter).children)


@pytest.mark.parametrize("size", [(80, 24), (90, 30), (100, 30), (160, 45)])
async def test_every_row_shows_name_cost_messages_tool_and_live_mark(home, size):
    app = make_app(home)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        text = "\n".join(list_lines(app))
        for name in ("webapp", "api-server", "ml-pipeline", "game-engine"):
            assert name in text
        for number in ("$0.62", "$1,204.50", "$0.0042", "402", "188"):
            assert number in text
        assert "✗ bash" in text and "✓ read_file" in text and "live?" in text
        footer = footer_text(app)
        assert "? Help" in footer and "q Quit" in footer


async def test_narrow_puts_the_detail_below_and_wide_beside(home):
    app = make_app(home)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(pilot)
        lst, det = app.session_list.region, app.detail.region
        assert det.y >= lst.bottom and det.width >= 78 and det.height >= 6
        await pilot.resize_terminal(160, 45)
        await settle(pilot)
        lst, det = app.session_list.region, app.detail.region
        assert det.x >= lst.right and det.y == lst.y
        assert "Session" in app.detail.text


async def test_resizing_lays_the_rows_out_again(home):
    app = make_app(home)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        wide = app.session_list._layout
        assert wide.id  # the short id has room
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        text = "\n".join(list_lines(app))
        assert app.session_list._layout.width < wide.width
        assert all(len(line) <= 80 for line in list_lines(app)) and "$1,204.50" in text


async def test_v_shows_the_detail_full_screen_even_when_short(home):
    app = make_app(home)
    async with app.run_test(size=(80, 18)) as pilot:
        await settle(pilot)
        assert not app.detail.display or app.detail.region.height == 0
        await pilot.press("v")
        await pilot.pause()
        assert app.detail.region.height >= 14 and app.focused is app.detail
        assert not app.session_list.region.height
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.session_list and app.session_list.region.height


async def test_o_expands_long_outputs(home):
    directory = home / "recovery"
    directory.mkdir()
    output = "\n".join(f"output line {i}" for i in range(1000))
    set_old(write(directory, "long", ts=NOW - DAY, age_s=None, tools=(("pytest", False, output),)), NOW - DAY)
    app = make_app(home, directory)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert "output line 999" in app.detail.text and "output line 500" not in app.detail.text
        assert "⋯ 995 more lines (o shows every line)" in app.detail.text
        await pilot.press("o")
        await settle(pilot)
        assert "  │ output line 500\n" in app.detail.text


async def test_marks_survive_filtering_and_the_status_counts(home):
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "space")  # webapp, api-server, ml-pipeline
        await pilot.press("slash", *"api-server", "enter")
        await pilot.pause(0.3)
        await settle(pilot)
        status = str(app.status.render())
        assert "3 marked, 2 hidden" in status and "1 of 9 · $4.37" in status  # api-server (no other's output names it)
        assert len(app.session_list.marks) == 3
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)  # hidden marks: it asks
        await pilot.press("n")
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert len(app.session_list.marks) == 3


async def test_ctrl_c_quits(home):
    app = make_app(home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_value is None and not app.is_running


async def test_palette_finds_mark(home):
    app = make_app(home)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Mark" in titles and "Trash" in titles and "Detail" in titles
        # Textual's own "Keys" panel sat over the detail and escape did not close it: "Help" lists the keys
        assert "Keys" not in titles and "Help" in titles


async def test_first_screen_starts_at_the_newest_once_the_scan_knows_it(home):
    directory = home / "recovery"
    directory.mkdir()
    # File times that do not match snapshot times (a copied directory): the first guess is wrong.
    set_old(write(directory, "old-crash", ts=NOW - 3 * DAY, age_s=None), NOW - 1000)
    set_old(write(directory, "newest-crash", ts=NOW - DAY, age_s=None), NOW - 9 * DAY)
    app = make_app(home, directory)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert app.session_list.current.item.session_id == "newest-crash"


@pytest.mark.parametrize("agents", ["an agent works in its directory", "agents cannot be seen"])
async def test_startup_starts_on_the_newest_unseen_crash_not_a_live_one(home, monkeypatch, agents):
    from snaptui.catalog import liveness

    directory = home / "recovery"
    directory.mkdir()
    set_old(write(directory, "running", ts=NOW - MIN, age_s=None, project="/srv/running-here"), NOW - MIN)
    set_old(write(directory, "seen-crash", ts=NOW - DAY, age_s=None), NOW - DAY)
    set_old(write(directory, "new-crash", ts=NOW - 2 * DAY, age_s=None), NOW - 2 * DAY)
    monkeypatch.setattr(liveness, "agent_dirs", lambda program: {"/srv/running-here"}
                        if agents.startswith("an agent") else None)
    app = make_app(home, directory)
    app.start_unseen = {"seen-crash_session_snapshot.json": NOW - DAY}
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert app.session_list.current.item.session_id == "new-crash"


async def test_startup_starts_on_a_crash_written_a_moment_ago_when_no_agent_runs_there(home, monkeypatch):
    """The startup check calls it a crash (it can see no agent works there) and opens the TUI
    for it: the cursor starts on it, not on an older one (enter would resume that one)."""
    from snaptui.catalog import liveness

    directory = home / "recovery"
    directory.mkdir()
    set_old(write(directory, "just-crashed", ts=NOW - 20_000, age_s=None), NOW - 20_000)
    set_old(write(directory, "older-crash", ts=NOW - DAY, age_s=None), NOW - DAY)
    monkeypatch.setattr(liveness, "agent_dirs", lambda program: set())
    app = make_app(home, directory)
    app.start_unseen = {"older-crash_session_snapshot.json": NOW - DAY}
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert app.session_list.current.item.session_id == "just-crashed"


async def test_purge_warns_below_the_running_threshold_and_asks_twice(home):
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await pilot.pause()
        for _ in range(3):
            await pilot.press("backspace")
        await pilot.press("0", "s")
        await settle(pilot)
        dry = str(app.screen.query_one("#dry-run").render())
        assert "less than running_threshold" in dry and "may still be running" in dry
        before = sorted(os.listdir(home / "recovery"))
        await pilot.click("#purge")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, PurgeScreen) and sorted(os.listdir(home / "recovery")) == before


@pytest.mark.parametrize("size", [(60, 15), (40, 10), (50, 8), (80, 24)])
async def test_a_short_terminal_shows_the_purge_dry_run_and_button_before_purging(home, size):
    """At 60x15 the dry run and the buttons lay below the dialog's edge, and enter, enter
    purged with neither ever on screen. The dialog now fits or scrolls: once enter has moved
    to Purge, the dry run and the button are both in view."""
    app = make_app(home)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        age = app.screen.query_one("#age").region  # first the box typed in is in view
        box = app.screen.query_one("#purge-dialog").scrollable_content_region
        assert box.y <= age.y and age.bottom <= box.bottom, (age, box)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PurgeScreen) and app.focused is screen.query_one("#purge")
        view = screen.query_one("#purge-dialog").scrollable_content_region
        for part in ("#dry-run", "#purge"):
            region = screen.query_one(part).region  # every row of it on screen
            assert view.y <= region.y and region.bottom <= view.bottom and region.width, (part, region, view)
        assert "Would remove" in str(screen.query_one("#dry-run").render())


@pytest.mark.parametrize("key,expected", [("P", ["esc Cancel"]), ("question_mark", ["esc Close"]),
                                          ("T", ["esc Close", "r Restore"]), ("d", ["esc No", "y Yes"])])
async def test_a_dialog_s_footer_names_its_own_keys(home, key, expected):
    """With a dialog open, the footer still read "⏎ Resume  space Mark  q Quit", none of
    which did that there (q was typed into the purge age)."""
    app = make_app(home)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press(key)  # (d: the newest session may still be running, so it asks)
        await settle(pilot)
        assert app.screen is not app.screen_stack[0]
        shown = [f"{k.key_display} {k.description}" for k in app.screen.query_one(SnapFooter).children]
        assert shown == expected


async def test_an_invalid_age_resets_the_purge_button(home):
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        assert str(app.screen.query_one("#purge").label) == "Purge 2"
        await pilot.press("x")
        await settle(pilot)
        assert str(app.screen.query_one("#purge").label) == "Purge" and app.screen.query_one("#purge").disabled


async def discard_two(pilot) -> None:
    """Discard the second and the third row (the newest may be running: it would ask)."""
    for _ in range(2):
        await pilot.press("down", "d")
        await settle(pilot)


async def test_undo_works_after_a_restart_and_the_trash_view_restores(home):
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await discard_two(pilot)
    assert len(trash.list_trash(str(home / "recovery"))) == 2
    app = make_app(home, home / "recovery")  # a new run: its own undo stack is empty
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert any("Restored 1 session (discarded" in n.message for n in app._notifications)
        assert len(trash.list_trash(str(home / "recovery"))) == 1
        await pilot.press("T")
        await settle(pilot)
        assert isinstance(app.screen, TrashScreen)
        assert "1 discarded file" in str(app.screen.query_one("#trash-info").render())
        await pilot.press("enter")
        await settle(pilot)
        assert trash.list_trash(str(home / "recovery")) == []
        assert "The trash is empty" in str(app.screen.query_one("#trash-info").render())
        await pilot.press("escape")
        await settle(pilot)
        assert "9 interrupted" in str(app.status.render())


async def test_u_after_the_last_discard_was_restored_from_the_trash_undoes_the_one_before(home):
    """Discard two, restore the second from T: u said "nothing to undo: that discard is no
    longer in the trash", though the first was still there."""
    directory = str(home / "recovery")
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await discard_two(pilot)
        assert len(trash.list_trash(directory)) == 2
        await pilot.press("T")
        await settle(pilot)
        await pilot.press("enter")  # the newest discard, restored from the trash view
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert len(trash.list_trash(directory)) == 1  # one of the two put back from the trash view
        await pilot.press("u", "u")  # the discard whose file went back already, then the other: both put back
        await settle(pilot)
        assert trash.list_trash(directory) == []
        assert not any("nothing to undo" in n.message for n in app._notifications)


async def test_a_theme_picked_is_remembered(home):
    from snaptui.settings.uistate import load_theme

    state = str(home / ".local" / "state" / "snaptui")
    app = make_app(home)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        app.theme = "gruvbox"
        await settle(pilot)
    assert load_theme(state, None) == "gruvbox"
    assert load_theme(state, "nord") == "nord"  # the config changed since: it wins


async def test_one_wording_for_one_action(home):
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "space", "space", "d")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("Discarded 2 sessions") for m in messages)
        assert any(m.startswith("Restored 2 sessions") for m in messages)
        assert not any("file(s)" in m or "rows" in m for m in messages)


async def test_the_status_line_follows_a_window_widened_right_after_it_was_narrowed(home):
    """20x5 then 200x50 at once: the status line kept its 20-column form."""
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.resize_terminal(20, 5)
        await pilot.resize_terminal(200, 50)
        await pilot.pause(0.3)
        assert "sort: newest" in str(app.status.render())


def test_a_damaged_file_in_the_trash_shows_its_whole_name_and_is_restored_as_a_file(tmp_path):
    from snaptui.base import clock
    from snaptui.sources.recovery import TRASH_DIR
    from snaptui.tui import work
    from snaptui.tui.trashview import describe

    directory = tmp_path / "recovery"
    directory.mkdir()
    name = "markup-damaged-[bold red]X-with-a-name-longer-than-forty-characters_session_snapshot.json"
    (directory / name).write_text("{ not json")
    from snaptui.catalog.scan import scan

    (damaged,) = scan(str(directory)).damaged
    trash.discard(str(directory), [damaged])
    (t,) = trash.list_trash(str(directory))
    line = describe(t, NOW)
    assert name in line and line.endswith("(not a valid snapshot)")
    done = work.restore(str(directory), [t], clock.fixed(NOW))
    assert done.text == "Restored 1 file." and (directory / name).exists()
    assert not any((directory / TRASH_DIR).iterdir())


@pytest.mark.parametrize("height", [15, 12, 10])
async def test_the_trash_in_a_short_terminal_shows_its_rows_and_its_page_keys_work(home, height):
    """At 16 rows or fewer the list had no height: its rows were invisible (enter restored one
    unseen) and page up or down crashed (Textual's OptionList, KeyError)."""
    from textual.widgets import OptionList

    app = make_app(home)
    async with app.run_test(size=(140, height)) as pilot:
        await settle(pilot)
        await pilot.press("down", "d")
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        assert isinstance(app.screen, TrashScreen)
        options = app.screen.query_one(OptionList)
        assert options.size.height >= 1 and options.option_count == 1
        await pilot.press("pageup", "pagedown", "end", "home")
        await pilot.pause(0.2)
        assert app.is_running and isinstance(app.screen, TrashScreen)


def test_a_discarded_leftover_or_damaged_file_is_named_so_with_its_name_s_end():
    """"Discarded 099950d8-…_session_snapshot.json.… to the trash": the cut took ".tmp", and it
    read as the snapshot beside the leftover."""
    from snaptui.sources.records import DamagedFile, Leftover
    from snaptui.tui.work import describe

    name = "099950d8-1600-46f0-9ac3-3d9c11e20b8f_session_snapshot.json.tmp.2f9a1c"
    leftover = Leftover(f"snapshot:/r/{name}", f"/r/{name}", name, "/r/x.json", "newer", "a newer state", 10, 0)
    said = describe(leftover)
    assert said.startswith("the leftover 099950d8") and said.endswith(".json.tmp.2f9a1c") and len(said) < 80
    damaged = DamagedFile("snapshot:/r/x.json", "snapshot", "/r/x.json", "x.json", "not JSON")
    assert describe(damaged) == "the damaged file x.json"


async def test_the_footer_under_the_command_palette_names_the_palette_s_keys(home):
    app = make_app(home)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        shown = main_footer(app)
        assert "esc Close" in shown and "Run" in shown and "Resume" not in shown and "Mark" not in shown
        await pilot.press("escape")
        await pilot.pause(0.3)
        shown = main_footer(app)
        assert "Resume" in shown and "Run" not in shown


def main_footer(app) -> str:
    """The list screen's footer, under whatever is open over it."""
    return " ".join(f"{k.key_display} {k.description}" for k in app.screen_stack[0].query_one(SnapFooter).children)


@pytest.mark.parametrize("size", [(30, 8), (40, 12)])
async def test_help_in_a_tiny_terminal_shows_its_text_and_scrolls(home, size):
    app = make_app(home)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.3)
        text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "move up" in text, text
        for _ in range(30):
            await pilot.press("down")
        await pilot.pause(0.3)
        text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "move up" not in text  # scrolled on
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert app.screen is app.screen_stack[0]
