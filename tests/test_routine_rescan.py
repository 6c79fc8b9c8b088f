"""The TUI's routine rescan: skipped when nothing a scan reads changed, never when something did.

Every 15 s at least (twenty scan-lengths for a big directory) the TUI looks
again for what its directory watch cannot see: files edited in place, the
store's logs growing, a discard made from another terminal. A rescan at
100,000 files is seconds of CPU, and its table load holds the interpreter for
a tenth of a second, so it runs only when the digest of what it reads
(:mod:`snaptui.catalog.scanprint`) differs from the last routine rescan's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import opendev_fixtures as fx
from helpers import write
from snaptui.catalog import dismissed
from snaptui.catalog.liveness import Live
from snaptui.catalog.scanprint import scan_print
from snaptui.tui import following
from tui_support import NOW, make_app, set_old, settle

OLD = 1_700_000_000
"""A time long past (s): files written "now" are not trusted by their stat for two seconds."""


def _print(d: Path, roots: tuple[str, ...] = (), state: Path | None = None) -> bytes:
    return scan_print(str(d), roots, snapshots=True, state_dir=None if state is None else str(state))[0]


def test_the_digest_changes_with_everything_a_scan_reads(tmp_path):
    d = tmp_path / "recovery"
    d.mkdir()
    path = write(d, "s1", ts=NOW - 1000)
    write(d, "s2", ts=NOW - 2000)
    root = tmp_path / "opendev"
    fx.died_mid_turn(root, str(tmp_path), sid="aaaaaaaaaaaa")
    roots = (str(root),)
    state = tmp_path / "state"
    seen = {_print(d, roots, state)}
    assert _print(d, roots, state) in seen  # nothing changed: the same digest

    st = path.stat()
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"s1"', b'"s9"'))  # in place, the same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    changes = [_print(d, roots, state)]
    (d / "leftover.tmp").write_text("x")  # any entry, not only snapshots
    changes.append(_print(d, roots, state))
    (log,) = root.rglob("aaaaaaaaaaaa.debug")
    with open(log, "a") as f:
        f.write("\n")
    changes.append(_print(d, roots, state))
    store = [s for s in _store_sessions(roots)]
    dismissed.dismiss(str(state), store, NOW)  # a discard from another terminal
    changes.append(_print(d, roots, state))
    os.rename(d / "leftover.tmp", d / "leftover2.tmp")
    changes.append(_print(d, roots, state))
    for digest in changes:
        assert digest not in seen
        seen.add(digest)
    assert _print(d, roots, state) == changes[-1]
    missing = tmp_path / "gone"
    assert _print(missing) == _print(missing) != _print(d)


def _store_sessions(roots):
    from snaptui.catalog.store_survey import survey_store

    return survey_store(roots, None).sessions


def _counting_scans(monkeypatch, fail: list[bool] | None = None) -> list[str]:
    scans: list[str] = []
    real = following.scan

    def counted(*args, **kwargs):
        scans.append(args[0])
        if fail:
            fail.pop()
            raise OSError("the disk went away for a moment")
        return real(*args, **kwargs)

    monkeypatch.setattr(following, "scan", counted)
    return scans


async def test_a_routine_rescan_runs_only_when_something_changed(tmp_path, monkeypatch):
    d = tmp_path / "recovery"
    d.mkdir()
    path = write(d, "s1", ts=NOW - 1000)
    write(d, "s2", ts=NOW - 2000)
    scans = _counting_scans(monkeypatch)
    app = make_app(tmp_path, d)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert len(scans) == 1
        app._routine()  # the first routine rescan: nothing to compare with
        await settle(pilot)
        assert len(scans) == 2
        for _ in range(3):  # nothing changed: no rescan
            app._routine()
            await settle(pilot)
        assert len(scans) == 2

        doc = json.loads(path.read_bytes())
        doc["completed"] = True  # s1 finished: edited in place, the directory itself unchanged
        path.write_text(json.dumps(doc))
        os.utime(path, (OLD, OLD))  # and settled
        app._routine()
        await settle(pilot)
        assert len(scans) == 3
        assert [s.session_id for s in app.result.incomplete] == ["s2"]
        app._routine()
        await settle(pilot)
        assert len(scans) == 3


def _one_old_session(tmp_path: Path):
    """An app on a directory of one interrupted session, written an hour before the app's clock."""
    d = tmp_path / "recovery"
    d.mkdir()
    set_old(write(d, "s1", ts=NOW - 1000), NOW - 3_600_000)
    return make_app(tmp_path, d)


async def _after_a_routine(pilot):
    """The first scan and a first routine rescan done: the one session."""
    await settle(pilot)
    pilot.app._routine()
    await settle(pilot)
    (s1,) = pilot.app.result.incomplete
    return s1


async def test_a_skipped_rescan_still_tells_whether_a_session_runs(tmp_path, monkeypatch):
    app = _one_old_session(tmp_path)
    async with app.run_test() as pilot:
        s1 = await _after_a_routine(pilot)
        assert app.live == {}
        scanned = app.result
        running = {s1.key: Live(True, NOW)}
        monkeypatch.setattr(app, "_live_now", lambda catalog: running)
        app._routine()
        await settle(pilot)
        assert app.result is scanned  # not scanned again
        assert app.live == running


async def test_a_routine_rescan_that_failed_is_tried_again(tmp_path, monkeypatch):
    d = tmp_path / "recovery"
    d.mkdir()
    path = write(d, "s1", ts=NOW - 1000)
    fail: list[bool] = []
    scans = _counting_scans(monkeypatch, fail)
    app = make_app(tmp_path, d)
    async with app.run_test() as pilot:
        await settle(pilot)
        app._routine()
        await settle(pilot)
        doc = json.loads(path.read_bytes())
        doc["completed"] = True
        path.write_text(json.dumps(doc))
        os.utime(path, (OLD, OLD))
        fail.append(True)
        app._routine()  # this rescan fails: what it was to read is not taken as read
        await settle(pilot)
        assert len(scans) == 3 and [s.session_id for s in app.result.incomplete] == ["s1"]
        app._routine()
        await settle(pilot)
        assert len(scans) == 4 and app.result.incomplete == []


async def test_a_file_written_just_now_is_read_again_at_every_routine(tmp_path, monkeypatch):
    """Within the file system's timestamp granularity a same-size rewrite keeps its stat:
    while a file is that recent, its digest proves nothing and every routine rescans."""
    d = tmp_path / "recovery"
    d.mkdir()
    write(d, "s1", ts=NOW - 1000, age_s=None)  # written now
    scans = _counting_scans(monkeypatch)
    app = make_app(tmp_path, d)
    async with app.run_test() as pilot:
        await settle(pilot)
        for _ in range(3):
            app._routine()
            await settle(pilot)
        assert len(scans) == 4


async def test_a_directory_watch_does_not_drop_what_the_routine_found(tmp_path, monkeypatch):
    """The directory's watch ticks every second; a routine that takes longer (a huge
    directory) still tells whether a session runs."""
    import time

    app = _one_old_session(tmp_path)
    async with app.run_test() as pilot:
        s1 = await _after_a_routine(pilot)
        running = {s1.key: Live(True, NOW)}

        def slow(catalog):
            time.sleep(0.3)
            return running

        monkeypatch.setattr(app, "_live_now", slow)
        app._routine()
        await pilot.pause(0.05)
        app._watch()  # a tick meanwhile
        await settle(pilot)
        assert app.live == running
