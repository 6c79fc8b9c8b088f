"""Cursor-key latency in a real terminal: snaptui against the smallest Textual app.

    python benchmarks/keylat.py DIR [--keys 200] [--size 140x40] [--gap 0.12]

Both run side by side in one private tmux server, in panes of the same size.
Each round sends ``down`` (then ``up``: the cursor always moves) to one of
them, then polls ``capture-pane -e`` (colours included: a moved cursor may
change no character) until the pane differs, and records the time; then the
other app gets its key. Between keys it waits ``--gap`` seconds, about a fast
typist's pace, so work an app defers after a key (snaptui's detail pane) does
land between keys as it would for a person. Which app goes first alternates.

Prints one line of JSON: both apps' median and slowest-tenth (90th
percentile) latencies, and the ratios snaptui / minimal.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


class Tmux:
    def __init__(self, socket: str, env: dict[str, str]) -> None:
        self.socket = socket
        self.env = env

    def __call__(self, *args: str) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, *args], env=self.env, capture_output=True, text=True)
        return out.stdout

    def capture(self, target: str, colours: bool = True) -> str:
        return self("capture-pane", "-p", *(["-e"] if colours else []), "-t", target)


def snaptui_cmd(python: str) -> list[str]:
    script = Path(python).with_name("snaptui")
    return [str(script)] if script.exists() else [python, "-m", "snaptui"]


def wait_for(tmux: Tmux, target: str, ready, timeout: float = 120.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        screen = tmux("capture-pane", "-p", "-t", target)
        if ready(screen):
            return screen
        time.sleep(0.05)
    raise TimeoutError(f"{target} never got ready:\n{screen}")


def press(tmux: Tmux, target: str, key: str, colours: bool, timeout: float = 5.0) -> float:
    """Seconds from sending ``key`` until the pane shows a change (in its text alone
    unless ``colours``)."""
    before = tmux.capture(target, colours)
    start = time.perf_counter()
    tmux("send-keys", "-t", target, key)
    while time.perf_counter() - start < timeout:
        if tmux.capture(target, colours) != before:
            return time.perf_counter() - start
    return timeout


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def measure(directory: str, *, keys: int, size: str, gap: float, colours: bool = False,
            python: str = sys.executable) -> dict:
    cols, rows = size.split("x")
    home = tempfile.mkdtemp(prefix="snaptui-keylat-")
    env = dict(os.environ, HOME=home, XDG_CACHE_HOME=f"{home}/cache", XDG_STATE_HOME=f"{home}/state",
               XDG_CONFIG_HOME=f"{home}/config", TERM="xterm-256color")
    for var in ("SNAPTUI_CONFIG", "SNAPTUI_RECOVERY_DIR", "PYTHONDONTWRITEBYTECODE", "TMUX"):
        env.pop(var, None)
    tmux = Tmux(f"snaptui-keylat-{os.getpid()}", env)
    snap = shlex.join([*snaptui_cmd(python), "--dir", directory])
    minimal = shlex.join([python, str(HERE / "minimal_app.py")])
    try:
        tmux("-f", "/dev/null", "new-session", "-d", "-s", "bench", "-x", cols, "-y", rows, "-n", "snaptui", snap)
        tmux("new-window", "-d", "-t", "bench", "-n", "minimal", minimal)
        tmux("set-option", "-g", "-t", "bench", "window-size", "manual")
        for win in ("snaptui", "minimal"):
            tmux("resize-window", "-t", f"bench:{win}", "-x", cols, "-y", rows)
        wait_for(tmux, "bench:minimal", lambda s: "ready" in s)
        wait_for(tmux, "bench:snaptui", lambda s: " interrupted" in s and "scanning" not in s)
        time.sleep(1.0)  # the detail pane and the first repaint settle
        times: dict[str, list[float]] = {"snaptui": [], "minimal": []}
        for i in range(keys):
            key = "Down" if i % 2 == 0 else "Up"
            order = ("snaptui", "minimal") if i % 2 == 0 else ("minimal", "snaptui")
            for app in order:
                times[app].append(press(tmux, f"bench:{app}", key, colours))
                time.sleep(gap)
    finally:
        tmux("kill-server")
    s, m = times["snaptui"], times["minimal"]
    ratios = [a / b for a, b in zip(s, m, strict=True)]
    return {
        "snaptui_median_s": statistics.median(s), "minimal_median_s": statistics.median(m),
        "snaptui_p90_s": p90(s), "minimal_p90_s": p90(m),
        "median_ratio": statistics.median(s) / statistics.median(m), "p90_ratio": p90(s) / p90(m),
        "pair_ratio_median": statistics.median(ratios), "keys": keys, "size": size,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--size", default="140x40")
    parser.add_argument("--gap", type=float, default=0.12)
    parser.add_argument("--colours", action="store_true", help="count a change of colour alone (the cursor bar)")
    args = parser.parse_args()
    print(json.dumps(measure(args.directory, keys=args.keys, size=args.size, gap=args.gap, colours=args.colours)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
