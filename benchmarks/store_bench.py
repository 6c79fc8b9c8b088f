"""Does reading opendev's session store cost the same when its logs are huge?

Two stores of 1,000 sessions each are generated under ``benchmarks/out/``
(once; ``--regen`` rebuilds them) by tests/opendev_fixtures.py, which writes
what opendev 0.1.8 writes:

- **small**: every ``.debug`` log a few tens of KiB;
- **large**: the same sessions with the same last turns and the same
  transcripts, but every log grown by older history (~3 MB each) and 10 of
  them to several hundred MB made of 30 MB lines (each request carries the
  whole conversation), several GB in all.

The huge sessions are the costliest kind: a turn that died after an earlier
model call of the same turn, so the reader has to cross one 30 MB line to
find when the turn began.

Then ``discover`` + ``read_session`` + ``to_records`` over each store are
timed in this process (page cache warm; runs alternate between the stores;
median), with the bytes read (``os.preadv``) and the peak of traced memory.
Target: large within 2x of small.

Transcripts are kept equal on purpose: they are rewritten whole at every
turn end and bounded by one conversation, while logs grow with every model
call. What a big transcript costs (its lines are counted, so it is read
once) is measured apart: one 30 MB transcript.

    python benchmarks/store_bench.py [--runs 7] [--regen]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import _paths  # noqa: F401 - first: puts this checkout and tests/ on sys.path

import opendev_fixtures as fx
from snaptui.sources import opendev

OUT = Path(__file__).resolve().parent / "out"
SESSIONS = 1000
HUGE_EVERY = 100  # sessions 7, 107, 207, …: 10 huge logs
HUGE_LINE = 30 * 1024 * 1024
HUGE_OLD_LINES = 8
PLAIN_HISTORY = 256 * 1024
PLAIN_OLD_LINES = 10
KINDS = ("finished", "died", "finished", "waiting", "died", "error", "finished", "died", "first", "child")


def old_lines(path: Path, size: int, count: int, before_ns: int) -> None:
    """``count`` entries of earlier, saved turns, each request carrying ``size`` bytes of conversation."""
    history = b"h" * size
    with path.open("ab") as f:
        for n in range(count):
            stamp = fx.ts(before_ns - (count - n) * 60_000_000_000).encode()
            f.write(b'{"component":"react","data":{"iteration":1,"model":"gpt-4.1","payload":{"messages":'
                    b'[{"content":"You are opendev.","role":"system"},{"content":"')
            f.write(history)
            f.write(b'","role":"user"}],"model":"gpt-4.1","tool_choice":"auto","tools":[]},"streaming":true},'
                    b'"elapsed_ms":' + str(n).encode() + b',"event":"llm_request","ts":"' + stamp + b'"}\n')
            f.write(b'{"component":"react","data":{"body":{"choices":[{"finish_reason":"stop","index":0,'
                    b'"message":{"content":"ok","role":"assistant"}}]},"input_tokens":9,"iteration":1,'
                    b'"latency_ms":5,"output_tokens":1},"elapsed_ms":' + str(n).encode()
                    + b',"event":"llm_response","ts":"' + stamp + b'"}\n')


def play(root: Path, i: int, history: int, old: int) -> None:
    """Session ``i``: the same last turns in both stores; ``history`` bytes of earlier conversation."""
    kind = "died" if history == HUGE_LINE else KINDS[i % len(KINDS)]
    project = f"/home/user/src/p{i % 40}"
    start = fx.T0_NS + i * 3_600_000_000_000
    if kind == "child":
        fx.subagent_child(root, project, sid=f"5d0c2f9e-8b1a-4c3e-9f7d-{i:012x}")
        return
    s = fx.new_session(root, project, sid=f"{i:012x}", now_ns=start)
    read = fx.Call("Read", {"file_path": f"src/m{i}.rs"}, result="1\tuse std::fs;\n" * 100)
    if history:
        old_lines(s.debug_path, history, old, start)
        blob = "h" * history
        s.conversation += [{"content": blob, "role": "user"}, {"content": "ok", "role": "assistant"}]
    if kind == "first":
        s.turn("Write a README", [[read], [fx.EDIT]], end="crash")
        return
    s.turn("Fix the loader", [[read], [fx.EDIT]], reply="Fixed.")
    if kind == "finished":
        s.turn("Run the tests", [[fx.BASH]], reply="All pass.")
    elif kind == "died":
        s.turn("Handle whitespace too", [[read], [fx.EDIT, fx.BASH]], end="crash")
    elif kind == "waiting":
        s.turn("Handle whitespace too", [[read], [fx.EDIT]], end="crash_waiting")
    else:
        s.turn("Add a test", [[fx.EDIT]], end="error")


def store(name: str, regen: bool) -> Path:
    root = OUT / f"opendev-store-{name}"
    done = root / ".complete"
    if done.exists() and not regen:
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    started = time.monotonic()
    for i in range(SESSIONS):
        if name == "small":
            play(root, i, 0, 0)
        elif i % HUGE_EVERY == 7:
            play(root, i, HUGE_LINE, HUGE_OLD_LINES)
        else:
            play(root, i, PLAIN_HISTORY, PLAIN_OLD_LINES)
    done.write_text("ok\n")
    print(f"generated {root} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return root


def read_all(root: Path) -> tuple[int, int]:
    """One scan as the catalog will run it: (sessions read, interrupted ones)."""
    found = opendev.discover([str(root)])
    interrupted = 0
    for s in found.sessions:
        record = opendev.to_records(s, opendev.read_session(s))
        interrupted += not getattr(record, "completed", True)
    return len(found.sessions), interrupted


def timed(root: Path) -> float:
    started = time.perf_counter()
    read_all(root)
    return time.perf_counter() - started


def bytes_read(root: Path) -> int:
    total = 0
    real = os.preadv

    def preadv(fd: int, buffers: Any, at: int, flags: int = 0) -> int:
        nonlocal total
        got = real(fd, buffers, at, flags)
        total += got
        return got

    os.preadv = preadv
    try:
        read_all(root)
    finally:
        os.preadv = real
    return total


def slowest(root: Path) -> tuple[float, str]:
    """The costliest session: (seconds, id)."""
    worst = (0.0, "")
    for s in opendev.discover([str(root)]).sessions:
        started = time.perf_counter()
        opendev.to_records(s, opendev.read_session(s))
        worst = max(worst, (time.perf_counter() - started, s.session_id))
    return worst


def big_transcript() -> float:
    """Seconds to read one session whose transcript holds a 30 MB message (median of 5)."""
    root = OUT / "opendev-store-transcript"
    if not (root / ".complete").exists():
        shutil.rmtree(root, ignore_errors=True)
        s = fx.new_session(root, "/home/user/src/big")
        s.saved += [s._message("user", "h" * HUGE_LINE, s.now_ns), s._message("assistant", "ok", s.now_ns)]
        s.turn("Fix the loader", [[fx.READ], [fx.EDIT]], reply="Fixed.")
        (root / ".complete").write_text("ok\n")
    (session,) = opendev.discover([str(root)]).sessions
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        opendev.read_session(session)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def peak_memory(root: Path) -> int:
    tracemalloc.start()
    try:
        read_all(root)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def sizes(root: Path) -> tuple[int, int, int]:
    """Bytes in .debug logs, in transcripts, and the largest log."""
    logs = [p.stat().st_size for p in root.glob("projects/*/*.debug")]
    transcripts = sum(p.stat().st_size for p in root.glob("projects/*/*.jsonl"))
    return sum(logs), transcripts, max(logs)


def whole(roots: dict[str, Path], runs: int) -> None:
    """The issue's targets, as whole processes a person runs (paired, medians):
    cold ``list --json`` of the large store against the small one; ``check``
    with nothing new (1,000 store sessions beside 100 snapshots) against a
    bare interpreter; the TUI's first rows with the small store against none."""
    import subprocess
    import tempfile

    import gen
    import run as harness

    home = tempfile.mkdtemp(prefix="snaptui-store-bench-")
    env = dict(os.environ, HOME=home, XDG_CACHE_HOME=f"{home}/cache", XDG_STATE_HOME=f"{home}/state",
               XDG_CONFIG_HOME=f"{home}/config")
    for var in ("SNAPTUI_CONFIG", "SNAPTUI_RECOVERY_DIR", "OPENDEV_DIR", "PYTHONDONTWRITEBYTECODE"):
        env.pop(var, None)
    cmd = harness.snaptui_cmd()
    empty = Path(home) / "no-recovery"
    cache = Path(home) / "cache"

    def cold(root: Path) -> list[str]:
        inner = " ".join([*cmd, "list", "--json", "--dir", str(empty), "--store", str(root)])
        return ["sh", "-c", f"rm -rf {cache}; exec {inner} >/dev/null"]

    listing = harness.paired(cold(roots["large"]), cold(roots["small"]), env, runs)
    print(f"cold list --json, 1,000 store sessions: large logs {listing['a'] * 1000:.0f} ms, "
          f"small logs {listing['b'] * 1000:.0f} ms: {listing['ratio']:.2f}x (target 2x) "
          f"-> {'met' if listing['ratio'] <= 2 else 'NOT met'}")
    snapshots = gen.directory(100)
    check = [*cmd, "check", "--quiet", "--dir", str(snapshots), "--store", str(roots["small"])]
    for _ in range(20):  # until its caches are complete (a deadline bounds each run)
        subprocess.run(check, env=env, capture_output=True)
    time.sleep(2.1)
    subprocess.run(check, env=env, capture_output=True)
    c = harness.paired(check, [sys.executable, "-c", "pass"], env, max(runs, 9))
    extra = (c["a"] - c["b"]) * 1000
    print(f"check, nothing new, 100 snapshots + 1,000 store sessions: {c['a'] * 1000:.1f} ms vs bare "
          f"{c['b'] * 1000:.1f} ms: +{extra:.1f} ms (target +15 ms) -> {'met' if extra <= 15 else 'NOT met'}")
    tui = [harness.tui(snapshots, env, max(3, runs // 2), store=str(root)) for root in (roots["small"],)]
    none = harness.tui(snapshots, env, max(3, runs // 2), store="off")
    ratio = tui[0]["first"] / none["first"]
    print(f"TUI first rows, 100 snapshots + 1,000 store sessions: {tui[0]['first'] * 1000:.0f} ms vs no store "
          f"{none['first'] * 1000:.0f} ms: {ratio:.2f}x (target 1.5x) -> {'met' if ratio <= 1.5 else 'NOT met'}")
    shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--regen", action="store_true")
    parser.add_argument("--whole", action="store_true", help="also time whole commands against the targets")
    args = parser.parse_args()
    roots = {name: store(name, args.regen) for name in ("small", "large")}
    if args.whole:
        whole(roots, args.runs)
    times: dict[str, list[float]] = {name: [] for name in roots}
    for root in roots.values():
        timed(root)  # warm the page cache
    for _ in range(args.runs):
        for name, root in roots.items():
            times[name].append(timed(root))
    mib = 1024 * 1024
    print(f"{'store':6} {'sessions':>8} {'interr.':>7} {'logs':>10} {'transcripts':>11} {'largest log':>11} "
          f"{'median':>8} {'min':>8} {'read':>10} {'peak mem':>9}")
    for name, root in roots.items():
        count, interrupted = read_all(root)
        logs, transcripts, largest = sizes(root)
        print(f"{name:6} {count:8} {interrupted:7} {logs / mib:8.0f} MiB {transcripts / mib:7.0f} MiB "
              f"{largest / mib:7.0f} MiB {statistics.median(times[name]) * 1000:6.0f} ms "
              f"{min(times[name]) * 1000:6.0f} ms {bytes_read(root) / mib:6.0f} MiB {peak_memory(root) / mib:5.1f} MiB")
    worst, which = slowest(roots["large"])
    print(f"\nslowest session of the large store: {worst * 1000:.1f} ms ({which})")
    print(f"one session with a 30 MB transcript: {big_transcript() * 1000:.1f} ms")
    ratio = statistics.median(times["large"]) / statistics.median(times["small"])
    print(f"large / small: {ratio:.2f}x (target: within 2x) -> {'met' if ratio <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
