"""``snaptui stats``: what crashes cost, by day, project and last tool.

The figures are pure functions of the catalog's records (no Textual, no
files); the command is run as a person runs it, and its sums are checked
against what ``list --json`` reports for the same sessions.
"""

from __future__ import annotations

import json
import math
import os
import time
from datetime import date, datetime

import pytest

import opendev_fixtures as fx
from helpers import DAY, MIN, write
from snaptui.cli.cmd_stats import parse_days
from snaptui.cli.parse import UsageError
from snaptui.present import stats
from snaptui.present.cells import bar, width
from snaptui.present.stats_text import render, section
from snaptui.sources.records import LastTool, Session

UTC_ENV = {"TZ": "UTC"}


def rec(sid: str, ts: int, cost: float | None = 1.0, *, project: str = "/srv/app", last: tuple | None = ("bash", True),
        source: str = "snapshot") -> Session:
    return Session(key=f"{source}:{sid}", source=source, path=f"/r/{sid}", name=sid, identity=(0, 0, 0, 0),
                   is_link=False, session_id=sid, project_dir=project, timestamp_ms=ts, completed=False,
                   message_count=3, cost_usd=cost, last_tool=None if last is None else LastTool(*last), failures=0,
                   tool_names="")


def ms(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> int:
    """A local time, in ms since the epoch."""
    return int(datetime(year, month, day, hour, minute).timestamp() * 1000)


# -- the figures -------------------------------------------------------------------------


def test_days_are_local_dates_newest_first(tz):
    tz("XYZ-10")  # UTC+10: 20:00 UTC is the next morning here
    sessions = [rec("a", ms(2026, 11, 24, 0, 30), 1.0), rec("b", ms(2026, 11, 23, 23, 50), 2.0),
                rec("c", ms(2026, 11, 24, 23, 59), 0.25), rec("d", ms(2026, 11, 20), None, source="opendev")]
    got = stats.compute(sessions)
    assert got.by_day == [
        stats.DayRow("2026-11-24", 2, 1.25, 2), stats.DayRow("2026-11-23", 1, 2.0, 1),
        stats.DayRow("2026-11-20", 1, 0.0, 0)]
    assert (got.interrupted, got.cost_at_stake, got.priced) == (4, 3.25, 3)


def test_a_time_past_year_9999_has_no_date_and_comes_last(tz):
    tz("UTC")
    got = stats.compute([rec("far", 2**63, 1.0), rec("now", ms(2026, 1, 2), 1.0)])
    assert [r.date for r in got.by_day] == ["2026-01-02", None]
    assert stats.as_json(got)["by_day"][1] == {"date": None, "interrupted": 1, "cost": 1.0}


def test_projects_costliest_first_and_store_sessions_add_nothing():
    sessions = [rec("a", 1, 1.0, project="/cheap"), rec("b", 2, 1.0, project="/cheap"),
                rec("c", 3, 5.0, project="/dear"), rec("d", 4, None, project="/store", source="opendev"),
                rec("e", 5, None, project="/dear", source="opendev"), rec("f", 6, 0, project="/zero")]
    got = stats.compute(sessions)
    assert [(r.project_dir, r.interrupted, r.cost, r.priced) for r in got.by_project] == [
        ("/dear", 2, 5.0, 1), ("/cheap", 2, 2.0, 2), ("/store", 1, 0.0, 0), ("/zero", 1, 0.0, 1)]
    assert got.cost_at_stake == 7.0 and got.priced == 4


def test_last_tools_count_sessions_and_failures_never_an_unfinished_call():
    sessions = [rec("a", 1, last=("bash", False)), rec("b", 2, last=("bash", True)),
                rec("c", 3, last=("bash", False)), rec("d", 4, last=("Edit", None), source="opendev"),
                rec("e", 5, last=("Edit", None), source="opendev"), rec("f", 6, last=("Edit", False)),
                rec("g", 7, last=None), rec("h", 8, last=("Read", True))]
    got = stats.compute(sessions)
    assert got.by_last_tool == [stats.ToolRow("bash", 3, 2, 0), stats.ToolRow("Edit", 3, 1, 2),  # ties: most failed
                                stats.ToolRow("Read", 1, 0, 0)]
    assert got.no_tool == 1
    assert stats.as_json(got)["by_last_tool"][1] == {"name": "Edit", "sessions": 3, "failed": 1}


def test_sums_are_exact_in_any_order():
    costs = [0.1] * 10 + [1e16, 1.0, -1e16]
    forward = stats.compute([rec(str(i), i, c) for i, c in enumerate(costs)])
    backward = stats.compute([rec(str(i), i, c) for i, c in enumerate(reversed(costs))])
    assert forward.cost_at_stake == backward.cost_at_stake == math.fsum(costs) == 2.0


def test_a_sum_beyond_a_double_is_null_in_json_and_said_so_to_a_person():
    got = stats.compute([rec("a", 1, 1.7e308, project="/p"), rec("b", 2, 1.7e308, project="/p")])
    assert got.cost_at_stake == math.inf
    as_json = json.loads(stats.json_bytes(got))
    assert as_json["cost_at_stake"] is None and as_json["by_project"][0]["cost"] is None
    text = render(got, where="here", days=None, columns=80, now_ms=0)
    assert "over $1.80e+308 at stake" in text  # (it read "$? at stake")


def test_days_counts_whole_local_days_and_keeps_the_future(tz):
    tz("XYZ+5")  # UTC-5
    now = ms(2026, 11, 24, 1, 0)
    assert stats.first_day(1, now) == date(2026, 11, 24)
    assert stats.first_day(7, now) == date(2026, 11, 18)
    assert stats.first_day(10**9, now) is None  # before year 1: every day counts
    sessions = [rec("today", ms(2026, 11, 24, 0, 5)), rec("yesterday", ms(2026, 11, 23, 23, 55)),
                rec("week", ms(2026, 11, 18, 0, 1)), rec("older", ms(2026, 11, 17, 23, 59)),
                rec("future", ms(2027, 1, 1)), rec("far", 2**63)]
    names = lambda days: [s.session_id for s in stats.within(sessions, stats.first_day(days, now))]  # noqa: E731
    assert names(1) == ["today", "future", "far"]
    assert names(2) == ["today", "yesterday", "future", "far"]
    assert names(7) == ["today", "yesterday", "week", "future", "far"]
    got = stats.compute(sessions, since=stats.first_day(7, now))
    assert got.interrupted == 5 and sum(r.interrupted for r in got.by_project) == 5  # every section, filtered


@pytest.mark.parametrize("bad", ["0", "-1", "1.5", "7d", "", " 7", "٣", "+3"])
def test_days_must_be_a_whole_number_of_days(bad):
    with pytest.raises(UsageError):
        parse_days(bad)
    assert parse_days("30") == 30 and parse_days(None) is None


# -- what a person sees ---------------------------------------------------------------------


def test_bars_are_eighths_scaled_to_the_largest():
    assert bar(10, 10, 5) == "█████"
    assert bar(5, 10, 5) == "██▌"
    assert bar(0.0001, 10, 5) == "▏"  # above zero: seen
    assert bar(0, 10, 5) == bar(-3, 10, 5) == bar(5, 0, 5) == bar(5, math.inf, 5) == bar(5, 10, 0) == ""


@pytest.mark.parametrize("columns", [100, 60, 40, 24, 10])
def test_numbers_are_never_cut_and_lines_fit_when_they_can(columns):
    rows = [("/home/someone/a/very/long/path/to/a/project/called/api-server", ["1,204", "$1,204,000.50"], 1204.0),
            ("/x", ["3", "$0.0042"], 0.0042), ("/y", ["12", "—"], 0.0)]
    lines = section("By project (bars: cost)", ["sessions", "cost"], rows, columns, path_labels=True)
    for (_, numbers, _), line in zip(rows, lines[2:], strict=True):
        assert all(n in line for n in numbers)
    if columns >= 40:
        assert all(width(line) <= columns for line in lines)
        assert "api-server  " in lines[2] and ("…" in lines[2]) == (columns < 100)  # a path is cut at its start
        assert ("█" in lines[2] and "▏" in lines[3]) == (columns >= 60)


def test_the_human_form_says_store_sessions_have_no_cost():
    mixed = stats.compute([rec("a", 1, 2.5, project="/p"), rec("b", 2, None, project="/q", source="opendev")])
    text = render(mixed, where="here", days=None, columns=100, now_ms=0)
    assert "2 interrupted sessions in here" in text
    assert "$2.50 at stake; 1 session from opendev's store records no cost and count as $0" in text
    (q,) = [line for line in text.splitlines() if line.startswith("  /q")]
    assert q.split()[1:] == ["1", "—"]
    only_store = stats.compute([rec("b", 2, None, source="opendev")])
    text = render(only_store, where="here", days=None, columns=100, now_ms=0)
    assert "No cost recorded: opendev's store keeps none" in text and "(bars: sessions)" in text


def test_hostile_names_are_shown_not_obeyed():
    evil = "\x1b]0;pwned\x07\x1b[2J[bold]x[/]\u202e\x00"
    got = stats.compute([rec("a", 1, 1.0, project="/p/\x1b[31mred\r", last=(evil, False))])
    text = render(got, where="here", days=None, columns=100, now_ms=0)
    assert not any(c in text for c in "\x1b\x07\x00\r\u202e")
    assert "␛]0;pwned␇␛[2J[bold]x[/]⟨U+202E⟩␀" in text and "/p/␛[31mred␍" in text


# -- the command ----------------------------------------------------------------------------


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def local_date(timestamp_ms: int) -> str:
    return datetime.fromtimestamp(timestamp_ms / 1000).astimezone().date().isoformat()


@pytest.fixture
def both(tmp_path, recovery, monkeypatch):
    """Snapshots (with a completed one, a damaged file and awkward costs) and an opendev store."""
    now = now_ms()
    write(recovery, "s-today", ts=now - 5 * MIN, cost=1.25, project="/srv/app",
          tools=(("bash", True, "ok"), ("edit_file", False, "no")))
    write(recovery, "s-int-cost", ts=now - 2 * DAY, cost=3, project="/srv/app", tools=(("bash", False, "x"),))
    write(recovery, "s-tiny", ts=now - 3 * DAY, cost=0.1, project="/srv/other")
    write(recovery, "s-old", ts=now - 40 * DAY, cost=0.2, project="/srv/other", tools=())
    write(recovery, "s-done", ts=now - MIN, cost=99.0, completed=True)
    (recovery / "bad.json").write_bytes(b"{")
    root = tmp_path / "opendev"
    project = str(tmp_path / "proj")
    os.makedirs(project)
    fx.died_mid_turn(root, project, sid="bbbbbbbbbbbb", now_ns=fx.T0_NS)
    fx.stopped_with_error(root, project, sid="cccccccccccc", now_ns=fx.T0_NS + 60_000_000_000)
    monkeypatch.setenv("OPENDEV_DIR", str(root))
    return recovery


def stats_json(cli, *args):
    run = cli("stats", "--json", *args, env=UTC_ENV)
    assert run.code == 0, run
    return json.loads(run.out)


def list_json(cli, *args):
    run = cli("list", "--json", *args, env=UTC_ENV)
    assert run.code == 0, run
    return json.loads(run.out)


def test_sums_equal_what_list_json_reports(cli, both):
    listed = list_json(cli, "--dir", str(both))
    got = stats_json(cli, "--dir", str(both))
    assert {o["source"] for o in listed} == {"snapshot", "opendev"}
    cost = lambda o: o.get("cost_usd") or 0  # noqa: E731 - the store's sessions have none
    assert got["interrupted"] == len(listed) == 6
    assert got["cost_at_stake"] == math.fsum(cost(o) for o in listed) == 4.55
    assert sum(r["interrupted"] for r in got["by_day"]) == got["interrupted"]
    assert sum(r["interrupted"] for r in got["by_project"]) == got["interrupted"]
    when = lambda o: o.get("snapshot_timestamp_ms", o.get("stopped_at_ms"))  # noqa: E731
    days: dict[str, list] = {}
    for o in listed:
        days.setdefault(local_date(when(o)), []).append(o)
    assert got["by_day"] == [{"date": d, "interrupted": len(os_), "cost": math.fsum(cost(o) for o in os_)}
                             for d, os_ in sorted(days.items(), reverse=True)]
    projects: dict[str, list] = {}
    for o in listed:
        projects.setdefault(o["project_dir"], []).append(o)
    assert sorted((r["project_dir"], r["interrupted"], r["cost"]) for r in got["by_project"]) == sorted(
        (p, len(os_), math.fsum(cost(o) for o in os_)) for p, os_ in projects.items())
    assert [r["cost"] for r in got["by_project"]] == sorted((r["cost"] for r in got["by_project"]), reverse=True)
    assert got["by_last_tool"] == [{"name": "bash", "sessions": 2, "failed": 1},  # s-int-cost, s-tiny
                                   {"name": "edit_file", "sessions": 1, "failed": 1},  # s-today
                                   {"name": "Bash", "sessions": 1, "failed": 0},  # asked for, never finished
                                   {"name": "Read", "sessions": 1, "failed": 0}]  # the last saved turn's


def test_each_source_alone(cli, both):
    only_store = stats_json(cli, "--dir", str(both), "--source", "opendev")
    assert only_store["interrupted"] == 2 and only_store["cost_at_stake"] == 0
    assert [r["cost"] for r in only_store["by_project"]] == [0.0]
    only_snapshots = stats_json(cli, "--dir", str(both), "--source", "snapshot")
    assert only_snapshots["interrupted"] == 4 and only_snapshots["cost_at_stake"] == 4.55
    assert stats_json(cli, "--dir", str(both), "--store", "off") == only_snapshots


def test_days_filters_every_section(cli, both):
    got = stats_json(cli, "--dir", str(both), "--days", "3")  # today, yesterday, the day before
    assert got["interrupted"] == 2 and got["cost_at_stake"] == 4.25  # the store's sessions are from 2023
    assert sum(r["interrupted"] for r in got["by_day"]) == sum(r["interrupted"] for r in got["by_project"]) == 2
    assert sum(r["sessions"] for r in got["by_last_tool"]) == 2
    run = cli("stats", "--dir", str(both), "--days", "0")
    assert run.code == 2 and "--days needs a whole number" in run.err and run.out == ""


def test_the_table_a_person_reads(cli, both):
    run = cli("stats", "--dir", str(both), env={**UTC_ENV, "COLUMNS": "72"})
    assert run.code == 0, run
    lines = run.out.splitlines()
    prose = " ".join(run.out.split())
    assert prose.startswith("6 interrupted sessions in ")
    assert "$4.55 at stake; 2 sessions from opendev's store record no cost and count as $0" in prose
    assert all(width(line) <= 72 for line in lines[lines.index(""):])  # the tables (a long path may run over above)
    (app,) = [line for line in lines if line.startswith("  /srv/app")]
    assert app.split()[1:3] == ["2", "$4.25"] and "█" in app
    assert "1 session stopped while a tool the model had just asked for was running" in prose
    assert "1 session kept no tool result." in prose
    week = cli("stats", "--dir", str(both), "--days", "7", env=UTC_ENV)
    assert "3 interrupted sessions in the last 7 days (since " in " ".join(week.out.split())
    empty = cli("stats", "--dir", str(both), "--source", "snapshot", "--days", "1", env=UTC_ENV)
    assert empty.out.startswith(("1 interrupted session today in", "No interrupted sessions today in"))


def test_hostile_snapshots_through_the_command(cli, recovery):
    write(recovery, "evil", name="evil_session_snapshot.json", project="/p/\x1b[31mred\u202e",
          tools=(("\x1b]0;pwned\x07[b]x[/]", False, "o"),))
    run = cli("stats", "--dir", str(recovery))
    assert run.code == 0, run
    assert not any(c in run.out for c in "\x1b\x07\u202e")
    assert "␛]0;pwned␇[b]x[/]" in run.out and "/p/␛[31mred⟨U+202E⟩" in run.out
    got = stats_json(cli, "--dir", str(recovery))
    assert got["by_last_tool"] == [{"name": "\x1b]0;pwned\x07[b]x[/]", "sessions": 1, "failed": 1}]
    assert got["by_project"][0]["project_dir"] == "/p/\x1b[31mred\u202e"  # JSON: as list --json has it


def test_nothing_interrupted(cli, tmp_path):
    run = cli("stats", "--dir", str(tmp_path / "none"))
    assert run.code == 0 and run.out.startswith(f"No interrupted sessions: {tmp_path / 'none'} does not exist")
    (tmp_path / "empty").mkdir()
    run = cli("stats", "--dir", str(tmp_path / "empty"))
    assert run.code == 0 and run.out.startswith(f"No interrupted sessions in {tmp_path / 'empty'}")
    assert stats_json(cli, "--dir", str(tmp_path / "none")) == {
        "interrupted": 0, "cost_at_stake": 0.0, "by_day": [], "by_project": [], "by_last_tool": []}


def test_help_says_what_days_does(cli):
    run = cli("stats", "--help")
    assert run.code == 0 and "--days N" in run.out and "in every section and total" in run.out.replace("\n", " ")


def test_every_total_is_the_same_exact_sum(cli, tmp_path):
    """A plain sum of -1e16, 1 and 1e16 is 0: the list's header, check's notice, stats and
    the TUI's status line all add costs up exactly."""
    from snaptui.catalog.scan import scan
    from snaptui.present.viewmodel import build_view

    d = tmp_path / "rec"
    d.mkdir()
    for i, cost in enumerate((-1e16, 1.0, 1e16)):
        write(d, f"cost{i}", cost=cost, ts=1_777_000_000_000 + i)
    listed = cli("list", "--dir", str(d), "--store", "off")
    assert listed.code == 0 and "$1.00 at stake" in listed.out
    checked = cli("check", "--dir", str(d), "--store", "off")
    assert "($1.00)" in checked.out
    figures = cli("stats", "--dir", str(d), "--store", "off", "--json")
    assert json.loads(figures.out)["cost_at_stake"] == 1.0
    catalog = scan(str(d))
    assert catalog.cost_at_stake == 1.0 and build_view(catalog, now_ms=1_777_000_000_000).matched_cost == 1.0
