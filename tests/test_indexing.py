"""A first look at a huge directory never says "nothing new" about files it has not read.

The startup check stops reading at its deadline (``$SNAPTUI_CHECK_DEADLINE``
brings it to 0 here: a huge directory's first look without 100,000 files);
it tells what it found so far, or that it is still indexing, while a
detached, niced process finishes the index, one at a time. A few sparse
30 MiB files make that process take a second or two.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from helpers import write
from shells import HOSTILE_ID, Tmux, interactive, make_world, nothing_ran
from snaptui.base import lock
from snaptui.catalog.check import index_lock_path
from snaptui.cli.check import STILL_INDEXING

SLOW_FILES = 8


def state_dir() -> str:
    return os.path.join(os.environ["XDG_STATE_HOME"], "snaptui")


def make_slow(directory) -> None:
    for i in range(SLOW_FILES):
        with open(directory / f"slow-{i}.json", "wb") as f:
            f.truncate(30 * 1024 * 1024)  # read whole, then found damaged


@pytest.fixture
def big(recovery):
    write(recovery, "crashed-in-a-big-dir", age_s=3600, cost=2.5)
    make_slow(recovery)
    return recovery


def startup(cli, directory, tmp_path, mode="notify", deadline="0"):
    cfg = tmp_path / f"{mode}.toml"
    cfg.write_text(f'startup = "{mode}"\n')
    start = time.monotonic()
    run = cli("check", "--startup", "--dir", str(directory),
              env={"SNAPTUI_CONFIG": str(cfg), "SNAPTUI_CHECK_DEADLINE": deadline})
    run.seconds = time.monotonic() - start
    return run


def wait_unlocked(path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while lock.held_elsewhere(path):
        assert time.monotonic() < deadline, "the background indexer never finished"
        time.sleep(0.05)


def test_past_its_deadline_it_says_still_indexing_and_the_next_shell_knows(cli, big, tmp_path):
    path = index_lock_path(state_dir(), str(big))
    run = startup(cli, big, tmp_path)
    assert (run.code, run.out, run.err) == (1, STILL_INDEXING + "\n", "")
    pid = _holder_other_than(path, None)
    assert pid is not None and lock.held_elsewhere(path)  # it returned while the indexer works
    assert os.getpriority(os.PRIO_PROCESS, pid) >= min(19, os.getpriority(os.PRIO_PROCESS, 0) + 10)  # niced
    assert os.getsid(pid) != os.getsid(0)  # detached from this terminal's session

    again = startup(cli, big, tmp_path, deadline="5")  # a shell started meanwhile: no second read of it all
    assert (again.code, again.out) == (1, STILL_INDEXING + "\n") and again.seconds < 2.5
    assert lock.holder(path) == pid  # one indexer at a time

    wait_unlocked(path)
    known = startup(cli, big, tmp_path, deadline="5")
    assert known.code == 1 and known.out.startswith("1 interrupted opendev session at ")
    assert "so far" not in known.out and "($2.50) — run snaptui" in known.out
    assert startup(cli, big, tmp_path, mode="open").code == 0  # the verdict the indexer left: open it


@pytest.mark.parametrize("mode,code", [("notify", 1), ("open", 0)])
def test_what_it_found_before_the_deadline_it_tells_as_so_far(cli, recovery, tmp_path, mode, code):
    write(recovery, "seen-by-an-earlier-look", age_s=3600, cost=1.0)
    assert cli("list", "--dir", str(recovery)).code == 0  # its index now holds that one
    make_slow(recovery)
    write(recovery, "not-read-yet", age_s=3600, cost=4.0)
    run = startup(cli, recovery, tmp_path, mode=mode)
    assert run.code == code
    if mode == "notify":
        assert run.out.startswith("1 interrupted opendev session at ")
        assert run.out.endswith(" ($1.00) so far, still indexing — run snaptui\n")
    else:
        assert run.out == ""  # the shell opens the TUI, which reads the rest
    wait_unlocked(index_lock_path(state_dir(), str(recovery)))
    run = startup(cli, recovery, tmp_path, mode="notify", deadline="5")
    assert run.out.startswith("2 interrupted opendev sessions since ") and "($5.00) — run snaptui" in run.out


def test_the_plain_check_reads_everything_first(cli, big):
    """Its exit status is the answer scripts rely on: 1 only after every file was read."""
    run = cli("check", "--dir", str(big), env={"SNAPTUI_CHECK_DEADLINE": "0"})
    assert run.code == 0 and "so far" not in run.out and "still indexing" not in run.out
    assert not lock.held_elsewhere(index_lock_path(state_dir(), str(big)))


def _holder_other_than(path, old):
    """The pid in the lock file once it is neither empty nor ``old``: the indexer takes the
    lock once it has detached from the shell's check (on a busy machine, a while later)."""
    for _ in range(250):
        pid = lock.holder(path)
        if pid not in (None, old):
            return pid
        time.sleep(0.02)
    return lock.holder(path)


def test_kill_9_of_the_indexer_leaves_no_stale_lock(cli, big, tmp_path):
    path = index_lock_path(state_dir(), str(big))
    assert startup(cli, big, tmp_path).out == STILL_INDEXING + "\n"
    first = _holder_other_than(path, None)
    assert first is not None
    os.kill(first, signal.SIGKILL)
    for _ in range(100):
        if not lock.held_elsewhere(path):
            break
        time.sleep(0.02)
    assert not lock.held_elsewhere(path)
    # It left nothing behind: the next shell starts another indexer, which finishes.
    assert startup(cli, big, tmp_path).out == STILL_INDEXING + "\n"
    second = _holder_other_than(path, first)
    assert second not in (None, first)
    wait_unlocked(path)
    assert "1 interrupted opendev session" in startup(cli, big, tmp_path, deadline="5").out


# -- in real shells ------------------------------------------------------------


@pytest.fixture
def world(tmp_path):
    recovery = tmp_path / "-big $(touch PWNED5) 'q\" \nx"
    recovery.mkdir()
    made = make_world(tmp_path, recovery)
    make_slow(recovery)
    made["env"]["SNAPTUI_CHECK_DEADLINE"] = "0"
    return made


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_shell_at_a_cold_start_gets_its_prompt_and_the_next_one_opens_snaptui(world, shell):
    env = dict(world["env"], TERM="xterm-256color")
    env.pop("TMUX", None)
    tmux = Tmux(env, world["sandbox"])
    try:
        tmux.new_shell("cold", interactive(world, shell))
        screen = tmux.wait_for("cold", "READY>")
        assert "still indexing" in screen and "at stake" not in screen
        wait_unlocked(index_lock_path(state_dir(), str(world["recovery"])))
        tmux.new_shell("next", interactive(world, shell))
        tmux.wait_for("next", "at stake")  # the TUI, on the crash the indexer found
        assert HOSTILE_ID.split("$")[0] in tmux.screen("next")
        tmux.type("next", "q")
        tmux.wait_for("next", "READY>")
    finally:
        tmux.close()
    assert nothing_ran(world)


def test_a_killed_writer_s_temp_file_in_the_cache_is_removed_by_the_next_write(cli, recovery, isolated_home):
    """``list --json`` killed before its rename left a temp file as big as the index; the next
    write of that file removes it (one of a process still running is left alone)."""
    import subprocess
    import sys

    write(recovery, "a")
    assert cli("list", "--json", "--dir", str(recovery)).code == 0
    index = isolated_home / ".cache" / "snaptui" / "index"
    [pieces] = index.glob("*.pieces")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = index / f"{pieces.name}.tmp.{int(dead.stdout)}.1.abcdef"
    running = index / f"{pieces.name}.tmp.{os.getpid()}.1.abcdef"
    for path in (stale, running):
        path.write_bytes(b"x" * 1000)
    write(recovery, "b")  # a change: the index is written again
    assert cli("list", "--json", "--dir", str(recovery)).code == 0
    assert not stale.exists() and running.exists()
