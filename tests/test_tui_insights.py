"""The insights screen (``i``) and the copy keys (``c``, ``E``, ``p``), driven as a person would.

The charts must show the figures ``snaptui stats --json`` prints for the same
sessions; choosing a day or a project must list exactly the sessions its bar
counted; what the copy keys put on the clipboard is checked byte for byte.
"""

from __future__ import annotations

import json
import os

import opendev_fixtures as fx
from snaptui import __version__
from snaptui.actions.resume import plan
from snaptui.base import clock
from snaptui.present import humanfmt, report
from snaptui.present.viewmodel import SESSION, Only
from snaptui.settings.config import DEFAULTS
from snaptui.sources.records import Session
from snaptui.tui.app import SnaptuiApp
from snaptui.tui.insights import DayChart, InsightsScreen, ProjectChart, ToolChart
from tui_support import NOW, make_app, settle

SIZE = (140, 40)


def chart_text(widget) -> str:
    return "\n".join(widget.render_line(y).text.rstrip() for y in range(widget.size.height))


def shown_sessions(app) -> list[Session]:
    return [r.item for r in app.session_list.rows if r.kind == SESSION]


def status(app) -> str:
    return str(app.status.render())


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def open_insights(pilot) -> InsightsScreen:
    await pilot.press("i")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InsightsScreen)
    return screen


# -- the figures ------------------------------------------------------------------------------


async def test_the_charts_show_the_figures_of_stats_json(home, cli):
    app = make_app(home)
    run = cli("stats", "--json", "--dir", str(home / "recovery"), "--store", "off",
              env={"TZ": "UTC", "HOME": str(home)})
    assert run.code == 0, run
    expected = json.loads(run.out)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_insights(pilot)
        ins = screen.days.figures
        assert ins is not None
        assert ins.stats.interrupted == expected["interrupted"] == 9
        assert ins.stats.cost_at_stake == expected["cost_at_stake"]
        head = str(screen.head.render())
        assert "9 interrupted" in head and f"{humanfmt.cost(expected['cost_at_stake'])} at stake" in head

        # Per day: the last 30 days, each as stats counts it; the one before them is said.
        by_date = {d["date"]: d for d in expected["by_day"]}
        assert len(ins.days) == 30 and ins.days[-1].day.isoformat() == "2026-11-24"
        for day in ins.days:
            want = by_date.pop(day.day.isoformat(), {"interrupted": 0, "cost": 0.0})
            assert (day.interrupted, day.cost) == (want["interrupted"], want["cost"])
        assert [d["date"] for d in by_date.values()] == ["2026-10-14"]  # a month ago: before the chart
        days = chart_text(screen.days)
        assert "1 earlier session ($3.02) before this chart." in days
        assert "Today 24 Nov: 4 sessions, $6.17" in days  # the latest day with a session is selected
        for _ in range(3):
            await pilot.press("left")
        await pilot.pause()
        assert "Sat 21 Nov: 1 session, $7.81" in chart_text(screen.days)
        await pilot.press("right", "enter")  # a day without a session: nothing to list
        await pilot.pause()
        assert isinstance(app.screen, InsightsScreen) and app.only is None
        assert "No interrupted session on Sun 22 Nov." in notes(app)

        # Per project: the costliest ten, with the amounts and the counts of stats.
        lines = chart_text(screen.projects).splitlines()
        assert lines[0] == "Cost at stake per project"
        rows = lines[2:]
        assert len(rows) == len(expected["by_project"]) == 9
        for line, want in zip(rows, expected["by_project"], strict=True):
            name = humanfmt.home_short(want["project_dir"])
            assert name in line
            assert line.split()[-2:] == [humanfmt.cost(want["cost"]), str(want["interrupted"])], line

        # The last tools, with how many failed and the share.
        tools = chart_text(screen.tools).splitlines()
        for want in expected["by_last_tool"]:
            line = next(t for t in tools if t.strip().startswith(want["name"] + " "))
            share = round(100 * want["failed"] / want["sessions"])
            assert line.split()[-3:] == [str(want["sessions"]), str(want["failed"]), f"{share}%"], line
        assert "█ failed  ░ succeeded" in "\n".join(tools)


async def test_store_sessions_count_without_a_cost_and_pending_tools_never_fail(home, cli):
    root = home / "opendev"
    fx.died_mid_turn(root, str(home / "proj-a"), sid="bbbbbbbbbbbb")
    app = SnaptuiApp(str(home / "no-recovery"), settings=dict(DEFAULTS), cache_dir=str(home / "cache"),
                     state_dir=str(home / "state"), source="--dir", clock=clock.fixed(fx.ms(fx.T0_NS) + 3_600_000),
                     watch_interval=None, store_roots=(str(root),))
    run = cli("stats", "--json", "--dir", str(home / "no-recovery"), "--store", str(root),
              env={"TZ": "UTC", "HOME": str(home)})
    expected = json.loads(run.out)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_insights(pilot)
        assert expected["interrupted"] == 1 and expected["by_last_tool"][0]["failed"] == 0
        head = str(screen.head.render())
        assert "1 interrupted" in head and "at stake" not in head and "1 with no cost recorded" in head
        projects = chart_text(screen.projects)
        assert "~/proj-a" in projects and projects.splitlines()[2].split()[-2:] == ["—", "1"]
        assert "— no cost recorded (opendev's store)" in projects
        tools = chart_text(screen.tools)
        name = expected["by_last_tool"][0]["name"]
        row = next(line.split() for line in tools.splitlines() if line.split()[:1] == [name])
        assert row[-3:] == ["1", "0", "0%"] and set(row[1]) == {"▓"}, tools
        assert "▓ pending" in tools and "not a failure" in tools


# -- choosing a day or a project -----------------------------------------------------------------


async def test_enter_on_a_project_lists_its_sessions_and_escape_lists_all_again(home):
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_insights(pilot)
        await pilot.press("tab")
        assert isinstance(app.focused, ProjectChart)
        await pilot.press("down")  # the second costliest: payments
        await pilot.pause()
        chosen = screen.projects.figures.projects[1].project_dir
        assert chosen.endswith("/projects/payments")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, InsightsScreen)
        assert app.only == Only(project_dir=chosen)
        shown = shown_sessions(app)
        assert [s.project_dir for s in shown] == [chosen]
        assert app.session_list.current.item is shown[0]
        assert "project: ~/projects/payments" in status(app) and "1 of 9 · $12.95" in status(app)
        assert "escape clears" in status(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.only is None and len(shown_sessions(app)) == 9
        assert "project:" not in status(app)


async def test_enter_on_a_day_lists_that_days_sessions(home):
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"api", "enter")  # a typed filter gives way to the day chosen
        await settle(pilot)
        await open_insights(pilot)
        assert isinstance(app.focused, DayChart)
        await pilot.press("enter")  # today, selected at first
        await settle(pilot)
        assert app.only == Only(day="2026-11-24") and app.query_text == "" and not app.filter_box.display
        shown = shown_sessions(app)
        assert len(shown) == 4
        assert all(humanfmt.local_time(s.timestamp_ms).date().isoformat() == "2026-11-24" for s in shown)
        assert "day: Tue 24 Nov 2026" in status(app) and "4 of 9 · $6.17" in status(app)


async def test_a_double_click_on_a_bar_lists_that_days_sessions(home):
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_insights(pilot)
        columns = screen.days.columns
        index = next(i for i, d in enumerate(screen.days.figures.days) if d.day.isoformat() == "2026-11-12")
        x = columns.x0 + (index - columns.first) * columns.step + 1  # the chart's left padding
        await pilot.click(DayChart, offset=(x, columns.bottom_y))
        await pilot.pause()
        assert screen.days.cursor == index and isinstance(app.screen, InsightsScreen)
        assert "Thu 12 Nov: 1 session, $2.64" in chart_text(screen.days)
        await pilot.double_click(DayChart, offset=(x, columns.bottom_y))
        await settle(pilot)
        assert app.only == Only(day="2026-11-12")
        assert [s.project_dir.rsplit("/", 1)[-1] for s in shown_sessions(app)] == ["scheduler"]


async def test_escape_goes_back_as_it_was(home):
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down")
        before = app.session_list.current
        await open_insights(pilot)
        await pilot.press("d")  # the list's keys do nothing here
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, InsightsScreen)
        assert app.only is None and app.session_list.current is before and len(shown_sessions(app)) == 9
        await open_insights(pilot)
        await pilot.press("i")  # i closes it too
        await settle(pilot)
        assert not isinstance(app.screen, InsightsScreen)


async def test_the_insights_count_again_after_a_discard(home):
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down")
        gone = app.session_list.current.item.project_dir
        assert gone.endswith("/projects/api-server")
        await pilot.press("d")
        await settle(pilot)
        screen = await open_insights(pilot)
        assert screen.days.figures.stats.interrupted == 8
        assert gone not in [p.project_dir for p in screen.projects.figures.projects]
        assert "api-server" not in chart_text(screen.projects)


async def test_the_palette_offers_the_insights_and_the_copy_keys(home):
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        names = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Insights", "Copy command", "Copy report", "Copy prompt"} <= names


async def test_the_insights_at_80x24_show_every_chart(home):
    app = make_app(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_insights(pilot)
        for chart in (screen.days, screen.projects, screen.tools):
            assert chart.region.height and chart.region.bottom <= 23  # above the footer
        assert "…/dotfiles" in chart_text(screen.projects)  # the last row shows
        assert "read_file" in chart_text(screen.tools)
        assert isinstance(screen.tools, ToolChart)


# -- the copy keys -------------------------------------------------------------------------------


async def test_c_copies_the_resume_command(home):
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        session = app.session_list.current.item
        await pilot.press("c")
        await settle(pilot)
        expected = plan(DEFAULTS["resume_command"], session).display()
        assert app.clipboard == expected and expected.startswith("opendev -d ~/projects/webapp -r ")
        assert any(n.startswith(f"The resume command of {session.session_id[:8]}: opendev -d") for n in notes(app))


async def test_shift_e_copies_the_markdown_report(home):
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down")  # api-server: not running, with failed tool results
        session = app.session_list.current.item
        await pilot.press("e")
        await settle(pilot)
        facts = report.gather(session, template=DEFAULTS["resume_command"])
        expected = report.build([(session, facts)], now_ms=NOW, version=__version__)
        assert app.clipboard == expected
        assert "### Kept tool results" in expected and "\x1b" not in expected
        assert any(n.startswith(f"The Markdown crash report of {session.session_id[:8]} (") for n in notes(app))


def store_app(home, root) -> SnaptuiApp:
    """The app on opendev's store under ``root`` (its files long settled) and no snapshots."""
    for path in root.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000), follow_symlinks=False)
    return SnaptuiApp(str(home / "recovery"), settings=dict(DEFAULTS), cache_dir=str(home / "cache"),
                      state_dir=str(home / "state"), source="--dir", clock=clock.fixed(NOW),
                      watch_interval=None, store_roots=(str(root),))


async def test_p_copies_the_lost_prompt_verbatim_but_no_raw_control(home):
    root = home / "opendev"
    typed = "Keep the \u202eorder\u202c and\n\tthe tab; the log had \x1b]52;c;aGk=\x07 in it \U0001F600"
    s = fx.new_session(root, str(home / "proj-a"), "bbbbbbbbbbbb")
    s.turn("Fix the config loader", [[fx.READ]], reply="Found it.")
    s.turn(typed, [[fx.EDIT]], end="crash")
    fx.died_mid_turn(root, str(home / "proj-b"), sid="cccccccccccc")
    app = store_app(home, root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        by_id = {r.item.session_id: i for i, r in enumerate(app.session_list.rows) if r.kind == SESSION}
        app.session_list.action_jump(0)
        while app.session_list.current.item.session_id != "cccccccccccc":
            await pilot.press("down")
        await pilot.press("p")
        await pilot.pause()
        assert app.clipboard == "Please also handle whitespace-only files"
        assert any(n.startswith("The lost prompt of cccccccc (40 characters): \u201cPlease also") for n in notes(app))

        assert set(by_id) == {"bbbbbbbbbbbb", "cccccccccccc"}
        while app.session_list.current.item.session_id != "bbbbbbbbbbbb":
            await pilot.press("up" if by_id["bbbbbbbbbbbb"] < app.session_list.cursor else "down")
        await pilot.press("p")
        await pilot.pause()
        # Newlines, tabs, bidi marks and emoji as typed; the escape and the bell as the UI shows them.
        assert app.clipboard == typed.replace("\x1b", "␛").replace("\x07", "␇")
        note = notes(app)[-1]
        assert "2 control characters copied as they are shown" in note and "\x1b" not in note


async def test_p_copies_a_prompt_longer_than_snaptui_keeps_without_its_marker_and_says_so(home):
    from snaptui.sources.opendev_common import CUT_MARK, TEXT_CAP

    root = home / "opendev"
    s = fx.new_session(root, str(home / "proj"), "dddddddddddd")
    s.turn("Fix the config loader", [[fx.READ]], reply="Found it.")
    s.turn("log line\n" * 20_000, [[fx.EDIT]], end="crash")
    app = store_app(home, root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.session_list.current.item.lost_turn.prompt.endswith(CUT_MARK)
        await pilot.press("p")
        await pilot.pause()
        assert app.clipboard == ("log line\n" * 20_000)[:TEXT_CAP] and "cut by snaptui" not in app.clipboard
        assert notes(app)[-1].startswith("The lost prompt of dddddddd (its first 65,536 characters: snaptui keeps")


async def test_the_copy_keys_on_what_has_nothing_to_copy(home):
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")  # a snapshot session: opendev's store holds no lost turn for it
        await pilot.pause()
        assert app.clipboard == ""
        assert "only opendev's session store keeps the prompt" in notes(app)[-1]
        await pilot.press("end", "up")  # the damaged file
        await settle(pilot)
        for key in ("c", "e"):
            await pilot.press(key)
            await settle(pilot)
        assert app.clipboard == ""
        assert notes(app)[-2:] == ["Only a session has a resume command.", "Only a session has a crash report."]
