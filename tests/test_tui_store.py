"""Sessions of opendev's store in the terminal UI: listed, explained, dismissed, undone."""

from __future__ import annotations

import os
import time

import pytest

import opendev_fixtures as fx
from snaptui.base import clock
from snaptui.settings.config import DEFAULTS
from snaptui.tui.app import SnaptuiApp
from tui_support import NOW, exited, fake_opendev, screen_text, settle, use_utc

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


@pytest.fixture
def root(tmp_path, monkeypatch):
    """The store of :func:`make_store`, with HOME and the time zone set as the screens expect;
    $OPENDEV_DIR names it, as opendev would read it; an opendev on PATH, to resume with."""
    monkeypatch.setenv("HOME", str(tmp_path))
    use_utc(monkeypatch)
    fake_opendev(tmp_path / ".fake-bin", monkeypatch)
    root = make_store(tmp_path)
    monkeypatch.setenv("OPENDEV_DIR", str(root))
    return root


def app_for(tmp_path, root):
    return SnaptuiApp(str(tmp_path / "no-recovery"), settings=dict(DEFAULTS), cache_dir=str(tmp_path / "cache"),
                      state_dir=str(tmp_path / "state"), source="--dir", clock=clock.fixed(NOW),
                      watch_interval=None, store_roots=(str(root),))


async def test_store_sessions_are_listed_and_explained(tmp_path, root):
    app = app_for(tmp_path, root)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "bbbbbbbb" in text and "cccccccc" in text
        status = str(app.status.render())
        assert status.startswith("snaptui opendev's store") and "no-recovery" not in status  # that one does not exist
        assert "Lost turn" in text and "\u201cPlease also handle whitespace-only files\u201d" in text
        assert "Asked for" in text and "src/config.rs" in text and "cargo test" in text
        assert "opendev's session store" in text and "not recorded" in text
        await pilot.press("down")
        await settle(pilot)
        text = screen_text(app)
        assert "with an error: " in text and "HTTP 529: overloaded" in text
        assert "opendev deletes this session's folder the next time it starts anywhere" in text


async def test_discard_dismisses_a_store_session_and_u_brings_it_back(tmp_path, root):
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


async def test_enter_on_a_gone_project_asks_where_and_copies_the_session_there(tmp_path, root):
    from textual.widgets import Input

    from snaptui.tui.relocate import ResumeElsewhereScreen

    new = tmp_path / "moved 'here' $(x)"
    new.mkdir()
    app = app_for(tmp_path, root)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down")  # cccccccccccc, whose project directory is gone
        await settle(pilot)
        assert app.session_list.current.item.session_id == "cccccccccccc"
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResumeElsewhereScreen)
        box = screen.query_one("#new-dir", Input)
        assert app.focused is box and box.value.endswith("/gone")
        box.value = str(new)
        await pilot.press("enter")
        for _ in range(100):
            if app.return_value is not None:
                break
            await pilot.pause(0.02)
    moved = app.return_value
    assert moved is not None and moved.project_dir == str(new) and moved.session_id == "cccccccccccc"
    folder = root / "projects" / str(new.resolve()).replace("/", "-")
    assert (folder / "cccccccccccc.json").exists() and (folder / "OPENDEV_PROJECT_PATH").read_text() == str(new)


async def on_the_gone_project_s_dialog(pilot) -> None:
    """Enter on cccccccccccc, whose project directory is gone: the resume-elsewhere dialog."""
    await settle(pilot)
    await pilot.press("down", "enter")
    await settle(pilot)


async def test_or_creates_the_old_directory(tmp_path, root):
    app = app_for(tmp_path, root)
    async with app.run_test(size=(140, 40)) as pilot:
        await on_the_gone_project_s_dialog(pilot)
        await pilot.click("#create")
        for _ in range(100):
            if app.return_value is not None:
                break
            await pilot.pause(0.02)
    assert app.return_value is not None and (tmp_path / "gone").is_dir()
    assert app.return_value.project_dir == str(tmp_path / "gone")


async def test_a_dismissal_is_undone_by_u_after_a_restart_and_listed_in_the_trash(tmp_path, root):
    """u after a restart puts back the newest discard, a dismissal of opendev's store included;
    T lists dismissed sessions beside discarded files, and enter lists one again."""
    from textual.widgets import OptionList

    from snaptui.tui.trashview import TrashScreen

    before = fx.fingerprint(root)
    app = app_for(tmp_path, root)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert "bbbbbbbb" not in screen_text(app)
    app = app_for(tmp_path, root)  # a restart: nothing to undo in memory
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert "bbbbbbbb" not in screen_text(app)
        await pilot.press("u")
        await settle(pilot)
        assert "bbbbbbbb" in screen_text(app)
        await pilot.press("down", "d")  # cccccccccccc, dismissed
        await settle(pilot)
        assert "cccccccc" not in screen_text(app)
        await pilot.press("T")
        await settle(pilot)
        assert isinstance(app.screen, TrashScreen)
        info = str(app.screen.query_one("#trash-info").render())
        assert "1 dismissed session of opendev's store" in info
        listed = str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert "dismissed" in listed and "cccccccccccc" in listed
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert "cccccccc" in screen_text(app)
    assert fx.fingerprint(root) == before


async def test_the_purge_dialog_counts_only_snapshots(tmp_path, root):
    """opendev's store is never purged: its sessions are not in the dry run (they were:
    "Would remove 3", then "Purged 0 … kept 3 that changed meanwhile")."""
    from textual.widgets import Input

    from helpers import write
    from snaptui.tui.dialogs import PurgeScreen

    recovery = tmp_path / "no-recovery"
    recovery.mkdir()
    for i in range(2):
        write(recovery, f"old-snapshot-{i}", ts=NOW - (10 + i) * 86_400_000)
    app = app_for(tmp_path, root)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert "bbbbbbbb" in screen_text(app)
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, PurgeScreen)
        app.screen.query_one("#age", Input).value = "1s"
        await settle(pilot)
        dry_run = str(app.screen.query_one("#dry-run").render())
        assert "Would remove 2 snapshots older than 1 second: 2 interrupted, 0 completed" in dry_run, dry_run


async def test_enter_on_a_relative_project_directory_asks_where_and_cannot_create_it(tmp_path, root, monkeypatch):
    from textual.widgets import Button

    from snaptui.tui.relocate import ResumeElsewhereScreen

    (folder,) = {p.parent for p in root.rglob("bbbbbbbbbbbb.json")}
    (folder / "OPENDEV_PROJECT_PATH").write_text(".")
    for path in root.rglob("*"):
        os.utime(path, (OLD, OLD), follow_symlinks=False)
    app = app_for(tmp_path, root)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.session_list.current.item.session_id == "bbbbbbbbbbbb"
        assert "a relative path" in app.detail.text
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResumeElsewhereScreen)
        assert screen.query_one("#create", Button).disabled
        body = "\n".join(str(s.render()) for s in screen.query(".dialog-body"))
        assert "is a relative path" in body and "deletes" not in body
        box = screen.query_one("#new-dir")
        assert box.value == ""  # not ".": resumed as is, that was wherever snaptui ran
        for typed, said in ((".", "whole path"), ("proj-a", "whole path"),
                            (str(tmp_path / "nowhere"), "is not an existing directory")):
            box.value = typed
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen and box.value == typed  # still open, with what was typed
            assert said in str(screen.query_one("#relocate-problem").render())
        box.value = str(tmp_path / "proj-")
        box.cursor_position = len(box.value)
        await pilot.pause(0.3)  # the suggestion is looked for in a thread
        await pilot.press("tab")
        assert box.value == str(tmp_path / "proj-a") + "/" and app.focused is box
        from snaptui.tui import relocate

        listed = relocate._complete
        monkeypatch.setattr(relocate, "_complete", lambda value: time.sleep(0.3) or listed(value))  # a slow disk
        box.value = str(tmp_path / "proj")  # and typed faster than the suggestion comes: tab waits for it
        box.cursor_position = len(box.value)
        await pilot.press("tab")  # (it moved the focus to Cancel, and enter cancelled)
        assert box.value == str(tmp_path / "proj-a") + "/" and app.focused is box
        await pilot.press("escape")
        await settle(pilot)
    assert app.return_value is None


async def test_d_on_a_row_in_both_sources_takes_it_all_and_u_brings_it_all_back(tmp_path, root):
    """d moved the snapshot to the trash and said "Discarded", but the row stayed: the store's
    half, dismissed by nothing, came back on its own; one u brought back only half."""
    import sys

    sys.path.insert(0, os.path.dirname(__file__))
    from helpers import write

    recovery = tmp_path / "recovery"
    recovery.mkdir()
    snap = write(recovery, "bbbbbbbbbbbb", ts=1_777_021_999_000, cost=2.5)
    os.utime(snap, (OLD, OLD))  # long settled: not "may be running"
    app = SnaptuiApp(str(recovery), settings=dict(DEFAULTS), cache_dir=str(tmp_path / "cache"),
                     state_dir=str(tmp_path / "state"), source="--dir", clock=clock.fixed(NOW),
                     watch_interval=None, store_roots=(str(root),))

    def rows_of(sid):
        return [r for r in app.session_list.rows if getattr(r.item, "session_id", None) == sid]

    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert len(rows_of("bbbbbbbbbbbb")) == 1
        while app.session_list.current.item.session_id != "bbbbbbbbbbbb":
            await pilot.press("down")
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("ctrl+r")  # a rescan: nothing of it comes back
        await settle(pilot)
        assert rows_of("bbbbbbbbbbbb") == []
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        (row,) = rows_of("bbbbbbbbbbbb")
        assert row.item.source == "snapshot" and row.item.lost_turn is not None


async def test_the_detail_of_a_row_in_both_sources_names_what_enter_runs(tmp_path, root):
    """It named "opendev -d <the snapshot's project_dir>" and "opendev's store has no session of
    this id for this project", while enter resumes the store's session in its marker's directory."""
    import sys

    sys.path.insert(0, os.path.dirname(__file__))
    from helpers import write

    recovery = tmp_path / "recovery"
    recovery.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    snap = write(recovery, "bbbbbbbbbbbb", ts=1_777_021_999_000, cost=2.5, project=str(elsewhere))
    os.utime(snap, (OLD, OLD))
    app = SnaptuiApp(str(recovery), settings=dict(DEFAULTS), cache_dir=str(tmp_path / "cache"),
                     state_dir=str(tmp_path / "state"), source="--dir", clock=clock.fixed(NOW),
                     watch_interval=None, store_roots=(str(root),))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        while app.session_list.current.item.session_id != "bbbbbbbbbbbb":
            await pilot.press("down")
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        text = app.detail.text
        assert "opendev -d ~/proj-a -r bbbbbbbbbbbb" in text, text
        assert "has no session of this id" not in text


async def test_the_startup_tui_starts_on_the_newest_store_crash_not_seen(tmp_path, root):
    from snaptui.catalog.seen import seen_key

    found = fx.scan(root)
    newest, older = found["bbbbbbbbbbbb"], found["cccccccccccc"]
    assert newest.timestamp_ms > older.timestamp_ms
    for seen, start in (({}, "bbbbbbbbbbbb"), ({seen_key(newest): newest.timestamp_ms}, "cccccccccccc")):
        app = app_for(tmp_path, root)
        app.start_unseen = seen
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            assert app.session_list.current.item.session_id == start


@pytest.mark.parametrize("typed,shown", [("whitespace-only", "bbbbbbbb"), ("http 529", "cccccccc"),
                                         ("cargo test", "bbbbbbbb")])
async def test_the_filter_finds_a_store_session_by_its_lost_prompt_error_and_asked_tools(tmp_path, root, typed, shown):
    app = app_for(tmp_path, root)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *typed)
        await pilot.pause(0.3)  # the list follows once typing pauses
        await settle(pilot)
        rows = [r.item.session_id for r in app.session_list.rows if r.item is not None]
        assert [sid[:8] for sid in rows] == [shown]


def test_a_snapshot_row_with_its_store_twin_is_found_by_the_twin_s_lost_prompt():
    """The previews' texts of a snapshot row do not hold what its store twin told: both are searched."""
    from snaptui.catalog.scan import Catalog
    from snaptui.present.viewmodel import build_rows
    from snaptui.sources.records import LostTurn, Session

    lost = LostTurn("Rewrite the parser", "error", "HTTP 529: overloaded", (("Bash", "cargo test"),), None, None)
    row = Session(key="snapshot:/r/a", source="snapshot", path="/r/a", name="a", identity=(0, 0, 0, 0), is_link=False,
                  session_id="a", project_dir="/srv/app", timestamp_ms=1, completed=False, cost_usd=None,
                  message_count=1, last_tool=None, failures=0, tool_names="", title="The parser", lost_turn=lost)
    texts = {row.key: "a\n/srv/app\nbash\ncall-1\nsome preview"}
    for query, found in (("rewrite the", True), ("529", True), ("cargo test", True), ("the parser", True),
                         ("some preview", True), ("nothing like it", False)):
        rows = build_rows(Catalog("/r", incomplete=[row]), now_ms=1, query=query, texts=texts)
        assert any(r.item == row for r in rows) is found, query


async def test_each_line_of_a_lost_prompt_stands_under_the_first(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    use_utc(monkeypatch)
    root = tmp_path / "opendev"
    s = fx.new_session(root, str(tmp_path), "dddddddddddd", now_ns=fx.T0_NS)
    s.turn("Please fix the tests\nand then run them\n\n\x1b[31mall of them", [[fx.READ]], end="crash")
    for path in root.rglob("*"):
        os.utime(path, (OLD, OLD), follow_symlinks=False)
    app = app_for(tmp_path, root)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        lines = screen_text(app).splitlines()
        first = next(i for i, line in enumerate(lines) if "Lost turn" in line)
        column = lines[first].index("\u201c") + 1
        assert lines[first][column:].rstrip().endswith("Please fix the tests")
        assert lines[first + 1][column - 1:].rstrip().endswith("and then run them")
        assert lines[first + 1][:column - 1].strip(" \u2502") == ""  # nothing but the pane's edge before it
        assert lines[first + 3][column - 1:].rstrip().endswith("\u241b[31mall of them\u201d")


async def test_the_resume_elsewhere_footer_names_its_keys_and_the_buttons_are_reached_by_them(tmp_path, root):
    from snaptui.tui.footer import SnapFooter
    from snaptui.tui.relocate import ResumeElsewhereScreen

    app = app_for(tmp_path, root)
    async with app.run_test(size=(140, 40)) as pilot:
        await on_the_gone_project_s_dialog(pilot)
        assert isinstance(app.screen, ResumeElsewhereScreen)
        footer = " ".join(f"{k.key_display} {k.description}" for k in app.screen.query_one(SnapFooter).children)
        for named in ("tab Complete or next", "Resume here", "Back", "esc Cancel"):
            assert named in footer, footer
        await pilot.press("tab")  # the gone directory completes to nothing: on to the buttons
        await pilot.pause()
        assert app.focused.id == "cancel"
        await pilot.press("shift+tab")
        await pilot.pause()
        assert app.focused.id == "new-dir"
        await pilot.press("tab", "tab")
        await pilot.pause()
        assert app.focused.id == "create"
        await pilot.press("enter")
        for _ in range(100):
            if app.return_value is not None:
                break
            await pilot.pause(0.02)
    assert app.return_value is not None and os.path.isdir(tmp_path / "gone")


@pytest.mark.parametrize("burst", [False, True], ids=["slowly", "at once"])
async def test_tab_in_the_path_box_completes_before_the_keys_typed_after_it(tmp_path, root, burst):
    """"…/zq", tab, "sub" sent at once put "sub" in before tab's completion ("…/zqsub"),
    and tab then moved on to the buttons."""
    from textual import events
    from textual.widgets import Input

    (tmp_path / "zqdir_unique").mkdir()
    app = app_for(tmp_path, root)
    async with app.run_test(size=(140, 40)) as pilot:
        await on_the_gone_project_s_dialog(pilot)
        box = app.screen.query_one("#new-dir", Input)
        box.value = f"{tmp_path}/"  # the folder typed so far; then its name's start, tab, and on
        box.cursor_position = len(box.value)
        keys = [(c, c) for c in "zq"] + [("tab", None)] + [(c, c) for c in "sub"]
        for key, char in keys:
            if burst:
                box.post_message(events.Key(key, char))
            else:
                await pilot.press(key if char is None else char)
                await pilot.pause(0.05)
        await settle(pilot)
        assert box.value == f"{tmp_path}/zqdir_unique/sub" and app.focused is box


def asked(app: SnaptuiApp) -> str:
    """The question on screen (it must be one)."""
    from snaptui.tui.dialogs import ConfirmScreen

    assert isinstance(app.screen, ConfirmScreen), app.screen
    return str(app.screen.query_one(".dialog-body").render())


def app_with_snapshots(tmp_path, root, *sids: str) -> SnaptuiApp:
    """An app on a recovery directory with a snapshot of each of ``sids`` in proj-a (a day apart,
    newest first), and the store of :func:`make_store`."""
    from helpers import write

    recovery = tmp_path / "recovery"
    recovery.mkdir(exist_ok=True)
    for days, sid in enumerate(sids, start=1):
        os.utime(write(recovery, sid, ts=NOW - days * 86_400_000, age_s=None, project=str(tmp_path / "proj-a")),
                 (OLD, OLD))
    return SnaptuiApp(str(recovery), settings=dict(DEFAULTS), cache_dir=str(tmp_path / "cache"),
                      state_dir=str(tmp_path / "state"), source="--dir", clock=clock.fixed(NOW),
                      watch_interval=None, store_roots=(str(root),))


async def test_a_row_with_both_halves_shows_the_store_s_transcript_found_after_a_rescan(tmp_path, root):
    """The row of a snapshot whose session the store holds resumes the store's session, which is
    its own transcript: found, with its title, however often the detail is looked up again (it
    said "looking…" for good once the catalog knew the twin)."""
    app = app_with_snapshots(tmp_path, root, "bbbbbbbbbbbb")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        for _ in range(2):
            assert app.session_list.current.item.session_id == "bbbbbbbbbbbb"
            text = screen_text(app)
            assert "Transcript ✓ found" in text and "looking…" not in text, text
            await pilot.press("R")
            await settle(pilot)


async def test_enter_on_a_snapshot_opendev_cannot_load_asks_first(tmp_path, root):
    """A snapshot whose id the store lacks: ``opendev -r`` would answer "Failed to load session"
    (§4), so enter asks, and no keeps the TUI; its twin in the store is resumed without a word."""
    from snaptui.tui.dialogs import ConfirmScreen

    app = app_with_snapshots(tmp_path, root, "eeeeeeeeeeee", "bbbbbbbbbbbb")
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert app.session_list.current.item.session_id == "eeeeeeeeeeee"
        await pilot.press("enter")
        await settle(pilot)
        assert "Failed to load session" in asked(app)
        await pilot.press("n")
        await settle(pilot)
        assert app.is_running and app.return_value is None and not isinstance(app.screen, ConfirmScreen)
        await pilot.press("down", "enter")
        await exited(pilot)
        assert app.return_value is not None and app.return_value.session_id == "bbbbbbbbbbbb"
        assert app.return_value.source == "opendev"  # resumed as the store's session, asked nothing


async def test_the_first_row_s_detail_is_what_enter_resumes_when_its_twin_lies_in_another_project(tmp_path, root):
    """The store holds the snapshot's session under another project folder. The first rows come
    before the store is read (the prefetch's partial catalog): the detail looked up then is the
    snapshot's own, and once the scan knows the twin it shows what enter resumes, the store's
    command and transcript (it kept the first look's for half a minute)."""
    import threading
    from types import SimpleNamespace

    from helpers import write
    from snaptui.catalog.scan import scan

    recovery = tmp_path / "recovery"
    recovery.mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.utime(write(recovery, "bbbbbbbbbbbb", ts=NOW - 86_400_000, age_s=None, project=str(tmp_path / "elsewhere")),
             (OLD, OLD))
    done = threading.Event()
    prefetch = SimpleNamespace(directory=str(recovery), partial=scan(str(recovery)), error=None, seconds=0.1,
                               full=scan(str(recovery), store_roots=(str(root),)), first=threading.Event(),
                               done=done, painted=threading.Event())
    prefetch.first.set()
    app = SnaptuiApp(str(recovery), settings=dict(DEFAULTS), cache_dir=str(tmp_path / "cache"),
                     state_dir=str(tmp_path / "state"), source="--dir", clock=clock.fixed(NOW),
                     watch_interval=None, store_roots=(str(root),), prefetch=prefetch)
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(100):  # the partial catalog's rows, and their detail looked up
            await pilot.pause(0.02)
            if "Resume     opendev -d ~/elsewhere" in screen_text(app):
                break
        assert "Resume     opendev -d ~/elsewhere -r bbbbbbbbbbbb" in screen_text(app)
        done.set()
        await settle(pilot)
        for _ in range(100):
            await pilot.pause(0.02)
            if "~/proj-a -r" in screen_text(app):
                break
        text = screen_text(app)
        assert "Resume     opendev -d ~/proj-a -r bbbbbbbbbbbb" in text and "Transcript ✓ found" in text, text
        await pilot.press("enter")
        await exited(pilot)
        assert app.return_value.project_dir == str(tmp_path / "proj-a")


async def test_resumed_elsewhere_a_snapshot_opendev_cannot_load_is_asked_about_too(tmp_path, root):
    """A relative project directory (even one starting with "-": it never reaches the agent) asks
    where; in the directory chosen opendev's store has no session of that id: asked, as enter
    asks in the project directory itself."""
    from helpers import write
    from snaptui.tui.relocate import ResumeElsewhereScreen

    recovery = tmp_path / "recovery"
    recovery.mkdir()
    os.utime(write(recovery, "aaaa11112222", ts=NOW - 86_400_000, age_s=None, project="-proj"), (OLD, OLD))
    app = SnaptuiApp(str(recovery), settings=dict(DEFAULTS), cache_dir=str(tmp_path / "cache"),
                     state_dir=str(tmp_path / "state"), source="--dir", clock=clock.fixed(NOW),
                     watch_interval=None, store_roots=(str(root),))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert "not resumed" not in app.detail.text and "resuming asks where" in app.detail.text
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ResumeElsewhereScreen)
        app.screen.query_one("#new-dir").value = str(tmp_path / "proj-a")
        await pilot.press("enter")
        await settle(pilot)
        assert "Failed to load session" in asked(app)
        await pilot.press("y")
        await exited(pilot)
        assert app.return_value.project_dir == str(tmp_path / "proj-a")


async def test_a_snapshot_that_may_be_running_and_that_opendev_lacks_is_one_question(tmp_path, root):
    """Both reasons to ask before resuming, in one question (it was two, one after the other)."""
    from helpers import write

    recovery = tmp_path / "recovery"
    recovery.mkdir()
    path = write(recovery, "eeeeeeeeeeee", ts=NOW - 60_000, age_s=None, project=str(tmp_path / "proj-a"))
    os.utime(path, (NOW / 1000 - 60, NOW / 1000 - 60))
    app = SnaptuiApp(str(recovery), settings=dict(DEFAULTS), cache_dir=str(tmp_path / "cache"),
                     state_dir=str(tmp_path / "state"), source="--dir", clock=clock.fixed(NOW),
                     watch_interval=None, store_roots=(str(root),))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        body = asked(app)
        assert body.startswith("It may still be running: its file was written a minute ago. opendev's store has no "
                               "session of this id for this project"), body
        assert body.endswith('"Failed to load session". Resume anyway?'), body
        await pilot.press("y")
        await exited(pilot)
        assert app.return_value is not None and app.return_value.session_id == "eeeeeeeeeeee"
