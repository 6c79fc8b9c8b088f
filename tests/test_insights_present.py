"""The insights' pure parts: the list narrowed to a day or a project, the charts' lines, the clipboard's text.

No Textual here: :mod:`snaptui.present` is tested directly (the screens are
in ``test_tui_insights.py``).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snaptui.catalog.scan import Catalog
from snaptui.present import charts, insights, stats
from snaptui.present.cells import width
from snaptui.present.copytext import clip, note
from snaptui.present.status import empty_spans, status_spans
from snaptui.present.viewmodel import SESSION, Only, build_rows, build_view
from snaptui.sources.records import LastTool, Session

MIN = 60_000
DAY = 86_400_000


def rec(sid: str, ts: int, cost: float | None = 1.0, *, project: str = "/srv/app",
        last: tuple | None = ("bash", True), source: str = "snapshot") -> Session:
    return Session(key=f"{source}:{sid}", source=source, path=f"/r/{sid}", name=sid, identity=(0, 0, 0, 0),
                   is_link=False, session_id=sid, project_dir=project, timestamp_ms=ts, completed=False,
                   message_count=3, cost_usd=cost, last_tool=None if last is None else LastTool(*last), failures=0,
                   tool_names="")


def catalog(sessions: list[Session]) -> Catalog:
    return Catalog("/r", incomplete=sorted(sessions, key=lambda s: -s.timestamp_ms))


def ms(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute).timestamp() * 1000)


def text(lines: list[list[tuple[str, str]]]) -> list[str]:
    return ["".join(t for t, _ in line) for line in lines]


# -- the list narrowed to a project or a day ------------------------------------------------------


def test_only_a_project_keeps_its_sessions_and_no_damaged_file(tz):
    tz("UTC")
    now = ms(2026, 11, 24)
    cat = catalog([rec("a", now - MIN, project="/p/one"), rec("b", now - 2 * MIN, project="/p/two"),
                   rec("c", now - 3 * DAY, project="/p/one")])
    rows = build_rows(cat, now_ms=now, only=Only(project_dir="/p/one"))
    assert [r.item.session_id for r in rows if r.kind == SESSION] == ["a", "c"]
    assert [r.label for r in rows if r.kind != SESSION] == ["Today", "Saturday"]
    view = build_view(cat, now_ms=now, only=Only(project_dir="/p/one"), query="c")
    assert (view.matched, view.total, view.matched_cost) == (1, 3, 1.0)


@pytest.mark.parametrize("zone", ["UTC", "XYZ-10", "NST3:30NDT,M3.2.0,M11.1.0", "LMT-0:53:28",
                                  "AAA3BBB,M10.3.0/0,M2.3.0/0"])
def test_only_a_day_keeps_exactly_what_stats_dates_on_that_day(tz, zone):
    """Around midnights and clock changes, in zones whose offset is not a quarter hour too."""
    tz(zone)
    starts = [ms(2026, 11, 24, 0, 0), ms(2027, 2, 21, 0, 0), ms(2026, 10, 18, 0, 0), ms(2026, 3, 8, 2, 0),
              ms(2026, 11, 1, 1, 0)]
    sessions = [rec(f"s{i}-{k}", start + k * 7 * MIN + 13_000) for i, start in enumerate(starts)
                for k in range(-40, 40)]
    figures = stats.compute(sessions)
    cat = catalog(sessions)
    for row in figures.by_day:
        kept = [r.item for r in build_rows(cat, now_ms=starts[0], only=Only(day=row.date)) if r.kind == SESSION]
        assert len(kept) == row.interrupted
        assert all(stats.day_of(s.timestamp_ms).isoformat() == row.date for s in kept)


def test_the_status_line_says_what_the_list_is_narrowed_to():
    cat = catalog([rec("a", 1_000, project="/p/one")])
    spans = status_spans("/r", cat, sort="newest", show_completed=False, marks=0, query="", progress="",
                         matched=(1, 9, 1.0), only=Only(day="2026-11-27"))
    line = "".join(t for t, _ in spans)
    assert "day: Fri 27 Nov 2026  1 of 9 · $1.00  escape clears" in line
    spans = status_spans("/r", cat, sort="newest", show_completed=False, marks=0, query="", progress="",
                         matched=(1, 9, 1.0), only=Only(project_dir="/p/\x1b[2Jone"))
    assert "project: /p/␛[2Jone" in "".join(t for t, _ in spans)
    empty = "".join(t for t, _ in empty_spans("/r", cat, source="", query="", only=Only(project_dir="/p/two")))
    assert empty == "Nothing matches project /p/two. Press escape to clear the filter."


# -- the figures the charts show ----------------------------------------------------------------


def test_the_day_chart_covers_30_days_and_counts_what_it_leaves_out(tz):
    tz("UTC")
    now = ms(2026, 11, 24)
    sessions = [rec("today", now - MIN, 2.0), rec("day29", now - 29 * DAY, 1.0),
                rec("day30", now - 30 * DAY, 4.0), rec("store", now - 31 * DAY, None, source="opendev"),
                rec("future", now + 2 * DAY, 8.0)]
    ins = insights.build(stats.compute(sessions), now_ms=now)
    assert len(ins.days) == 30 and ins.days[0].day == date(2026, 10, 26) and ins.days[-1].day == date(2026, 11, 24)
    assert (ins.days[-1].interrupted, ins.days[-1].cost) == (1, 2.0)
    assert (ins.days[0].interrupted, ins.days[0].cost) == (1, 1.0)
    assert sum(d.interrupted for d in ins.days) == 2
    assert ins.before == insights.Left(2, 2, 4.0, 1)
    assert ins.after.sessions == 1
    lines, _ = charts.day_chart(ins, 78, 10, len(ins.days) - 1)
    shown = text(lines)
    assert "2 earlier sessions ($4.00) before this chart." in shown
    assert "1 session dated after today (a clock set wrong?) ($8.00) not in this chart." in shown


def test_projects_past_the_tenth_are_summed():
    sessions = [rec(f"s{i}", 1_000 + i, float(i), project=f"/p/{i:02}") for i in range(1, 14)]
    ins = insights.build(stats.compute(sessions), now_ms=10_000)
    assert [p.project_dir for p in ins.projects] == [f"/p/{i:02}" for i in range(13, 3, -1)]
    assert ins.more_projects == insights.Left(3, 3, 6.0, 3)
    lines, first = charts.project_chart(ins, 60, 0)
    shown = text(lines)
    assert shown[0] == "Cost at stake per project, top 10 of 13" and first == 2
    assert shown[first].startswith("▶ /p/13 ") and shown[first].split()[-2:] == ["$13.00", "1"]
    assert shown[-1] == "+ 3 more projects: 3 sessions, $6.00"


@pytest.mark.parametrize("share, shown", [(0.0, "0%"), (0.004, "<1%"), (0.5, "50%"), (6 / 7, "86%"),
                                          (0.996, ">99%"), (1.0, "100%")])
def test_a_failure_share_never_rounds_to_none_or_all(share, shown):
    assert insights.percent(share) == shown


# -- the charts' lines ----------------------------------------------------------------------------


def test_bars_are_in_eighths_and_any_figure_above_zero_shows():
    assert charts.eighths(1, 1_000_000, 10) == 1
    assert charts.eighths(0, 10, 10) == 0
    assert charts.eighths(5, 10, 4) == 16
    assert charts.eighths(float("inf"), 10, 4) == 0


@pytest.mark.parametrize("counts, cells, parts", [
    ([6, 0, 1], 8, ["███████", "", "░"]),  # the one success keeps a cell
    ([1, 0, 99], 4, ["█", "", "░░░"]),  # one failure in a hundred still shows
    ([0, 1, 0], 1, ["", "▓", ""]),
    ([1, 1, 1], 2, ["█", "", "░"]),  # two cells cannot show three endings
])
def test_a_tool_bar_shows_every_kind_of_ending_it_has_room_for(counts, cells, parts):
    assert charts.split(cells, counts) == parts


def test_a_path_is_cut_at_a_separator_keeping_the_project_name():
    assert charts.short_path("~/code/projects/game-engine", 14).rstrip() == "…/game-engine"
    assert charts.short_path("~/code/projects/game-engine", 10).rstrip() == "…me-engine"
    assert charts.short_path("~/x", 10) == "~/x       "


def test_date_labels_never_overlap_and_today_is_labelled():
    days = [insights.Day(date(2026, 11, d), 0, 0.0, 0) for d in range(1, 25)]
    row = charts._date_labels(days, 3, 2, 60)
    assert row.endswith("24 Nov") and row.split() == ["3", "Nov", "10", "Nov", "17", "Nov", "24", "Nov"]


@given(width_=st.integers(min_value=24, max_value=200), height=st.integers(min_value=1, max_value=40),
       names=st.lists(st.text(min_size=0, max_size=30), min_size=0, max_size=14),
       costs=st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=1e6)), min_size=14, max_size=14))
def test_no_chart_line_is_wider_than_its_chart(width_, height, names, costs):
    now = 1_795_500_000_000
    sessions = [rec(f"s{i}", now - i * 3 * DAY, costs[i], project=f"/p/{name}", last=(name, i % 3 == 0 or None))
                for i, name in enumerate(names)]
    ins = insights.build(stats.compute(sessions), now_ms=now)
    day_lines, _ = charts.day_chart(ins, width_, height, len(ins.days) - 1)
    project_lines, _ = charts.project_chart(ins, width_, 0)
    for line in [*day_lines, *project_lines, *charts.tool_chart(ins, width_, height)]:
        shown = "".join(t for t, _ in line)
        assert width(shown) <= width_, shown
        assert "\x1b" not in shown and "\n" not in shown


# -- the clipboard's text ---------------------------------------------------------------------------


def test_clip_keeps_what_a_person_types_and_shows_terminal_controls():
    typed = "line one\n\tindented \u202eRTL\u202c 😀 \x1b]52;c;aGk=\x07 \x9b31m \udc9f \ud800"
    copied = clip(typed)
    assert copied.text == "line one\n\tindented \u202eRTL\u202c 😀 ␛]52;c;aGk=␇ \\x9b31m \\x9f \ufffd"
    assert copied.replaced == 5
    copied.text.encode("utf-8")  # no lone surrogate left: Textual can encode it
    one = clip("opendev -d '/p/a\nb' -r x\ty", lines=False)
    assert one.text == "opendev -d '/p/a␊b' -r x␉y" and one.replaced == 2


def test_the_note_says_what_was_not_copied_raw_and_when_it_is_large():
    assert note("The prompt", clip("plain")) == "The prompt."
    said = note("The prompt", clip("a\x1bb"))
    assert "1 control character copied as it is shown" in said and "could act as keys" in said
    big = note("The report", clip("x" * 200_000), instead="snaptui export writes it to a file")
    assert "It is large (195.3 KiB): some terminals drop so much; snaptui export writes it to a file." in big


def test_a_day_says_how_many_of_its_sessions_record_no_cost():
    from datetime import date

    from snaptui.present.charts import day_words
    from snaptui.present.insights import Day

    today = date(2026, 11, 27)
    assert day_words(Day(today, 6, 6.17, 4), today).endswith(": 6 sessions, $6.17 (2 of them with no cost recorded)")
    assert day_words(Day(today, 2, 0.0, 0), today).endswith(": 2 sessions, no cost recorded")
    assert day_words(Day(today, 1, 1.5, 1), today).endswith(": 1 session, $1.50")


def test_the_cost_sort_puts_sessions_with_no_cost_recorded_last():
    cat = catalog([rec("none-new", 50, None), rec("zero", 10, 0.0), rec("two", 20, 2.0), rec("none-old", 5, None),
                   rec("neg", 30, -0.0)])
    rows = build_rows(cat, now_ms=100, sort="cost")
    assert [r.item.session_id for r in rows if r.kind == SESSION] == ["two", "neg", "zero", "none-new", "none-old"]
