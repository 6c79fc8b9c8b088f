"""``list --json`` of a changed directory, streamed through scratch files (catalog/answer.py).

Whichever way the answer is made (one process or two, a helper writing the end of
the cache file or not, pieces from the old cache file, no cache at all, or laid
out in memory as before), it is the same bytes, and the cache it leaves is the
one the shared pass (:func:`snaptui.catalog.survey.survey`) would leave. Memory
does not grow with the size of the sessions.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import zlib

import pytest

import hostile_files as H
from conftest import snaptui_command
from helpers import NOW, write
from snaptui.base import twoproc
from snaptui.base.crc import crc32_combine
from snaptui.catalog import answer, pieces_write
from snaptui.catalog.cache import Cache
from snaptui.catalog.jsonlist import json_output
from snaptui.catalog.pieces import Pieces, base_path
from snaptui.catalog.survey import survey


def test_crc32_combine_is_zlibs():
    rng = random.Random(7)
    for _ in range(200):
        a = rng.randbytes(rng.choice([0, 1, 5, rng.randrange(5000)]))
        b = rng.randbytes(rng.choice([0, 1, 3, rng.randrange(70_000)]))
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def in_memory(directory, cache):
    """The answer as the shared pass lays it out, in memory (what streaming replaced)."""
    real = answer.plain_answer
    answer.plain_answer = lambda *args: None
    try:
        return json_output(str(directory), cache, everything=False)
    finally:
        answer.plain_answer = real


@pytest.fixture(params=["one process", "two processes and a helper"])
def mode(request, monkeypatch):
    if request.param != "one process":
        monkeypatch.setattr(answer, "PARALLEL_READ_FROM", 1)
        monkeypatch.setattr(pieces_write, "HELPER_FROM", 0)
    return request.param


def hostile_dir(tmp_path):
    d = tmp_path / "recovery"
    H.build(d, tmp_path / "outside")
    for i in range(30):  # sessions around them, some completed, one written just now
        write(d, f"s{i:02d}", ts=NOW - i * 1000 + (i % 3) * 7, completed=i % 4 == 1, age_s=None if i == 5 else 3600)
    return d


def test_the_streamed_answer_is_the_one_laid_out_in_memory(tmp_path, mode):
    d = hostile_dir(tmp_path)
    sock = H.bind_socket(d)
    try:
        expected = in_memory(d, None)
        assert json_output(str(d), None, everything=False) == expected  # no cache: an unlinked file of its own
        cache = str(tmp_path / "cache")
        assert json_output(str(d), cache, everything=False) == expected  # cold
        assert json_output(str(d), cache, everything=False) == expected  # from the cache (a file is too recent)
        write(d, "s07", ts=NOW + 5, messages=77)  # rewritten: read again, the rest from the old pieces
        (d / "s08_session_snapshot.json").unlink()
        changed = in_memory(d, None)
        assert json_output(str(d), cache, everything=False) == changed
        assert [o["message_count"] for o in json.loads(changed) if o["session_id"] == "s07"] == [77]
    finally:
        sock.close()


def test_the_cache_it_leaves_is_the_one_the_shared_pass_leaves(tmp_path, mode):
    d = hostile_dir(tmp_path)
    streamed, shared = str(tmp_path / "streamed"), str(tmp_path / "shared")
    json_output(str(d), streamed, everything=False)
    survey(str(d), shared, pieces=True)
    assert Cache(streamed, str(d)).rows == Cache(shared, str(d)).rows
    mine = Pieces.load(base_path(streamed, str(d)), os.path.realpath(d))
    theirs = Pieces.load(base_path(shared, str(d)), os.path.realpath(d))
    assert mine.layout == theirs.layout and mine.layout
    assert bytes(mine.blob) == bytes(theirs.blob)


def test_a_failing_helper_or_reader_changes_nothing(tmp_path, monkeypatch):
    """The forked reader dies, the forked writer's answer never comes: this process does their part."""
    d = hostile_dir(tmp_path)
    expected = in_memory(d, None)
    monkeypatch.setattr(answer, "PARALLEL_READ_FROM", 1)
    monkeypatch.setattr(pieces_write, "HELPER_FROM", 0)
    parent, real_read = os.getpid(), answer._read_some

    def dying(todo, out, source, how):
        if os.getpid() != parent:
            raise RuntimeError("the reader died")
        return real_read(todo, out, source, how)

    monkeypatch.setattr(answer, "_read_some", dying)
    real_aside = twoproc.aside
    monkeypatch.setattr(twoproc, "aside", lambda work: (real_aside(work) and (lambda: None)))
    cache = str(tmp_path / "cache")
    assert json_output(str(d), cache, everything=False) == expected
    monkeypatch.setattr(answer, "_read_some", real_read)
    monkeypatch.setattr(twoproc, "aside", real_aside)
    assert json_output(str(d), cache, everything=False) == expected  # and the cache it left is sound


def test_an_unwritable_cache_still_gives_the_answer(tmp_path, mode):
    d = tmp_path / "recovery"
    d.mkdir()
    for i in range(12):
        write(d, f"s{i}", ts=NOW - i, completed=i % 3 == 0)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache directory would be")
    expected = in_memory(d, None)
    assert json_output(str(d), str(blocked / "cache"), everything=False) == expected


def test_a_cache_that_fills_up_while_written_still_gives_the_answer(tmp_path, monkeypatch):
    d = tmp_path / "recovery"
    d.mkdir()
    for i in range(12):
        write(d, f"s{i}", ts=NOW - i, completed=i % 3 == 0)
    expected = in_memory(d, None)
    real, calls = answer.write_file, []

    def full_once(fd, *args, **kwargs):
        calls.append(fd)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return real(fd, *args, **kwargs)

    monkeypatch.setattr(answer, "write_file", full_once)
    cache = tmp_path / "cache"
    assert json_output(str(d), str(cache), everything=False) == expected
    assert len(calls) == 2  # laid out again in a file of its own
    assert not [p for p in cache.rglob("*") if p.is_file() and ".pieces" in p.name]  # nothing half-written kept


def test_a_file_replaced_or_gone_while_streaming(tmp_path, monkeypatch):
    from snaptui.base import files
    from snaptui.sources import recovery as recovery_source

    d = tmp_path / "recovery"
    d.mkdir()
    gone = write(d, "gone")
    swapped = write(d, "swapped", cost=1.0)
    real = recovery_source.read_bounded

    def racing(path, limit=recovery_source.MAX_BYTES, dir_fd=None):
        if path == gone.name:
            os.unlink(gone)
        if path == swapped.name:
            write(d, "swapped", cost=2.0, age_s=None)
        return real(path, limit, dir_fd)

    monkeypatch.setattr(recovery_source, "read_bounded", racing)
    monkeypatch.setattr(files, "read_bounded", racing)
    got = json.loads(json_output(str(d), str(tmp_path / "cache"), everything=False))
    assert [(o["session_id"], o["cost_usd"]) for o in got] == [("swapped", 2.0)]


PEAK = r"""
import os, resource, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def peak_kib(args: list[str], env: dict) -> int:
    """The peak memory of the command's largest process (``wait4``), in KiB."""
    out = subprocess.run([sys.executable, "-c", PEAK, *args], env=env, capture_output=True, text=True, timeout=120)
    code, peak = out.stdout.split()
    assert code == "0", out.stderr
    return int(peak)


def test_memory_does_not_grow_with_the_size_of_the_sessions(tmp_path):
    """300 sessions of 200 KB each (60 MB of answer) against 300 small ones: the peak
    memory of ``list --json``, cold and warm, grows by far less than the answer."""
    big, small = tmp_path / "big", tmp_path / "small"
    for d, preview in ((big, "y" * 20_000), (small, "y")):
        d.mkdir()
        for i in range(300):
            write(d, f"s{i:03d}", ts=NOW - i * 1000, tools=(("bash", True, preview),) * 10)
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    peaks = {}
    for d in (small, big):
        cmd = [*snaptui_command(), "list", "--json", "--dir", str(d)]
        peaks[d.name] = (peak_kib(cmd, env), peak_kib(cmd, env))  # cold, then warm
        out = subprocess.run(cmd, env=env, capture_output=True, timeout=120).stdout
        assert out == in_memory(d, None)
    assert sum(os.path.getsize(p) for p in big.iterdir()) > 60_000_000
    for cold_or_warm in (0, 1):
        grown = peaks["big"][cold_or_warm] - peaks["small"][cold_or_warm]
        assert grown < 20_000, (peaks, cold_or_warm)  # KiB: under a third of the answer's size
