"""snaptui racing a live writer, and snaptui killed at random moments.

A real writer process saves snapshots the reference way (``ID_session_snapshot.json.tmp``,
then ``rename`` over ``ID_session_snapshot.json``) thousands of times, each with
``snapshot_timestamp_ms`` = now and ``message_count`` = its save number, and logs
every save. Meanwhile this process loops over scan, purge (plan, then act),
discard and restore. Afterwards:

- no exception escaped (an ``ActionError`` is an answer, not a crash);
- while the writer ran, no scan ever saw one of its files as damaged or missing
  (it only ever renames whole files into place);
- every session's last save is still on disk with its newest content (in the
  recovery directory or in ``.snaptui-trash/``), unless a purge plan judged that
  very save old (then removing it was the purge's job);
- purge saw saves made after it judged a file old, and kept them (the race happened);
- sessions only snaptui touched come back from discard + restore byte for byte.

Then snaptui is killed with SIGKILL at random moments (the command line, and a
process looping over scans, ``list --json`` pieces, seen-state writes, discards
and restores): the next start works and gives the right answer, and nothing
half-written is left where it would be read.

The whole file is bounded: the writer stops after a few seconds or 20,000 saves,
every subprocess has a timeout.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import snaptui_command
from helpers import write
from snaptui.actions import purge as purging
from snaptui.actions import trash as store
from snaptui.catalog import jsonlist as listjson
from snaptui.catalog import seen
from snaptui.catalog.scan import scan
from snaptui.format import reader
from snaptui.sources.recovery import TRASH_DIR

DAY = 86_400_000
FAR_FUTURE = 4_102_444_800_000  # 2100: never older than any cutoff here

WRITER = r"""
import json, os, sys, time
directory, ids, seconds, max_saves, log_path = sys.argv[1], sys.argv[2].split(","), float(sys.argv[3]), \
    int(sys.argv[4]), sys.argv[5]
ready = os.path.join(os.path.dirname(log_path), "writer-started")
open(ready, "w").close()
deadline = time.monotonic() + seconds
last = {}
saves = 0
while saves < max_saves and time.monotonic() < deadline:
    sid = ids[saves % len(ids)]
    saves += 1
    ts = time.time_ns() // 1_000_000
    doc = {"session_id": sid, "message_count": saves,
           "last_tool_results": [{"tool_name": "bash", "call_id": f"c{saves}", "output_preview": "x" * (saves % 300),
                                  "success": saves % 3 != 0}],
           "snapshot_timestamp_ms": ts, "completed": False, "project_dir": "/p", "cost_usd": saves / 100}
    path = os.path.join(directory, sid + "_session_snapshot.json")
    with open(path + ".tmp", "w") as f:  # the reference: write the .tmp, then rename over
        f.write(json.dumps(doc, indent=2))
    os.rename(path + ".tmp", path)
    last[sid] = [saves, ts]
    if saves % 7 == 0:
        time.sleep(0.0002)  # let the other side in now and then
with open(log_path + ".part", "w") as f:
    json.dump({"saves": saves, "last": last}, f)
os.rename(log_path + ".part", log_path)
"""


def start_writer(directory: Path, ids: list[str], seconds: float, log: Path, max_saves: int = 20_000):
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(directory), ",".join(ids), str(seconds),
                             str(max_saves), str(log)])
    ready = log.parent / "writer-started"
    deadline = time.monotonic() + 15
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the writer did not start")
        time.sleep(0.005)
    ready.unlink()
    return proc


def finish_writer(proc, log: Path) -> dict:
    try:
        assert proc.wait(timeout=30) == 0, "the writer failed"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    return json.loads(log.read_text())


def copies(directory: Path) -> dict[str, list[tuple[int, str]]]:
    """Every valid copy of each session on disk: ``{session_id: [(message_count, where)]}``."""
    out: dict[str, list[tuple[int, str]]] = {}
    for path in [*directory.glob("*.json"), *(directory / TRASH_DIR).rglob("*.json")]:
        doc = reader.parse(path.read_bytes())  # never half-written, wherever it is
        where = "trash" if TRASH_DIR in path.parts else "directory"
        out.setdefault(doc["session_id"], []).append((doc["message_count"], where))
    return out


def test_scans_never_see_a_live_writers_file_damaged_or_missing(recovery, tmp_path):
    ids = [f"w{i}" for i in range(6)]
    for sid in ids:
        write(recovery, sid, ts=1_000_000_000_000)
    log = tmp_path / "writer.json"
    writer = start_writer(recovery, ids, 2.0, log)
    cache = str(tmp_path / "cache")
    rounds = 0
    try:
        while writer.poll() is None:
            rounds += 1
            result = scan(str(recovery), cache_dir=cache)
            assert sorted(s.session_id for s in result.sessions) == ids
            assert result.damaged == []
            pieces = json.loads(listjson.json_output(str(recovery), cache, everything=False))
            assert sorted(o["session_id"] for o in pieces) == ids
    finally:
        summary = finish_writer(writer, log)
    assert summary["saves"] > 200 and rounds > 5, (summary["saves"], rounds)
    final = scan(str(recovery), cache_dir=cache)
    assert {s.session_id: s.message_count for s in final.sessions} == {k: v[0] for k, v in summary["last"].items()}


def test_live_writer_against_scan_purge_discard_restore(recovery, tmp_path):
    ids = [f"live{i}" for i in range(6)]  # a handful of sessions the writer keeps saving
    quiet = [f"quiet{i}" for i in range(3)]  # only snaptui touches these
    for sid in ids:
        write(recovery, sid, ts=1_000_000_000_000, messages=0)  # 2001: old until the writer saves it again
    for sid in quiet:
        write(recovery, sid, ts=FAR_FUTURE)
    quiet_bytes = {sid: (recovery / f"{sid}_session_snapshot.json").read_bytes() for sid in quiet}
    log = tmp_path / "writer.json"
    rng = random.Random(5)
    judged: set[tuple[str, int]] = set()  # (session id, save number) some purge plan judged old
    kept = removed = discards = restores = refused = rounds = 0
    directory = str(recovery)
    # No cap on the saves: the writer saves for its whole 6 s (a fast machine reached a cap
    # before 5 s, and its last save came before the last purge).
    writer = start_writer(recovery, ids, 6.0, log, max_saves=10**9)
    purge_until = time.monotonic() + 5.0  # the writer's last second of saves comes after the last purge
    try:
        while writer.poll() is None:
            rounds += 1
            result = scan(directory)
            assert result.damaged == [], result.damaged  # whole files only, even mid-race
            if time.monotonic() < purge_until:
                # 30 days judges only never-resaved sessions old; 0 judges every save made
                # before the plan old, so the writer's next save always races the purge.
                older = 30 * DAY if rounds % 3 == 0 else 0
                plan = purging.plan_purge(directory, older, trash_retention_ms=30 * DAY)
                judged |= {(s.session_id, s.message_count) for s in plan.sessions}
                time.sleep(rng.random() * 0.002)
                done = purging.purge(plan)
                kept += len(done.kept)
                removed += done.removed
            # Discard some sessions, then undo: every other round only quiet ones (their undo
            # succeeds), else a mix (a live one's undo is refused once the writer saved it again).
            chosen = [s for s in scan(directory).sessions
                      if rng.random() < 0.4 and (rounds % 2 or s.session_id in quiet)]
            if chosen:
                try:
                    batch = store.discard(directory, chosen)[0]
                except store.ActionError:
                    continue  # they were all gone already (purged or replaced meanwhile)
                discards += 1
                time.sleep(rng.random() * 0.001)
                try:
                    store.undo_batch(directory, batch)
                    restores += 1
                except store.ActionError:
                    refused += 1  # a newer save took the place: the discarded copy stays in the trash
    finally:
        summary = finish_writer(writer, log)

    # Put back what a refused restore left in the trash, where nothing is in the way.
    for t in store.list_trash(directory):
        if t.session_id in quiet:
            store.restore(directory, [t])

    assert summary["saves"] > 300, summary["saves"]
    on_disk = copies(recovery)
    assert sorted(summary["last"]) == sorted(ids)
    for sid, (last_save, last_ts) in summary["last"].items():
        assert (sid, last_save) not in judged  # saved after the last purge: it must be on disk
        assert last_save in [n for n, _ in on_disk.get(sid, [])], (sid, last_save, on_disk.get(sid))
        newest = max(on_disk[sid])
        assert newest[0] == last_save  # nothing newer than the last save exists
        path = recovery / f"{sid}_session_snapshot.json"
        if newest[1] == "directory":
            assert reader.parse(path.read_bytes())["snapshot_timestamp_ms"] == last_ts
    for sid, data in quiet_bytes.items():  # discarded and restored many times, byte for byte
        assert (recovery / f"{sid}_session_snapshot.json").read_bytes() == data
    assert not list(recovery.glob("*.tmp*")), "a temp file was left in the recovery directory"
    assert kept > 0, f"purge never saw a save made after it judged a file old ({rounds} rounds): proves nothing"
    assert removed > 0 and discards > 0 and restores > 0, (removed, discards, restores)


def test_restore_never_replaces_a_snapshot_saved_while_it_checks(recovery, monkeypatch):
    """Deterministic: restore reads the time of the file in the way, and the live agent saves
    a newer snapshot right then."""
    write(recovery, "s", ts=2_000)
    batch, _ = store.discard(str(recovery), scan(str(recovery)).sessions)  # the trashed copy: t=2000
    write(recovery, "s", ts=1_000)  # an older file in the way: restore may move it aside
    real = store._snapshot_time

    def racing(path):
        answer = real(path)
        write(recovery, "s", ts=9_000, age_s=None)  # the agent saves, reference way
        return answer

    monkeypatch.setattr(store, "_snapshot_time", racing)
    try:
        store.undo_batch(str(recovery), batch)
    except store.ActionError:
        pass  # refusing is right too
    in_place = reader.parse((recovery / "s_session_snapshot.json").read_bytes())["snapshot_timestamp_ms"]
    assert in_place == 9_000, "restore put an older snapshot over the one just saved"


# --------------------------------------------------------------------------
# SIGKILL at random moments
# --------------------------------------------------------------------------


def env_for(tmp_path: Path, cache: str = "cache") -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SNAPTUI_RECOVERY_DIR", "SNAPTUI_CONFIG", "SNAPTUI_DISABLE", "OPENDEV_DIR")}
    env.update(HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / cache),
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    return env


def list_json(tmp_path: Path, directory: Path, *args: str, cache: str = "cache") -> list:
    run = subprocess.run([*snaptui_command(), "list", "--json", *args, "--dir", str(directory)],
                         env=env_for(tmp_path, cache), capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stderr == b""
    return json.loads(run.stdout)


def processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains ``text`` (zombies excluded)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{entry}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if text.encode() in cmdline and state != b"Z":
            pids.append(int(entry))
    return pids


def kill_at_random(cmd: list[str], env: dict, rng: random.Random, low: float, high: float) -> None:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(low, high))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def test_killing_list_json_never_breaks_the_next_start(tmp_path):
    """Big enough that a cold fill forks a helper process (listjson.PARALLEL_FROM): killing the
    command leaves neither a broken cache nor a stray helper."""
    from snaptui.catalog.survey import PARALLEL_READ_FROM as PARALLEL_FROM

    d = tmp_path / "recovery"
    d.mkdir()
    for i in range(PARALLEL_FROM + 100):
        write(d, f"s{i:04d}", ts=1_700_000_000_000 + i * 1000, completed=i % 5 == 0,
              tools=(("bash", i % 3 != 0, "x" * 200),) * 4)
    truth = list_json(tmp_path, d, "--all", cache="truth-cache")
    rng = random.Random(11)
    cmd = [*snaptui_command(), "list", "--json", "--dir", str(d)]
    for round_ in range(6):
        cache = tmp_path / "cache"
        for f in (p for p in cache.rglob("*") if p.is_file()) if cache.exists() else ():
            if rng.random() < 0.6:
                f.unlink()  # colder caches: they are being rewritten when the kill lands
        args = cmd if round_ % 2 else [*cmd, "--all"]
        kill_at_random(args, env_for(tmp_path), rng, 0.05, 0.6)
        deadline = time.monotonic() + 10
        while processes_mentioning(str(d)) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert processes_mentioning(str(d)) == [], "a helper process outlived the killed command"
        assert list_json(tmp_path, d, "--all") == truth
        assert list_json(tmp_path, d) == [o for o in truth if o["status"] == "incomplete"]
    assert not list(d.glob("*.tmp*"))


WORKER = r"""
import os, random, sys
from snaptui.catalog import jsonlist as listjson
from snaptui.catalog import seen
from snaptui.actions import purge as purging
from snaptui.actions import trash as store
from snaptui.catalog.scan import scan
directory, cache, state, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rng = random.Random(seed)
print("ready", flush=True)
while True:
    result = scan(directory, cache_dir=cache)
    listjson.json_output(directory, cache, everything=True)
    seen.remember(state, directory, result.incomplete[: rng.randint(0, len(result.incomplete))])
    chosen = [s for s in result.sessions if rng.random() < 0.3]
    if chosen:
        batch = store.discard(directory, chosen)[0]
        store.undo_batch(directory, batch)
"""


def test_killing_a_busy_snaptui_never_breaks_the_next_start(tmp_path):
    """A process scanning, writing the index, the list cache and the seen-state, discarding and
    restoring, killed at random moments: nothing it leaves behind breaks the next start, and
    no session is lost (a kill between discard and restore leaves it in the trash)."""
    d = tmp_path / "recovery"
    d.mkdir()
    originals = {}
    for i in range(300):
        path = write(d, f"k{i:03d}", ts=1_700_000_000_000 + i * 1000, tools=(("bash", True, "y" * 100),) * 3)
        originals[path.name] = path.read_bytes()
    env = env_for(tmp_path)
    cache = str(tmp_path / "cache" / "snaptui")
    state = str(tmp_path / "state" / "snaptui")
    rng = random.Random(13)
    for round_ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", WORKER, str(d), cache, state, str(round_)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert proc.stdout.readline() == b"ready\n"
            time.sleep(rng.uniform(0.05, 0.6))
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]  # still working: no crash
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            proc.stdout.close()
            proc.stderr.close()
        # The next start works, with the caches and state the killed process left, and
        # agrees with a start from scratch.
        got = list_json(tmp_path, d, "--all")
        assert got == list_json(tmp_path, d, "--all", cache=f"fresh{round_}")
        check = subprocess.run([*snaptui_command(), "check", "--dir", str(d)], env=env, capture_output=True,
                               timeout=60)
        assert check.returncode in (0, 1) and check.stderr == b"", check
        seen.load(state, str(d))  # readable (or absent), never an exception
        # No session lost: each file is in the directory or in the trash, byte for byte.
        here = {p.name: p.read_bytes() for p in d.glob("*.json")}
        trashed = {t.name: Path(t.path).read_bytes() for t in store.list_trash(str(d))}
        for name, data in originals.items():
            assert here.get(name, trashed.get(name)) == data, name
        assert not list(d.glob("*.tmp*")), "a half-written file in the recovery directory"
        # Put back what a kill left in the trash, as a person would.
        for t in store.list_trash(str(d)):
            if not (d / t.name).exists():
                store.restore(str(d), [t])
    assert len(list(d.glob("*.json"))) == len(originals)
