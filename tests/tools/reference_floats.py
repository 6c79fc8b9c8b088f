"""Regenerate tests/data/reference_floats.json: how the reference writer prints f64.

Usage: SEEDSNAP=path/to/seedsnap python tests/tools/reference_floats.py
Saves one snapshot per float through the reference ``save()`` and records the
``cost_usd`` text it wrote.
"""

from __future__ import annotations

import json
import os
import random
import struct
import subprocess
import sys
import tempfile
from pathlib import Path


def floats() -> list[float]:
    rng = random.Random(20261124)
    out = [0.0, -0.0, 0.1, 0.15, 1.0, 22.0, 1e15, 1e16, 1e17, 1e-5, 1e-4, 1e-6, 1e-7,
           123456789012345680.0, 9999999999999998.0, 5e-324, 1.7976931348623157e308,
           2.2250738585072014e-308, 0.30000000000000004, 1234.5678, 100.0, 1e21, 1e22]
    for _ in range(300):  # random bit patterns: every exponent
        bits = rng.getrandbits(64)
        (x,) = struct.unpack("<d", bits.to_bytes(8, "little"))
        if x == x and abs(x) != float("inf"):
            out.append(x)
    for _ in range(300):  # realistic costs
        out.append(round(rng.uniform(0, 2000), rng.randint(0, 6)))
    for e in range(-12, 24):  # every notation boundary
        out.append(rng.uniform(1, 10) * 10.0**e)
        out.append(10.0**e)
    return out


def main() -> int:
    seedsnap = os.environ["SEEDSNAP"]
    pairs = []
    with tempfile.TemporaryDirectory() as tmp:
        for x in floats():
            doc = {"session_id": "f", "message_count": 0, "last_tool_results": [],
                   "snapshot_timestamp_ms": 0, "completed": False, "project_dir": "/",
                   "cost_usd": x}
            subprocess.run([seedsnap, "save", tmp], input=json.dumps(doc).encode(),
                           check=True, capture_output=True)
            text = Path(tmp, "f_session_snapshot.json").read_text()
            written = text.split('"cost_usd": ', 1)[1].split("\n", 1)[0]
            pairs.append([x.hex(), written])
    out = Path(__file__).resolve().parents[1] / "data" / "reference_floats.json"
    out.write_text(json.dumps(pairs, indent=0) + "\n")
    print(len(pairs), "floats")
    return 0


if __name__ == "__main__":
    sys.exit(main())
