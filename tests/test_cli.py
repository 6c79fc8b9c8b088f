"""The command line as a person calls it: real processes, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from conftest import DATA
from helpers import DAY, NOW, write
from snaptui.sources.recovery import TRASH_DIR


def test_list_json_is_the_reference_answer(cli, fixture_dir):
    run = cli("list", "--json", "--dir", str(fixture_dir))
    assert run.code == 0, run
    got = json.loads(run.out)
    expected = json.loads((DATA / "seed-written.expected-incomplete.json").read_text())
    assert [{k: v for k, v in o.items() if k not in ("path", "status", "source")} for o in got] == expected
    assert {o["status"] for o in got} == {"incomplete"} and {o["source"] for o in got} == {"snapshot"}
    assert all(os.path.dirname(o["path"]) == str(fixture_dir) for o in got)
    again = cli("list", "--json", "--dir", str(fixture_dir))  # warm: from the index
    assert json.loads(again.out) == got


def test_list_all_json_has_every_kind(cli, fixture_dir):
    (fixture_dir / "bad.json").write_bytes(b"[")
    (fixture_dir / "x_session_snapshot.json.tmp").write_bytes(b"")
    got = json.loads(cli("list", "--all", "--json", "--dir", str(fixture_dir)).out)
    statuses = [o["status"] for o in got]
    assert statuses.count("incomplete") == 32 and statuses.count("completed") == 16
    (damaged,) = [o for o in got if o["status"] == "damaged"]
    assert damaged == {"path": str(fixture_dir / "bad.json"), "status": "damaged",
                       "error": "not JSON: expecting value at line 1 column 2", "source": "snapshot"}
    (left,) = [o for o in got if o["status"] == "leftover"]
    assert left["state"] == "damaged" and left["detail"] == "empty file"


def test_list_table_shows_what_matters(cli, recovery):
    write(recovery, "3f2b9c1e-7a4d", project=os.environ["HOME"] + "/src/app", cost=1204.5, messages=1204,
          tools=(("bash", True, "ok"), ("edit_file", False, "nope")))
    run = cli("list", "--dir", str(recovery))
    assert run.code == 0
    assert "1 interrupted session in" in run.out
    row = run.out.splitlines()[3]
    for piece in ("~/src/app", "$1,204.50", "1,204", "✗ edit_file", "3f2b9c1e"):
        assert piece in row


def test_list_never_prints_raw_escapes(cli, recovery):
    write(recovery, "\x1b]0;pwned\x07\x1b[2J", project="/p/\x1b[31mred\u202e", tools=(("[bold]x[/]\r", True, "o"),))
    run = cli("list", "--dir", str(recovery))
    assert run.code == 0
    assert "\x1b" not in run.out and "\x07" not in run.out and "\r" not in run.out and "\u202e" not in run.out
    assert "␛]0;pwne" in run.out and "[bold]x[/]␍" in run.out


def test_missing_directory_is_a_clear_message(cli, tmp_path):
    run = cli("list", "--dir", str(tmp_path / "nope"))
    assert run.code == 0 and "does not exist" in run.out and "--dir" in run.out


def test_recovery_path_that_is_a_file_is_one_line_and_a_usage_error(cli, tmp_path):
    """Given with --dir, or in the config: status 2, as --store naming a file is."""
    (tmp_path / "f").write_text("x")
    run = cli("list", "--dir", str(tmp_path / "f"))
    assert run.code == 2 and run.err.count("\n") == 1 and "is not a directory" in run.err
    config = tmp_path / "config.toml"
    config.write_text(f'recovery_dir = "{tmp_path / "f"}"\n')
    run = cli("list", env={"SNAPTUI_CONFIG": str(config)})
    assert run.code == 2 and run.err.count("\n") == 1 and "is not a directory" in run.err, run
    run = cli("--dir", str(tmp_path / "f"))  # the TUI: the same line, before it needs a terminal
    assert run.code == 2 and run.err.count("\n") == 1 and "is not a directory" in run.err, run
    (tmp_path / "store-file").write_text("x")
    run = cli("list", "--dir", str(tmp_path), "--store", str(tmp_path / "store-file"))
    assert run.code == 2 and run.err.count("\n") == 1, run


def test_discard_then_restore(cli, recovery):
    path = write(recovery, "3f2b9c1e-0000")
    data = path.read_bytes()
    run = cli("discard", "3f2b", "--dir", str(recovery))
    assert run.code == 0, run
    assert not path.exists() and "snaptui restore" in run.out
    run = cli("restore", "--dir", str(recovery))
    assert "3f2b9c1e-0000" in run.out
    run = cli("restore", "3f2b9c1e-0000", "--dir", str(recovery))
    assert run.code == 0 and path.read_bytes() == data


def test_discard_unknown_id_is_a_usage_error(cli, recovery):
    write(recovery, "a")
    run = cli("discard", "zzzz", "--dir", str(recovery))
    assert run.code == 2 and run.err.count("\n") == 1 and "no session matches" in run.err


def test_discard_ambiguous_prefix_is_refused(cli, recovery):
    write(recovery, "abcd-1")
    write(recovery, "abcd-2")
    run = cli("discard", "abcd", "--dir", str(recovery))
    assert run.code == 2 and "ambiguous" in run.err
    assert len(list(recovery.glob("*.json"))) == 2


def test_discard_of_a_maybe_running_session_needs_yes_without_a_terminal(cli, recovery):
    write(recovery, "live", age_s=None)
    run = cli("discard", "live", "--dir", str(recovery))
    assert run.code == 2 and "may still be running" in run.err
    assert cli("discard", "live", "--yes", "--dir", str(recovery)).code == 0


def test_purge_without_terminal_or_yes_refuses_and_removes_nothing(cli, recovery):
    write(recovery, "old", ts=1_000)
    run = cli("purge", "--older-than", "7d", "--dir", str(recovery))
    assert run.code == 2 and "--yes" in run.err
    assert (recovery / "old_session_snapshot.json").exists()


def test_purge_of_a_snapshot_that_may_still_be_running_says_so(cli, recovery):
    """Its file written a moment ago (a live agent's), its snapshot time old: the plain "Delete
    them for good?" was all the CLI asked (the TUI asks a second time)."""
    path = write(recovery, "live-old", ts=1_000, age_s=None)
    run = cli("purge", "--older-than", "1d", "--dir", str(recovery))
    assert run.code == 2 and "may still be running" in run.err and run.err.count("\n") == 1
    assert path.exists()


def test_purge_dry_run_then_yes(cli, recovery):
    write(recovery, "old", ts=1_000)
    write(recovery, "new", ts=2**62)
    run = cli("purge", "--older-than", "2w", "--dry-run", "--dir", str(recovery))
    assert run.code == 0 and "Would remove 1 snapshot older" in run.out and "1 interrupted" in run.out
    assert (recovery / "old_session_snapshot.json").exists()
    run = cli("purge", "--older-than", "2w", "--yes", "--dir", str(recovery))
    assert run.code == 0 and "Removed 1 snapshot (" in run.out
    assert sorted(os.listdir(recovery)) == sorted(["new_session_snapshot.json", TRASH_DIR])


@pytest.mark.parametrize("bad", ["7", "7x", "-1d", "", "d"])
def test_bad_durations_are_one_line_usage_errors(cli, recovery, bad):
    run = cli("purge", "--older-than", bad, "--dir", str(recovery))
    assert run.code == 2 and run.err.count("\n") == 1 and "Traceback" not in run.err


def test_bad_config_is_one_line_and_status_2(cli, recovery, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('startup = "sometimes"\n')
    run = cli("list", "--dir", str(recovery), env={"SNAPTUI_CONFIG": str(cfg)})
    assert run.code == 2 and run.err.count("\n") == 1 and "startup" in run.err


@pytest.mark.parametrize("placeholder", ["{session_id:>99999999999}", "{session_id!r}", "{project_dir:d}"])
def test_a_placeholder_with_a_format_is_refused_not_ignored(cli, recovery, tmp_path, placeholder):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'resume_command = "opendev -r {placeholder}"\n')
    run = cli("list", "--dir", str(recovery), env={"SNAPTUI_CONFIG": str(cfg)})
    assert run.code == 2 and run.err.count("\n") == 1 and "takes no format" in run.err and placeholder in run.err


@pytest.mark.parametrize("command", [["list"], ["check"], ["check", "--startup"], ["config"], ["stats"]])
def test_a_config_file_named_by_the_environment_must_exist(cli, recovery, tmp_path, command):
    """$SNAPTUI_CONFIG naming no file is a mistake to say, not a silent return to the defaults;
    the default config file's absence is not."""
    missing = tmp_path / "typo.toml"
    run = cli(*command, "--dir", str(recovery), env={"SNAPTUI_CONFIG": str(missing)})
    assert run.code == 2 and run.out == "" and "Traceback" not in run.err
    assert run.err.count("\n") == 1 and f"{missing} (named by $SNAPTUI_CONFIG) does not exist" in run.err
    assert cli(*command, "--dir", str(recovery)).code in (0, 1)
    example = cli("config", "--example", env={"SNAPTUI_CONFIG": str(missing)})
    assert example.code == 0 and "startup = " in example.out


def test_every_id_the_list_shows_names_its_session_on_the_command_line(cli, recovery):
    """Ids sharing their first 8 characters are shown as far as it takes to tell them apart
    (a completed session counts: the command line would find it too)."""
    for sid in ("session-abc1", "session-abc2", "session-abd3"):
        write(recovery, sid)
    write(recovery, "session-abc9-done", completed=True)
    run = cli("list", "--dir", str(recovery), "--store", "off")
    lines = run.out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("AGE"))
    shown = [line.split()[-1] for line in lines[head + 1 :] if line.strip()][:3]
    assert lines[head].split()[-1] == "ID" and sorted(shown) == ["session-abc1", "session-abc2", "session-abd3"]
    for prefix in shown:
        report = cli("export", prefix, "--dir", str(recovery), "--store", "off")
        assert report.code == 0, (prefix, report.err)


@pytest.mark.parametrize("command", ["list", "stats"])
def test_nowhere_to_look_is_said_in_words(cli, tmp_path, command):
    """No recovery directory (the usual machine today) and no store: list and stats say so
    alike, and --source opendev without a store says what was left to read."""
    missing = tmp_path / "none"
    run = cli(command, "--dir", str(missing), "--store", "off")
    assert run.code == 0 and run.out.startswith(f"No interrupted sessions: {missing} does not exist"), run
    run = cli(command, "--dir", str(missing), "--store", "off", "--source", "opendev")
    assert run.code == 0 and "no opendev store to read" in run.out and "no source" not in run.out, run


def test_recovery_dir_precedence(cli, tmp_path):
    env_dir, cfg_dir, flag_dir = (tmp_path / n for n in ("env", "cfg", "flag"))
    for d, sid in ((env_dir, "from-env"), (cfg_dir, "from-config"), (flag_dir, "from-flag")):
        d.mkdir()
        write(d, sid)
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'recovery_dir = "{cfg_dir}"\n')
    env = {"SNAPTUI_CONFIG": str(cfg)}
    ids = lambda run: [o["session_id"] for o in json.loads(run.out)]  # noqa: E731
    assert ids(cli("list", "--json", env=env)) == ["from-config"]
    env["SNAPTUI_RECOVERY_DIR"] = str(env_dir)
    assert ids(cli("list", "--json", env=env)) == ["from-env"]
    assert ids(cli("list", "--json", "--dir", str(flag_dir), env=env)) == ["from-flag"]


def test_default_directory_is_the_references(cli, isolated_home):
    d = isolated_home / ".opendev" / "data" / "recovery"
    d.mkdir(parents=True)
    write(d, "home-session")
    assert json.loads(cli("list", "--json").out)[0]["session_id"] == "home-session"


def test_demo_writes_a_realistic_directory_read_by_the_reference(cli, tmp_path):
    root = tmp_path / "demo"
    target = root / "recovery"
    run = cli("demo", "--write-only", "--dir", str(root))
    assert run.code == 0 and run.out.strip() == str(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]  # nothing written beside it
    assert sorted(p.name for p in root.iterdir()) == ["opendev", "projects", "recovery"]
    assert cli("demo", "--write-only", "--dir", str(root)).code == 0  # an earlier demo is rewritten
    got = json.loads(cli("list", "--all", "--json", "--dir", str(target)).out)
    statuses = [o["status"] for o in got]
    assert statuses.count("incomplete") >= 8 and "completed" in statuses
    assert statuses.count("damaged") == 1 and statuses.count("leftover") == 1
    assert any(not t["success"] for o in got if "last_tool_results" in o for t in o["last_tool_results"])
    for o in got:  # a compiler names the project the session works in
        for t in o.get("last_tool_results", ()):
            if "could not compile" in t["output_preview"]:
                assert f"could not compile `{os.path.basename(o['project_dir'])}`" in t["output_preview"], o
    # Demo refuses to clobber a directory that is not a demo.
    other = tmp_path / "real"
    other.mkdir()
    (other / "keep.json").write_text("{}")
    run = cli("demo", "--write-only", "--dir", str(other))
    assert run.code == 2 and run.err.count("\n") == 1 and "not a snaptui demo" in run.err
    assert [p.name for p in other.iterdir()] == ["keep.json"] and (other / "keep.json").read_text() == "{}"


@pytest.mark.parametrize("theirs", ["projects", "opendev", "recovery"])
def test_demo_refuses_a_folder_with_anything_of_the_persons_before_writing(cli, tmp_path, theirs):
    """A folder holding only a projects/ (or an opendev/, a recovery/) of the person's is not a
    demo: nothing is written into it, not even the part that would not clash."""
    root = tmp_path / "d"
    (root / theirs / "mine").mkdir(parents=True)
    (root / theirs / "mine" / "f.txt").write_text("keep")
    run = cli("demo", "--write-only", "--dir", str(root))
    assert run.code == 2 and "not a snaptui demo" in run.err
    left = [str(p.relative_to(root)) for p in sorted(root.rglob("*"))]
    assert left == [theirs, f"{theirs}/mine", f"{theirs}/mine/f.txt"]


def test_usage_errors_are_one_line(cli):
    run = cli("frobnicate")
    assert run.code == 2 and run.err.count("\n") == 1 and run.err.startswith("snaptui: ")


def test_help_and_version_import_neither_textual_nor_pydantic():
    code = (
        "import sys, runpy; sys.argv = ['snaptui'] + sys.argv[1:]\n"
        "from snaptui.cli.main import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'pydantic', 'rich'))\n"
        "print('LOADED', bad)"
    )
    for args in (["--help"], ["--version"], ["list", "--help"]):
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True).stdout
        assert "LOADED []" in out, (args, out[-300:])


def test_list_json_reaches_a_slow_reader_whole(tmp_path):
    """Big answers go out as many pieces through a pipe that fills up: a reader
    taking small sips still gets every byte, cold and warm."""
    from conftest import snaptui_command
    from snaptui.catalog import jsonlist as listjson

    d = tmp_path / "recovery"
    for i in range(300):
        write(d, f"s{i:03d}", ts=1_700_000_000_000 + i, tools=[("bash", True, "x" * 4000 + str(i))])
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    expected = listjson.json_output(str(d), None, everything=False)
    assert len(expected) > 1_000_000  # far more than a pipe holds
    for _ in ("cold", "warm"):
        proc = subprocess.Popen([*snaptui_command(), "list", "--json", "--dir", str(d)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env)
        got = bytearray()
        while chunk := proc.stdout.read(4096):
            got += chunk
        assert proc.wait(timeout=60) == 0 and proc.stderr.read() == b""
        assert bytes(got) == expected


@pytest.mark.parametrize("atexit_callback", [False, True])
def test_leaving_flushes_everything_and_keeps_exit_callbacks(atexit_callback):
    """The command skips the interpreter's teardown only when nothing would run in it."""
    code = ("import atexit, sys\n"
            + ("atexit.register(lambda: sys.stdout.write('bye'))\n" if atexit_callback else "")
            + "from snaptui.cli.main import leave\nsys.stdout.write('x' * 200_000)\nsys.stderr.write('e')\nleave(3)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert proc.returncode == 3
    assert proc.stdout == b"x" * 200_000 + (b"bye" if atexit_callback else b"")
    assert proc.stderr == b"e"


@pytest.mark.parametrize("value,reason", [('"a\\u0000b"', "holds a NUL character"), ('""', "is empty"),
                                          ('"  "', "is empty")])
@pytest.mark.parametrize("command", [["list"], ["list", "--json"], ["check"], ["stats"],
                                     ["purge", "--older-than", "1d"], ["restore", "x"], ["export", "x"]])
def test_a_recovery_dir_the_config_file_cannot_mean_is_one_line(cli, tmp_path, value, reason, command):
    config = tmp_path / "config.toml"
    config.write_text(f"recovery_dir = {value}\n")
    run = cli(*command, "--store", "off", env={"SNAPTUI_CONFIG": str(config)})
    assert run.code == 2 and run.out == ""
    assert run.err.count("\n") == 1 and f"recovery_dir: {reason}" in run.err and "Traceback" not in run.err


@pytest.mark.parametrize("session_id", ["3f2b9c1e-0000", "-dash-id", "ab", "new\nline-id", "tab\there", "\x1b[31mred"])
def test_the_undo_line_of_discard_restores_exactly_what_it_discarded(cli, recovery, session_id):
    """What discard prints after "undo with:", typed back into a shell, puts the files back."""
    import shlex

    path = write(recovery, session_id, name="s.json")
    other = write(recovery, "0ther-session")
    data = path.read_bytes()
    run = cli("--dir", str(recovery), "discard", "--yes", "--", session_id)
    assert run.code == 0 and not path.exists(), run
    (hint,) = [line.partition("undo with: ")[2] for line in run.out.splitlines() if "undo with: " in line]
    assert hint.isprintable()
    words = shlex.split(hint)
    assert words[:4] == ["snaptui", "restore", "--dir", str(recovery)]
    restored = cli(*words[1:])  # as typed: the line names the directory given to discard
    assert restored.code == 0, restored
    assert path.read_bytes() == data and other.exists()


def test_the_undo_line_of_a_snapshot_and_a_link_to_it_puts_both_back(cli, recovery):
    """Two files of one id (a link to a snapshot): "restore ID ID" put back one of them."""
    import shlex

    path = write(recovery, "linked-session")
    link = recovery / "link_session_snapshot.json"
    link.symlink_to(path)
    run = cli("--dir", str(recovery), "discard", "--yes", "linked-session")
    assert run.code == 0 and not path.exists() and not link.is_symlink(), run
    (hint,) = [line.partition("undo with: ")[2] for line in run.out.splitlines() if "undo with: " in line]
    restored = cli("--dir", str(recovery), *shlex.split(hint)[1:])
    assert restored.code == 0, restored
    assert path.exists() and link.is_symlink() and os.readlink(link) == str(path)


def test_the_undo_line_of_a_dismissal_names_the_session(cli, tmp_path):
    import shlex

    import opendev_fixtures as fx

    root, project = tmp_path / "opendev", tmp_path / "p"
    project.mkdir()
    fx.died_mid_turn(root, str(project), sid="-dashed-session")
    for p in root.rglob("*"):
        os.utime(p, (1_700_000_000, 1_700_000_000))
    args = ("--dir", str(tmp_path / "none"), "--store", str(root))
    run = cli(*args, "discard", "--", "-dashed-session")
    assert run.code == 0, run
    (hint,) = [line.partition("undo with: ")[2] for line in run.out.splitlines() if "undo with: " in line]
    restored = cli(*shlex.split(hint)[1:])  # as typed: the line names the store given to discard
    assert restored.code == 0 and "shown again: -dashed-session" in restored.out, restored


def test_a_relative_project_directory_is_never_resumed_relative_to_where_snaptui_runs(cli, recovery, tmp_path,
                                                                                     monkeypatch):
    """"proj" means nothing known: resuming from a directory that happens to hold a "proj"
    would cd into it and pass -d proj, which opendev resolves from there again."""
    from tui_support import fake_opendev

    fake_opendev(tmp_path / "bin", monkeypatch)
    work = tmp_path / "work"
    (work / "proj").mkdir(parents=True)
    write(recovery, "relrel01", project="proj")
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    env = {"SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"}
    run = cli("resume", "--yes", "relrel01", "--dir", str(recovery), env=env, cwd=str(work))
    assert run.code == 2 and run.err.count("\n") == 1 and "relative path" in run.err and "--cd NEW" in run.err
    assert "create" not in run.err  # it would be made wherever snaptui runs
    assert handoff.read_text() == ""
    run = cli("resume", "--yes", "relrel01", "--dir", str(recovery), "--cd", str(work / "proj"), env=env,
              cwd=str(work))
    assert run.code == 0, run
    assert handoff.read_text() == f"cd '{work / 'proj'}' && 'opendev' '-d' '{work / 'proj'}' '-r' 'relrel01'\n"


def test_resume_with_no_agent_installed_is_one_line_and_the_shell_integration_leaves_it_to_the_shell(cli, recovery,
                                                                                                    tmp_path):
    """Without the shell integration snaptui becomes the agent: with none installed, one line.
    Through it, the person's shell runs the command, where ``opendev`` may be a function or
    an alias that PATH knows nothing of: handed off as ever."""
    write(recovery, "noagent1", project=str(tmp_path))
    empty = {"PATH": str(tmp_path / "empty-bin")}
    run = cli("resume", "--yes", "noagent1", "--dir", str(recovery), env=empty)
    assert run.code == 1 and run.err.count("\n") == 1 and run.err.startswith("snaptui: cannot run opendev: ")
    (tmp_path / ".opendev" / "projects").mkdir(parents=True)  # a store without it: still the one line
    run = cli("resume", "--yes", "noagent1", "--dir", str(recovery),
              env={**empty, "OPENDEV_DIR": str(tmp_path / ".opendev")})
    assert run.code == 1 and run.err.count("\n") == 1 and run.err.startswith("snaptui: cannot run opendev: "), run
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    run = cli("resume", "--yes", "noagent1", "--dir", str(recovery),
              env={**empty, "SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"})
    assert run.code == 0 and "'opendev' '-d'" in handoff.read_text(), run


def test_a_resume_command_s_relative_program_is_found_in_the_project_directory(cli, recovery, tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    agent = project / "agent"
    agent.write_text("#!/bin/sh\npwd > ran-here\necho \"$@\" >> ran-here\n")
    agent.chmod(0o755)
    write(recovery, "relprog1", project=str(project))
    config = tmp_path / "config.toml"
    config.write_text('resume_command = "./agent -r {session_id}"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = cli("resume", "--yes", "relprog1", "--dir", str(recovery), env={"SNAPTUI_CONFIG": str(config)},
              cwd=str(elsewhere))
    assert run.code == 0, run
    assert (project / "ran-here").read_text() == f"{project}\n-r relprog1\n"

def test_a_file_named_dot_json_is_not_a_snapshot_as_for_the_reference_reader(cli, recovery):
    """Rust's Path::extension gives ".json" none (a dot-file named "json"): the reference reader
    never reads it; "..json" and ".hidden.json" are *.json files."""
    write(recovery, "x1", name=".json")
    write(recovery, "x2", name="..json")
    write(recovery, "x3", name=".hidden.json")
    for _ in range(2):  # cold, then from the cache
        run = cli("list", "--json", "--all", "--dir", str(recovery), "--store", "off")
        assert run.code == 0 and sorted(o["session_id"] for o in json.loads(run.out)) == ["x2", "x3"]
        plain = cli("list", "--json", "--dir", str(recovery), "--store", "off")
        assert sorted(o["session_id"] for o in json.loads(plain.out)) == ["x2", "x3"]
    assert "x1" not in cli("list", "--all", "--dir", str(recovery), "--store", "off").out
    assert cli("check", "--dir", str(recovery), "--store", "off").out.startswith("2 interrupted")


def test_with_its_output_closed_nothing_is_done_and_one_line_says_why(recovery):
    """``snaptui discard ID >&-``: the undo line would be lost (it acted, then a traceback)."""
    import subprocess

    from conftest import snaptui_command
    from helpers import write

    write(recovery, "closed-output-session")
    before = sorted(p.name for p in recovery.iterdir())
    for args in (["discard", "--yes", "--dir", str(recovery), "closed-output-session"],
                 ["list", "--dir", str(recovery)], ["--help"]):
        proc = subprocess.run([*snaptui_command(), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(1), timeout=60)
        assert proc.returncode == 2, args
        assert proc.stderr.decode().count("\n") == 1 and "standard output is closed" in proc.stderr.decode()
    assert sorted(p.name for p in recovery.iterdir()) == before  # nothing discarded


def test_a_project_directory_that_is_a_file_is_said_so(cli, recovery, tmp_path):
    (tmp_path / "a-file").write_text("x")
    write(recovery, "filefile01", project=str(tmp_path / "a-file"))
    run = cli("resume", "--yes", "filefile01", "--dir", str(recovery))
    assert run.code == 2 and run.err.count("\n") == 1
    assert "is not a directory" in run.err and "--cd NEW" in run.err and "gone" not in run.err


def test_two_trashed_copies_of_one_session_are_told_apart_by_batch_and_restored_by_it(cli, recovery, tmp_path):
    """Discarded twice (an older copy, then the newer one): the listing names each batch, and
    "restore BATCH" puts back that copy (by id, the rows looked the same)."""
    import re

    old = write(recovery, "twice-discarded", ts=NOW - 2 * DAY, cost=1.0)
    old_bytes = old.read_bytes()
    assert cli("discard", "--yes", "twice-discarded", "--dir", str(recovery)).code == 0
    write(recovery, "twice-discarded", ts=NOW - DAY, cost=2.0)
    assert cli("discard", "--yes", "twice-discarded", "--dir", str(recovery)).code == 0
    listing = cli("restore", "--dir", str(recovery))
    rows = [line for line in listing.out.splitlines() if "twice-discarded" in line]
    batches = [re.search(r"batch (\S+)$", row).group(1) for row in rows]
    assert len(batches) == 2 and len(set(batches)) == 2 and "an id or a batch" in listing.out
    older = next(b for b in batches if (recovery / ".snaptui-trash" / b / old.name).read_bytes() == old_bytes)
    run = cli("restore", older, "--dir", str(recovery))
    assert run.code == 0 and old.read_bytes() == old_bytes, run


def test_restore_in_a_recovery_dir_that_is_a_file_says_so(cli, tmp_path):
    (tmp_path / "a-file").write_text("x")
    run = cli("restore", "--dir", str(tmp_path / "a-file"))
    assert run.code != 0 and run.err.count("\n") == 1 and "is not a directory" in run.err


def test_the_undo_line_of_one_of_two_dismissed_twins_brings_back_that_one(cli, tmp_path):
    """One id in two project folders, each dismissed in turn: the second's undo line gave the id,
    and brought back both."""
    import shlex

    import opendev_fixtures as fx

    root = tmp_path / "opendev"
    for name in ("p1", "p2"):
        (tmp_path / name).mkdir()
        fx.died_mid_turn(root, str(tmp_path / name), sid="dddd11112222")
    for p in root.rglob("*"):
        os.utime(p, (1_700_000_000, 1_700_000_000))
    args = ("--dir", str(tmp_path / "none"), "--store", str(root))
    first, second = sorted(str(p) for p in root.rglob("dddd11112222.json"))
    assert cli(*args, "discard", "--yes", first).code == 0
    run = cli(*args, "discard", "--yes", second)
    (hint,) = [line.partition("undo with: ")[2] for line in run.out.splitlines() if "undo with: " in line]
    assert cli(*args, *shlex.split(hint)[1:]).code == 0
    listed = json.loads(cli(*args, "list", "--json").out)
    assert [o["path"] for o in listed] == [second]  # the first stays dismissed


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_terminal_encoding_without_unicode_gets_question_marks_never_a_traceback(cli, recovery, encoding):
    write(recovery, "café-项目", project="/srv/项目 — ✗")
    env = {"PYTHONIOENCODING": encoding}
    for args in (["list", "--dir", str(recovery)], ["stats", "--dir", str(recovery)], ["--help"],
                 ["resume", "nothing-like-it-—", "--dir", str(recovery)]):
        run = cli(*args, env=env)
        assert "Traceback" not in run.err and run.code in (0, 2), (args, run)
        assert run.stdout_bytes.decode(encoding) or run.err
    shown = cli("list", "--dir", str(recovery), env=env)
    assert "/srv/?? - x" in shown.out and "caf" in shown.out  # snaptui's own symbols keep their meaning
    bars = cli("stats", "--dir", str(recovery), env=env)
    assert "#####" in bars.out and all("?" not in line or "/srv/" in line for line in bars.out.splitlines())
    listed = cli("list", "--json", "--dir", str(recovery), env=env)
    assert '"project_dir": "/srv/项目 — ✗"' in listed.stdout_bytes.decode("utf-8")  # JSON stays UTF-8


def test_a_config_edited_in_place_with_its_mtime_put_back_is_read_again(tmp_path):
    from snaptui.settings.config import load_fast

    path = tmp_path / "config.toml"
    path.write_text('running_threshold = "5m"\n')
    os.utime(path, (1_700_000_000, 1_700_000_000))
    assert load_fast(str(path), str(tmp_path / "cache"))["running_threshold"] == "5m"
    time.sleep(0.01)
    path.write_text('running_threshold = "9m"\n')  # the same size
    os.utime(path, (1_700_000_000, 1_700_000_000))
    assert load_fast(str(path), str(tmp_path / "cache"))["running_threshold"] == "9m"


@pytest.mark.parametrize("spelling", ["relative", "dot-relative", "up-relative", "through a symlink",
                                      "through a symlink, then up"])
def test_a_file_is_named_by_its_path_in_any_spelling(cli, recovery, tmp_path, spelling):
    """``--help`` says "file name or path": a path relative to where snaptui runs, or one
    through a symlinked folder, named no session."""
    write(recovery, "pathy001")
    name = "pathy001_session_snapshot.json"
    linked = tmp_path / "linked"
    linked.symlink_to(recovery)
    (tmp_path / "sub").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "L").symlink_to(tmp_path / "sub")
    where, wanted = {
        "relative": (tmp_path, f"{recovery.name}/{name}"),
        "dot-relative": (recovery, f"./{name}"),
        "up-relative": (recovery, f"../{recovery.name}/{name}"),
        "through a symlink": (tmp_path, str(linked / name)),
        "through a symlink, then up": (tmp_path / "elsewhere", f"L/../{recovery.name}/{name}"),  # L/.. is tmp_path
    }[spelling]
    run = cli("export", wanted, "--dir", str(recovery), cwd=str(where))
    assert run.code == 0 and "pathy001" in run.out, run
    run = cli("export", f"./{recovery.name}/nothere_session_snapshot.json", "--dir", str(recovery), cwd=str(tmp_path))
    assert run.code == 2 and "no session matches" in run.err


def test_demo_says_what_its_dir_is_and_opens_its_ui_past_the_options_it_takes(cli, tmp_path):
    """``demo --help`` described --dir as the recovery directory and listed --store and --source,
    which it does not take; it refuses them now. Past writing, it opens the UI (here, with no
    terminal, the one-line refusal: not a traceback of an option it never had)."""
    run = cli("demo", "--help")
    assert run.code == 0 and "--dir DIR     the demo's folder" in run.out
    assert "--store" not in run.out and "--source" not in run.out and "recovery directory (default" not in run.out
    run = cli("demo", "--store", "off", "--dir", str(tmp_path / "d"))
    assert run.code == 2 and "unrecognized option '--store'" in run.err
    for option in ("--store", "--source"):  # before the command's name, where every command takes them
        run = cli(option, "opendev", "demo", "--dir", str(tmp_path / "d"))
        assert run.code == 2 and f"demo takes no {option}" in run.err and not (tmp_path / "d").exists()
    run = cli("demo", "--dir", str(tmp_path / "d"), env={"TERM": "dumb"})
    assert run.code == 2 and run.err.count("\n") == 1 and "Traceback" not in run.err, run
    assert (tmp_path / "d" / "recovery").is_dir()


def test_a_discarded_session_takes_its_interrupted_writes_leftover_along_and_restore_brings_both(cli, recovery):
    """The leftover (which may hold a newer copy of the session) stayed behind as an orphan,
    with nothing beside it; a restore of the session did not bring it back beside it."""
    path = write(recovery, "leftme01", ts=NOW - 60_000)
    leftover = write(recovery, "leftme01", name=path.name + ".tmp", ts=NOW)
    write(recovery, "stays001")
    run = cli("discard", "--yes", "leftme01", "--dir", str(recovery))
    assert run.code == 0 and f"discarded file  ({leftover.name})" in run.out, run
    assert sorted(p.name for p in recovery.iterdir() if p.is_file()) == ["stays001_session_snapshot.json"]
    listed = cli("list", "--all", "--dir", str(recovery), "--source", "snapshot")
    assert "Leftovers" not in listed.out and "orphan" not in listed.out
    import shlex

    hint = run.out.partition("undo with: ")[2].strip()
    back = cli(*shlex.split(hint)[1:])
    assert back.code == 0, back
    assert {path.name, leftover.name} <= {p.name for p in recovery.iterdir()}
    listed = cli("list", "--all", "--dir", str(recovery), "--source", "snapshot")
    assert "holds a valid snapshot newer than the file beside it" in listed.out


@pytest.mark.parametrize("sid", ["--dangerously-skip-permissions", "-rf"])
def test_a_session_id_that_is_an_option_is_never_handed_to_the_agent(cli, recovery, tmp_path, sid):
    """opendev's ``-r`` takes an optional value: after it, a hostile id ``--dangerously-skip-permissions``
    would be read as that option (skip every permission prompt). Resume refuses in one line, before
    anything runs or is handed to the shell; export offers no command to paste."""
    project = tmp_path / "proj"
    project.mkdir()
    write(recovery, sid, project=str(project), name="dash.json")
    log = tmp_path / "agent.log"
    agent = tmp_path / "bin" / "opendev"
    agent.parent.mkdir()
    agent.write_text(f"#!/bin/sh\necho \"$@\" >> '{log}'\n")
    agent.chmod(0o755)
    path = {"PATH": f"{agent.parent}{os.pathsep}{os.environ['PATH']}"}
    handoff = tmp_path / "handoff"
    handoff.write_text("")
    for env in (path, {**path, "SNAPTUI_HANDOFF": str(handoff), "SNAPTUI_SHELL": "bash"}):
        run = cli("resume", "--yes", "dash.json", "--dir", str(recovery), env=env)
        assert run.code == 1 and run.out == "", run
        assert run.err == 'snaptui: not resumed: its session id starts with "-": opendev would read it as an option\n'
    assert not log.exists() and handoff.read_text() == ""
    report = cli("export", "dash.json", "--dir", str(recovery))
    assert report.code == 0 and "- **Resume:** not offered: its session id starts with" in report.out, report
    assert f"-r {sid}" not in report.out
