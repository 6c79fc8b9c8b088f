"""The lost turn's files in the TUI: the detail lists them, ``D`` diffs them, ``B`` rolls them back, ``u`` undoes.

The session of opendev's store dies in the middle of a turn that edited a
file, created one (with hostile content), deleted one and rewrote a binary
one; opendev's checkpoints hold the copies from before the turn (played as
opendev writes them: tests/opendev_fixtures.py, tests/filehistory_fixtures.py).
"""

from __future__ import annotations

import os

import pytest

import filehistory_fixtures as fh
import opendev_fixtures as fx
from snaptui.base import clock
from snaptui.settings.config import DEFAULTS
from snaptui.tui.app import SnaptuiApp
from snaptui.tui.changes import RollbackScreen
from snaptui.tui.dialogs import ConfirmScreen
from snaptui.tui.diffview import DiffScreen
from tui_support import NOW, screen_text, settle

SID = "c0ffee123456"
CONFIG_BEFORE = b"fn load() {}\n\nfn keep() {}\n"
CONFIG_AFTER = b"fn load(s: &str) { parse(s) }\n\nfn keep() {}\n"
HOSTILE = ("// [bold]x[/] [@click=app.quit]quit[/] [link=https://evil]here[/link]\n"
           "let a = \"\x1b[31mred\x1b[0m\"; // \x1b]52;c;ZXZpbA==\x07 \x1b]0;title\x07\n"
           "let b = \"\u202eevil\u202c\"; \x07\r\n"
           "\x9b31m c1\tend\n").encode()
OLD = b"// the old module\n"
LOGO_BEFORE = b"\x89PNG\r\n\x1a\n\x00\x00before"
LOGO_AFTER = b"\x89PNG\r\n\x1a\n\x00\x00after!"
OLD_S = 1_700_000_000


def make_crash(tmp_path, *, written_ns: int | None = None):
    """The project as the crash left it; returns (project, data root). ``written_ns``: when the
    session's files were last written (default: 20 minutes ago, as the turn died: not "maybe running")."""
    data = tmp_path / "opendev"
    project = tmp_path / "my-app"
    (project / "src").mkdir(parents=True)
    (project / "assets").mkdir()
    (project / "src" / "config.rs").write_bytes(CONFIG_BEFORE)
    (project / "src" / "old.rs").write_bytes(OLD)
    (project / "assets" / "logo.png").write_bytes(LOGO_BEFORE)
    dying = NOW * 10**6 - 20 * 60 * 10**9  # the turn that dies began 20 minutes before the app's clock
    sim = fx.Sim(fx.project_folder(data, str(project)), SID, now_ns=dying - 90 * 10**9)
    sim.turn("Make the loader take a string", [[fx.READ]], reply="Read it.")
    sim.now_ns = dying
    sim.turn("Now parse it, add a module, drop the old one", [[
        fx.Call("Edit", {"file_path": "src/config.rs", "old_string": "{}", "new_string": "x"}),
        fx.Call("Write", {"file_path": "src/new.rs", "content": "x"}),
        fx.Call("Write", {"file_path": "src/old.rs", "content": ""}),
        fx.Call("Write", {"file_path": "assets/logo.png", "content": "x"}),
    ]], end="crash")
    od = fh.Opendev(data, SID, str(project))  # then the tools ran, each after its checkpoint
    od.begin_turn()
    od.write("src/config.rs", CONFIG_AFTER)
    od.write("src/new.rs", HOSTILE)
    od.write("src/old.rs", b"")
    os.unlink(project / "src" / "old.rs")
    od.write("assets/logo.png", LOGO_AFTER)
    for path in project.rglob("*"):  # the tools wrote them a few seconds into the turn
        if path.is_file():
            os.utime(path, ns=(dying + 5 * 10**9, dying + 5 * 10**9))
    written_ns = dying + 10 * 10**9 if written_ns is None else written_ns  # the log's last write, the crash
    stamp = (written_ns, written_ns)
    for path in data.rglob("*"):
        if path.is_file() and "file-history" not in path.parts:
            os.utime(path, ns=stamp)
    return project, data


def tree(project):
    return {str(p.relative_to(project)): p.read_bytes() for p in sorted(project.rglob("*")) if p.is_file()}


async def open_the_diff(pilot) -> None:
    """Once the scan is done, D on the highlighted session: its diff view."""
    await settle(pilot)
    await pilot.press("D")
    await settle(pilot)


def app_for(tmp_path, data) -> SnaptuiApp:
    return SnaptuiApp(str(tmp_path / "no-recovery"), settings=dict(DEFAULTS), cache_dir=str(tmp_path / "cache"),
                      state_dir=str(tmp_path / "state"), source="--dir", clock=clock.fixed(NOW),
                      watch_interval=None, store_roots=(str(data),))


async def test_the_detail_lists_the_changed_files_with_their_counts(home):
    _, data = make_crash(home)
    app = app_for(home, data)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        text = app.detail.text
        assert "Files      4 files: 2 modified, 1 created, 1 deleted; +5 -2 (and 1 without a diff)" in text, text
        assert "D shows the diff, B rolls it back" in text
        lines = {line.split()[1]: line for line in text.splitlines() if line.strip().startswith(
            ("modified", "created", "deleted", "unknown"))}
        assert lines["src/config.rs"].split()[0] == "modified" and lines["src/config.rs"].endswith("+1 -1")
        assert lines["src/new.rs"].split()[0] == "created" and lines["src/new.rs"].endswith("+4 -0")
        assert lines["src/old.rs"].split()[0] == "deleted" and lines["src/old.rs"].endswith("+0 -1")
        assert lines["assets/logo.png"].split()[0] == "modified" and "binary, 16 bytes" in lines["assets/logo.png"]
        assert "\x1b" not in text


async def test_a_file_edited_while_the_tui_is_open_shows_after_a_rescan_and_in_d(home):
    """The detail and D kept what they had first seen until snaptui was restarted."""
    project, data = make_crash(home)
    app = app_for(home, data)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert "+5 -2" in app.detail.text
        (project / "src" / "config.rs").write_bytes(CONFIG_AFTER + b"one\ntwo\n")
        await pilot.press("D")
        await settle(pilot)
        assert "+two" in app.screen.body.text and "modified src/config.rs  +3 -1" in app.screen.body.text
        await pilot.press("escape")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "4 files: 2 modified, 1 created, 1 deleted; +7 -2 (and 1 without a diff)" in app.detail.text


async def test_the_diff_view_shows_each_file_and_moves_between_them(home):
    _, data = make_crash(home)
    app = app_for(home, data)
    async with app.run_test(size=(100, 16)) as pilot:  # the diffs do not fit: n and N scroll
        await open_the_diff(pilot)
        screen = app.screen
        assert isinstance(screen, DiffScreen)
        body = screen.body
        text = body.text
        for expected in ("modified src/config.rs  +1 -1", "-fn load() {}", "+fn load(s: &str) { parse(s) }",
                         " fn keep() {}", "created src/new.rs  +4 -0", "deleted src/old.rs  +0 -1",
                         "-// the old module", "no diff: binary, 16 bytes"):
            assert expected in text, expected
        files = screen.query_one("#diff-files")
        assert files.option_count == 4 and files.highlighted == 0
        assert "+1 -1" in str(files.get_option_at_index(0).prompt)
        assert body.current == 0
        await pilot.press("n")
        await pilot.pause()
        assert body.current == 1 and files.highlighted == 1
        assert round(body.scroll_y) == body.starts[1] < body.max_scroll_y
        await pilot.press("n", "n", "n")  # past the last file: stays on it
        await pilot.pause()
        assert body.current == 3 and files.highlighted == 3
        await pilot.press("N")
        await pilot.pause()
        assert body.current == 2 and files.highlighted == 2
        await pilot.click("#diff-files", offset=(2, 0))  # a click on a file goes to it
        await pilot.pause()
        assert body.current == 0 and files.highlighted == 0 and round(body.scroll_y) == 0
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DiffScreen) and app.is_running


async def test_hostile_content_in_a_diff_is_shown_literally(home):
    _, data = make_crash(home)
    app = app_for(home, data)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_the_diff(pilot)
        body = app.screen.body
        text = body.text
        assert "+// [bold]x[/] [@click=app.quit]quit[/] [link=https://evil]here[/link]" in text
        assert '+let a = "␛[31mred␛[0m"; // ␛]52;c;ZXZpbA==␇ ␛]0;title␇' in text
        assert '+let b = "⟨U+202E⟩evil⟨U+202C⟩"; ␇␍' in text
        assert "+\\x9b31m c1    end" in text
        # What reaches the terminal: every visible line as drawn, nothing that a terminal would interpret.
        drawn = "".join(seg.text for y in range(body.size.height) for seg in body.render_line(y))
        assert "[@click=app.quit]" in drawn
        for bad in ("\x1b", "\x07", "\x9b", "\r", "\u202e", "\u202c"):
            assert bad not in drawn
        for y in range(body.size.height):  # no markup became a link or an action
            for seg in body.render_line(y):
                assert seg.style is None or (not seg.style.link and not seg.style.meta), seg
        await pilot.click("#diff-body", offset=(30, 8))
        await pilot.pause()
        assert app.is_running


async def test_rollback_asks_changes_the_files_and_u_restores_every_byte(home):
    project, data = make_crash(home)
    after_crash = tree(project)
    app = app_for(home, data)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("B")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RollbackScreen)
        body = str(dialog.query_one(".dialog-body").render())
        assert "Put 4 files in ~/my-app back as they were before the interrupted turn of c0ffee123456" in body
        assert "restore  src/config.rs    from its backup\n" in body
        assert "move out src/new.rs       the turn created it\n" in body
        assert "recreate src/old.rs       from its backup (the turn deleted it)\n" in body
        assert "restore  assets/logo.png  from its backup\n" in body
        assert tree(project) == after_crash  # asked, not done
        await pilot.press("y")
        await settle(pilot)
        assert tree(project) == {"assets/logo.png": LOGO_BEFORE, "src/config.rs": CONFIG_BEFORE, "src/old.rs": OLD}
        assert any("Put 4 files back" in n.message and "u to undo" in n.message for n in app._notifications)
        assert "no change found in the 4 files the lost turn named" in app.detail.text
        await pilot.press("u")
        await settle(pilot)
        assert tree(project) == after_crash
        assert any("Put 4 files back as the rollback found them" in n.message for n in app._notifications)


async def test_the_cli_and_the_tui_roll_back_alike(home, cli):
    """The same crash twice: the CLI's rollback and the TUI's leave the same files."""
    a, data_a = make_crash(home / "a")
    run = cli("rollback", SID, "--yes", "--dir", str(home / "none"), env={"OPENDEV_DIR": str(data_a)})
    assert run.code == 0, run
    b, data_b = make_crash(home / "b")
    app = app_for(home / "b", data_b)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("B")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    assert tree(a) == tree(b)


async def test_no_means_nothing_changes(home):
    project, data = make_crash(home)
    after_crash = tree(project)
    app = app_for(home, data)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("B")
        await settle(pilot)
        assert isinstance(app.screen, RollbackScreen)
        await pilot.press("enter")  # No has the focus
        await settle(pilot)
        await pilot.press("B")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("D", "B")  # from the diff view: the same question
        await settle(pilot)
        assert isinstance(app.screen, RollbackScreen)
        await pilot.press("n")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
    assert tree(project) == after_crash
    assert not (home / "state" / "rollbacks").exists() or not os.listdir(home / "state" / "rollbacks")


async def test_refused_while_the_session_may_be_running(home):
    project, data = make_crash(home, written_ns=(NOW - 60_000) * 1_000_000)  # written a minute "ago"
    after_crash = tree(project)
    app = app_for(home, data)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.live, "the session should be live?"
        await pilot.press("B")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("may still be running" in n.message and "Stop it first" in n.message for n in app._notifications)
    assert tree(project) == after_crash


async def test_refused_when_the_plan_refuses_a_path(home):
    """A path that leads out of the project through a symlink: refused, nothing changes."""
    project, data = make_crash(home)
    outside = home / "elsewhere"
    outside.mkdir()
    (outside / "old.rs").write_bytes(b"not the project's\n")
    (project / "src" / "old.rs").symlink_to(outside / "old.rs")  # where the deleted file was
    after = tree(project)
    app = app_for(home, data)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("B")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any(n.title == "Rollback refused" and "Nothing changed" in n.message for n in app._notifications)
    assert tree(project) == after and (outside / "old.rs").read_bytes() == b"not the project's\n"


async def test_a_session_without_a_known_turn_says_so(home):
    from tui_support import make_app

    app = make_app(home)  # the demo's snapshots: no source knows their lost turns
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("B")
        await pilot.pause()
        assert not isinstance(app.screen, (DiffScreen, ConfirmScreen))
        assert sum("only opendev's session store keeps the turn" in n.message for n in app._notifications) == 2


async def rolled_back_in_the_tui(home, data) -> str:
    """Roll the crash back with B, y in a TUI that then quits; snaptui's state dir."""
    app = app_for(home, data)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("B")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    return app.state_dir


async def test_u_after_a_restart_asks_before_undoing_a_rollback(home):
    project, data = make_crash(home)
    after_crash = tree(project)
    await rolled_back_in_the_tui(home, data)
    rolled = tree(project)
    assert rolled != after_crash
    app = app_for(home, data)  # a restart: the undo stack is empty
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen) and not isinstance(dialog, RollbackScreen)
        question = str(dialog.query_one(".dialog-body").render())
        assert "a rollback" in question and "4 files of session c0ffee123456" in question
        await pilot.press("n")
        await settle(pilot)
        assert tree(project) == rolled
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert tree(project) == after_crash


async def test_u_after_a_restart_says_why_a_damaged_last_rollback_is_not_undone_and_undoes_nothing_else(home):
    from pathlib import Path

    from snaptui.actions import rollback

    project, data = make_crash(home)
    state = await rolled_back_in_the_tui(home, data)
    rolled = tree(project)
    [batch] = rollback.list_batches(rollback.trash_root(state))
    (Path(batch.path) / "batch.json").write_bytes(b"\x00garbage")
    app = app_for(home, data)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        said = [n.message for n in app._notifications]
        assert any("The last rollback" in m and "cannot be undone" in m for m in said), said
    assert tree(project) == rolled


@pytest.mark.parametrize("theme", ["textual-light", "textual-dark", "nord", "flexoki", "catppuccin-latte",
                                   "solarized-dark"])
async def test_the_diff_and_the_rollback_dialog_read_at_4_5_to_1_in_every_theme(home, theme):
    """As drawn, cell by cell: the highlighted file (its colours were on the list's cursor
    colour), the code on the added and removed lines' tints, comments (faded to 60%), and the
    dialog's coloured button (one text colour on every button colour cannot be read on all)."""
    from test_themes import low_contrast

    _, data = make_crash(home)
    app = app_for(home, data)
    app.theme = theme
    async with app.run_test(size=(140, 40)) as pilot:
        await open_the_diff(pilot)
        diff = low_contrast(app)
        await pilot.press("B")
        await pilot.pause(0.5)
        assert isinstance(app.screen, ConfirmScreen)
        dialog = low_contrast(app)
    assert (diff, dialog) == ([], [])


async def test_the_ansi_themes_draw_the_dialogs(home):
    _, data = make_crash(home)
    app = app_for(home, data)
    app.theme = "ansi-dark"
    async with app.run_test(size=(140, 40)) as pilot:
        await open_the_diff(pilot)
        await pilot.press("B")
        await pilot.pause(0.5)
        assert isinstance(app.screen, ConfirmScreen)


async def test_the_diff_view_s_title_keeps_its_figures_with_a_long_project_path(home):
    """At 120 columns the title "The lost turn of <a long path> · 2 files: 2 modified; +12 -3"
    was cut after "modified;": the figures come first now, the path is what the line's end cuts."""
    deep = home / ("a-rather-long-folder-name-" * 3)
    deep.mkdir()
    _, data = make_crash(deep)
    app = app_for(home, data)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_the_diff(pilot)
        assert isinstance(app.screen, DiffScreen)
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        (title,) = [line for line in lines if "lost turn of" in line]
        assert "4 files: 2 modified, 1 created, 1 deleted; +5 -2" in title, title


async def test_u_undoes_a_rollback_asked_for_after_a_discard_first(home):
    """u undoes the last discard or rollback: a rollback made after a discard is undone first,
    then the discard (the rollback had no place among the discards, and went under them)."""
    project, data = make_crash(home)
    after_crash = tree(project)
    other = home / "other"
    other.mkdir()
    fx.died_mid_turn(data, str(other), sid="dddddddddddd", now_ns=NOW * 10**6 - 86_400 * 10**9)
    for path in data.rglob("dddddddddddd*"):
        os.utime(path, (NOW / 1000 - 86_400, NOW / 1000 - 86_400))
    app = app_for(home, data)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        assert app.session_list.current.item.session_id == "dddddddddddd"
        await pilot.press("d")
        await settle(pilot)
        assert "dddddddd" not in screen_text(app)
        await pilot.press("g", "B")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert tree(project) != after_crash
        await pilot.press("u")
        await settle(pilot)
        assert tree(project) == after_crash and "dddddddd" not in screen_text(app)
        await pilot.press("u")
        await settle(pilot)
        assert "dddddddd" in screen_text(app)
