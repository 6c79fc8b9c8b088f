"""Is a session perhaps still running? Its snapshot is recent, or its agent is alive.

An incomplete snapshot is either a crash or a session still running in another
terminal. On Linux, ``/proc`` tells which directories the agent processes work
in; a recent snapshot with no agent working in its project directory is a crash
right away, and an old one with an agent there may just be idle. Where
processes cannot be seen, a snapshot written within the threshold counts as
maybe running. Either way snaptui asks before acting on such a session.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from snaptui.sources.records import Session


def agent_dirs(program: str) -> set[str] | None:
    """Working directories of running ``program`` processes; None if unknown.

    A process is an agent when its name, or the base name of one of its first
    three arguments (``node /usr/lib/opendev``), is the program's.
    """
    if not os.path.isdir("/proc/self"):
        return None
    name = os.path.basename(program)
    dirs: set[str] = set()
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read(4096).split(b"\0")[:3]
            with open(f"/proc/{pid}/comm", "rb") as f:
                comm = f.read().rstrip(b"\n")
        except OSError:
            continue
        names = {os.path.basename(a.decode("utf-8", "replace")) for a in args} | {comm.decode("utf-8", "replace")}
        if name not in names and name[:15] not in names:
            continue
        try:
            dirs.add(os.readlink(f"/proc/{pid}/cwd"))
        except OSError:
            return None  # an agent we cannot inspect: do not guess
    return dirs


class Live(NamedTuple):
    """Why a session may still be running."""

    agent: bool
    """An agent process works in its project directory (else: its file was written recently)."""
    written_ms: int
    """When its file was last written."""


class Liveness:
    """Decides, with one look at /proc, whether incomplete sessions may be running."""

    def __init__(self, program: str, threshold_ms: int, now_ms: int) -> None:
        self.threshold_ms = threshold_ms
        self.now_ms = now_ms
        self.agents = agent_dirs(program)
        self._real: dict[str, str | None] = {}

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], now_ms: int) -> Liveness:
        """From the config: the agent is the resume command's program."""
        from snaptui.base.durations import parse_duration

        threshold = parse_duration(settings["running_threshold"]) * 1000
        return cls(agent_program(settings["resume_command"]), threshold, now_ms)

    def _recent(self, session: Session) -> bool:
        return self.now_ms - session.last_write_ms < self.threshold_ms

    def _agent_there(self, session: Session) -> bool:
        if not self.agents or not session.project_dir or "\0" in session.project_dir:
            return False
        real = self._real.get(session.project_dir, "")
        if real == "":  # many sessions share a project: resolve each directory once
            try:
                real = os.path.realpath(session.project_dir)
            except (OSError, ValueError):
                real = None
            self._real[session.project_dir] = real
        return real is not None and real in self.agents

    def maybe_running(self, session: Session) -> bool:
        """Mark it and ask before acting: written recently, or an agent works there."""
        return self.reason(session) is not None

    def reason(self, session: Session) -> Live | None:
        """Why ``session`` may still be running (None: it is not)."""
        if session.completed:
            return None
        if self._agent_there(session):
            return Live(True, session.last_write_ms)
        if self._recent(session):
            return Live(False, session.last_write_ms)
        return None

    def crashed(self, session: Session) -> bool:
        """Worth opening snaptui for: no agent works there, and either we can see
        the agents or the snapshot is older than the threshold."""
        if session.completed or self._agent_there(session):
            return False
        return self.agents is not None or not self._recent(session)

    def settles_ms(self, session: Session) -> int | None:
        """When a recent session stops being "recent" (the check's answer may change)."""
        if session.completed or not self._recent(session):
            return None
        return session.last_write_ms + self.threshold_ms

    def running(self, sessions: Iterable[Session], halves: Mapping[str, list[Session]] | None = None
                ) -> dict[str, Live]:
        """``{key: reason}`` of the sessions that may still be running; a row that ``halves``
        joins to sessions of opendev's store (``Catalog.absorbed``) may be running when one of
        them may (they are what resuming or discarding it acts on too)."""
        out = {}
        for s in sessions:
            why = self.reason(s)
            for half in (halves or {}).get(s.key, ()):
                why = why or self.reason(half)
            if why is not None:
                out[s.key] = why
        return out


def agent_program(template: str) -> str:
    """The program the resume command runs (its processes are the agents)."""
    first = template.split(None, 1)[0] if template.strip() else "opendev"
    return first.strip("'\"")
