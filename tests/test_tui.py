"""The TUI driven by keys, as a person would: what is on screen, what is on disk."""

from __future__ import annotations

import json
import os
from contextlib import asynccontextmanager

import pytest

from helpers import write
from snaptui.actions import trash as store
from snaptui.sources.records import Session
from snaptui.sources.recovery import TRASH_DIR
from snaptui.tui.dialogs import ConfirmScreen, HelpScreen, PurgeScreen
from snaptui.tui.session_list import SessionList
from tui_support import NOW, exited, make_app, screen_text, set_old, settle

MIN = 60_000
DAY = 86_400_000


def recovery_files(home):
    return sorted(p.name for p in (home / "recovery").iterdir() if p.name.endswith(".json"))


async def test_lists_interrupted_sessions_newest_first_with_sections(home):
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "─ Today " in text and "3 minutes ago" in text and "$0.62" in text
        assert text.index("3 minutes ago") < text.index("26 minutes ago") < text.index("41 days ago")
        assert "Damaged files (1)" in text and "not JSON" in text
        assert "Leftovers of interrupted writes (1)" in text
        assert "blog" not in text  # completed: hidden by default
        status = str(app.query_one("#status").render())
        assert "9 interrupted" in status and "1 damaged" in status and "$1,237.09 at stake" in status


async def test_detail_shows_every_tool_result_and_failures(home):
    app = make_app(home)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        detail = app.query_one("#detail").text
        assert "interrupted" in detail and "✓ exists" in detail
        assert "Last tool results — 5, newest last, 2 failed" in detail
        assert "✗ FAILED bash" in detail and "Command timed out after 120s" in detail
        assert "FAILED tests/test_api.py::test_login" in detail  # colour codes dropped, never sent
        assert "␛[31m" not in detail and "\x1b" not in detail
        assert "Transcript not looked for: opendev has no data directory here" in detail  # none in this home
        assert "opendev -d" in detail


async def test_discard_then_undo_restores_the_file(home):
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        before = recovery_files(home)
        first = app.query_one(SessionList).current.item
        await pilot.press("down", "down")  # the newest one may be running: take the third
        second = app.query_one(SessionList).current.item
        assert second is not first
        await pilot.press("d")
        await settle(pilot)
        assert second.name not in recovery_files(home)
        assert second.session_id[:8] not in screen_text(app)
        assert any("Press u to undo" in n.message for n in app._notifications)
        await pilot.press("u")
        await settle(pilot)
        assert recovery_files(home) == before
        assert second.session_id[:8] in screen_text(app)


async def test_marking_discards_several_at_once(home):
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "space", "space")  # marks rows 2 and 3
        lst = app.query_one(SessionList)
        assert len(lst.marks) == 2
        assert "2 marked" in str(app.query_one("#status").render())
        before = len(recovery_files(home))
        await pilot.press("d")
        await settle(pilot)
        assert len(recovery_files(home)) == before - 2
        (batch,) = os.listdir(home / "recovery" / TRASH_DIR)
        assert len(os.listdir(home / "recovery" / TRASH_DIR / batch)) == 2


async def test_discarding_a_maybe_running_session_asks_first(home):
    directory = home / "recovery"
    directory.mkdir()
    path = write(directory, "live-one", ts=NOW - MIN, age_s=None)
    set_old(path, NOW - MIN)  # written a minute ago by the frozen clock
    app = make_app(home, directory)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "live?" in screen_text(app)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert path.exists()
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert not path.exists()


async def test_enter_on_a_maybe_running_session_asks_then_exits_with_it(home):
    directory = home / "recovery"
    directory.mkdir()
    set_old(write(directory, "live-one", ts=NOW - MIN, age_s=None, project=str(home)), NOW - MIN)
    app = make_app(home, directory)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await exited(pilot)
    assert app.return_value.session_id == "live-one"


async def test_enter_resumes_an_old_crash_at_once(home):
    directory = home / "recovery"
    directory.mkdir()
    set_old(write(directory, "crashed", ts=NOW - DAY, age_s=None, project=str(home)), NOW - DAY)
    app = make_app(home, directory)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await exited(pilot)
    assert app.return_value.session_id == "crashed"


async def test_purge_dialog_dry_run_then_confirm(home):
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, PurgeScreen)
        dry = str(app.screen.query_one("#dry-run").render())
        # The demo has two snapshots older than 30 days: one interrupted, one completed.
        assert "Would remove 2 snapshots older than 30 days: 1 interrupted, 1 completed" in dry
        before = len(recovery_files(home))
        await pilot.press("escape")
        await pilot.pause()
        assert len(recovery_files(home)) == before  # a dry run removes nothing
        await pilot.press("P")
        await pilot.pause()
        for _ in range(3):
            await pilot.press("backspace")
        await pilot.press("1", "0", "d")  # 10 days: one more
        await pilot.pause()
        dry_run = str(app.screen.query_one("#dry-run").render())
        assert "Would remove 3 snapshots older than 10 days: 2 interrupted" in dry_run
        await pilot.click("#purge")
        await settle(pilot)
        assert len(recovery_files(home)) == before - 3


async def test_purge_dialog_rejects_a_bad_age(home):
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("P")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert "invalid duration" in str(app.screen.query_one("#dry-run").render())
        assert app.screen.query_one("#purge").disabled


async def test_filter_as_you_type_searches_previews_and_escape_clears(home):
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"zoxide")  # only in a preview of the dotfiles session
        await settle(pilot)
        await pilot.pause(0.3)  # the list follows once typing pauses
        text = screen_text(app)
        assert "dotfiles" in text and "webapp" not in text
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert "webapp" in screen_text(app)


async def test_filter_with_no_match_says_so(home):
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"qqqqq")
        await pilot.pause(0.3)  # the list follows once typing pauses
        assert "Nothing matches" in str(app.query_one("#empty").render())


async def test_sort_cycles_and_completed_toggle(home):
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert app.sort == "cost"
        first = next(r.item for r in app.query_one(SessionList).rows if r.selectable)
        assert first.cost_usd == 1204.5
        assert "by cost" in screen_text(app)
        await pilot.press("s", "s", "s")
        assert app.sort == "newest"
        await pilot.press("a")
        await pilot.pause()
        assert "Completed (3)" in screen_text(app) or "Completed (3)" in "\n".join(
            r.label for r in app.query_one(SessionList).rows)


async def test_help_screen_lists_every_key(home):
    app = make_app(home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_empty_state_says_where_it_looked(home):
    app = make_app(home, home / "nowhere")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        text = str(app.query_one("#empty").render())
        assert "does not exist" in text and "~/nowhere" in text and "SNAPTUI_RECOVERY_DIR" in text


async def test_list_follows_the_directory(home):
    directory = home / "recovery"
    directory.mkdir()
    set_old(write(directory, "first", ts=NOW - DAY, age_s=None), NOW - DAY)
    app = make_app(home, directory)
    app.watch_interval = 0.05
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "first" in screen_text(app)
        set_old(write(directory, "second", ts=NOW - 2 * DAY, age_s=None), NOW - 2 * DAY)
        (directory / "first_session_snapshot.json").unlink()
        for _ in range(100):
            await pilot.pause(0.05)
            if "second" in screen_text(app) and "first" not in screen_text(app):
                break
        text = screen_text(app)
        assert "second" in text and "first" not in text


async def test_hostile_text_is_shown_literally(home):
    directory = home / "recovery"
    directory.mkdir()
    set_old(write(directory, "[@click=app.quit]x[/]", ts=NOW - DAY, age_s=None, name="hostile.json",
                  project="/p/snap[/]2024\x1b]0;title\x07",
                  tools=(("[bold red]t", False, "\x1b[2J\x1b]52;c;ZXZpbA==\x07 [link=x]y[/link]\u202e"),)), NOW - DAY)
    app = make_app(home, directory)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "[@click=app.quit]" in text and "snap[/]2024␛]0;title␇" in text
        # In a tool's output, control sequences (colours, clearing) are dropped; other escapes stay visible.
        assert "␛]52;c;ZXZpbA==␇ [link=x]y[/link]⟨U+202E⟩" in text and "␛[2J" not in app.detail.text
        assert "\x1b" not in text and "\x07" not in text
        await pilot.click(SessionList, offset=(20, 1))
        await pilot.pause()
        assert app.is_running  # the markup did not become a quit action


async def test_quitting_marks_listed_sessions_seen(home):
    from snaptui.catalog import seen

    app = make_app(home)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
    assert len(app.seen_sessions) == 9
    seen.remember(str(home / "state"), str(home / "recovery"), app.seen_sessions.values())
    assert len(seen.load(str(home / "state"), str(home / "recovery"))) == 9


async def test_themes_switch(home):
    app = make_app(home, theme="textual-light")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-light"
        app.theme = "nord"
        await pilot.pause()
        assert "interrupted" in str(app.query_one("#status").render())


def test_store_helpers_are_used_by_undo(home):
    # The UI's undo is the store's: a batch restores byte for byte.
    directory = home / "recovery"
    directory.mkdir()
    path = write(directory, "a")
    data = path.read_bytes()
    from snaptui.catalog.scan import scan

    batch = store.discard(str(directory), scan(str(directory)).sessions)[0]
    store.undo_batch(str(directory), batch)
    assert path.read_bytes() == data
    assert json.loads(data)["session_id"] == "a"


async def test_a_scan_landing_while_a_dialog_is_open_is_fine(home):
    app = make_app(home)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down")  # a detail update is pending
        await pilot.press("question_mark")
        app.action_rescan()
        await settle(pilot)
        await pilot.pause(0.2)
        assert isinstance(app.screen, HelpScreen) and app.is_running
        await pilot.press("escape")
        await pilot.pause()
        assert "9 interrupted" in str(app.status.render())


async def test_keys_typed_right_after_slash_go_into_the_filter(home):
    """A fast typist (or a laggy link) sends "/" and the next keys in one burst: they are
    the filter's text, not list commands (c copies, a shows completed, enter resumes)."""
    from textual import events

    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        for key, char in [("slash", "/"), ("c", "c"), ("a", "a"), ("t", "t"), ("enter", "\r")]:
            app.post_message(events.Key(key, char))  # queued together: none handled before the next arrives
        await pilot.pause(0.3)
        assert app.filter_box.value == "cat" and app.query_text == "cat"
        assert not app.show_completed
        assert app.screen is app.screen_stack[0]  # no resume (or resume-elsewhere) dialog


def row_names(lst: SessionList) -> list[str]:
    """The file names of the rows the cursor can rest on, top to bottom."""
    return [r.item.name for r in lst.rows if r.selectable and r.item is not None]


@asynccontextmanager
async def _on_the_list(home):
    """The app on the demo, settled: the app, its pilot, its list and the rows' file names."""
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        lst = app.query_one(SessionList)
        yield app, pilot, lst, row_names(lst)


async def test_keys_in_one_burst_act_in_the_order_they_were_typed(home):
    """"j d" sent at once (a fast typist, a laggy link): d discards the row j moved to, not
    the one before it (the app-wide d ran before the list had taken its j)."""
    directory = home / "recovery"
    async with _on_the_list(home) as (app, pilot, lst, rows):
        assert lst.current is not None and lst.current.item is not None and lst.current.item.name == rows[0]
        await _send(app, pilot, [("j", "j"), ("j", "j"), ("d", "d")], burst=True)
        await pilot.pause(0.3)
        if isinstance(app.screen, ConfirmScreen):  # that row may still be running: yes
            await pilot.press("y")
        await settle(pilot)
        assert app.screen is app.screen_stack[0], app.screen
    trashed = [p.name for b in (directory / TRASH_DIR).iterdir() for p in b.iterdir()]
    assert trashed == [rows[2]]


async def test_escape_clears_the_filter_even_when_its_last_change_comes_in_after(home):
    """A busy app (10,000 sessions) can take the escape before the filter box's news of the
    last key typed: that late news must not put the cleared filter back."""
    from textual import events
    from textual.widgets import Input

    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", "t", "e")
        await pilot.pause(0.3)
        assert app.query_text == "te"
        app.post_message(events.Key("escape", None))
        await pilot.pause(0.1)
        app.post_message(Input.Changed(app.filter_box, "tes"))  # news of a key the escape overtook
        await pilot.pause(0.5)
        assert app.query_text == "" and app.filter_box.value == ""
        assert "filter" not in str(app.status.render())


async def test_discarding_marks_the_filter_hides_says_so_even_when_one_may_be_running(home):
    """Both reasons to ask are in the one question (the "may be running" one used to hide the other)."""
    directory = home / "recovery"
    directory.mkdir()
    live = write(directory, "live-marked", ts=NOW - MIN, age_s=None)
    set_old(live, NOW - MIN)
    write(directory, "old-marked", ts=NOW - 3 * MIN)
    write(directory, "kept-visible", ts=NOW - 5 * MIN)
    app = make_app(home, directory)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space")  # the two newest
        await pilot.press("slash", *"kept", "enter")
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        text = str(app.screen.query_one(".dialog-body").render())
        assert "2 marked sessions, 2 of them hidden by the filter" in text and "may still be running" in text
        await pilot.press("n")
        await pilot.pause()
    assert sorted(p.name for p in directory.iterdir() if not p.name.startswith(".")) == sorted(
        f"{i}_session_snapshot.json" for i in ("live-marked", "old-marked", "kept-visible"))


async def _send(app, pilot, keys, *, burst: bool) -> None:
    """``keys`` ((key, character) pairs) sent at once, as a fast typist or a laggy link sends
    them, or one by one with the app settled between."""
    from textual import events

    for key, char in keys:
        if burst:
            app.post_message(events.Key(key, char))
        else:
            await pilot.press(key)
            await settle(pilot)


async def _trashed_after(home, keys, *, burst: bool) -> list[str]:
    """What ``keys`` discard, sent at once (``burst``) or one by one with the app settled between."""

    app = make_app(home)
    directory = home / "recovery"
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await _send(app, pilot, keys, burst=burst)
        await pilot.pause(0.3)
        await settle(pilot)
        assert app.screen is app.screen_stack[0], app.screen
    trash = directory / TRASH_DIR
    return sorted(p.name for b in trash.iterdir() for p in b.iterdir()) if trash.exists() else []


KEY_BURSTS = [
    "s j d",  # sort, then the second row by cost
    "a G d",  # completed shown, then the last row
    "/ a p i enter j d",  # the filter kept, then its second row
    "/ a p i escape down down d",  # the filter cleared, then the third row
    "j v v j d",  # the detail full screen and back, then on down the list
    "j d j d",  # two discards in turn
    "? q j d",  # the help opened and closed, then on
    "space / a p i enter d y",  # a mark the filter hides: the question, answered at once
    "/ a p i enter / w e b enter j d",  # a second filter after the first
    "j d j d u u",  # two discards, both undone
]
EDITING_BURSTS = [  # the filter box's own keys: the same however the rows are built
    "/ w e b backspace backspace backspace p a y enter d",  # a word typed over: "pay"'s rows, not "web"'s
    "/ p x y left backspace a end enter d",  # the cursor moved back, a character deleted and one typed there
]


@pytest.mark.parametrize("keys, big", [
    *(pytest.param(k, big, id=f"{k}-{'rows-in-a-worker' if big else 'small'}") for k in KEY_BURSTS
      for big in (False, True)),
    *(pytest.param(k, False, id=k) for k in EDITING_BURSTS),
])
async def test_a_burst_of_keys_acts_as_the_same_keys_typed_slowly(tmp_path, monkeypatch, keys, big):
    """Keys sent at once (a fast typist, a laggy link) act on the rows the keys before them
    made: "s j d" discarded the second-newest row, not the second by cost, when the sorted rows
    were still being built (above 2,000 sessions); "enter j d" typed j and d into the filter."""
    from snaptui.tui import viewing

    if big:
        monkeypatch.setattr(viewing, "ROWS_IN_WORKER", 0)  # the rows of every change built in a worker
    names = {"s": ("s", "s"), "j": ("j", "j"), "d": ("d", "d"), "a": ("a", "a"), "G": ("G", "G"), "v": ("v", "v"),
             "/": ("slash", "/"), "enter": ("enter", "\r"), "escape": ("escape", None), "down": ("down", None),
             "?": ("question_mark", "?"), "q": ("q", "q"), "space": ("space", " "),
             "backspace": ("backspace", None), "left": ("left", None), "end": ("end", None)}
    sequence = [names.get(k, (k, k)) for k in keys.split()]
    if keys not in _TYPED_SLOWLY:  # what the keys do typed one by one: the same however rows are built
        _TYPED_SLOWLY[keys] = await _trashed_after(tmp_path / "slow", sequence, burst=False)
    slowly = _TYPED_SLOWLY[keys]
    at_once = await _trashed_after(tmp_path / "burst", sequence, burst=True)
    assert (slowly or keys.endswith("u u")) and at_once == slowly


_TYPED_SLOWLY: dict[str, list[str]] = {}
"""Each burst's reference, typed slowly once (it took half of each of those tests' time)."""


async def _left_after_purge(home, keys, *, burst: bool) -> tuple[list[str], bool, int]:
    """The snapshots left after ``keys`` (sent at once, or one by one with the app settled
    between), whether the purge dialog is still open, and how many went."""

    app = make_app(home)
    directory = home / "recovery"
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        before = len(list(directory.glob("*.json")))
        await _send(app, pilot, keys, burst=burst)
        await pilot.pause(0.5)
        await settle(pilot)
        still_open = isinstance(app.screen, PurgeScreen)
    left = sorted(p.name for p in directory.iterdir() if p.name.endswith(".json"))
    return left, still_open, before - len(left)


@pytest.mark.parametrize("keys", ["P 1 d enter enter", "P 2 w enter enter", "P 1 d enter escape",
                                  "P 1 h backspace backspace 2 w enter enter"])
async def test_a_purge_typed_in_one_burst_does_what_it_does_typed_slowly(tmp_path, keys):
    """enter in the age box before its dry run was there was lost: "P 1d enter enter" in one
    burst left the dialog open and purged nothing; typed slowly, it purged."""
    names = {"P": ("P", "P"), "enter": ("enter", "\r"), "escape": ("escape", None), "backspace": ("backspace", None)}
    sequence = [names.get(k, (k, k)) for k in keys.split()]
    slowly = await _left_after_purge(tmp_path / "slow", sequence, burst=False)
    at_once = await _left_after_purge(tmp_path / "burst", sequence, burst=True)
    assert at_once == slowly and not slowly[1]
    assert (slowly[2] > 0) == keys.endswith("enter enter")  # purged, or (escape) nothing


async def test_keys_typed_right_after_enter_wait_for_the_resume(home):
    """"enter d" at once: the session was resumed and discarded too (d acted on the list while
    the resume looked for the project directory in a thread)."""
    from textual import events

    app = make_app(home)
    directory = home / "recovery"
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        lst = app.query_one(SessionList)
        target = next(i for i, r in enumerate(lst.rows) if isinstance(r.item, Session) and not r.item.completed
                      and os.path.isdir(r.item.project_dir) and r.item.key not in app.live)
        while lst.cursor != target:
            await pilot.press("down")
        chosen = lst.rows[target].item
        for key, char in [("enter", "\r"), ("d", "d"), ("j", "j"), ("d", "d")]:
            app.post_message(events.Key(key, char))
        for _ in range(100):
            if app.return_value is not None:
                break
            await pilot.pause(0.02)
    assert app.return_value == chosen
    assert not (directory / TRASH_DIR).exists() or not any((directory / TRASH_DIR).iterdir())


async def test_undo_typed_right_after_a_discard_undoes_that_discard(home):
    """A discard, then "j d u" at once: u undoes the second discard once its files are moved
    (it undid the first, whose undo was the only one known when u was taken)."""
    directory = home / "recovery"
    async with _on_the_list(home) as (app, pilot, _, rows):
        await pilot.press("j", "d")  # a first discard, done and undoable
        await settle(pilot)
        await _send(app, pilot, [(k, k) for k in "jdu"], burst=True)  # then "j d u" at once: u is for this one
        await pilot.pause(0.5)
        await settle(pilot)
    trashed = sorted(p.name for b in (directory / TRASH_DIR).iterdir() for p in b.iterdir())
    assert trashed == [rows[1]] and all((directory / r).exists() for r in rows if r != rows[1])


async def test_keys_typed_right_after_a_dialog_opens_never_act_on_the_list(home):
    """"P" then "7d" in one burst: the purge dialog opens and "d" discards nothing; with a
    dialog open, the list's keys do nothing (help open: "d", "a", "s" are not the list's)."""
    from textual import events

    app = make_app(home)
    directory = home / "recovery"
    before = sorted(p.name for p in directory.iterdir())
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        for key, char in [("P", "P"), ("7", "7"), ("d", "d")]:
            app.post_message(events.Key(key, char))
        await pilot.pause(0.3)
        assert isinstance(app.screen, PurgeScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        sort = app.sort
        await pilot.press("d", "a", "s")
        await pilot.pause(0.2)
        assert app.sort == sort and not app.show_completed
    assert sorted(p.name for p in directory.iterdir()) == before  # nothing discarded: no trash made


async def test_ages_on_screen_move_on_while_nothing_else_happens(home, tmp_path):
    """An idle screen's "minutes ago" (the list's, the detail's) and its day groups follow
    the clock."""
    from snaptui.tui import viewing

    now = [NOW]
    d = tmp_path / "rec"
    d.mkdir()
    write(d, "aged-session", ts=NOW - 10 * 60_000)
    app = make_app(home, d)
    app.clock = lambda: now[0]
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert "10m" in screen_text(app) or "10 minutes" in screen_text(app)
        before = screen_text(app)
        now[0] += 3 * 3_600_000  # three hours later
        app._ages_moved()
        await settle(pilot)
        after = screen_text(app)
        assert after != before and ("3h" in after or "3 hours" in after) and "Today" in after
        assert "3 hours ago" in app.detail.text and "10 minutes ago" not in app.detail.text
        now[0] += 2 * 86_400_000  # two days later: the day group is no longer today's
        day_before = viewing._local_day(app.clock())
        app._ages_moved()
        await settle(pilot)
        assert viewing._local_day(app.clock()) == day_before and app._day == day_before
        assert "Today" not in screen_text(app)


async def test_the_help_screen_keeps_a_gap_after_every_key(home):
    from textual.widgets import Static

    from snaptui.present.keys import KEYS

    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = list(app.screen.query(".help-row"))
        shown = [key for key in KEYS if key.shown]
        assert len(rows) == len(shown)
        for row, key in zip(rows, shown, strict=True):
            name, text = row.query(Static)
            assert str(name.render()) == f"  {key.shown}" and str(text.render()) == key.help
            # the description's column starts two cells past the longest key, at every row
            assert text.virtual_region.x - name.virtual_region.x == max(len(k.shown) for k in shown) + 4


async def test_a_long_key_description_wraps_under_itself_not_under_the_keys(home):
    """At 80 columns "/ filter: id, project, tools, previews, title, lost prompt" put "prompt"
    at the dialog's left edge, under the keys."""
    from snaptui.present.keys import KEYS

    app = make_app(home)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.3)
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        (filter_key,) = [k for k in KEYS if k.shown == "/"]
        at = next(i for i, line in enumerate(lines) if "  /  " in line and filter_key.help[:20] in line)
        column = lines[at].index(filter_key.help[:20])
        rest = lines[at + 1]
        word = rest[column:].split()[0]  # the description's next line starts in its own column
        assert rest[column - 1] == " " and word and word in filter_key.help, (lines[at], rest)


async def test_rows_built_for_a_request_that_was_overtaken_still_reach_the_screen(home, monkeypatch):
    """Above 2,000 sessions the filter's rows are built in a worker. When the rows for the
    typed text were built but their message was overtaken by a second request for the same
    rows (a refresh in between), the second worker saw "nothing changed" and the screen kept
    the unfiltered rows: the box said "compiler", the list did not follow."""
    from snaptui.tui import viewing
    from snaptui.tui.messages import RowsBuilt

    monkeypatch.setattr(viewing, "ROWS_IN_WORKER", 0)  # the rows of every change built in a worker
    app = make_app(home)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        everything = len(app.view.rows)
        held: list[RowsBuilt] = []
        post = app.post_message
        monkeypatch.setattr(app, "post_message", lambda m: held.append(m) or True if isinstance(m, RowsBuilt)
                            else post(m))
        app.query_text = "api"
        app._refresh_rows()  # the filter's pause: its rows built, their message on its way
        while not held or any(w.is_running for w in app.workers):
            await pilot.pause(0.01)
        app._refresh_rows()  # a second request for the same rows before that message is taken
        while any(w.is_running for w in app.workers):
            await pilot.pause(0.01)
        monkeypatch.setattr(app, "post_message", post)
        for message in held:
            post(message)
        await settle(pilot)
        shown = [r.item.project_dir for r in app.view.rows if isinstance(r.item, Session)]
        assert 0 < len(shown) < everything and all("api" in p for p in shown)
        assert "filter: api" in str(app.query_one("#status").render())


async def test_enter_with_no_agent_installed_keeps_the_tui_and_says_why(home, monkeypatch):
    """The README's first command is the demo: on a machine without opendev, enter closed
    the TUI with "cannot run opendev" on the way out. It stays now, and says why."""
    directory = home / "recovery"
    directory.mkdir()
    set_old(write(directory, "crashed", ts=NOW - DAY, age_s=None, project=str(home)), NOW - DAY)
    app = make_app(home, directory, resume_command="no-such-agent-here -d {project_dir} -r {session_id}")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and app.return_value is None
        assert any(n.title == "Cannot resume" and "no-such-agent-here is not installed here" in n.message
                   for n in app._notifications)
        await pilot.press("j")  # the list still takes keys
        await settle(pilot)
        assert app.is_running


async def test_d_takes_a_session_s_leftover_along_and_u_brings_both_back(home):
    directory = home / "recovery"
    directory.mkdir()
    path = write(directory, "withleft", ts=NOW - DAY, age_s=None, project=str(home))
    leftover = write(directory, "withleft", name=path.name + ".tmp", ts=NOW - DAY + MIN, age_s=None,
                     project=str(home))
    for p in (path, leftover):
        set_old(p, NOW - DAY)
    app = make_app(home, directory)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert not path.exists() and not leftover.exists()
        trashed = {p.name for b in (directory / TRASH_DIR).iterdir() for p in b.iterdir()}
        assert trashed == {path.name, leftover.name}
        await pilot.press("u")
        await settle(pilot)
        assert path.exists() and leftover.exists()
        assert any(n.message.startswith("Restored 1 session and 1 leftover of an interrupted write")
                   for n in app._notifications)


async def test_a_session_id_that_is_an_option_is_neither_resumed_nor_copied(home):
    """``-r --dangerously-skip-permissions`` would be read by opendev as that option: enter says why
    and the TUI stays; c copies nothing; the detail says so under the command."""
    directory = home / "recovery"
    directory.mkdir()
    set_old(write(directory, "--dangerously-skip-permissions", name="dash.json", ts=NOW - DAY, age_s=None,
                  project=str(home)), NOW - DAY)
    app = make_app(home, directory)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert 'not resumed, nor copied: its session id starts with "-"' in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert app.is_running and app.return_value is None
        said = [n.message for n in app._notifications]
        assert 'its session id starts with "-": opendev would read it as an option.' in said, said
        assert 'Not copied: its session id starts with "-": opendev would read it as an option.' in said, said
        assert app.clipboard == ""
