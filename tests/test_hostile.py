"""Hostile and broken recovery directories: no crash, no hang, no silent drop, nothing changed.

One directory holds every case at once. Each is run through ``snaptui list``,
``list --all --json``, ``check`` and the TUI; afterwards the directory must be
exactly as before (names, sizes, mtimes, contents, link targets).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import time
from pathlib import Path

import pytest

from cases import BASE, _raw, doc
from helpers import write
from snaptui.catalog.scan import scan
from snaptui.sources import recovery as recovery_source
from tui_support import make_app, screen_text, settle, use_utc

# C0 controls but newline, DEL, C1 controls, and the bidi/invisible formatting characters.
FORBIDDEN = {chr(c) for c in range(0x20) if c != 0x0A} | {chr(0x7F)} | {chr(c) for c in range(0x80, 0xA0)}
FORBIDDEN |= {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}

OLD = 1_700_000_000_000  # far in the past, so nothing counts as running


def _valid(**changes) -> bytes:
    return doc(**{"snapshot_timestamp_ms": OLD, **changes})


# name -> bytes: files a scan must report as damaged, each with a reason
DAMAGED = {
    "empty.json": b"",
    "truncated.json": _valid()[:50],
    "not_json.json": b"hello, world\n",
    "array.json": b"[1, 2, 3]",
    "string.json": b'"a snapshot"',
    "wrong_types.json": _valid(message_count="many"),
    "missing_fields.json": json.dumps({"session_id": "x"}).encode(),
    "null_fields.json": _valid(cost_usd=None),
    "negative.json": _valid(message_count=-5),
    "overflow.json": _valid(snapshot_timestamp_ms=2**64),
    "nan.json": _valid().replace(b'"cost_usd": 0.5', b'"cost_usd": NaN'),
    "bom.json": b"\xef\xbb\xbf" + _valid(),
    "duplicate_keys.json": _valid()[:-1] + b', "cost_usd": 9.0}',
    "invalid_utf8.json": _valid(project_dir="AAAA").replace(b"AAAA", b"\xc3\x28"),
    "binary.json": bytes(range(256)) * 64,
    "nested_top.json": b"[" * 300_000 + b"]" * 300_000,
}

# name -> bytes: valid snapshots with hostile contents, listed literally
VALID = {
    "markup.json": _valid(session_id="[@click=app.quit]x[/]", project_dir="/p/snap[/]2024 [bold red]hi[/]"),
    "escapes.json": _valid(session_id="\x1b]0;pwned\x07esc", project_dir="/p/\x1b[2J\x1b[H", last_tool_results=[
        {"tool_name": "bash\x1b[31m", "call_id": "c\r\x08", "success": False,
         "output_preview": "\x1b]52;c;ZXZpbA==\x07 clipboard \x1b[2J clear \x9b31m csi \x00 nul \u202eevil"}]),
    "bidi.json": _valid(session_id="\u202egnp.exe", project_dir="/p/\u2066x\u2069"),
    "big_preview.json": _valid(last_tool_results=[
        {"tool_name": "bash", "call_id": "c", "output_preview": "x" * 1_000_000, "success": True}]),
    "many_tools.json": _valid(last_tool_results=[
        {"tool_name": f"t{i}", "call_id": f"c{i}", "output_preview": f"line {i}\n", "success": i % 7 != 0}
        for i in range(10_000)]),
    "ts_zero.json": doc(snapshot_timestamp_ms=0),
    "ts_9999.json": doc(snapshot_timestamp_ms=253402300799999),
    "ts_u64_max.json": doc(snapshot_timestamp_ms=2**64 - 1),
    "empty_id.json": _valid(session_id=""),
    "traversal_id.json": _valid(session_id="../../etc/x"),
    "nested_unknown.json": _raw(zz="[" * 300_000 + "]" * 300_000).replace(b'"snapshot_timestamp_ms": 5',
                                                                          f'"snapshot_timestamp_ms": {OLD}'.encode()),
}


def fingerprint(directory: Path) -> dict:
    """Everything about the directory's entries that a scan must not change."""
    out = {}
    for entry in os.scandir(directory):
        st = os.lstat(entry.path)
        info = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns)
        if stat.S_ISLNK(st.st_mode):
            info += (os.readlink(entry.path),)
        elif stat.S_ISREG(st.st_mode) and st.st_size < 50_000_000:
            info += (hashlib.sha256(Path(entry.path).read_bytes()).hexdigest(),)
        out[entry.name] = info
    return out


@pytest.fixture
def hostile(tmp_path) -> Path:
    d = tmp_path / "recovery"
    d.mkdir()
    for name, data in {**DAMAGED, **VALID}.items():
        (d / name).write_bytes(data)
    with open(d / "huge.json", "wb") as f:
        f.truncate(2 * 1024**3)  # sparse: must be refused by its size, never read
    (d / "directory.json").mkdir()
    os.mkfifo(d / "fifo.json")
    os.symlink(d / "missing-target", d / "dangling.json")
    os.symlink(d / "loop.json", d / "loop.json")
    outside = tmp_path / "outside"
    outside.mkdir()
    target = write(outside, "far-away", ts=OLD)
    os.symlink(target, d / "symlink_out.json")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(d / "socket.json"))
    (d / "leftover.json.tmp").write_bytes(b'{"half')
    yield d
    sock.close()


EXPECTED_DAMAGED = {*DAMAGED, "huge.json", "directory.json", "fifo.json", "dangling.json", "loop.json",
                    "socket.json"}
EXPECTED_SESSIONS = {*VALID, "symlink_out.json"}


def clean(text: str) -> bool:
    return not FORBIDDEN & set(text)


def test_list_all_json_accounts_for_every_file(cli, hostile):
    before = fingerprint(hostile)
    start = time.monotonic()
    run = cli("list", "--all", "--json", "--dir", str(hostile), timeout=120)
    assert run.code == 0, run
    assert time.monotonic() - start < 60
    got = json.loads(run.out)
    by_name = {os.path.basename(o["path"]): o for o in got}
    assert {n for n, o in by_name.items() if o["status"] == "damaged"} == EXPECTED_DAMAGED
    assert {n for n, o in by_name.items() if o["status"] in ("incomplete", "completed")} == EXPECTED_SESSIONS
    assert by_name["leftover.json.tmp"]["status"] == "leftover"
    for name in EXPECTED_DAMAGED:
        assert by_name[name]["error"] and "\n" not in by_name[name]["error"]
    assert by_name["huge.json"]["error"] == "too large (2.0 GiB)"
    assert by_name["fifo.json"]["error"] == "not a regular file (a FIFO)"
    assert by_name["nested_unknown.json"]["status"] == "incomplete"  # the reference accepts it too
    assert by_name["markup.json"]["session_id"] == "[@click=app.quit]x[/]"
    assert len(by_name["many_tools.json"]["last_tool_results"]) == 10_000
    again = json.loads(cli("list", "--all", "--json", "--dir", str(hostile), timeout=120).out)
    assert again == got  # from the cache, the same answer
    assert fingerprint(hostile) == before


def test_human_list_is_clean_and_complete(cli, hostile):
    before = fingerprint(hostile)
    run = cli("list", "--all", "--dir", str(hostile), timeout=120)
    assert run.code == 0, run
    assert clean(run.out) and clean(run.err)
    assert "␛]0;pwne" in run.out and "[@click=" in run.out and "/p/snap[/]2024 [bold red]hi[/]" in run.out
    for name in EXPECTED_DAMAGED:
        assert name in run.out
    assert fingerprint(hostile) == before


def test_check_survives_everything(cli, hostile):
    before = fingerprint(hostile)
    start = time.monotonic()
    run = cli("check", "--dir", str(hostile), timeout=60)
    assert run.code == 0 and clean(run.out) and time.monotonic() - start < 30
    assert fingerprint(hostile) == before


async def test_tui_shows_every_row_literally(hostile, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    use_utc(monkeypatch)
    before = fingerprint(hostile)
    app = make_app(tmp_path, hostile)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        rows = [r for r in app.session_list.rows if r.selectable]
        assert len(rows) == len({*EXPECTED_SESSIONS} - {"ts_9999.json", "ts_u64_max.json"}) + 2 + len(
            EXPECTED_DAMAGED) + 1
        await pilot.press("home")
        for _ in rows:
            await pilot.pause(0.08)
            text = screen_text(app)
            assert clean(text), repr(sorted(FORBIDDEN & set(text)))
            await pilot.press("down")
        await settle(pilot)
        assert app.is_running
    assert fingerprint(hostile) == before


@pytest.mark.parametrize("how", ["fifo", "symlink to a fifo"])
@pytest.mark.parametrize("command", [("list", "--json"), ("list", "--all", "--json"), ("list",), ("check",)])
def test_special_files_are_never_opened(cli, tmp_path, how, command):
    """Opening a device or a FIFO can act (a watchdog arms, a tape rewinds, a writer
    wakes up): only regular files are ever opened. A writer blocked on the FIFO
    would wake up if anything opened it for reading."""
    import threading

    d = tmp_path / "recovery"
    write(d, "fine", ts=OLD)
    fifo = tmp_path / "outside.fifo" if how != "fifo" else d / "fifo.json"
    os.mkfifo(fifo)
    if how != "fifo":
        (d / "fifo.json").symlink_to(fifo)
    woke = threading.Event()

    def writer():
        try:
            fd = os.open(fifo, os.O_WRONLY)  # blocks until someone opens the read end
        except OSError:
            return
        os.close(fd)
        woke.set()

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    run = cli(*command, "--dir", str(d), env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert run.code in (0, 1), run
    assert not woke.wait(0.5), "the FIFO was opened"
    os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # release the writer
    t.join(5)
    assert woke.is_set()  # the probe works: opening it does wake the writer


def test_a_file_vanishing_or_replaced_mid_scan(recovery, monkeypatch):
    gone = write(recovery, "gone")
    swapped = write(recovery, "swapped", cost=1.0)
    real = recovery_source.read_bounded

    def racing(path, limit=recovery_source.MAX_BYTES, dir_fd=None):
        if path == str(gone):
            os.unlink(gone)
        if path == str(swapped):
            write(recovery, "swapped", cost=2.0, age_s=None)
        return real(path, limit, dir_fd)

    monkeypatch.setattr(recovery_source, "read_bounded", racing)
    result = scan(str(recovery))
    assert [s.session_id for s in result.sessions] == ["swapped"]
    assert result.sessions[0].cost_usd == 2.0  # what was read, consistently
    assert result.damaged == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_directory(cli, tmp_path):
    d = tmp_path / "closed"
    d.mkdir()
    d.chmod(0)
    try:
        run = cli("list", "--dir", str(d))
        assert run.code == 1 and "permission denied" in run.err
        assert cli("check", "--dir", str(d)).code == 2
    finally:
        d.chmod(0o700)


async def test_tui_on_a_recovery_path_that_is_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "file").write_text("x")
    app = make_app(tmp_path, tmp_path / "file")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "is not a directory" in str(app.empty.render())


def test_actions_never_follow_a_hostile_id(cli, tmp_path):
    d = tmp_path / "deep" / "recovery"
    d.mkdir(parents=True)
    sentinel_dir = tmp_path / "deep" / "etc"
    sentinel_dir.mkdir()
    sentinel = sentinel_dir / "x"
    sentinel.write_text("keep me")
    (d / "evil.json").write_bytes(_valid(session_id="../../etc/x"))
    os.utime(d / "evil.json", (OLD / 1000, OLD / 1000))  # as a crash left it
    (tmp_path / "deep" / "etc" / "x_session_snapshot.json").write_text("keep me too")
    assert cli("discard", "../../etc/x", "--dir", str(d)).code == 0
    assert not (d / "evil.json").exists() and sentinel.read_text() == "keep me"
    assert cli("restore", "../../etc/x", "--dir", str(d)).code == 0
    assert (d / "evil.json").exists()
    run = cli("purge", "--older-than", "1d", "--yes", "--dir", str(d))
    assert run.code == 0 and not (d / "evil.json").exists()
    assert sentinel.read_text() == "keep me"
    assert (tmp_path / "deep" / "etc" / "x_session_snapshot.json").read_text() == "keep me too"


def test_purge_removes_a_symlink_not_its_target(cli, tmp_path):
    d = tmp_path / "recovery"
    d.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = write(elsewhere, "linked", ts=OLD)
    data = target.read_bytes()
    os.symlink(target, d / "link.json")
    assert cli("purge", "--older-than", "1d", "--yes", "--dir", str(d)).code == 0
    assert not os.path.lexists(d / "link.json") and target.read_bytes() == data


def test_hostile_inputs_counted():
    # The closing note reports this number: every case above, by kind.
    assert len(DAMAGED) + 6 == len(EXPECTED_DAMAGED) == 22
    assert len(EXPECTED_SESSIONS) == 12
    assert BASE  # the valid base document every case is made from


@pytest.mark.parametrize("swap", ["fifo", "dev-zero", "directory"])
def test_a_fifo_device_or_directory_in_place_of_snaptuis_own_files_is_no_hang_and_no_traceback(
        cli, tmp_path, isolated_home, swap):
    """Each of snaptui's own files (caches, indexes, the seen and dismissed memories, the kept
    answers, the config) replaced by something that is not a regular file: every command still
    answers, within seconds (a FIFO was waited on forever, /dev/zero read until memory ran out)."""
    import opendev_fixtures as fx

    recovery = tmp_path / "recovery"
    recovery.mkdir()
    for i in range(3):
        write(recovery, f"crash-{i}", age_s=3600 * (i + 1))
    store = tmp_path / "opendev"
    fx.died_mid_turn(store, str(tmp_path), sid="bbbbbbbbbbbb")
    old = time.time() - 3600
    for path in [*recovery.iterdir(), *store.rglob("*")]:
        os.utime(path, (old, old), follow_symlinks=False)
    where = ["--dir", str(recovery), "--store", str(store)]
    config = isolated_home / ".config" / "snaptui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('running_threshold = "5m"\n')
    for args in (["list", "--json"], ["list"], ["check"], ["discard", "crash-0"], ["discard", "bbbbbbbbbbbb"]):
        assert cli(*args, *where).code in (0, 1)
    own = [p for base in (".cache", ".local/state", ".config") for p in (isolated_home / base).rglob("*")
           if p.is_file() and ".snaptui-trash" not in p.parts]
    assert len(own) >= 6, own
    for path in own:
        path.unlink()
        if swap == "fifo":
            os.mkfifo(path)
        elif swap == "dev-zero":
            path.symlink_to("/dev/zero")
        else:
            path.mkdir()
    for args in (["check", "--startup"], ["check"], ["list", "--json"], ["list"], ["stats"], ["restore"],
                 ["__complete", "bash", "--", " \t\n\"'><=;|&(:", "snaptui resume cr"]):
        run = cli(*args, *where, timeout=20)
        assert "Traceback" not in run.err and run.code in (0, 1, 2), (args, run)
        if args[0] in ("list",):
            assert run.code == 2 and "config file" in run.err  # the config is no file: said, in one line
