"""``snaptui changes``, ``snaptui rollback`` and ``snaptui restore`` of a rollback, end to end.

A session of opendev's store dies in the middle of a turn that edited one
file and created another; opendev's checkpoints hold the edited file's copy
from before the turn (not yet listed in the manifest). Everything is played
the way opendev writes it (tests/opendev_fixtures.py, tests/filehistory_fixtures.py).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import filehistory_fixtures as fh
import opendev_fixtures as fx

SID = "c0ffee123456"
CONFIG_BEFORE = b"fn load() {}\n"
CONFIG_AFTER = b"fn load(s: &str) { parse(s) }\n"
NEW = b"// a new module\n\x1b[31mnot a colour\x1b[0m\n"


@pytest.fixture
def crashed(tmp_path, monkeypatch):
    """The project as the crash left it; returns (project, data root)."""
    data = tmp_path / "opendev"
    project = tmp_path / "my-app"
    (project / "src").mkdir(parents=True)
    (project / "src" / "config.rs").write_bytes(CONFIG_BEFORE)
    dying = time.time_ns() - 20 * 60 * 10**9  # the turn that dies began 20 minutes ago
    sim = fx.Sim(fx.project_folder(data, str(project)), SID, now_ns=dying - 90 * 10**9)
    sim.turn("Make the loader take a string", [[fx.READ]], reply="Read it.")
    sim.now_ns = dying
    sim.turn("Now parse it, and add a module", [[
        fx.Call("Edit", {"file_path": "src/config.rs", "old_string": "{}", "new_string": "x"}),
        fx.Call("Write", {"file_path": "src/new.rs", "content": "x"}),
    ]], end="crash")
    od = fh.Opendev(data, SID, str(project))  # then the tools ran, each after its checkpoint
    od.begin_turn()
    od.write("src/config.rs", CONFIG_AFTER)
    od.write("src/new.rs", NEW)
    for path in project.rglob("*"):  # the tools wrote them a few seconds into the turn
        if path.is_file():
            os.utime(path, ns=(dying + 5 * 10**9, dying + 5 * 10**9))
    for path in data.rglob("*"):  # the log's last write, the crash: long enough ago not to be "maybe running"
        if path.is_file() and "file-history" not in path.parts:
            os.utime(path, ns=(dying + 10 * 10**9, dying + 10 * 10**9))
    monkeypatch.setenv("OPENDEV_DIR", str(data))
    return project, data


def tree(project):
    return {str(p.relative_to(project)): p.read_bytes() for p in sorted(project.rglob("*")) if p.is_file()}


def test_changes_lists_each_file_with_its_diff(cli, crashed, tmp_path):
    project, _ = crashed
    run = cli("changes", SID, "--json", "--dir", str(tmp_path / "none"))
    assert run.code == 0, run
    got = {os.path.relpath(o["path"], project): o for o in json.loads(run.out)}
    assert got["src/config.rs"]["change"] == "modified" and got["src/config.rs"]["backup"]
    assert "-fn load() {}" in got["src/config.rs"]["diff"] and "+fn load(s: &str)" in got["src/config.rs"]["diff"]
    assert got["src/new.rs"]["change"] == "created" and got["src/new.rs"]["backup"] is None
    assert got["src/config.rs"]["notes"] == []  # (a file outside the project, a symlink: said here)
    human = cli("changes", SID[:6], "--dir", str(tmp_path / "none"))
    assert human.code == 0 and "modified  src/config.rs +1 -1" in human.out and "created   src/new.rs" in human.out
    assert "\x1b" not in human.out and "␛[31m" in human.out  # the file's escapes are shown, never sent


def test_rollback_dry_run_changes_nothing_and_without_a_terminal_refuses(cli, crashed, tmp_path):
    project, _ = crashed
    before = tree(project)
    run = cli("rollback", SID, "--dry-run", "--dir", str(tmp_path / "none"))
    assert run.code == 0 and "Would put 2 files back" in run.out, run
    run = cli("rollback", SID, "--dir", str(tmp_path / "none"))
    assert run.code == 2 and "--yes" in run.err
    assert tree(project) == before


@pytest.mark.parametrize("how", [["--dry-run"], ["--yes"], []])
def test_a_session_that_may_be_running_is_refused_before_anything_is_asked(cli, crashed, tmp_path, how):
    """The dry run said "Would put 2 files back", and the real run asked first, then refused."""
    project, data = crashed
    for path in data.rglob("*.debug"):
        os.utime(path)  # its log written just now: opendev may still be at work
    before = tree(project)
    run = cli("rollback", SID, *how, "--dir", str(tmp_path / "none"))
    assert run.code == 1 and "may still be running" in run.err and "stop it first" in run.err, run
    assert "Would put" not in run.out and "Every current version" not in run.out and "[y/N]" not in run.out
    assert tree(project) == before


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_a_rollback_terminated_part_way_leaves_nothing_behind(crashed, tmp_path, sig):
    """Killed with SIGTERM or by a closed terminal (SIGHUP) as it copied the files: a hidden
    temporary file stayed in the project, and a batch folder in snaptui's state."""
    import signal
    import subprocess
    import sys

    project, _ = crashed
    before = tree(project)
    code = ("import os, signal, sys\n"
            "from snaptui.actions import rollbackbatch\n"
            "real = rollbackbatch.copy_file\n"
            "def copy_then_die(*a, **k):\n"
            f"    got = real(*a, **k); os.kill(os.getpid(), signal.{sig}); return got\n"
            "rollbackbatch.copy_file = copy_then_die\n"
            "from snaptui.cli.main import main\n"
            f"sys.exit(main(['rollback', '{SID}', '--yes', '--dir', sys.argv[1]]))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "none")], capture_output=True, timeout=60)
    assert proc.returncode == 130 and b"Traceback" not in proc.stderr, proc
    assert tree(project) == before and not [p for p in project.rglob(".*")]  # no temporary file left
    state = Path(os.environ["XDG_STATE_HOME"]) / "snaptui" / "rollbacks"
    assert not state.exists() or list(state.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # (the test process's own are untouched)


def test_rollback_then_restore_gives_back_every_byte(cli, crashed, tmp_path):
    project, _ = crashed
    after_crash = tree(project)
    run = cli("rollback", SID, "--yes", "--dir", str(tmp_path / "none"))
    assert run.code == 0, run
    assert tree(project) == {"src/config.rs": CONFIG_BEFORE}
    batch = run.out.split("snaptui restore ")[1].strip()
    assert batch in cli("restore", "--dir", str(tmp_path / "none")).out
    run = cli("restore", batch, "--dir", str(tmp_path / "none"))
    assert run.code == 0 and "undid the rollback" in run.out, run
    assert tree(project) == after_crash


def test_rollback_stops_if_a_file_changed_since_it_was_looked_at(cli, crashed, tmp_path, monkeypatch):
    """A file edited between the look and the rollback: nothing is changed at all."""
    from snaptui.actions import rollback
    from snaptui.catalog.scan import scan
    from snaptui.sources import details, opendev_roots

    project, data = crashed
    catalog = scan(str(tmp_path / "none"), store_roots=opendev_roots.store_roots(str(data)))
    (session,) = [s for s in catalog.incomplete if s.session_id == SID]
    plan = rollback.plan(details.turn_changes(session).changes, str(project), session_id=SID)
    (project / "src" / "config.rs").write_bytes(b"edited meanwhile\n")
    before = tree(project)
    with pytest.raises(rollback.Refused):
        rollback.apply(plan, str(tmp_path / "state" / "rollbacks"), session_may_be_running=False)
    assert tree(project) == before


def test_a_session_without_a_known_turn_says_so(cli, recovery):
    from helpers import write

    write(recovery, "plain-snapshot")
    run = cli("changes", "plain-snapshot", "--dir", str(recovery), "--store", "off")
    assert run.code == 1 and "only opendev's session store keeps the turn" in run.err  # named right: not usage
    assert run.err.count("\n") == 1 and "Traceback" not in run.err


def test_a_dry_run_with_a_refused_file_says_nothing_would_be_rolled_back(cli, crashed, tmp_path):
    """A plan with a refused file is never applied; its dry run said "Would put 2 files back"
    and exited 0 while the real run refused everything (exit 2)."""
    project, _ = crashed
    outside = tmp_path / "outside.rs"
    outside.write_bytes(CONFIG_AFTER)
    (project / "src" / "config.rs").unlink()
    (project / "src" / "config.rs").symlink_to(outside)
    before = tree(project)
    for args in (["--dry-run"], ["--yes"]):
        run = cli("rollback", SID, *args, "--dir", str(tmp_path / "none"))
        assert run.code == 1 and "Cannot put 2 files back" in run.out and "REFUSED" in run.out, run
        assert "rolled back: 1 of 2 files are refused" in run.err and run.err.count("\n") == 1
    assert tree(project) == before and outside.read_bytes() == CONFIG_AFTER
