"""Driving real shells and a real terminal (tmux) in tests: shared by the shell-integration tests.

A fake ``opendev`` on PATH records its working directory and arguments; the
project directory and session id are as hostile as a snapshot can make them.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

from conftest import require_tool, snaptui_command
from helpers import write

HOSTILE_DIR = "p $(touch PWNED1) `touch PWNED2`; 'q\" \\n\\\\ & | >x\nsecond line"
HOSTILE_ID = "id-$(touch PWNED3);`touch PWNED4`'\"\n"

FAKE_AGENT = """#!/bin/sh
{ printf 'cwd=%s\\0' "$(pwd)"; for a in "$@"; do printf 'arg=%s\\0' "$a"; done; } > "$OPENDEV_LOG"
"""


def make_world(tmp_path: Path, recovery: Path) -> dict:
    """A recovery dir with one hostile crash, a fake agent on PATH, a sandbox cwd."""
    project = tmp_path / HOSTILE_DIR
    project.mkdir()
    write(recovery, HOSTILE_ID, project=str(project), name="hostile.json")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    agent = bin_dir / "opendev"
    agent.write_text(FAKE_AGENT)
    agent.chmod(0o755)
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    (tmp_path / "tmpdir").mkdir()
    env = dict(os.environ)
    env.update(PATH=f"{bin_dir}:{env['PATH']}", OPENDEV_LOG=str(tmp_path / "agent.log"),
               SNAPTUI_RECOVERY_DIR=str(recovery), TMPDIR=str(tmp_path / "tmpdir"))
    return {"project": project, "env": env, "log": tmp_path / "agent.log", "sandbox": sandbox, "tmp": tmp_path,
            "recovery": recovery}


def agent_saw(log: Path) -> dict:
    fields = log.read_bytes().decode().split("\0")[:-1]
    return {"cwd": fields[0].removeprefix("cwd="), "args": [f.removeprefix("arg=") for f in fields[1:]]}


def nothing_ran(world: dict) -> bool:
    return not any(p.name.startswith("PWNED") for p in world["tmp"].rglob("PWNED*"))


def run_shell(shell: str, script: str, world: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    exe = require_tool(shell)
    return subprocess.run([exe, "-c", script], cwd=world["sandbox"], env=world["env"],
                          capture_output=True, timeout=timeout)


def snaptui_words(shell: str) -> str:
    from snaptui.base.shellwords import quote

    return " ".join(quote(w, shell) for w in snaptui_command())


def rc_file(world: dict, shell: str, *, compinit_after: bool = False) -> Path:
    """An rc file that sets a recognisable prompt and adds the integration, as README says
    (zsh: after compinit, or before it with ``compinit_after``)."""
    words = snaptui_words(shell)
    if shell == "bash":
        text = f'PS1="READY> "\neval "$({words} init bash)"\n'
    elif shell == "zsh":
        compinit = "autoload -Uz compinit && compinit -u\n"
        line = f'eval "$({words} init zsh)"\n'
        text = 'PS1="READY> "\n' + (line + compinit if compinit_after else compinit + line)
    else:
        text = f'function fish_prompt; echo -n "READY> "; end\n{words} init fish | source\n'
    path = world["tmp"] / f"rc.{shell}"
    path.write_text(text)
    return path


def interactive(world: dict, shell: str, *, compinit_after: bool = False) -> str:
    """The command line of an interactive ``shell`` reading :func:`rc_file` (and nothing else)."""
    from snaptui.base.shellwords import quote

    exe = require_tool(shell)
    rc = quote(str(rc_file(world, shell, compinit_after=compinit_after)), "bash")
    if shell == "bash":
        return f"{exe} --noprofile --rcfile {rc} -i"
    if shell == "zsh":
        zdot = world["tmp"] / "zdot"
        zdot.mkdir(exist_ok=True)
        (zdot / ".zshrc").write_text(f"source {rc}\n")
        return f"env ZDOTDIR={quote(str(zdot), 'bash')} {exe} -i"
    return f"{exe} --no-config -i -C {quote('source ' + quote(str(rc_file(world, shell)), 'fish'), 'bash')}"


class Tmux:
    """A private tmux server; each session is one terminal."""

    def __init__(self, env: dict, cwd: Path) -> None:
        self.exe = require_tool("tmux")
        self.socket = f"snaptui-test-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.cwd = cwd

    def __call__(self, *args: str) -> str:
        return subprocess.run([self.exe, "-L", self.socket, *args], env=self.env, capture_output=True,
                              text=True, timeout=30).stdout

    def new_shell(self, name: str, command: str) -> None:
        self("new-session", "-d", "-s", name, "-x", "140", "-y", "40", "-c", str(self.cwd), command)

    def screen(self, name: str) -> str:
        return self("capture-pane", "-p", "-t", name)

    def wait_for(self, name: str, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen(name)
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared:\n{self.screen(name)}")

    def type(self, name: str, *keys: str) -> None:
        self("send-keys", "-t", name, *keys)

    def close(self) -> None:
        self("kill-server")
