"""snaptui.base.lock: held by one process at a time, gone with its holder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from snaptui.base import lock

HOLD = """
import sys, time
from snaptui.base import lock
print(lock.acquire(sys.argv[1]), flush=True)
time.sleep(60)
"""


def hold_in_another_process(path: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, path], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "True"
    return proc


def test_one_holder_at_a_time(tmp_path):
    path = str(tmp_path / "locks" / "x.lock")
    assert not lock.held_elsewhere(path)  # no file yet
    other = hold_in_another_process(path)
    try:
        assert lock.held_elsewhere(path)
        assert not lock.acquire(path)
        assert lock.holder(path) == other.pid
    finally:
        other.kill()
        other.wait()
    assert lock.acquire(path) and lock.holds(path)
    assert lock.acquire(path)  # again: still ours
    assert lock.holder(path) == os.getpid()
    assert lock.holds(path)  # reading the pid did not drop it (a record lock goes with any close)
    code = f"from snaptui.base import lock; print(lock.held_elsewhere({path!r}))"
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert probe.stdout.strip() == "True"
    lock.release(path)
    assert not lock.holds(path) and not lock.held_elsewhere(path)
    assert os.stat(path).st_mode & 0o777 == 0o600 and os.stat(os.path.dirname(path)).st_mode & 0o777 == 0o700


def test_kill_9_leaves_no_stale_lock(tmp_path):
    path = str(tmp_path / "k.lock")
    other = hold_in_another_process(path)
    assert lock.held_elsewhere(path)
    os.kill(other.pid, signal.SIGKILL)
    other.wait()
    assert not lock.held_elsewhere(path)
    assert lock.acquire(path)
    lock.release(path)


def test_a_forked_child_does_not_inherit_it(tmp_path):
    """A helper process (the two-process reader) outliving its parent for a moment holds nothing."""
    path = str(tmp_path / "f.lock")
    other = subprocess.Popen([sys.executable, "-c", """
import os, sys, time
from snaptui.base import lock
lock.acquire(sys.argv[1])
child = os.fork()
if child == 0:
    time.sleep(30)
    os._exit(0)
print(child, flush=True)
time.sleep(30)
""", path], stdout=subprocess.PIPE, text=True)
    assert other.stdout is not None
    child = int(other.stdout.readline())
    try:
        assert lock.held_elsewhere(path)
        os.kill(other.pid, signal.SIGKILL)
        other.wait()
        deadline = time.monotonic() + 5
        while lock.held_elsewhere(path) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(child, 0)  # the child still runs...
        assert not lock.held_elsewhere(path)  # ...and holds nothing
    finally:
        os.kill(child, signal.SIGKILL)


def test_a_symlink_is_not_followed(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    link = tmp_path / "l.lock"
    link.symlink_to(target)
    try:
        lock.acquire(str(link))
    except OSError:
        pass
    else:
        raise AssertionError("a symlinked lock file was opened")
    assert target.read_text() == "keep"
