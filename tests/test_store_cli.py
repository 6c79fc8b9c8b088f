"""opendev's session store as a source, through the command line a person uses.

The stores are written by tests/opendev_fixtures.py exactly as opendev 0.1.8
writes them; every test checks that nothing of opendev's changed on disk.
"""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path

import pytest

import opendev_fixtures as fx
from helpers import write

OLD = 1_700_000_000  # seconds: files written long ago (not "maybe running")


def age(root: Path) -> None:
    for path in root.rglob("*"):
        os.utime(path, (OLD, OLD), follow_symlinks=False)


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A store with one finished session, one that died mid-turn, one that stopped with an error,
    and a first turn that never ended; $OPENDEV_DIR points at it (as it does for opendev)."""
    root = tmp_path / "opendev"
    a, b = str(tmp_path / "proj-a"), str(tmp_path / "proj b")
    os.makedirs(a)
    os.makedirs(b)
    minute = 60_000_000_000
    fx.finished(root, a, sid="aaaaaaaaaaaa", now_ns=fx.T0_NS)
    fx.died_mid_turn(root, a, sid="bbbbbbbbbbbb", now_ns=fx.T0_NS + 30 * minute)
    fx.stopped_with_error(root, b, sid="cccccccccccc", now_ns=fx.T0_NS + 20 * minute)
    fx.first_turn_never_ended(root, b, sid="dddddddddddd", now_ns=fx.T0_NS + 10 * minute)
    age(root)
    monkeypatch.setenv("OPENDEV_DIR", str(root))
    return root


def listed(cli, *args, **kw):
    run = cli("list", "--json", *args, **kw)
    assert run.code == 0, run
    return json.loads(run.out)


def test_list_json_gives_store_sessions_as_specified(cli, store, tmp_path):
    before = fx.fingerprint(store)
    got = listed(cli, "--dir", str(tmp_path / "no-recovery"))
    assert [o["session_id"] for o in got] == ["bbbbbbbbbbbb", "cccccccccccc", "dddddddddddd"]
    died, error, first = got
    assert set(died) == {"source", "session_id", "project_dir", "status", "title", "prompt", "stopped_at_ms",
                         "stopped_by", "error", "pending_tools", "input_tokens", "output_tokens", "path"}
    assert died["source"] == "opendev" and died["status"] == "incomplete"
    assert died["prompt"] == "Please also handle whitespace-only files"
    assert died["pending_tools"] == ["Edit", "Write", "Bash"] and died["stopped_by"] == "exit"
    assert died["title"] == "Fix the config loader so it accepts empty files"
    assert died["project_dir"] == str(tmp_path / "proj-a")
    assert died["path"].endswith("/bbbbbbbbbbbb.json") and died["input_tokens"] > 0
    assert error["stopped_by"] == "error" and error["error"] == "HTTP 529: overloaded"
    assert first["path"].endswith("/dddddddddddd.debug") and first["title"] is None
    assert died["stopped_at_ms"] >= error["stopped_at_ms"] >= first["stopped_at_ms"]  # newest first
    everything = listed(cli, "--all", "--dir", str(tmp_path / "no-recovery"))
    assert [o["status"] for o in everything if o["session_id"] == "aaaaaaaaaaaa"] == ["completed"]
    assert fx.fingerprint(store) == before


def test_one_array_newest_first_across_both_sources(cli, store, recovery):
    write(recovery, "newer-snapshot", ts=2_000_000_000_000)  # 2033: newer than the store's
    write(recovery, "older-snapshot", ts=1_600_000_000_000)  # 2020: older
    got = listed(cli, "--dir", str(recovery))
    assert [(o["source"], o["session_id"]) for o in got] == [
        ("snapshot", "newer-snapshot"), ("opendev", "bbbbbbbbbbbb"), ("opendev", "cccccccccccc"),
        ("opendev", "dddddddddddd"), ("snapshot", "older-snapshot")]
    assert listed(cli, "--dir", str(recovery)) == got  # and again, from the caches
    assert [o["session_id"] for o in listed(cli, "--dir", str(recovery), "--source", "snapshot")] == [
        "newer-snapshot", "older-snapshot"]
    assert {o["source"] for o in listed(cli, "--dir", str(recovery), "--source", "opendev")} == {"opendev"}
    assert {o["source"] for o in listed(cli, "--dir", str(recovery), "--store", "off")} == {"snapshot"}


def test_a_session_in_both_sources_is_one_row_with_the_lost_prompt(cli, store, recovery):
    write(recovery, "bbbbbbbbbbbb", ts=1_777_021_999_000, cost=2.5)
    got = listed(cli, "--dir", str(recovery))
    twins = [o for o in got if o["session_id"] == "bbbbbbbbbbbb"]
    assert len(twins) == 1 and twins[0]["source"] == "snapshot" and twins[0]["cost_usd"] == 2.5
    assert twins[0]["prompt"] == "Please also handle whitespace-only files"
    table = cli("list", "--dir", str(recovery)).out
    assert table.count("bbbbbbbb") == 1 and "Please also handle whitespace-only files" in table


def test_a_row_in_both_sources_is_discarded_whole_and_resumed_where_opendev_looks(cli, store, recovery, tmp_path):
    """Discard took the snapshot alone: the store's half came back as a row of its own. Resume
    went to the snapshot's project_dir, where opendev (which loads the store's session, from the
    folder of -d only) finds nothing; the store's marker names the directory."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write(recovery, "bbbbbbbbbbbb", ts=1_777_021_999_000, cost=2.5, project=str(elsewhere))
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    env = {"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"}
    run = cli("resume", "bbbbbbbbbbbb", "--yes", "--dir", str(recovery), env=env)
    project = str(tmp_path / "proj-a")
    assert run.code == 0, run
    assert handoff.read_text() == f"cd '{project}' && 'opendev' '-d' '{project}' '-r' 'bbbbbbbbbbbb'\n"
    before = fx.fingerprint(store)
    run = cli("discard", "bbbbbbbbbbbb", "--yes", "--dir", str(recovery))
    assert run.code == 0, run
    assert "bbbbbbbbbbbb" not in {o["session_id"] for o in listed(cli, "--dir", str(recovery))}
    assert fx.fingerprint(store) == before  # the store's half only dismissed
    (undo,) = [line.partition("undo with: ")[2] for line in run.out.splitlines() if "undo with: " in line]
    assert cli(*shlex.split(undo)[1:]).code == 0  # one line puts back both halves
    again = [o for o in listed(cli, "--dir", str(recovery)) if o["session_id"] == "bbbbbbbbbbbb"]
    assert len(again) == 1 and again[0]["source"] == "snapshot" and again[0]["prompt"]


def test_a_dismissed_session_that_crashed_again_is_no_longer_listed_as_dismissed(cli, tmp_path, monkeypatch):
    """Dismissed, then resumed in opendev and crashed again: listed again (right), but restore
    still said it was dismissed."""
    root = tmp_path / "opendev"
    project = tmp_path / "p"
    project.mkdir()
    s = fx.died_mid_turn(root, str(project), sid="aaaaaaaaaa07")
    age(root)
    monkeypatch.setenv("OPENDEV_DIR", str(root))
    none = str(tmp_path / "none")
    assert cli("discard", "aaaaaaaaaa07", "--dir", none).code == 0
    assert "aaaaaaaaaa07" in cli("restore", "--dir", none).out
    s.now_ns += 3600 * 10**9
    s.turn("Try again", [[fx.READ]], end="crash")  # resumed in opendev, and crashed again
    age(root)
    assert [o["session_id"] for o in listed(cli, "--dir", none)] == ["aaaaaaaaaa07"]
    assert "aaaaaaaaaa07" not in cli("restore", "--dir", none).out


@pytest.mark.parametrize("command", ["resume", "discard"])
def test_a_row_in_both_sources_whose_store_half_may_be_running_is_asked_about(cli, store, recovery, tmp_path,
                                                                               command):
    """The snapshot was old, so neither asked: the store's half, resumed or dismissed with it,
    had its log written a moment ago."""
    write(recovery, "bbbbbbbbbbbb", ts=1_777_021_999_000, cost=2.5)
    (debug,) = store.rglob("bbbbbbbbbbbb.debug")
    os.utime(debug)  # written just now: opendev may still be at it
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    run = cli(command, "bbbbbbbbbbbb", "--dir", str(recovery), env={"SNAPTUI_HANDOFF": str(handoff),
                                                                     "SNAPTUI_SHELL": "bash"})
    assert run.code == 2 and "may still be running" in run.err and "--yes" in run.err, run
    assert handoff.read_text() == "" and (recovery / "bbbbbbbbbbbb_session_snapshot.json").exists()


def test_the_table_shows_what_the_crash_lost(cli, store, tmp_path):
    run = cli("list", "--dir", str(tmp_path / "none"), env={"COLUMNS": "160"})
    assert run.code == 0, run
    assert "3 interrupted sessions" in run.out and "opendev's store" in run.out
    assert "lost: \u201cPlease also handle whitespace-only files\u201d" in run.out
    assert "asked for Edit src/config.rs, Write src/new.rs, Bash cargo test" in run.out
    assert "stopped with an error: HTTP 529: overloaded" in run.out
    assert "—" in run.out  # no cost recorded by opendev


def test_check_counts_store_crashes_and_says_so(cli, store, tmp_path):
    run = cli("check", "--dir", str(tmp_path / "none"))
    assert run.code == 0 and "3 interrupted opendev sessions" in run.out and "opendev's session store" in run.out
    assert cli("check", "--dir", str(tmp_path / "none"), "--source", "snapshot").code == 1


def test_check_sees_a_finished_session_crash_later(cli, store, tmp_path):
    """A session that was finished crashes in its next turn: its .debug grows, no file is
    added (the folder does not change); the next shell's check must see it."""
    d = str(tmp_path / "none")
    finished = {o["session_id"] for o in listed(cli, "--dir", d)}
    assert "aaaaaaaaaaaa" not in finished
    cli("check", "--dir", d)  # remembers its answer
    later = fx.T0_NS + 7_200_000_000_000  # two hours on, the finished session takes a turn and dies
    s = fx.Sim(next((store / "projects").glob("*proj-a")), "aaaaaaaaaaaa", now_ns=later)
    s.turn("One more thing", [[fx.READ]], end="crash")
    os.utime(s.debug_path, (OLD + 10, OLD + 10))
    assert "aaaaaaaaaaaa" in {o["session_id"] for o in listed(cli, "--dir", d)}
    run = cli("check", "--dir", d)
    assert run.code == 0 and run.out.startswith("4 interrupted")


def test_discarding_a_store_session_dismisses_it_and_changes_nothing_of_opendevs(cli, store, tmp_path):
    d = str(tmp_path / "none")
    before = fx.fingerprint(store)
    run = cli("discard", "bbbb", "--dir", d)
    assert run.code == 0 and "dismissed bbbbbbbbbbbb" in run.out, run
    assert fx.fingerprint(store) == before
    assert "bbbbbbbbbbbb" not in {o["session_id"] for o in listed(cli, "--dir", d)}
    assert "Dismissed: 1" in cli("list", "--dir", d).out
    assert "bbbbbbbbbbbb" in cli("restore", "--dir", d).out
    run = cli("restore", "bbbbbbbbbbbb", "--dir", d)
    assert run.code == 0 and "shown again: bbbbbbbbbbbb" in run.out
    assert "bbbbbbbbbbbb" in {o["session_id"] for o in listed(cli, "--dir", d)}
    assert fx.fingerprint(store) == before


def test_a_new_interruption_of_a_dismissed_session_shows_again(cli, store, tmp_path):
    d = str(tmp_path / "none")
    assert cli("discard", "cccccccccccc", "--dir", d).code == 0
    assert "cccccccccccc" not in {o["session_id"] for o in listed(cli, "--dir", d)}
    later = fx.T0_NS + 3_600_000_000_000  # an hour later, the same session stops again
    s = fx.Sim(next((store / "projects").glob("*proj b")), "cccccccccccc", now_ns=later)
    s.turn("Try once more", [[fx.READ]], end="error", error="HTTP 500")
    assert "cccccccccccc" in {o["session_id"] for o in listed(cli, "--dir", d)}


def test_purge_never_touches_the_store(cli, store, recovery):
    write(recovery, "old", ts=1_600_000_000_000)
    before = fx.fingerprint(store)
    run = cli("purge", "--older-than", "1d", "--yes", "--dir", str(recovery))
    assert run.code == 0 and "Removed 1 snapshot (" in run.out, run
    assert fx.fingerprint(store) == before


def test_resume_hands_off_opendev_d_project_r_id(cli, store, tmp_path):
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    run = cli("resume", "bbbbbbbbbbbb", "--dir", str(tmp_path / "none"),
              env={"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"})
    assert run.code == 0, run
    project = str(tmp_path / "proj-a")
    assert handoff.read_text() == f"cd '{project}' && 'opendev' '-d' '{project}' '-r' 'bbbbbbbbbbbb'\n"


def test_both_data_roots_are_read_when_opendev_dir_is_unset(cli, tmp_path, monkeypatch, isolated_home):
    """opendev switches between ~/.opendev and the XDG data directory: sessions in either are found."""
    monkeypatch.delenv("OPENDEV_DIR", raising=False)
    project = str(tmp_path / "p")
    os.makedirs(project)
    fx.died_mid_turn(isolated_home / ".opendev", project, sid="111111111111")
    fx.stopped_with_error(isolated_home / ".local" / "share" / "opendev", project, sid="222222222222")
    age(isolated_home / ".opendev")
    age(isolated_home / ".local" / "share" / "opendev")
    got = {o["session_id"] for o in listed(cli, "--dir", str(tmp_path / "none"))}
    assert got == {"111111111111", "222222222222"}
    assert listed(cli, "--dir", str(tmp_path / "none"), "--store", "off") == []


def test_the_config_file_chooses_the_store(cli, store, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('opendev_store = "off"\n')
    assert listed(cli, "--dir", str(tmp_path / "none"), env={"SNAPTUI_CONFIG": str(config)}) == []
    config.write_text(f"opendev_store = {json.dumps(str(store))}\n")
    env = {"SNAPTUI_CONFIG": str(config), "OPENDEV_DIR": str(tmp_path / "elsewhere")}
    assert len(listed(cli, "--dir", str(tmp_path / "none"), env=env)) == 3
    config.write_text('opendev_store = ""\n')
    run = cli("list", "--dir", str(tmp_path / "none"), env={"SNAPTUI_CONFIG": str(config)})
    assert run.code == 2 and "opendev_store" in run.err and run.err.count("\n") == 1


def test_hostile_store_entries_are_listed_with_their_reason(cli, store, tmp_path):
    folder = next((store / "projects").glob("*proj-a"))
    (folder / "eeeeeeeeeeee.json").write_text('{"id": "somebody-else"}')
    os.mkfifo(folder / "ffffffffffff.debug")
    (folder / "sessions-index.json").write_text('{"version": 1, "entries": []}')
    (folder / "file-history.json").write_text('{"entries": {}}')
    before = fx.fingerprint(store)
    got = listed(cli, "--all", "--dir", str(tmp_path / "none"), timeout=20)
    damaged = {Path(o["path"]).name: o["error"] for o in got if o["status"] == "damaged"}
    assert set(damaged) == {"eeeeeeeeeeee.json", "ffffffffffff.debug"}
    assert "does not match" in damaged["eeeeeeeeeeee.json"] and "FIFO" in damaged["ffffffffffff.debug"]
    assert all(o["source"] == "opendev" for o in got)
    assert fx.fingerprint(store) == before


def test_source_must_be_known(cli, tmp_path):
    run = cli("list", "--source", "elsewhere", "--dir", str(tmp_path))
    assert run.code == 2 and "--source" in run.err and run.err.count("\n") == 1


def test_resume_elsewhere_copies_the_store_session_into_the_new_folder(cli, tmp_path, monkeypatch):
    """The project moved: opendev finds a session only under the folder of the directory it
    runs in, so the session's files are copied there (never over a file, originals untouched)."""
    root = tmp_path / "opendev"
    old = tmp_path / "gone 'old' $(touch PWNED)"
    fx.died_mid_turn(root, str(old), sid="bbbbbbbbbbbb")  # its project directory was never there
    age(root)
    monkeypatch.setenv("OPENDEV_DIR", str(root))
    new = tmp_path / "-new place\n$(touch PWNED2)"
    new.mkdir()
    before = fx.fingerprint(root)
    run = cli("resume", "bbbbbbbbbbbb", "--dir", str(tmp_path / "none"))
    assert run.code == 2 and "--cd NEW" in run.err and "opendev deletes" in run.err
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    run = cli("resume", "bbbbbbbbbbbb", "--cd", str(new), "--dir", str(tmp_path / "none"),
              env={"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"})
    assert run.code == 0, run
    folder = root / "projects" / str(new.resolve()).replace("/", "-")
    old_folder = root / "projects" / str(old).replace("/", "-")
    for name in ("bbbbbbbbbbbb.json", "bbbbbbbbbbbb.jsonl", "bbbbbbbbbbbb.debug"):
        assert (folder / name).read_bytes() == (old_folder / name).read_bytes()
    assert (folder / "OPENDEV_PROJECT_PATH").read_bytes() == os.fsencode(str(new))
    assert {k: v for k, v in fx.fingerprint(root).items() if str(old_folder.name) in k} == \
        {k: v for k, v in before.items() if str(old_folder.name) in k}  # the originals are as they were
    import subprocess

    out = subprocess.run(["bash", "-c", f"cd / && eval \"$(cat {handoff!s})\"; pwd"], capture_output=True,
                         text=True, env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"})
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "PWNED2").exists()
    assert handoff.read_text().startswith("cd ")
    del out
    listed = json.loads(cli("list", "--json", "--dir", str(tmp_path / "none")).out)
    assert [o["path"] for o in listed] == [str(folder / "bbbbbbbbbbbb.json")]  # the original left behind: dismissed
    assert "bbbbbbbbbbbb" in cli("restore", "--dir", str(tmp_path / "none")).out  # ... and can be brought back
    original = str(old_folder / "bbbbbbbbbbbb.json")
    run = cli("resume", original, "--dir", str(tmp_path / "none"))
    assert run.code == 2 and "dismissed" in run.err and "snaptui restore" in run.err
    assert cli("restore", "bbbbbbbbbbbb", "--dir", str(tmp_path / "none")).code == 0
    run = cli("resume", original, "--cd", str(new), "--dir", str(tmp_path / "none"),
              env={"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"})
    assert run.code == 0 and "copied" not in run.out, run  # the same copy is there: used as it is
    assert cli("restore", "bbbbbbbbbbbb", "--dir", str(tmp_path / "none")).code == 0
    with open(folder / "bbbbbbbbbbbb.jsonl", "ab") as f:  # opendev went on in the copy
        f.write(b"\n")
    run = cli("resume", original, "--cd", str(new), "--dir", str(tmp_path / "none"),
              env={"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"})
    assert run.code == 2 and "differs" in run.err and "not replacing opendev's files" in run.err


@pytest.mark.parametrize("columns", ["1000000000", "99999999999999999999"])
def test_an_absurd_terminal_width_is_laid_out_at_most_a_thousand_cells_wide(cli, store, tmp_path, columns):
    run = cli("list", "--dir", str(tmp_path / "none"), env={"COLUMNS": columns}, timeout=20)
    assert run.code == 0 and run.err == ""
    assert "lost: \u201cPlease also handle whitespace-only files\u201d" in run.out
    assert max(len(line) for line in run.out.splitlines()) <= 1000
    stats = cli("stats", "--dir", str(tmp_path / "none"), env={"COLUMNS": columns}, timeout=20)
    assert stats.code == 0 and stats.err == "" and max(len(line) for line in stats.out.splitlines()) <= 1000


def test_a_session_of_opendev_d_dot_is_listed_and_resumed_where_asked(cli, store, tmp_path):
    """"opendev -d ." writes "." in the folder's marker: the crash is listed (it was damaged,
    so hidden), and resuming it needs --cd (no guess from where snaptui runs)."""
    (folder,) = {p.parent for p in store.rglob("bbbbbbbbbbbb.json")}
    (folder / "OPENDEV_PROJECT_PATH").write_text(".")
    age(store)
    d = str(tmp_path / "none")
    got = {o["session_id"]: o for o in listed(cli, "--dir", d)}
    assert got["bbbbbbbbbbbb"]["project_dir"] == "." and got["bbbbbbbbbbbb"]["status"] == "incomplete"
    assert got["bbbbbbbbbbbb"]["prompt"] == "Please also handle whitespace-only files"
    work = tmp_path / "work"
    work.mkdir()
    run = cli("resume", "--yes", "bbbbbbbbbbbb", "--dir", d, cwd=str(work))
    assert run.code == 2 and "relative path" in run.err and "--cd NEW" in run.err and "deletes" not in run.err
    assert "(a relative path: where it is, is not known)" in cli("export", "bbbbbbbbbbbb", "--dir", d).out


def test_a_first_turn_that_never_ended_is_resumed_as_a_fresh_session(cli, store, tmp_path):
    """Only its .debug exists: "opendev -r ID" would exit with "Failed to load session" (§4),
    so resuming runs opendev in the project directory without -r, and says why."""
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    run = cli("resume", "--yes", "dddddddddddd", "--dir", str(tmp_path / "none"),
              env={"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"})
    assert run.code == 0, run
    project = str(tmp_path / "proj b")
    assert handoff.read_text() == f"cd '{project}' && 'opendev' '-d' '{project}'\n"
    assert "no saved turn of dddddddddddd" in run.out and "fresh session" in run.out
    run = cli("resume", "--yes", "bbbbbbbbbbbb", "--dir", str(tmp_path / "none"),
              env={"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"})
    assert handoff.read_text().endswith("'-r' 'bbbbbbbbbbbb'\n") and "fresh" not in run.out


def test_a_session_under_the_xdg_root_after_the_base_flipped_is_copied_where_opendev_reads(
        cli, tmp_path, isolated_home):
    """A crash log made ~/.opendev, so opendev now reads its sessions there, not under
    $XDG_DATA_HOME/opendev where this one lies (OPENDEV_STORE.md §1): "-r ID" would fail.
    Resuming copies it into ~/.opendev first, originals untouched and times kept; the next
    resume finds that copy and copies nothing."""
    project = tmp_path / "proj"
    project.mkdir()
    xdg_root = isolated_home / ".local" / "share" / "opendev"
    fx.died_mid_turn(xdg_root, str(project), sid="bbbbbbbbbbbb")
    age(xdg_root)
    (isolated_home / ".opendev" / "crash").mkdir(parents=True)  # what a crash log leaves
    checkpoints = xdg_root / "file-history" / "bbbbbbbbbbbb" / "1"
    checkpoints.mkdir(parents=True)
    (checkpoints / "manifest.json").write_text('{"files": []}')  # opendev's undo of the turn's edits (§5.1)
    before = fx.fingerprint(xdg_root)
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    env = {"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"}
    run = cli("resume", "bbbbbbbbbbbb", "--dir", str(tmp_path / "none"), env=env)
    assert run.code == 0, run
    assert "opendev reads its sessions there now" in run.out
    old_folder = xdg_root / "projects" / str(project).replace("/", "-")
    folder = isolated_home / ".opendev" / "projects" / str(project.resolve()).replace("/", "-")
    for name in ("bbbbbbbbbbbb.json", "bbbbbbbbbbbb.jsonl", "bbbbbbbbbbbb.debug"):
        assert (folder / name).read_bytes() == (old_folder / name).read_bytes()
        assert (folder / name).stat().st_mtime_ns == (old_folder / name).stat().st_mtime_ns  # not "live?"
    assert (folder / "OPENDEV_PROJECT_PATH").read_bytes() == os.fsencode(str(project))
    copied_manifest = isolated_home / ".opendev" / "file-history" / "bbbbbbbbbbbb" / "1" / "manifest.json"
    assert copied_manifest.read_text() == '{"files": []}'
    assert fx.fingerprint(xdg_root) == before
    assert "'-r' 'bbbbbbbbbbbb'" in handoff.read_text()
    copied = fx.fingerprint(folder.parent.parent)
    listed = json.loads(cli("list", "--json", "--dir", str(tmp_path / "none")).out)
    assert [o["path"] for o in listed] == [str(folder / "bbbbbbbbbbbb.json")]  # the original: dismissed
    assert cli("check", "--dir", str(tmp_path / "none")).code == 1  # both seen: no new crash for the next shell
    assert cli("restore", "bbbbbbbbbbbb", "--dir", str(tmp_path / "none")).code == 0
    run = cli("resume", str(old_folder / "bbbbbbbbbbbb.json"), "--dir", str(tmp_path / "none"), env=env)
    assert run.code == 0 and "it will load the same copy in" in run.out, run
    assert fx.fingerprint(folder.parent.parent) == copied


def test_a_project_moved_with_a_symlink_left_behind_is_resumed_where_opendev_looks(cli, tmp_path, monkeypatch):
    """The project was moved and a symlink left at its old path: the marker still names the
    old path, which exists, but opendev canonicalises -d (OPENDEV_STORE.md §1) and looks only in
    that folder (§4), so "-r ID" would find nothing. The session is copied there first."""
    root = tmp_path / "opendev"
    project = tmp_path / "app"
    project.mkdir()
    fx.died_mid_turn(root, str(project), sid="5e55101dead1")
    age(root)
    monkeypatch.setenv("OPENDEV_DIR", str(root))
    project.rename(tmp_path / "app-v2")
    project.symlink_to(tmp_path / "app-v2")
    before = fx.fingerprint(root)
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    env = {"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"}
    run = cli("resume", "5e55101dead1", "--dir", str(tmp_path / "none"), env=env)
    assert run.code == 0 and "opendev reads its sessions there now" in run.out, run
    folder = root / "projects" / str(tmp_path / "app-v2").replace("/", "-")
    old_folder = root / "projects" / str(project).replace("/", "-")
    for name in ("5e55101dead1.json", "5e55101dead1.jsonl", "5e55101dead1.debug"):
        assert (folder / name).read_bytes() == (old_folder / name).read_bytes()
    assert {k: v for k, v in fx.fingerprint(root).items() if old_folder.name + "/" in k} == \
        {k: v for k, v in before.items() if old_folder.name + "/" in k}  # the originals are as they were
    assert "'-r' '5e55101dead1'" in handoff.read_text()
    listed = json.loads(cli("list", "--json", "--dir", str(tmp_path / "none")).out)
    assert [o["path"] for o in listed] == [str(folder / "5e55101dead1.json")]  # the original: dismissed
    run = cli("resume", "5e55101dead1", "--dir", str(tmp_path / "none"), env=env)  # the copy: where it is
    assert run.code == 0 and "copied" not in run.out and "same copy" not in run.out, run


@pytest.mark.parametrize("cd", [False, True])
def test_resuming_a_demo_session_never_copies_it_into_the_persons_store(cli, tmp_path, isolated_home, cd):
    """Enter on the demo's storefront copied it into ~/.opendev/projects, where opendev reads:
    the demo's session then showed in the person's own list and opened the next shell's TUI."""
    run = cli("demo", "--write-only", "--dir", str(tmp_path / "demo"))
    assert run.code == 0, run
    (isolated_home / ".opendev" / "projects").mkdir(parents=True)  # the person's own store
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    args = ["resume", "7c1e9a40d2b3", "--yes", "--dir", str(tmp_path / "demo" / "recovery"),
            "--store", str(tmp_path / "demo" / "opendev")]
    if cd:
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        args += ["--cd", str(elsewhere)]
    run = cli(*args, env={"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"})
    assert run.code == 0 and "'-r' '7c1e9a40d2b3'" in handoff.read_text(), run
    assert list((isolated_home / ".opendev" / "projects").iterdir()) == []


def test_a_session_where_opendev_looks_is_resumed_without_a_word(cli, store, tmp_path):
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    before = fx.fingerprint(store)
    run = cli("resume", "bbbbbbbbbbbb", "--dir", str(tmp_path / "none"),
              env={"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"})
    assert run.code == 0 and run.out == "" and fx.fingerprint(store) == before, run


def test_with_opendev_dir_set_a_session_elsewhere_is_copied_under_it(cli, tmp_path, monkeypatch):
    """--store names a root opendev does not read ($OPENDEV_DIR is another): resuming copies the
    session under $OPENDEV_DIR, for the directory given with --cd too."""
    project, new = tmp_path / "proj", tmp_path / "new"
    project.mkdir()
    new.mkdir()
    backup = tmp_path / "backup-store"
    fx.died_mid_turn(backup, str(project), sid="bbbbbbbbbbbb")
    age(backup)
    live_root = tmp_path / "opendev-dir"
    monkeypatch.setenv("OPENDEV_DIR", str(live_root))
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    env = {"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"}
    run = cli("resume", "bbbbbbbbbbbb", "--cd", str(new), "--store", str(backup), "--dir", str(tmp_path / "none"),
              env=env)
    assert run.code == 0, run
    assert (live_root / "projects" / str(new.resolve()).replace("/", "-") / "bbbbbbbbbbbb.json").exists()
    assert not (backup / "projects" / str(new.resolve()).replace("/", "-")).exists()


@pytest.mark.parametrize("command", [["list"], ["list", "--json"], ["check"], ["stats"]])
def test_a_store_named_on_the_command_line_that_is_not_there_is_one_line(cli, tmp_path, command):
    """It was listed as a "damaged file" and the command went on with exit 0."""
    (tmp_path / "a-file").write_text("x")
    for store, why in ((tmp_path / "nowhere", "no such directory"), (tmp_path / "a-file", "not a directory")):
        run = cli(*command, "--store", str(store), "--dir", str(tmp_path / "none"))
        assert run.code == 2 and run.out == "" and run.err.count("\n") == 1, run
        assert "--store" in run.err and why in run.err


def test_demo_into_a_file_is_one_line(cli, tmp_path):
    (tmp_path / "a-file").write_text("x")
    run = cli("demo", "--write-only", "--dir", str(tmp_path / "a-file"))
    assert run.code == 2 and run.err.count("\n") == 1 and "not a directory" in run.err and "Errno" not in run.err


def test_the_list_header_names_no_recovery_directory_that_does_not_exist(cli, store, tmp_path):
    """The usual machine today: no snapshots written, so no recovery directory; the header
    named it as a place the sessions were found in."""
    run = cli("list", "--dir", str(tmp_path / "none"), timeout=20)
    head = run.out.splitlines()[0]
    assert run.code == 0 and "interrupted sessions in opendev's store" in head and "none" not in head
    stats = cli("stats", "--dir", str(tmp_path / "none"), timeout=20)
    assert stats.code == 0 and str(tmp_path / "none") not in stats.out


def test_resume_elsewhere_of_a_first_turn_never_saved_copies_nothing(cli, tmp_path, monkeypatch):
    """opendev starts a fresh session for it (it has no .json to load): its .debug copied into
    the new folder only made a second interrupted entry there."""
    root = tmp_path / "opendev"
    fx.first_turn_never_ended(root, str(tmp_path / "gone"), sid="dddddddddddd")
    age(root)
    monkeypatch.setenv("OPENDEV_DIR", str(root))
    new = tmp_path / "new"
    new.mkdir()
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    run = cli("resume", "dddddddddddd", "--cd", str(new), "--dir", str(tmp_path / "none"),
              env={"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"})
    assert run.code == 0 and "copied" not in run.out and f"fresh session in {new} (" in run.out, run
    assert not (root / "projects" / str(new.resolve()).replace("/", "-")).exists()
    assert "'-r'" not in handoff.read_text() and str(new) in handoff.read_text()


def test_the_copied_line_shows_hostile_file_names_as_text(cli, tmp_path, isolated_home):
    """The session id names the files copied: its escapes reached the terminal."""
    project = tmp_path / "proj"
    project.mkdir()
    sid = "esc\x1b]0;HACKED\x07\x1b[31mred"
    xdg_root = isolated_home / ".local" / "share" / "opendev"
    fx.died_mid_turn(xdg_root, str(project), sid=sid)
    age(xdg_root)
    (isolated_home / ".opendev").mkdir()
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    (path,) = xdg_root.rglob("*.json")
    run = cli("resume", "--yes", str(path), "--dir", str(tmp_path / "none"),
              env={"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"})
    assert run.code == 0, run
    assert "copied" in run.out and "\x1b" not in run.out and "\x07" not in run.out


def test_an_id_found_nowhere_names_every_place_looked_in(cli, store, recovery, tmp_path):
    run = cli("resume", "ffffffffffff", "--dir", str(recovery))
    assert run.code == 2 and run.err.count("\n") == 1
    assert f"no session matches 'ffffffffffff' in {recovery} or {store}" in run.err
    run = cli("discard", "ffffffffffff", "--dir", str(tmp_path / "no-recovery"))
    assert f"matches 'ffffffffffff' in {store}" in run.err and "no-recovery" not in run.err
    run = cli("discard", "ffffffffffff", "--dir", str(recovery), "--source", "opendev")
    assert f"matches 'ffffffffffff' in {store}" in run.err and str(recovery) not in run.err


def test_a_damaged_dismissed_memory_is_kept_aside_and_said_never_overwritten(cli, store, tmp_path, isolated_home):
    where = ["--dir", str(tmp_path / "no-recovery")]
    assert cli("discard", "bbbbbbbbbbbb", *where).code == 0
    memory = isolated_home / ".local" / "state" / "snaptui" / "dismissed.marshal"
    garbage = os.urandom(100)
    memory.write_bytes(garbage)
    assert "bbbbbbbbbbbb" in [o["session_id"] for o in listed(cli, *where)]  # shown again: the memory says nothing
    listing = cli("restore", *where)
    assert "is damaged" in listing.out and "show again" in listing.out
    run = cli("discard", "cccccccccccc", *where)
    assert run.code == 0 and "was damaged" in run.out and "kept as" in run.out
    [kept] = memory.parent.glob("dismissed.marshal.damaged-*")
    assert kept.read_bytes() == garbage and str(kept) in run.out  # the person's state, as it was
    assert "cccccccccccc" not in [o["session_id"] for o in listed(cli, *where)]


def test_a_dismissal_that_cannot_be_written_says_why(tmp_path, monkeypatch):
    import errno

    from snaptui.base import datafile
    from snaptui.catalog import dismissed

    fx.died_mid_turn(tmp_path / "od", str(tmp_path))
    item = next(iter(fx.scan(tmp_path / "od").values()))

    def full(*a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(datafile, "write_atomic", full)
    with pytest.raises(OSError, match="cannot write .*dismissed.marshal: No space left on device"):
        dismissed.dismiss(str(tmp_path / "state"), [item], 1)


def test_resuming_a_snapshot_whose_session_the_store_lacks_says_opendev_will_not_load_it(cli, store, recovery,
                                                                                         tmp_path):
    """opendev 0.1.8 loads only its store's ``{id}.json`` for the project (§4): a snapshot whose
    id the store does not hold is still handed off (the command is the person's), with one line
    saying what opendev will answer. A snapshot whose twin the store holds: not a word."""
    project = tmp_path / "proj-a"
    write(recovery, "eeeeeeeeeeee", project=str(project))
    write(recovery, "bbbbbbbbbbbb", project=str(project))  # the store's died-mid-turn session
    handoff = tmp_path / "handoff"
    env = {"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"}
    handoff.write_text("")
    run = cli("resume", "--yes", "eeeeeeeeeeee", "--dir", str(recovery), env=env)
    assert run.code == 0, run
    assert run.err == ('snaptui: warning: opendev\'s store has no session of this id for this project, and opendev '
                       '0.1.8 resumes only the sessions of its store: it will answer "Failed to load session"\n')
    assert handoff.read_text() == f"cd '{project}' && 'opendev' '-d' '{project}' '-r' 'eeeeeeeeeeee'\n"
    handoff.write_text("")
    run = cli("resume", "--yes", "bbbbbbbbbbbb", "--dir", str(recovery), env=env)
    assert run.code == 0 and run.err == "", run
    assert handoff.read_text() == f"cd '{project}' && 'opendev' '-d' '{project}' '-r' 'bbbbbbbbbbbb'\n"
    handoff.write_text("")
    run = cli("resume", "--yes", "eeeeeeeeeeee", "--dir", str(recovery), "--source", "snapshot", env=env)
    assert run.code == 0 and "Failed to load session" in run.err, run  # opendev's store is still opendev's


def test_only_a_session_under_the_root_opendev_reads_is_said_to_be_deleted_at_its_next_start(cli, tmp_path,
                                                                                             monkeypatch,
                                                                                             isolated_home):
    """opendev purges the stale folders of the data root it reads (§0), here ~/.opendev, which
    exists: a session in the XDG root whose project is gone is not deleted by it, and nothing
    says it is; one in ~/.opendev is, and resume and export say so."""
    monkeypatch.delenv("OPENDEV_DIR", raising=False)
    for root, sid in ((isolated_home / ".local" / "share" / "opendev", "e8e8e8e8e8e8"),
                      (isolated_home / ".opendev", "f9f9f9f9f9f9")):
        fx.died_mid_turn(root, str(tmp_path / f"gone-{sid}"), sid=sid)
        age(root)
    for sid, said in (("e8e8e8e8e8e8", False), ("f9f9f9f9f9f9", True)):
        run = cli("resume", "--yes", sid, "--dir", str(tmp_path / "none"))
        assert run.code == 2 and "is gone" in run.err and ("opendev deletes" in run.err) == said, run
        run = cli("export", sid, "--dir", str(tmp_path / "none"))
        assert run.code == 0 and "directory is gone" in run.out and ("opendev deletes" in run.out) == said, run


def test_a_row_with_both_halves_reports_the_command_and_the_fate_of_its_store_half(cli, tmp_path, monkeypatch,
                                                                                    recovery):
    """export of a snapshot whose session opendev's store holds (under the root opendev reads,
    its project gone): the command is the store session's, and opendev deletes its folder."""
    root = tmp_path / "opendev"
    monkeypatch.setenv("OPENDEV_DIR", str(root))
    fx.died_mid_turn(root, str(tmp_path / "gone"), sid="hhhh11112222")
    age(root)
    write(recovery, "hhhh11112222", project=str(tmp_path / "gone"))
    run = cli("export", "hhhh11112222", "--dir", str(recovery))
    assert run.code == 0, run
    assert "(the directory is gone: opendev deletes this session's folder the next time it starts)" in run.out


def test_whether_opendev_can_load_a_snapshot_is_asked_of_opendev_s_own_store(cli, store, recovery, tmp_path):
    """The warning follows where opendev looks ($OPENDEV_DIR here), not what snaptui reads: with
    --store off it still holds, and --store naming another root does not make a session
    opendev has look missing."""
    project = tmp_path / "proj-a"
    write(recovery, "eeeeeeeeeeee", project=str(project))
    write(recovery, "bbbbbbbbbbbb", project=str(project))  # opendev's store has it
    other = tmp_path / "other-root"
    (other / "projects").mkdir(parents=True)
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    env = {"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"}
    for sid, warned in (("eeeeeeeeeeee", True), ("bbbbbbbbbbbb", False)):
        for store_option in (["--store", "off"], ["--store", str(other)]):
            run = cli("resume", "--yes", sid, "--dir", str(recovery), *store_option, env=env)
            assert run.code == 0 and ("Failed to load session" in run.err) == warned, (sid, store_option, run)
