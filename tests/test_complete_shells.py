"""Tab completion in real bash, zsh and fish, from the one ``init`` line.

The session id, its project directory and the recovery directory are
hostile; what completion inserts must resume exactly that session and run
nothing else. Completion reads the catalog's index only, so each test first
runs ``snaptui list`` once, as any earlier use of snaptui would have.
"""

from __future__ import annotations

import subprocess
import time

import pytest

from conftest import require_tool, snaptui_command
from shells import HOSTILE_ID, Tmux, agent_saw, interactive, make_world, nothing_ran, run_shell, snaptui_words
from snaptui.base.shellwords import quote

PREFIX = HOSTILE_ID[:8]  # "id-$(tou": the id up to what names it


@pytest.fixture
def world(tmp_path):
    recovery = tmp_path / "-rec $(touch PWNED5) 'q\" \nx"
    recovery.mkdir()
    made = make_world(tmp_path, recovery)
    made["env"]["SNAPTUI_DISABLE"] = "1"  # no TUI at shell start: these tests type commands
    subprocess.run([*snaptui_command(), "list"], env=made["env"], capture_output=True, check=True)
    return made


def resumed_the_hostile_session(world) -> bool:
    for _ in range(100):
        if world["log"].exists() and world["log"].read_bytes():
            break
        time.sleep(0.1)
    else:
        return False
    saw = agent_saw(world["log"])
    return saw == {"cwd": str(world["project"]), "args": ["-d", str(world["project"]), "-r", HOSTILE_ID]}


def test_bash_registers_the_function_and_its_replies_resume_the_session(world):
    init = f'eval "$({snaptui_words("bash")} init bash)"'
    line = quote(f"snaptui --dir {quote(str(world['recovery']), 'bash')} resume ", "bash")
    script = f"""{init}
complete -p snaptui
complete_line() {{
    COMP_LINE=$1; COMP_POINT=${{#1}}; COMPREPLY=()
    __snaptui_complete
    printf '%s\\n' "${{COMPREPLY[@]}}"
}}
complete_line 'snaptui dis'
complete_line 'snaptui purge --older-than=1'
unset SNAPTUI_RECOVERY_DIR  # the directory is the one on the line
reply=$(complete_line {line})
echo "reply=$reply"
eval {line}"$reply --yes"
"""
    proc = run_shell("bash", script, world)
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode().splitlines()
    assert out[0] == "complete -o nosort -F __snaptui_complete snaptui"
    assert out[1] == "discard"
    assert out[2:6] == ["1h", "12h", "1d", "14d"]
    assert out[6] == "reply=id-\\$\\(tou"  # quoted for bash: the shell inserts it as it is
    assert resumed_the_hostile_session(world)
    assert nothing_ran(world)


def test_fish_complete_c(world):
    """Through ``init fish --dir DIR`` (the hostile directory), with no other way to find it."""
    fish = require_tool("fish")
    init = f"{snaptui_words('fish')} init fish --dir {quote(str(world['recovery']), 'fish')} | source"
    script = f"{init}; complete -C 'snaptui dis'; complete -C 'snaptui resume '; complete -C 'snaptui init z'"
    env = {k: v for k, v in world["env"].items() if k != "SNAPTUI_RECOVERY_DIR"}
    proc = subprocess.run([fish, "--no-config", "-c", script], cwd=world["sandbox"], env=env,
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode().splitlines()
    assert out[0].startswith("discard\tmove sessions")
    assert out[1].startswith(PREFIX + "\t")  # fish quotes it when it inserts it
    assert out[2] == "zsh"
    assert nothing_ran(world)


def test_zsh_completion_function_output(world):
    """The function compsys calls, with compadd standing in to show what it was given."""
    require_tool("zsh")
    init = f'eval "$({snaptui_words("zsh")} init zsh)"'
    script = f"""autoload -Uz compinit && compinit -u -d {quote(str(world['tmp'] / 'zcompdump'), 'zsh')}
{init}
compadd() {{ print -rl -- "${{@[${{@[(i)--]}}+1,-1]}}" }}
words=(snaptui dis); CURRENT=2; PREFIX=dis; _snaptui
words=(snaptui resume ''); CURRENT=3; PREFIX=''; _snaptui
print -r -- "${{_comps[snaptui]}}"
"""
    proc = run_shell("zsh", script, world)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().splitlines() == ["discard", PREFIX, "_snaptui"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "zsh, compinit after the line", "fish"])
def test_tab_in_a_real_terminal_inserts_what_resumes_the_session(world, shell):
    env = dict(world["env"], TERM="xterm-256color")
    env.pop("TMUX", None)
    tmux = Tmux(env, world["sandbox"])
    try:
        tmux.new_shell("t", interactive(world, shell.split(",")[0], compinit_after="after" in shell))
        tmux.wait_for("t", "READY>")
        tmux.type("t", "snaptui dis", "Tab")
        tmux.wait_for("t", "snaptui discard")
        tmux.type("t", "C-u")
        tmux.type("t", "snaptui resume ", "Tab")
        screen = tmux.wait_for("t", "tou")  # the id's unique prefix, quoted by or for the shell
        assert "PWNED" not in screen
        tmux.type("t", " --yes", "Enter")  # (a word starting with "-" would be an option to tmux)
        assert resumed_the_hostile_session(world), tmux.screen("t")
    finally:
        tmux.close()
    assert nothing_ran(world)
