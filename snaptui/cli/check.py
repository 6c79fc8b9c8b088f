"""``snaptui check``: is there a crash the person has not seen? Run at every shell start.

It must cost almost nothing when there is nothing new, so it imports neither
argparse, Textual, pydantic, json nor platformdirs (see :mod:`snaptui.paths`).
When neither the recovery directory nor the seen-memory changed since the
last answer, that answer is reused (a ``stat`` of each, one small file read);
otherwise the directory is scanned with the index, within a deadline.
Exit status: 0 there are new crashes, 1 there are none, 2 error.
"""

from __future__ import annotations

import os
import sys
import time

USAGE = "usage: snaptui check [--dir DIR] [--quiet]"
MEMO_MAGIC = b"SNAPCHK1"
DEADLINE_S = 0.8
"""A cold scan of a huge directory stops reading here and continues next time."""


class Verdict:
    __slots__ = ("count", "since_ms", "cost")

    def __init__(self, count: int, since_ms: int, cost: float) -> None:
        self.count = count
        self.since_ms = since_ms
        self.cost = cost

    def line(self, now_ms: int) -> str:
        from snaptui.present import humanfmt

        noun = "session" if self.count == 1 else "sessions"
        when = humanfmt.clock_time(self.since_ms, now_ms)
        prep = "at" if self.count == 1 else "since"
        return (f"{self.count} interrupted opendev {noun} {prep} {when} "
                f"({humanfmt.cost(self.cost)}) — run snaptui")


def main(argv: list[str]) -> int:
    cli_dir = None
    quiet = startup = False
    args = iter(argv)
    for arg in args:
        if arg in ("-q", "--quiet"):
            quiet = True
        elif arg == "--startup":
            startup = True
        elif arg == "--dir":
            cli_dir = next(args, None)
            if cli_dir is None:
                return _usage("--dir needs a directory")
        elif arg.startswith("--dir="):
            cli_dir = arg[len("--dir="):]
        elif arg in ("-h", "--help"):
            return _help()
        else:
            return _usage(f"unrecognized argument: {arg}")
    if startup and os.environ.get("SNAPTUI_DISABLE") == "1":
        return 1
    from snaptui.settings import config
    from snaptui.settings import paths

    now = time.time_ns() // 1_000_000
    try:
        dirs = paths.user_dirs_fast()
        settings = config.load_fast(paths.config_file(dirs), dirs.cache)
        directory, _ = paths.recovery_dir(cli_dir, settings["recovery_dir"])
        if startup and settings["startup"] == "off":
            return 1
        verdict = evaluate(directory, dirs=dirs, settings=settings, now_ms=now)
    except Exception as exc:  # noqa: BLE001 - one line, exit 2, never a traceback at shell start
        from snaptui.present.safetext import one_line

        print(f"snaptui: {one_line(str(exc) or type(exc).__name__)}", file=sys.stderr)
        return 2
    if not verdict.count:
        return 1
    if startup:
        if settings["startup"] == "notify":
            print(verdict.line(now))
            return 1  # told, nothing to open
        return 0
    if not quiet:
        print(verdict.line(now))
    return 0


def _usage(message: str) -> int:
    print(f"snaptui: {message} ({USAGE})", file=sys.stderr)
    return 2


def _help() -> int:
    from snaptui.cli.main import _parser

    try:
        _parser().parse_args(["check", "--help"])
    except SystemExit:
        pass
    return 0


def _stamp(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def evaluate(directory: str, *, dirs, settings: dict, now_ms: int) -> Verdict:
    """The new crashes in ``directory`` (reusing the last answer when nothing moved)."""
    from snaptui.base import datafile
    from snaptui.catalog import seen
    from snaptui.base.durations import parse_duration

    owner = os.path.realpath(directory)
    memo_path = os.path.join(dirs.cache, "check", datafile.key_for(directory) + ".marshal")
    seen_file = seen.seen_path(dirs.state, directory)
    dir_stamp = _stamp(directory)
    stamp = (dir_stamp, _stamp(seen_file), settings["running_threshold"], settings["resume_command"])
    memo, _ = datafile.read(memo_path, MEMO_MAGIC, owner)
    if type(memo) is tuple and len(memo) == 3 and memo[0] == stamp and now_ms < memo[1]:
        return Verdict(*memo[2])

    from snaptui.catalog.liveness import Liveness, agent_program
    from snaptui.catalog.scan import scan

    result = scan(directory, cache_dir=dirs.cache, deadline_ns=time.monotonic_ns() + int(DEADLINE_S * 1e9))
    if result.error and not result.missing:
        raise OSError(f"recovery directory {directory} {result.error}")
    candidates = seen.unseen(result.incomplete, seen.load(dirs.state, directory))
    valid_until = 2**62
    crashes = []
    if candidates:
        threshold = parse_duration(settings["running_threshold"]) * 1000
        live = Liveness(agent_program(settings["resume_command"]), threshold, now_ms)
        for s in candidates:
            if live.crashed(s):
                crashes.append(s)
            elif live.agents:
                valid_until = 0  # an agent may exit without the directory changing
            else:
                settles = live.settles_ms(s)
                if settles is not None:
                    valid_until = min(valid_until, settles)
    if result.partial or dir_stamp is None or now_ms * 1_000_000 - dir_stamp[3] < 2_000_000_000:
        valid_until = 0  # unfinished, or changed too recently for its mtime to prove anything
    verdict = Verdict(
        len(crashes),
        min((s.timestamp_ms for s in crashes), default=0),
        sum(float(s.cost_usd) for s in crashes),
    )
    if valid_until:
        datafile.write(memo_path, MEMO_MAGIC, owner, (stamp, valid_until, (verdict.count, verdict.since_ms, verdict.cost)),
                       durable=False)
    return verdict
