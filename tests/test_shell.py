"""The shell integration in real bash, zsh and fish, and end to end in tmux.

A fake ``opendev`` on PATH records its working directory and arguments; the
project directory and session id are as hostile as a snapshot can make them.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from pathlib import Path

import pytest

from conftest import require_tool, snaptui_command
from helpers import write
from shells import HOSTILE_ID, Tmux, agent_saw, make_world, nothing_ran, run_shell, snaptui_words


@pytest.fixture
def world(tmp_path, recovery):
    return make_world(tmp_path, recovery)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_hand_off_through_the_shell_function(shell, world):
    init = f"{snaptui_words(shell)} init {shell}"
    pwd_file = world["tmp"] / "pwd"
    if shell == "fish":
        script = f"{init} | source; snaptui resume hostile.json --yes; pwd > {shlex.quote(str(pwd_file))}"
    else:
        script = f'eval "$({init})"; snaptui resume hostile.json --yes; pwd > {shlex.quote(str(pwd_file))}'
    proc = run_shell(shell, script, world)
    assert proc.returncode == 0, proc.stderr.decode()
    saw = agent_saw(world["log"])
    assert saw == {"cwd": str(world["project"]), "args": ["-d", str(world["project"]), "-r", HOSTILE_ID]}
    assert pwd_file.read_text().rstrip("\n") == str(world["project"])  # the shell itself moved
    assert nothing_ran(world)
    assert list((world["tmp"] / "tmpdir").iterdir()) == []  # the hand-off file is gone


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_snippet_is_valid_and_sourcing_twice_is_harmless(shell, world):
    init = f"{snaptui_words(shell)} init {shell}"
    if shell == "fish":
        script = f"{init} | source; {init} | source; functions -q snaptui; and echo defined"
    else:
        script = f'eval "$({init})"; eval "$({init})"; type snaptui >/dev/null && echo defined'
    proc = run_shell(shell, script, world)
    assert proc.returncode == 0 and proc.stdout.decode().strip() == "defined", proc.stderr.decode()


@pytest.mark.parametrize("hooks,left", [
    ("__snaptui_startup", ""), ("_h;__snaptui_startup", "_h"), ("__snaptui_startup;_h", "_h"),
    ("_h;__snaptui_startup;_i", "_h;_i"), ("_h;__snaptui_startup;__snaptui_startup", "_h"),
])
def test_the_bash_startup_hook_leaves_after_the_first_prompt_wherever_it_sits(world, hooks, left):
    """A hook an rc line adds after snaptui's ("eval $(direnv hook bash)", which goes last)
    goes before it in PROMPT_COMMAND: the startup check stayed, and opened the TUI at the
    first prompt after every later crash. It leaves at its first run, and runs once at most."""
    init = f"{snaptui_words('bash')} init bash"
    script = (f'unset PROMPT_COMMAND; eval "$({init})"; [ "$PROMPT_COMMAND" = __snaptui_startup ] || exit 9; '
              f'PROMPT_COMMAND="{hooks}"; snaptui() {{ echo RAN; }}; __snaptui_startup; echo "[$PROMPT_COMMAND]"; '
              'PROMPT_COMMAND="__snaptui_startup;x"; __snaptui_startup; echo "[$PROMPT_COMMAND]"')
    proc = run_shell("bash", script, world)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    first, second = proc.stdout.decode().splitlines()[-2:]
    assert first == f"[{left}]" and second == "[x]", proc.stdout
    assert "RAN" not in proc.stdout.decode()  # (not interactive: no check) and never a second time


def test_without_the_function_snaptui_becomes_the_agent(world):
    proc = subprocess.run([*snaptui_command(), "resume", "hostile.json", "--yes"], cwd=world["sandbox"],
                          env=world["env"], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert agent_saw(world["log"])["cwd"] == str(world["project"])
    assert nothing_ran(world)


def test_hand_off_file_must_be_private(world, tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    link = tmp_path / "link"
    link.symlink_to(target)
    env = dict(world["env"], SNAPTUI_HANDOFF=str(link), SNAPTUI_SHELL="bash")
    proc = subprocess.run([*snaptui_command(), "resume", "hostile.json", "--yes"], env=env,
                          capture_output=True, timeout=60)
    assert proc.returncode == 1 and target.read_text() == "keep"


@pytest.mark.parametrize("kind", ["someone else's file", "fifo"])
def test_a_hand_off_file_that_is_not_ours_is_left_as_it_was(world, tmp_path, kind):
    target = tmp_path / "shared.txt"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.write_text("someone else's important data")
        os.chown(target, 65534, 65534) if os.getuid() == 0 else pytest.skip("chown needs root")
    env = dict(world["env"], SNAPTUI_HANDOFF=str(target), SNAPTUI_SHELL="bash")
    proc = subprocess.run([*snaptui_command(), "resume", "hostile.json", "--yes"], env=env,
                          capture_output=True, timeout=30)
    assert proc.returncode == 1 and b"not a private regular file" in proc.stderr
    if kind != "fifo":
        assert target.read_text() == "someone else's important data"


# -- end to end in a real terminal ----------------------------------------------


@pytest.fixture
def tmux(world):
    rc = world["tmp"] / "bashrc"
    late = world["tmp"] / "agent-late.log"  # set by a line after the integration's
    rc.write_text(f'PS1="READY> "\neval "$({snaptui_words("bash")} init bash)"\n'
                  f'export OPENDEV_LOG={shlex.quote(str(late))}\n')
    env = dict(world["env"], TERM="xterm-256color")
    env.pop("TMUX", None)
    t = Tmux(env, world["sandbox"])
    t.rc = rc
    yield t
    t.close()


def only_crash(world, project_name: str, sid: str) -> Path:
    """The recovery directory holds one crash, of ``sid`` in a new project folder (returned)."""
    project = world["tmp"] / project_name
    project.mkdir()
    recovery = Path(world["env"]["SNAPTUI_RECOVERY_DIR"])
    write(recovery, sid, project=str(project), ts=1_700_000_000_000)
    (recovery / "hostile.json").unlink()
    return project


def test_new_terminal_opens_snaptui_resumes_and_a_second_does_not(tmux, world):
    bash = require_tool("bash")
    project = only_crash(world, "plain project", "e2e-session")
    tmux.new_shell("first", f"{bash} --rcfile {shlex.quote(str(tmux.rc))} -i")
    tmux.wait_for("first", "at stake")  # the TUI opened by itself
    tmux("send-keys", "-t", "first", "Enter")
    tmux.wait_for("first", "READY>")
    pwd_file = world["tmp"] / "pwd"
    tmux("send-keys", "-t", "first", f"pwd > {shlex.quote(str(pwd_file))}", "Enter")
    for _ in range(50):
        if pwd_file.exists() and pwd_file.read_text():
            break
        time.sleep(0.1)
    assert pwd_file.read_text().strip() == str(project)
    saw = agent_saw(world["tmp"] / "agent-late.log")  # run once the whole rc file had run
    assert saw["cwd"] == str(project) and saw["args"][-1] == "e2e-session"
    tmux.new_shell("second", f"{bash} --rcfile {shlex.quote(str(tmux.rc))} -i")
    screen = tmux.wait_for("second", "READY>")
    time.sleep(1.0)
    assert "at stake" not in tmux.screen("second")
    assert "at stake" not in screen


def test_a_dumb_terminal_gets_the_line_never_the_tui(tmux, world):
    """TERM=dumb (Emacs' shell and the like) cannot draw the TUI: the check says it in a line."""
    bash = require_tool("bash")
    write(Path(world["env"]["SNAPTUI_RECOVERY_DIR"]), "dumb-session", ts=1_700_000_000_000)
    tmux.new_shell("dumb", f"env TERM=dumb {bash} --rcfile {shlex.quote(str(tmux.rc))} -i")
    screen = tmux.wait_for("dumb", "READY>")
    time.sleep(1.0)
    screen = tmux.screen("dumb")
    assert "interrupted opendev session" in screen and "run snaptui list" in screen
    assert "at stake" not in screen
    tmux("send-keys", "-t", "dumb", "snaptui; echo STATUS=$?", "Enter")  # as the line may tempt
    screen = tmux.wait_for("dumb", "STATUS=2")
    assert "cannot be drawn on this terminal" in screen and "STATUS=2" in screen
    assert "\x1b" not in tmux("capture-pane", "-p", "-e", "-t", "dumb").replace("\x1b[0m", "").replace("\x1b[m", "")



@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_without_a_temp_file_the_function_still_runs_snaptui(shell, world):
    """A TMPDIR that cannot be written: the function runs snaptui as it is (it printed
    mktemp's error and failed every command)."""
    init = f"{snaptui_words(shell)} init {shell}"
    world["env"]["TMPDIR"] = str(world["tmp"] / "no such dir")
    sep = "; " if shell == "fish" else "\n"
    script = (f"{init} | source" if shell == "fish" else f'eval "$({init})"') + sep + "snaptui list"
    proc = run_shell(shell, script, world)
    assert proc.returncode == 0, proc.stderr.decode()
    assert "interrupted session" in proc.stdout.decode() and proc.stderr == b""


def test_a_terminal_closed_with_the_tui_open_leaves_the_crash_seen(tmux, world):
    """Closing the window (SIGHUP) is looking and leaving, as q is: the next shell stays quiet."""
    bash = require_tool("bash")
    write(Path(world["env"]["SNAPTUI_RECOVERY_DIR"]), "hup-session", ts=1_700_000_000_000)
    tmux.new_shell("first", f"{bash} --rcfile {shlex.quote(str(tmux.rc))} -i")
    tmux.wait_for("first", "at stake")  # the TUI opened by itself
    tmux("kill-window", "-t", "first")
    time.sleep(1.0)
    # ...and the shell function's hand-off file, which no one will read now, is gone with it
    assert [p.name for p in (world["tmp"] / "tmpdir").iterdir() if p.name.startswith("snaptui.")] == []
    tmux.new_shell("second", f"{bash} --rcfile {shlex.quote(str(tmux.rc))} -i")
    tmux.wait_for("second", "READY>")
    time.sleep(1.0)
    assert "at stake" not in tmux.screen("second")


def test_a_crash_in_opendevs_store_once_seen_stays_quiet_with_no_recovery_directory(tmux, world):
    """opendev 0.1.8 writes no snapshots, so the usual machine has no recovery directory, only the
    crash in opendev's store. Quitting the TUI leaves it seen there too (it opened in every shell)."""
    import shutil

    from opendev_fixtures import died_mid_turn

    bash = require_tool("bash")
    shutil.rmtree(world["recovery"])
    store = world["tmp"] / "opendev-dir"
    died_mid_turn(store, str(world["project"]))
    tmux.env["OPENDEV_DIR"] = str(store)
    tmux.new_shell("first", f"{bash} --rcfile {shlex.quote(str(tmux.rc))} -i")
    tmux.wait_for("first", "Please also handle")  # the TUI opened by itself, on the lost prompt
    time.sleep(1.0)
    tmux.type("first", "q")
    tmux.wait_for("first", "READY>")
    tmux.new_shell("second", f"{bash} --rcfile {shlex.quote(str(tmux.rc))} -i")
    tmux.wait_for("second", "READY>")
    time.sleep(1.0)
    assert "Please also handle" not in tmux.screen("second")


def test_a_row_seen_with_both_halves_stays_seen_when_its_snapshot_is_purged(tmux, world):
    """A snapshot whose session opendev's store holds is one row: seen, both halves are seen. With
    the snapshot gone (purged), the store's half is the same crash: no shell opens the TUI for it,
    and ``check --source opendev`` (the store alone) says nothing new either."""
    from opendev_fixtures import died_mid_turn

    bash = require_tool("bash")
    recovery = Path(world["env"]["SNAPTUI_RECOVERY_DIR"])
    (recovery / "hostile.json").unlink()
    store = world["tmp"] / "opendev-dir"
    died_mid_turn(store, str(world["project"]), sid="a1a1a1a1a1a1")
    snapshot = write(recovery, "a1a1a1a1a1a1", project=str(world["project"]), ts=1_700_000_000_000)
    tmux.env["OPENDEV_DIR"] = str(store)
    tmux.new_shell("first", f"{bash} --rcfile {shlex.quote(str(tmux.rc))} -i")
    tmux.wait_for("first", "Please also handle")  # the one row, with the store's lost prompt
    time.sleep(1.0)
    tmux.type("first", "q")
    tmux.wait_for("first", "READY>")
    # Opened on the snapshots alone, the TUI knows nothing of the store: what was seen there stays seen
    tmux("send-keys", "-t", "first", "snaptui --source snapshot", "Enter")
    tmux.wait_for("first", "at stake")
    time.sleep(1.0)
    tmux.type("first", "q")
    tmux.wait_for("first", "READY>")
    os.unlink(snapshot)
    env = {**tmux.env, "SNAPTUI_CHECK_DEADLINE": "30"}
    for source in ([], ["--source", "opendev"]):
        run = subprocess.run([*snaptui_command(), "check", *source], env=env, capture_output=True, text=True,
                             timeout=60)
        assert (run.returncode, run.stdout) == (1, ""), (source, run)
    tmux.new_shell("second", f"{bash} --rcfile {shlex.quote(str(tmux.rc))} -i")
    tmux.wait_for("second", "READY>")
    time.sleep(1.0)
    assert "Please also handle" not in tmux.screen("second")


def written(path: Path, timeout_s: float = 10) -> None:
    """Wait until the shell has written ``path``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not (path.exists() and path.stat().st_size):
        time.sleep(0.1)


def test_bash_history_keeps_a_longer_line_and_takes_the_command_for_a_plain_one(tmux, world):
    """"history -s" replaces the last entry: after "echo one; snaptui resume ..." the whole line
    was gone from history, leaving only the hand-off. A plain "snaptui resume ..." becomes the
    command that ran (up-arrow resumes again); a longer line stays as typed."""
    bash = require_tool("bash")
    tmux.env["SNAPTUI_DISABLE"] = "1"  # no startup TUI: the shell is typed into at once
    tmux.new_shell("h", f"{bash} --rcfile {shlex.quote(str(tmux.rc))} -i")
    tmux.wait_for("h", "READY>")
    first, second = world["tmp"] / "hist1", world["tmp"] / "hist2"
    tmux.type("h", "echo one; snaptui resume hostile.json --yes", "Enter")
    tmux.wait_for("h", "READY>")
    tmux.type("h", f"history 3 > {shlex.quote(str(first))}", "Enter")
    tmux.type("h", "snaptui resume hostile.json --yes", "Enter")
    tmux.type("h", f"history 3 > {shlex.quote(str(second))}", "Enter")
    written(second)
    assert "echo one; snaptui resume hostile.json --yes" in first.read_text()
    kept = second.read_text()
    assert "snaptui resume hostile.json" not in kept and "&& 'opendev'" in kept
    third = world["tmp"] / "hist3"  # a line HISTCONTROL keeps out: the entry before it stays
    tmux.type("h", "HISTCONTROL=ignorespace", "Enter")
    tmux.type("h", "snaptui list --store off > /dev/null", "Enter")
    tmux.type("h", " snaptui resume hostile.json --yes", "Enter")
    tmux.type("h", f"history 2 > {shlex.quote(str(third))}", "Enter")
    written(third)
    assert "snaptui list --store off > /dev/null" in third.read_text()


def test_bash_history_takes_the_command_resumed_from_the_startup_tui_and_from_plain_snaptui(tmux, world):
    """The startup TUI was typed by no one: its resume was left out of history. A plain
    "snaptui" (no words: "${!#}" is then the shell's own name) was never replaced."""
    bash = require_tool("bash")
    only_crash(world, "hist project", "hist-session")
    tmux.new_shell("s", f"{bash} --noprofile --rcfile {shlex.quote(str(tmux.rc))} -i")
    tmux.wait_for("s", "at stake")  # the startup TUI
    tmux("send-keys", "-t", "s", "Enter")
    tmux.wait_for("s", "READY>")
    first, second = world["tmp"] / "hist1", world["tmp"] / "hist2"
    tmux.type("s", f"history 2 > {shlex.quote(str(first))}", "Enter")
    written(first)
    assert "&& 'opendev' '-d'" in first.read_text() and "hist-session" in first.read_text(), first.read_text()
    tmux.type("s", "snaptui", "Enter")
    tmux.wait_for("s", "at stake")
    tmux("send-keys", "-t", "s", "Enter")
    time.sleep(0.5)
    tmux.type("s", f"history 3 > {shlex.quote(str(second))}", "Enter")
    written(second)
    lines = second.read_text().splitlines()
    assert "&& 'opendev' '-d'" in lines[1] and [line.split(None, 1)[1] for line in lines].count("snaptui") == 0, lines


def test_fish_before_4_prints_no_history_on_resume(world):
    """fish 3 has no "history append" (4.0 added it): "builtin history append -- CMD" was a
    history search, whose hits were printed before the agent ran."""
    require_tool("fish")
    data = world["tmp"] / "xdg-data"
    (data / "fish").mkdir(parents=True)
    (data / "fish" / "fish_history").write_text("- cmd: echo append-this-old-line\n  when: 1700000000\n")
    world["env"]["XDG_DATA_HOME"] = str(data)
    script = f"{snaptui_words('fish')} init fish | source; snaptui resume hostile.json --yes"
    proc = run_shell("fish", script, world)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"append-this-old-line" not in proc.stdout + proc.stderr
    assert agent_saw(world["log"])["cwd"] == str(world["project"])


def test_a_state_directory_that_cannot_be_written_is_said_on_leaving(tmux, world):
    """What was seen cannot be remembered: the next shell opens snaptui again, so it says why."""
    bash = require_tool("bash")
    write(Path(world["env"]["SNAPTUI_RECOVERY_DIR"]), "ro-session", ts=1_700_000_000_000)
    blocked = world["tmp"] / "state-is-a-file"
    blocked.write_text("")
    tmux.new_shell("first", f"env XDG_STATE_HOME={shlex.quote(str(blocked))} "
                            f"{bash} --rcfile {shlex.quote(str(tmux.rc))} -i")
    tmux.wait_for("first", "at stake")
    tmux("send-keys", "-t", "first", "q")
    screen = tmux.wait_for("first", "cannot be written")
    assert "snaptui: " in screen and "notremembered" in screen.replace("\n", "").replace(" ", "")


WORDS = ["plain", "it's a \\ path", "esc \x1b]52;c;SGVsbG8=\x07 bell", "csi \x9b31m", "nl\nand\ttab\r",
         "del \x7f", "bidi \u202e\u2066 sep \u2028", "caf\u00e9 \U0001f680 \u9879\u76ee", "bytes \udcff\udc9b",
         "-x", "$(touch PWNED6)`touch PWNED7`", "lone \ud800"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_every_word_is_quoted_in_printable_characters_and_read_back_exact(shell, world):
    from snaptui.base.shellwords import quote

    quoted = [quote(w, shell) for w in WORDS]
    for q in quoted:
        assert q.replace(" ", "").isprintable(), q  # nothing a terminal or the history acts on
    script = " ".join(["printf '%s\\0'", *quoted])
    proc = run_shell(shell, script, world)
    assert proc.returncode == 0, proc.stderr.decode()
    want = [w.encode("utf-8", "surrogateescape") if "\ud800" not in w else w.encode("utf-8", "surrogatepass")
            for w in WORDS]
    assert proc.stdout.split(b"\0")[:-1] == want
    assert nothing_ran(world)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_shown_and_copied_resume_command_is_printable_and_runs_the_session(world, tmp_path, monkeypatch, shell):
    """What ``c`` copies and the detail pane shows: typed back into the person's shell (the
    integration's), it resumes that session."""
    monkeypatch.setenv("SNAPTUI_SHELL", shell)
    from snaptui.actions.resume import plan
    from snaptui.base.shellwords import quote
    from snaptui.catalog.scan import scan
    from snaptui.settings.config import DEFAULTS

    sid = "esc-\x1b]52;c;SGVsbG8=\x07-\x9b31m"
    write(world["recovery"], sid, project=str(world["project"]), name="escapes.json")
    session = next(s for s in scan(str(world["recovery"])).sessions if s.session_id == sid)
    shown = plan(DEFAULTS["resume_command"], session).display(home=str(tmp_path / "nobody"))
    assert shown.replace(" ", "").isprintable() and shown.startswith("opendev -d ")
    proc = run_shell(shell, f"cd {quote(str(world['project']), shell)} && {shown}", world)
    assert proc.returncode == 0, proc.stderr.decode()
    assert agent_saw(world["log"])["args"] == ["-d", str(world["project"]), "-r", sid]
    assert nothing_ran(world)
