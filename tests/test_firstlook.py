"""The first look at a directory with no index, taken by a forked process.

What it hands over are the newest sessions by file time, read as the survey
reads them; whatever goes wrong there, the scan's answer is the same as
without it.
"""

from __future__ import annotations

import os
import socket

from helpers import NOW, write
from snaptui.catalog import firstlook, prefetch
from snaptui.catalog.scan import scan


def _directory(tmp_path, count=12):
    d = tmp_path / "recovery"
    d.mkdir()
    for i in range(count):
        path = write(d, f"s{i:02d}", ts=NOW + i * 1000, age_s=None)
        os.utime(path, (1e9 + i, 1e9 + i))  # s11 is the most recently modified
    return d


def test_the_first_look_reads_the_newest_files_and_the_scan_goes_on(tmp_path):
    d = _directory(tmp_path)
    look = firstlook.start(str(d), 4)
    assert look is not None  # pytest runs one thread: the fork is allowed
    seen = []
    full = scan(str(d), cache_dir=str(tmp_path / "cache"), early=seen.append, early_after=4, first=look)
    (partial,) = seen
    assert partial.partial and [s.session_id for s in partial.sessions] == ["s11", "s10", "s09", "s08"]
    assert [s.session_id for s in full.incomplete] == [s.session_id for s in scan(str(d)).incomplete]
    assert len(full.sessions) == 12 and not full.partial


def test_hostile_entries_among_the_newest_neither_hang_nor_hide(tmp_path):
    """A FIFO, a socket, a directory, a dangling link and a symlinked snapshot, all
    newer than every real file: the first look refuses to open what is not a
    regular file, says why, and marks the link."""
    d = _directory(tmp_path, count=3)
    os.mkfifo(d / "fifo.json")
    (d / "dir.json").mkdir()
    os.symlink(tmp_path / "nowhere", d / "dangling.json")
    target = write(tmp_path, "linked", ts=NOW + 99_000)
    os.symlink(target, d / "link.json")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(d / "sock.json"))
    for name in ("fifo.json", "dir.json", "link.json", "sock.json"):
        os.utime(d / name, (2e9, 2e9), follow_symlinks=name != "link.json")
    look = firstlook.start(str(d), 5)
    assert look is not None
    entries, links = look.result()
    assert set(entries) == {"fifo.json", "dir.json", "link.json", "sock.json", "s02_session_snapshot.json"}
    assert entries["link.json"].row is not None and entries["link.json"].row.session_id == "linked"
    assert links == {"link.json"}
    for name in ("fifo.json", "dir.json", "sock.json"):
        assert entries[name].row is None and entries[name].reason
    sock.close()


def test_a_first_look_that_fails_changes_nothing(tmp_path):
    """The directory vanishes before the child lists it: no early rows, and the scan
    says what it always says of a missing directory."""
    d = _directory(tmp_path, count=2)
    look = firstlook.start(str(tmp_path / "missing"), 4)
    assert look is not None and look.result() is None
    seen = []
    got = scan(str(tmp_path / "missing"), early=seen.append, first=look)
    assert seen == [] and got.error == scan(str(tmp_path / "missing")).error
    assert scan(str(d), early=seen.append, first=firstlook.start(str(d), 1)).sessions


def test_prefetch_takes_a_first_look_only_without_an_index(tmp_path):
    d = _directory(tmp_path)
    cache = str(tmp_path / "cache")
    first = prefetch.Prefetch(str(d), cache)
    assert first._first is not None
    first.done.wait(30)
    assert first.partial is not None and first.partial.sessions[0].session_id == "s11"
    assert len(first.full.sessions) == 12
    again = prefetch.Prefetch(str(d), cache)  # the index is there now: its newest rows come from it
    assert again._first is None
    again.done.wait(30)
    assert [s.session_id for s in again.full.sessions] == [s.session_id for s in first.full.sessions]


async def test_the_scan_before_the_ui_paces_the_routine_rescans(tmp_path):
    """The routine rescan runs every 20 times a full scan's duration (at least 15 s): the
    scan handed over by the prefetch counts (it did not, and 100,000 files were rescanned,
    seconds of CPU beside every key, every 15 s)."""
    from snaptui.settings.config import DEFAULTS
    from snaptui.tui.app import SnaptuiApp

    d = _directory(tmp_path)
    cache = str(tmp_path / "cache")
    look = prefetch.Prefetch(str(d), cache)
    app = SnaptuiApp(str(d), settings=dict(DEFAULTS), cache_dir=cache, state_dir=str(tmp_path / "state"),
                     watch_interval=None, prefetch=look)
    async with app.run_test() as pilot:
        while app.result is None or app.result.partial:
            await pilot.pause(0.01)
        assert look.done.is_set() and look.seconds > 0
        assert app._scan_seconds == look.seconds
