"""One TUI per crash, however many terminals start at once; never a stale lock.

Real bash, zsh and fish in tmux, each reading the one line README says to
add. The recovery directory's name, the project directory and the session id
are hostile (quotes, ``$(...)``, a newline, a leading ``-``).
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from shells import Tmux, interactive, make_world, nothing_ran
from snaptui.base import lock
from snaptui.cli.check import tui_lock_path

HOSTILE_RECOVERY = "-rec $(touch PWNED5) 'q\" \nx"
NOTICE = "snaptui is open in another terminal"
TUI = "at stake"  # the TUI's header


@pytest.fixture
def world(tmp_path):
    recovery = tmp_path / HOSTILE_RECOVERY
    recovery.mkdir()
    return make_world(tmp_path, recovery)


@pytest.fixture
def tmux(world):
    env = dict(world["env"], TERM="xterm-256color")
    env.pop("TMUX", None)
    t = Tmux(env, world["sandbox"])
    yield t
    t.close()


def lock_path(world) -> str:
    state = os.path.join(os.environ["XDG_STATE_HOME"], "snaptui")
    return tui_lock_path(state, str(world["recovery"]))


def settle(tmux: Tmux, names: list[str], timeout: float = 40) -> dict[str, str]:
    """Each terminal's screen once it shows the TUI, or a prompt."""
    deadline = time.monotonic() + timeout
    screens: dict[str, str] = {}
    while time.monotonic() < deadline and len(screens) < len(names):
        for name in names:
            if name not in screens:
                screen = tmux.screen(name)
                if TUI in screen or "READY>" in screen:
                    screens[name] = screen
        time.sleep(0.2)
    assert len(screens) == len(names), {n: tmux.screen(n) for n in names}
    return screens


def test_four_terminals_at_once_open_one_tui_the_others_print_the_line(tmux, world):
    names = ["bash1", "zsh", "fish", "bash2"]
    for name in names:  # all four in the same second
        tmux.new_shell(name, interactive(world, name.rstrip("12")))
    screens = settle(tmux, names)
    time.sleep(1.0)  # a late second TUI would show by now
    screens = {n: tmux.screen(n) for n in names}
    opened = [n for n, s in screens.items() if TUI in s]
    assert len(opened) == 1, screens
    for name in names:
        if name not in opened:
            assert NOTICE in screens[name] and "READY>" in screens[name], {n: s.strip() for n, s in screens.items()}
            assert screens[name].count("interrupted opendev session") == 1
    holder = lock.holder(lock_path(world))
    assert holder is not None and lock.held_elsewhere(lock_path(world))

    tmux.type(opened[0], "q")
    tmux.wait_for(opened[0], "READY>")
    assert not lock.held_elsewhere(lock_path(world))
    tmux.new_shell("later", interactive(world, "bash"))
    screen = tmux.wait_for("later", "READY>")
    time.sleep(1.0)
    screen = tmux.screen("later")
    assert TUI not in screen and "interrupted" not in screen, screen  # it saw them: quiet
    assert nothing_ran(world)


def test_kill_9_of_the_tui_leaves_no_stale_lock(tmux, world):
    tmux.new_shell("first", interactive(world, "bash"))
    tmux.wait_for("first", TUI)
    path = lock_path(world)
    pid = lock.holder(path)
    assert pid is not None and lock.held_elsewhere(path)
    os.kill(pid, signal.SIGKILL)
    for _ in range(50):
        if not lock.held_elsewhere(path):
            break
        time.sleep(0.1)
    assert not lock.held_elsewhere(path)
    # Killed before it could remember anything: the crash is still unseen, and the next terminal opens it.
    tmux.new_shell("second", interactive(world, "zsh"))
    tmux.wait_for("second", TUI)
    assert NOTICE not in tmux.screen("second")
    tmux.type("second", "q")
    tmux.wait_for("second", "READY>")
    assert nothing_ran(world)
