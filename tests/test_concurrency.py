"""A live writer and snaptui at the same time; snaptui killed at random moments.

The writer is a real process saving the reference way (temp file, then rename
over) thousands of times while snaptui scans, discards, restores and purges.
Nothing it rewrote after purge judged it old may disappear; snaptui's own
files must never break the next start. Bounded in time and count.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

from conftest import snaptui_command
from helpers import write
from snaptui.actions import purge as purging
from snaptui.actions import trash as store
from snaptui.catalog.scan import scan
from snaptui.format import reader
from snaptui.sources.recovery import TRASH_DIR

WRITER = r"""
import json, os, random, sys, time
directory, ids, seconds, log = sys.argv[1], sys.argv[2].split(","), float(sys.argv[3]), sys.argv[4]
rng = random.Random(1)
rng.shuffle(ids)
last = {}
deadline = time.monotonic() + seconds
n = 0
while time.monotonic() < deadline and n < 20000:
    # Resume old sessions one after another (each save brings one back to life),
    # then keep saving the resumed ones.
    sid = ids[n] if n < len(ids) else ids[rng.randrange(min(len(ids), 40))]
    ts = time.time_ns() // 1_000_000
    doc = {"session_id": sid, "message_count": n, "last_tool_results": [], "snapshot_timestamp_ms": ts,
           "completed": False, "project_dir": "/p", "cost_usd": 0.5}
    path = os.path.join(directory, sid + "_session_snapshot.json")
    with open(path + ".tmp", "w") as f:
        f.write(json.dumps(doc, indent=2))
    os.rename(path + ".tmp", path)
    last[sid] = ts
    n += 1
    if n < len(ids):
        time.sleep(0.0005)
with open(log, "w") as f:
    json.dump(last, f)
"""

DAY = 86_400_000
OLD = 1_000_000_000_000


def test_live_writer_against_scan_discard_restore_purge(recovery, tmp_path):
    revived = [f"s{i:03d}" for i in range(300)]  # old snapshots the writer brings back to life, one by one
    quiet = [f"quiet{i}" for i in range(4)]  # only snaptui touches these
    kept = rounds = 0
    for attempt in range(4):
        for sid in revived:
            write(recovery, sid, ts=OLD)
        for sid in quiet:
            write(recovery, sid, ts=time.time_ns() // 1_000_000 - DAY)
        quiet_bytes = {sid: (recovery / f"{sid}_session_snapshot.json").read_bytes() for sid in quiet}
        log = tmp_path / f"writer{attempt}.json"
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(recovery), ",".join(revived), "3", str(log)])
        rng = random.Random(attempt)
        try:
            while writer.poll() is None:
                rounds += 1
                result = scan(str(recovery))
                plan = purging.plan_purge(str(recovery), 30 * DAY, trash_retention_ms=30 * DAY)
                time.sleep(rng.random() * 0.003)  # the writer may rewrite what was just judged old
                kept += len(purging.purge(plan).kept)
                chosen = [s for s in result.sessions if s.session_id in quiet][: rng.randint(1, 2)]
                if chosen:
                    store.undo_batch(str(recovery), store.discard(str(recovery), chosen)[0])
        finally:
            writer.wait(timeout=30)
        last = json.loads(log.read_text())
        assert last, "the writer saved nothing"
        for sid, ts in last.items():  # every save the writer made after a purge judged it old survived
            doc = reader.parse((recovery / f"{sid}_session_snapshot.json").read_bytes())
            assert doc["snapshot_timestamp_ms"] == ts, sid
        for sid, data in quiet_bytes.items():  # discarded and restored, byte for byte
            assert (recovery / f"{sid}_session_snapshot.json").read_bytes() == data
        trash = recovery / TRASH_DIR
        for path in (p for p in trash.rglob("*") if p.is_file()) if trash.exists() else ():
            doc = reader.parse(path.read_bytes())  # kept aside: never a session's last save
            assert doc["snapshot_timestamp_ms"] < last.get(doc["session_id"], 2**63)
        if kept:
            break
    assert kept > 0, f"the race never happened in {rounds} rounds: the test proves nothing"


def test_killing_snaptui_never_breaks_the_next_start(tmp_path):
    d = tmp_path / "recovery"
    d.mkdir()
    for i in range(600):
        write(d, f"s{i:04d}", ts=1_700_000_000_000 + i, tools=(("bash", True, "x" * 300),) * 5)
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"))
    cmd = [*snaptui_command(), "list", "--json", "--dir", str(d)]
    expected = json.loads(subprocess.run(cmd, env=dict(env, XDG_CACHE_HOME=str(tmp_path / "other")),
                                         capture_output=True, check=True).stdout)
    rng = random.Random(3)
    for _ in range(12):
        for cache_file in (tmp_path / "cache").rglob("*"):  # start cold, so caches are being written
            if cache_file.is_file() and rng.random() < 0.7:
                cache_file.unlink()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.02, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        run = subprocess.run(cmd, env=env, capture_output=True, timeout=60)
        assert run.returncode == 0
        assert json.loads(run.stdout) == expected
    # Every snapshot is still whole; any temp file left is one of snaptui's and is ignored.
    for path in d.glob("*.json"):
        reader.parse(path.read_bytes())
    assert len(list(d.glob("*.json"))) == 600
