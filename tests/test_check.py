"""snaptui check: the startup check's answers, its memory of what was seen, its cost."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from conftest import snaptui_command
from helpers import write
from snaptui.base import lock
from snaptui.catalog import seen
from snaptui.catalog.scan import scan
from snaptui.cli.check import tui_lock_path


def state_dir(home) -> str:
    return str(home / ".local" / "state" / "snaptui")


def crash(directory, sid="crashed", **kw):
    return write(directory, sid, age_s=3600, **kw)


def test_nothing_to_recover_is_status_1_and_silent(cli, recovery, tmp_path):
    assert (cli("check", "--dir", str(recovery)).code, cli("check", "--dir", str(recovery)).out) == (1, "")
    run = cli("check", "--dir", str(tmp_path / "missing"))
    assert (run.code, run.out, run.err) == (1, "", "")


def test_a_crash_is_status_0_with_one_line(cli, recovery):
    crash(recovery, "a", cost=1.5)
    crash(recovery, "b", cost=1.7)
    write(recovery, "done", completed=True)
    run = cli("check", "--dir", str(recovery))
    assert run.code == 0
    assert run.out.count("\n") == 1
    assert run.out.startswith("2 interrupted opendev sessions since ") and "($3.20) — run snaptui" in run.out
    quiet = cli("check", "--quiet", "--dir", str(recovery))
    assert (quiet.code, quiet.out) == (0, "")


def test_seen_sessions_do_not_count_until_they_crash_again(cli, recovery, isolated_home):
    crash(recovery, "a")
    assert cli("check", "--dir", str(recovery)).code == 0
    seen.remember(state_dir(isolated_home), str(recovery), scan(str(recovery)).incomplete)
    assert cli("check", "--dir", str(recovery)).code == 1
    crash(recovery, "a", ts=1_800_000_000_001)  # the same session crashed again
    assert cli("check", "--dir", str(recovery)).code == 0


def test_answer_follows_changes_after_being_remembered(cli, recovery):
    assert cli("check", "--dir", str(recovery)).code == 1
    time.sleep(0.01)
    crash(recovery, "new")
    assert cli("check", "--dir", str(recovery)).code == 0
    (recovery / "new_session_snapshot.json").unlink()
    assert cli("check", "--dir", str(recovery)).code == 1


def test_a_session_with_a_live_agent_is_not_a_crash(cli, recovery, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    crash(recovery, "busy", project=str(project))
    fake = tmp_path / "bin" / "opendev"
    fake.parent.mkdir()
    os.symlink("/bin/sleep", fake)
    agent = subprocess.Popen([str(fake), "30"], cwd=project)
    try:
        assert cli("check", "--dir", str(recovery)).code == 1
    finally:
        agent.kill()
        agent.wait()
    assert cli("check", "--dir", str(recovery)).code == 0


@pytest.mark.parametrize("mode,code,prints", [("open", 0, False), ("notify", 1, True), ("off", 1, False)])
def test_startup_modes(cli, recovery, tmp_path, mode, code, prints):
    crash(recovery)
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'startup = "{mode}"\n')
    run = cli("check", "--startup", "--dir", str(recovery), env={"SNAPTUI_CONFIG": str(cfg)})
    assert run.code == code and bool(run.out) == prints


def test_while_a_tui_is_open_the_startup_prints_the_line_instead(cli, recovery, isolated_home):
    crash(recovery)
    path = tui_lock_path(state_dir(isolated_home), str(recovery))
    assert lock.acquire(path)  # as an open TUI does
    try:
        run = cli("check", "--startup", "--dir", str(recovery))
        assert run.code == 1 and run.out.count("\n") == 1
        assert run.out.startswith("1 interrupted opendev session at ")
        assert "snaptui is open in another terminal" in run.out
        run = cli("--startup", "--dir", str(recovery))  # a shell whose check ran just before the lock was taken
        assert run.code == 0 and run.out.count("\n") == 1 and "snaptui is open in another terminal" in run.out
        assert cli("check", "--dir", str(recovery)).code == 0  # the plain check is not about TUIs
    finally:
        lock.release(path)
    run = cli("check", "--startup", "--dir", str(recovery))
    assert (run.code, run.out) == (0, "")
    run = cli("--startup", "--dir", str(recovery))  # the lock is free: it goes on to open the TUI
    assert run.code == 2 and "needs a terminal" in run.err
    assert not lock.held_elsewhere(path)


def test_the_startup_tui_opens_nothing_once_the_crash_was_seen(cli, recovery, isolated_home):
    """Its shell's check said "open", then another TUI showed the crash and closed."""
    crash(recovery)
    assert cli("check", "--startup", "--dir", str(recovery)).code == 0  # open it, says its shell's check
    seen.remember(state_dir(isolated_home), str(recovery), scan(str(recovery)).incomplete)
    run = cli("--startup", "--dir", str(recovery))
    assert (run.code, run.out, run.err) == (0, "", "")
    assert not lock.held_elsewhere(tui_lock_path(state_dir(isolated_home), str(recovery)))


def test_disable_variable_silences_the_startup_check(cli, recovery):
    crash(recovery)
    run = cli("check", "--startup", "--dir", str(recovery), env={"SNAPTUI_DISABLE": "1"})
    assert (run.code, run.out) == (1, "")


def test_errors_are_status_2_and_one_line(cli, tmp_path):
    (tmp_path / "f").write_text("x")
    run = cli("check", "--dir", str(tmp_path / "f"))
    assert run.code == 2 and run.err.count("\n") == 1 and "not a directory" in run.err
    run = cli("check", "--nope")
    assert run.code == 2 and run.err.count("\n") == 1


def test_damaged_and_huge_files_do_not_break_the_check(cli, recovery):
    (recovery / "bad.json").write_bytes(b"{")
    os.mkfifo(recovery / "fifo.json")
    with open(recovery / "huge.json", "wb") as f:
        f.truncate(3 * 1024**3)
    crash(recovery)
    start = time.monotonic()
    run = cli("check", "--dir", str(recovery), timeout=20)
    assert run.code == 0 and time.monotonic() - start < 10


def test_check_imports_nothing_heavy(recovery):
    crash(recovery)
    code = (
        "import sys\nfrom snaptui.cli.main import main\nrc = main(sys.argv[1:])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'textual', 'pydantic', 'rich', 'argparse', 'platformdirs', 'tomllib'})\n"
        "print('HEAVY', heavy, rc)"
    )
    for args in (["check", "--quiet", "--dir", str(recovery)], ["init", "zsh"]):
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True).stdout
        assert "HEAVY [] " in out, out[-300:]


def test_help_still_works(cli):
    run = cli("check", "--help")
    assert run.code == 0 and "--quiet" in run.out
    assert snaptui_command()


def test_a_snapshot_overwritten_in_place_is_counted_within_the_hour(recovery, tmp_path):
    """The reused verdict rests on the directory's own stat, which a rename into place (the
    format's writer) changes and an overwrite in place does not: it is reused an hour at most."""
    from snaptui.catalog import check
    from snaptui.settings.config import DEFAULTS
    from snaptui.settings.paths import Dirs

    dirs = Dirs(str(tmp_path / "config"), str(tmp_path / "state"), str(tmp_path / "cache"))
    path = write(recovery, "was-done", completed=True, age_s=7200)
    os.utime(recovery, (time.time() - 7200, time.time() - 7200))
    when = os.stat(recovery)
    now = int(time.time() * 1000)
    assert check.evaluate(str(recovery), dirs=dirs, settings=DEFAULTS, now_ms=now).count == 0
    crashed = write(tmp_path, "was-done", completed=False, age_s=7200).read_bytes()
    with open(path, "r+b") as f:  # cp over it: the same inode, the directory untouched
        f.truncate(0)
        f.write(crashed)
    os.utime(recovery, ns=(when.st_atime_ns, when.st_mtime_ns))
    assert check.evaluate(str(recovery), dirs=dirs, settings=DEFAULTS, now_ms=now + 60_000).count == 0  # (reused)
    later = now + check.VERDICT_MAX_MS + 1
    assert check.evaluate(str(recovery), dirs=dirs, settings=DEFAULTS, now_ms=later).count == 1
