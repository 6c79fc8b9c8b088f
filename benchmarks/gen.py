"""Realistic recovery directories for the benchmarks: 10 to 100,000 snapshots.

Uses the reference writer (``seedsnap gen``, found through ``$SEEDSNAP`` or
PATH) when available, so the files are byte for byte what opendev writes;
otherwise snaptui's own writer with the same shape of content (previews of
up to 200 characters, ~10% failed tool calls, every 4th session completed,
snapshot times spread over 30 days). File mtimes are set to the snapshot
times, as a crash leaves them. Directories are cached under benchmarks/out/.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
NOW_MS = 1_795_500_000_000


def seedsnap() -> str | None:
    path = os.environ.get("SEEDSNAP") or shutil.which("seedsnap")
    return path if path and os.access(path, os.X_OK) else None


def directory(n: int) -> Path:
    """The recovery directory of ``n`` snapshots (generated on first use)."""
    target = OUT / f"recovery-{n}"
    done = target / ".complete"
    if done.exists():
        return target
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    tool = seedsnap()
    if tool:
        subprocess.run([tool, "gen", str(target), str(n), "--seed", "42", "--now", str(NOW_MS)],
                       check=True, capture_output=True)
    else:
        _generate(target, n)
    _age_like_crashes(target)
    done.write_text("ok\n")
    return target


def _age_like_crashes(target: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from snaptui.format import reader

    for path in target.glob("*.json"):
        ts = reader.parse(path.read_bytes())["snapshot_timestamp_ms"]
        os.utime(path, ns=(ts * 1_000_000, ts * 1_000_000))


def _generate(target: Path, n: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from snaptui.format import writer

    rng = random.Random(42)
    tools = ["bash", "bash", "read_file", "edit_file", "grep", "write_file", "web_fetch", "run_tests"]
    lines = ["running 42 tests", "test api::roundtrip ... ok", "error[E0308]: mismatched types",
             "  --> src/main.rs:12:5", "Applied 1 edit(s) to src/app.py", "total 48", "    let x = 1;"]
    for i in range(n):
        sid = (f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}"
               f"-a{rng.getrandbits(12):03x}-{rng.getrandbits(48):012x}")
        results = []
        for _ in range(rng.randint(0, 10)):
            text = "\n".join(rng.choice(lines) for _ in range(rng.randint(1, 8)))[:200]
            results.append({"tool_name": rng.choice(tools), "call_id": f"toolu_01{rng.getrandbits(64):016x}",
                             "output_preview": text, "success": rng.random() > 0.1})
        writer.save(str(target), {
            "session_id": sid, "message_count": rng.randint(1, 400), "last_tool_results": results,
            "snapshot_timestamp_ms": NOW_MS - rng.randint(0, 30 * 86_400_000), "completed": i % 4 == 3,
            "project_dir": f"/home/user/src/{rng.choice(['webapp', 'api', 'infra', 'blog', 'ml'])}",
            "cost_usd": rng.randint(0, 2500) / 100,
        })


if __name__ == "__main__":
    for size in map(int, sys.argv[1:] or ["10", "1000", "10000"]):
        print(directory(size))
