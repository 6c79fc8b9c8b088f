"""Regenerate tests/data/reference_verdicts.json with the reference reader.

Usage: SEEDSNAP=path/to/seedsnap python tests/tools/reference_verdicts.py

Writes every case of tests/cases.py into a temporary recovery directory and asks
the reference ``load()`` (``seedsnap load DIR ID``) whether it accepts it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cases import cases  # noqa: E402


def main() -> int:
    seedsnap = os.environ.get("SEEDSNAP")
    if not seedsnap:
        print("set SEEDSNAP to the seedsnap binary", file=sys.stderr)
        return 2
    verdicts = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in cases().items():
            Path(tmp, f"{name}_session_snapshot.json").write_bytes(data)
            result = subprocess.run([seedsnap, "load", tmp, name], capture_output=True)
            verdicts[name] = result.returncode == 0
    out = Path(__file__).resolve().parents[1] / "data" / "reference_verdicts.json"
    out.write_text(json.dumps(verdicts, indent=1, sort_keys=True) + "\n")
    print(f"{sum(verdicts.values())} accepted, {len(verdicts) - sum(verdicts.values())} rejected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
