"""UI-neutral pieces of the TUI's layout, without Textual: columns, wrapping, outputs, status, contrast, footer."""

from __future__ import annotations

import pytest

from snaptui.present import columns, humanfmt
from snaptui.present.cells import width
from snaptui.present.columns import Measure, layout, session_cells
from snaptui.present.contrast import parse_hex, ratio, readable
from snaptui.present.detail import output_spans
from snaptui.present.keys import KEYS, footer_fit
from snaptui.present.safetext import strip_ansi
from snaptui.present.status import status_spans
from snaptui.present.wrap import wrap
from snaptui.sources.records import LastTool, Session

NOW = 1_795_500_000_000


def session(project="/home/ann/projects/api-server", cost=123_456.79, msgs=12_345, tool=("bash", False), **kw):
    fields = dict(key="snapshot:/r/a.json", source="snapshot", path="/r/a.json", name="a.json",
                  identity=(1, 2, 3, 4), is_link=False, session_id="0123456789abcdef", project_dir=project,
                  timestamp_ms=NOW - 26 * 60_000, completed=False, message_count=msgs, cost_usd=cost,
                  last_tool=LastTool(*tool) if tool else None, failures=1, tool_names="bash")
    fields.update(kw)
    return Session(**fields)


def row_text(s, total, live=None):
    lay = layout(total, columns.measure([s], flags=live is not None))
    cells = session_cells(s, lay, now_ms=NOW, live=live)
    return "".join(t for t, _ in cells), lay


def test_numbers_are_never_cut_and_the_project_name_stays_whole_at_80_columns():
    for total in (77, 97, 157):
        text, lay = row_text(session(), total, live="written 2m ago")
        assert width(text) == total
        assert "$123,456.79" in text and "12,345" in text and "api-server" in text and "✗ bash" in text
        assert "live?" in text


def test_a_session_without_tools_and_few_messages_keeps_every_caption_and_says_no_tools_whole():
    """At 140 columns with room to spare: "no to…" was cut, and the "#" and "id" captions dropped."""
    s = session(project="/tmp/t1/one/proj", cost=1.5, msgs=5, tool=None)
    text, lay = row_text(s, 138)
    assert "· no tools " in text and "01234567" in text
    header = columns.header_line("Today", lay)
    assert " cost " in header and " # " in header and " last tool " in header and " id " in header
    assert width(header) == 140


def test_columns_give_way_in_order_id_then_long_ages():
    _, wide = row_text(session(), 157)
    assert wide.id and not wide.short_age
    name = "a-rather-long-project-name-of-32"
    tight, lay = row_text(session(project="/home/ann/" + "p" * 30 + "/" + name), 77)
    assert lay.id == 0 and lay.short_age and name in tight and tight.lstrip().startswith("26m")


@pytest.mark.parametrize("ids,width", [
    (["3f2b9c1e-0000", "8a7d0c2f-1111"], 8),  # told apart by their first 8
    (["session-abc1", "session-abc2", "zz"], 12),
    (["aa11bb22cc33", "aa11bb22cc44", "aa11bb22cc33"], 11),  # an id in both sources: once
    (["abcdefghij", "abcdefghijk"], 11),  # one is the other's prefix: the longer shown whole
    ([], 8),
])
def test_the_id_column_is_as_wide_as_it_takes_to_tell_every_session_apart(ids, width):
    assert humanfmt.id_width(ids) == width
    sessions = [session(session_id=i, key=f"snapshot:/r/{n}.json") for n, i in enumerate(ids)]
    lay = layout(200, columns.measure(sessions, flags=False, ids=ids))
    shown = {"".join(t for t, _ in session_cells(s, lay, now_ms=NOW, live=None)).split()[-1] for s in sessions}
    assert len(shown) == len(set(ids)) and all(any(i.startswith(p) for i in ids) for p in shown)


def test_wide_rows_say_why_a_session_may_be_running():
    text, _ = row_text(session(), 200, live="written 2m ago")
    assert "live? written 2m ago" in text
    assert columns.live_words(True, 0, NOW) == "opendev works here"


def test_missing_cost_and_unfinished_tool():
    text, _ = row_text(session(cost=None, tool=("edit", None)), 90)
    assert "—" in text and "… edit" in text


def test_measure_sizes_columns_to_the_widest_value():
    m = columns.measure([session(cost=1.5, msgs=3), session(cost=100_000, msgs=100_000)], flags=False)
    assert m.cost == len("$100,000.00") and m.msgs == len("100,000")


def test_header_names_the_columns_over_them():
    lay = layout(100, Measure(cost=9, msgs=6, tool=9, path=20, name=10, flag=5))
    line = columns.header_line("Today", lay)
    assert line.startswith("─ Today ") and " cost " in line and " msgs " in line and " last tool " in line
    assert width(line) == 102


def test_file_rows_are_cut_with_an_ellipsis():
    cells = columns.file_cells("damaged", "x" * 80 + ".json", "not JSON: " + "y" * 200, 60)
    text = "".join(t for t, _ in cells)
    assert width(text) == 60 and text.count("…") == 2


def test_short_ages():
    assert [humanfmt.ago_short(NOW - s * 1000, NOW) for s in (3, 42, 26 * 60, 3 * 3600, 2 * 86400, 40 * 86400)] \
        == ["now", "42s", "26m", "3h", "2d", "40d"]  # (as the long form: days up to 45)


@pytest.mark.parametrize("seconds", [290, 3580, 5400, 6000, 7199, 9600, 86000, 3 * 86400 + 5000, 40 * 86400,
                                     46 * 86400, 200 * 86400, 351 * 86400, 500 * 86400, 729 * 86400, 1000 * 86400])
def test_the_short_age_says_what_the_long_one_says(seconds):
    """"5 minutes ago" in a wide list was "4m" in a narrow one; "2 hours ago" was "1h", "2 months
    ago" "1mo", "2 years ago" "1y"."""
    import re

    long = humanfmt.ago(NOW - seconds * 1000, NOW)
    short = humanfmt.ago_short(NOW - seconds * 1000, NOW)
    words = {"a minute": "1 minute", "an hour": "1 hour", "a day": "1 day", "a month": "1 month", "a year": "1 year"}
    for a, b in words.items():
        long = long.replace(a, b)
    number, unit = re.match(r"(\d+) (mo|\w)", long).groups()  # "1 year, 4 months": the short form's "1y"
    assert short == number + unit, (long, short)


def test_long_ages_follow_the_days_and_the_short_form_s_years():
    day = 86_400_000
    assert humanfmt.ago(NOW - 10 * day, NOW) == "10 days ago"
    assert humanfmt.ago(NOW - 18 * day, NOW) == "18 days ago"  # humanize: "a month ago", below "10 days ago"
    assert humanfmt.ago(NOW - 100 * day, NOW) == "3 months ago"
    nearly_57 = NOW - (56 * 365 + 360) * day
    assert humanfmt.ago(nearly_57, NOW) == "56 years ago" and humanfmt.ago_short(nearly_57, NOW) == "56y"
    assert humanfmt.ago(NOW + 3 * 365 * day, NOW) == "in 3 years"
    assert "in the future" in humanfmt.live_reason(False, NOW + 365 * day, NOW)
    assert humanfmt.live_reason(False, NOW - 120_000, NOW) == "its file was written 2 minutes ago"


def test_wrap_breaks_at_path_separators_and_keeps_gutters_and_labels():
    spans = [("File       ", "label"), ("/home/ann/projects/api-server/snap.json", "path"), ("\n", ""),
             ("  │ ", "gutter"), ("alpha beta gamma delta epsilon zeta eta theta", "")]
    lines = ["".join(t for t, _ in line) for line in wrap(spans, 28)]
    assert lines[0] == "File       /home/ann/"
    assert lines[1:4] == ["           projects/", "           api-server/", "           snap.json"]
    assert lines[4:] == ["  │ alpha beta gamma delta ", "  │ epsilon zeta eta theta"]
    assert all(width(line) <= 28 for line in lines)


def test_wrap_cuts_a_word_wider_than_the_line():
    lines = wrap([("x" * 50, "")], 20)
    assert ["".join(t for t, _ in line) for line in lines] == ["x" * 20, "x" * 20, "x" * 10]


def test_long_outputs_collapse_to_their_first_and_last_lines():
    text = "\n".join(f"line {i}" for i in range(2000))
    collapsed = "".join(t for t, _ in output_spans(text, ok=False, expanded=False))
    assert "line 0" in collapsed and "line 2" in collapsed and "line 1999" in collapsed
    assert "line 1000" not in collapsed and "⋯ 1,995 more lines" in collapsed
    assert "line 1000" in "".join(t for t, _ in output_spans(text, ok=False, expanded=True))


def test_colour_codes_are_dropped_everything_else_stays_visible():
    assert strip_ansi("\x1b[31mFAILED\x1b[0m \x1b[2K\x1b[1;32mok") == "FAILED ok"
    shown = "".join(t for t, _ in output_spans("\x1b[31mred\x1b[0m \x1b]52;c;eA==\x07", ok=True, expanded=False))
    assert "red" in shown and "␛]52;c;eA==␇" in shown and "\x1b" not in shown and "␛[31m" not in shown


def test_status_fits_and_counts_filter_matches_and_hidden_marks():
    from snaptui.catalog.scan import Catalog

    cat = Catalog("/r", incomplete=[session(cost=2.5), session(cost=1.0)])
    spans = status_spans("/home/ann/.opendev/data/recovery", cat, sort="newest", show_completed=False, marks=3,
                         hidden_marks=1, query="api", progress="", matched=(1, 2, 2.5), width=64)
    text = "".join(t for t, _ in spans)
    assert width(text) <= 64
    assert "3 marked, 1 hidden" in text and "1 of 2 · $2.50" in text and "2 interrupted" in text
    spans = status_spans("/r", cat, sort="newest", show_completed=False, marks=0, hidden_marks=0, query="store",
                         progress="", matched=(1, 2, None))  # matches that record no cost (opendev's store)
    assert "1 of 2 · —" in "".join(t for t, _ in spans)


def test_a_narrow_status_drops_its_parts_one_at_a_time_the_leftovers_after_completed_shown():
    from snaptui.catalog.scan import Catalog
    from snaptui.sources.records import DamagedFile, Leftover

    cat = Catalog("/r", incomplete=[session(cost=2.5)] * 18, completed=[session(completed=True)],
                  damaged=[DamagedFile("k", "snapshot", "/r/x.json", "x.json", "not JSON")],
                  leftovers=[Leftover("l", "/r/a.json.tmp", "a.json.tmp", "a.json", "orphan", "", 0, 0)])
    wide = "".join(t for t, _ in status_spans("/home/ann/.opendev/data/recovery", cat, sort="newest",
                                              show_completed=True, marks=0, query="", progress=""))
    assert "18 interrupted · 1 damaged · 1 leftover · $45.00 at stake · 1 completed shown  sort: newest" in wide
    seen = []
    for cut in range(width(wide), 20, -1):
        text = "".join(t for t, _ in status_spans("/home/ann/.opendev/data/recovery", cat, sort="newest",
                                                  show_completed=True, marks=0, query="", progress="", width=cut))
        assert width(text) <= cut or cut < width("18 interrupted · $45.00 at stake")
        seen.append(text)
    at_80 = seen[width(wide) - 80]
    assert "1 leftover" in at_80 and "1 damaged" in at_80 and "$45.00 at stake" in at_80
    gone = [next((i for i, t in enumerate(seen) if part not in t), len(seen))
            for part in ("completed shown", "leftover", "damaged")]
    assert gone[0] < gone[1] < gone[2]  # one at a time, never together


def test_contrast_math_and_adjustment():
    assert round(ratio((0, 0, 0), (255, 255, 255)), 1) == 21.0
    orange, grey = parse_hex("#FFA62B"), parse_hex("#D8D8D8")
    assert ratio(orange, grey) < 2
    fixed = readable(orange, [grey, parse_hex("#E0E0E0")])
    assert ratio(fixed, grey) >= 4.5 and ratio(fixed, parse_hex("#E0E0E0")) >= 4.5


def test_footer_keeps_help_and_quit_whatever_the_width():
    items = [(k.action, len(k.label) + 4) for k in KEYS if k.footer]
    for cells in (20, 40, 80, 200):
        kept = footer_fit(items, cells)
        assert {"help", "quit"} <= kept
        assert sum(w for a, w in items if a in kept) <= max(cells, 16)
    assert footer_fit(items, 500) == {a for a, _ in items}


def test_palette_offers_mark_and_every_action_key():
    offered = {k.label for k in KEYS if k.palette}
    assert {"Mark", "Resume", "Discard", "Undo", "Trash", "Detail", "Outputs", "Purge", "Filter"} <= offered


def test_a_long_output_collapses_to_its_ends_and_expands_whole():
    from snaptui.present import detail

    preview = "".join(f"line {i} \x1b[31mred\x1b[0m\n" for i in range(10_000)) + "verdict: 3 failed"
    collapsed = "".join(t for t, _ in detail.output_spans(preview, ok=False, expanded=False))
    assert "line 0 red" in collapsed and "line 2 red" in collapsed and "line 3 red" not in collapsed
    assert "⋯ 9,996 more lines (o shows every line)" in collapsed
    assert collapsed.rstrip().endswith("verdict: 3 failed") and "line 9999 red" in collapsed
    expanded = "".join(t for t, _ in detail.output_spans(preview, ok=False, expanded=True))
    assert all(f"line {i} red\n" in expanded for i in (0, 5_000, 9_999)) and "more characters" not in expanded
    assert "\x1b" not in expanded and "\x1b" not in collapsed
    huge = "x" * (detail.MAX_PREVIEW_CHARS + 5)
    cut = "".join(t for t, _ in detail.output_spans(huge, ok=True, expanded=True))
    assert "… and 5 more characters, past the 1,000,000 shown here" in cut


def test_a_word_wider_than_many_lines_is_cut_into_full_lines():
    from snaptui.present.cells import width
    from snaptui.present.wrap import wrap

    for word in ("x" * 5_000, "界" * 5_000, "é界" * 2_500, "界" + "x" * 4_999):
        lines = wrap([("  │ ", "gutter"), (word, "")], 41)
        assert "".join(t for line in lines for t, role in line if role != "gutter") == word
        assert all(line[0] == ("  │ ", "gutter") for line in lines)
        widths = [sum(width(t) for t, _ in line) for line in lines]
        assert max(widths) <= 41 and all(w >= 40 for w in widths[:-1])  # full, but for a wide character's cell


def test_a_long_note_under_the_files_wraps_under_itself():
    from snaptui.present.changes import _notes
    from snaptui.present.wrap import wrap

    class Changes:
        notes = ["opendev kept no checkpoints for this session (no folder ~/.opendev/file-history/abc/def)"]

    lines = wrap(_notes(Changes()), 60)  # type: ignore[arg-type]
    assert len(lines) >= 2
    assert all("".join(t for t, _ in line).startswith(" " * 11) for line in lines)



@pytest.mark.parametrize("total", [30, 50, 80, 140])
def test_a_leftover_row_keeps_a_gap_between_its_name_and_its_reason(total):
    from snaptui.present.columns import file_cells

    (label, _), (name, _), (why, _) = file_cells("leftover", "leftover1_session_snapshot.json.tmp",
                                                 "not JSON: unterminated string", total)
    assert name.endswith("  ") and why.startswith("not")
