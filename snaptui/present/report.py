"""A crash report in Markdown, for a person to paste into an issue.

One section per session: what it was, where and when it stopped, what it
cost, how to resume it, what the crash lost (the prompt of the lost turn,
the tools the model had asked for, the error) and every kept tool result
with its output, verbatim, in a code block of its own. :func:`build` is pure;
:func:`gather` reads the tool results again (file I/O). Everything from a
session goes through :mod:`snaptui.present.markdown`, so markup stays text
and no control character reaches the file.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from snaptui.present import humanfmt, lost
from snaptui.present.markdown import code, fence, text
from snaptui.present.safetext import strip_ansi
from snaptui.sources.records import LostTurn, Session


class Facts(NamedTuple):
    """What a session's section needs beyond its record."""

    results: list[dict[str, Any]] | None
    """Every kept tool result (None: the source keeps none, or they could not be read)."""
    problem: str | None
    """Why the tool results could not be read again."""
    resume_command: str
    """The resume command as a person would type it."""
    project_exists: bool
    live_reason: str | None = None
    """Why the session may still be running (None: it is not)."""
    purged_at_start: bool = False
    """opendev deletes this store session's folder the next time it starts
    (:func:`snaptui.actions.relocate.purged_at_start`)."""
    resume_refused: str | None = None
    """Why the resume command must not run (:attr:`snaptui.actions.resume.Plan.refused`)."""


def gather(session: Session, *, template: str, live_reason: str | None = None, resumed: Session | None = None
           ) -> Facts:
    """Read what :func:`build` needs of ``session`` beyond its record. ``resumed``: what resuming
    its row resumes, when not ``session`` itself (a snapshot whose session opendev's store
    holds: the store's); its command is the one given."""
    from snaptui.actions.relocate import purged_at_start
    from snaptui.actions.resume import plan, usable_project_dir
    from snaptui.base.files import Unreadable
    from snaptui.format.reader import Damaged
    from snaptui.sources import details

    results = problem = None
    try:
        results = details.tool_results(session)
    except (OSError, Unreadable, Damaged) as exc:
        problem = str(exc) or type(exc).__name__
    resumed = resumed or session
    resume = plan(template, resumed)
    exists = usable_project_dir(session.project_dir)  # (the row's, as its Project line shows it)
    return Facts(results, problem, resume.display(), exists, live_reason, purged_at_start(resumed), resume.refused)


def build(sessions: list[tuple[Session, Facts]], *, now_ms: int, version: str = "") -> str:
    """The whole report: a line saying when it was written, then a section per session."""
    written = iso_time(now_ms)
    by = f"snaptui {version}".rstrip()
    count = f"{len(sessions)} sessions" if len(sessions) != 1 else "1 session"
    out = [f"_Crash report of {count} of the opendev coding agent, written by {by} on {written}._\n"]
    for session, facts in sessions:
        out.append(section(session, facts, now_ms=now_ms))
    return "\n".join(out)


def iso_time(timestamp_ms: int) -> str:
    """``2026-11-24T09:14:03+01:00`` (local time)."""
    when = humanfmt.local_time(timestamp_ms)
    if when is None:
        return f"{timestamp_ms} ms since 1970 (beyond year 9999)"
    return when.isoformat(timespec="seconds")


def section(s: Session, facts: Facts, *, now_ms: int) -> str:
    """One session's section, starting with its ``##`` heading."""
    heading = text(s.title, 200) if s.title else code(s.session_id, 200) if s.session_id else "(empty id)"
    out = [f"## {heading}", ""]
    state = "completed cleanly" if s.completed else "interrupted"
    out.append(f"- **Session:** {code(s.session_id) if s.session_id else '(empty id)'} ({state})")
    if facts.live_reason:
        out.append(f"- **May still be running:** {text(facts.live_reason)}")
    where = "" if facts.project_exists else " (the directory is gone)" if os.path.isabs(s.project_dir) else \
        " (a relative path: where it is, is not known)"
    if facts.purged_at_start:
        where = " (the directory is gone: opendev deletes this session's folder the next time it starts)"
    out.append(f"- **Project:** {code(humanfmt.home_short(s.project_dir))}{where}")
    label = "Snapshot" if s.source == "snapshot" else "Stopped"
    out.append(f"- **{label}:** {iso_time(s.timestamp_ms)} ({humanfmt.ago(s.timestamp_ms, now_ms)})")
    if s.cost_usd is not None:
        out.append(f"- **Cost:** {humanfmt.cost(s.cost_usd)}")
    else:
        out.append("- **Cost:** not recorded (opendev's session store keeps no cost)")
    out.append(f"- **Messages:** {humanfmt.count(s.message_count)}")
    if s.source == "snapshot":
        out.append(f"- **Source:** crash-recovery snapshot {code(s.name)}")
    else:
        out.append(f"- **Source:** opendev's session store {code(s.name)}")
    if facts.resume_refused is not None:  # (a report is pasted: no command that must not run)
        out.append(f"- **Resume:** not offered: {text(facts.resume_refused)}")
    else:
        out.append(f"- **Resume:** {code(facts.resume_command)}")
    out.append("")
    if s.lost_turn is not None:
        out += lost_turn(s.lost_turn)
    out += tool_results(facts)
    return "\n".join(out)


def lost_turn(turn: LostTurn) -> list[str]:
    """What the crash lost: the prompt, the tools asked for, the error, the tokens."""
    out = ["### Lost turn", ""]
    if turn.stopped_by == "error":
        out += ["It stopped with an error before the turn was saved.", ""]
    else:
        out += ["The process died or was killed before the turn was saved.", ""]
    if turn.prompt is not None:
        out += ["The prompt:", "", fence(turn.prompt)]
    else:
        out += ["Its prompt is not in the log.", ""]
    if turn.pending_tools:
        out += ["The model had just asked for:", ""]
        out += [f"- {code(name)}" + (f" {code(argument)}" if argument else "") for name, argument in turn.pending_tools]
        out.append("")
    if turn.stopped_by == "error":
        out += ["The error:", "", fence(turn.error or "(no text)")]
    used = lost.tokens(turn)
    if used:
        out += [f"Tokens: {used}", ""]
    return out


def tool_results(facts: Facts) -> list[str]:
    """Every kept tool result, newest last, its output verbatim in its own code block (less
    the colour and cursor codes a program printed, as the UI shows it)."""
    if facts.problem is not None:
        return [f"_The tool results could not be read again: {text(facts.problem)}_", ""]
    results = facts.results
    if results is None:
        return []
    if not results:
        return ["### Kept tool results", "", "None kept.", ""]
    failed = sum(1 for t in results if not t["success"])
    out = [f"### Kept tool results: {humanfmt.count(len(results))}"
           + (f", {humanfmt.count(failed)} failed" if failed else "") + " (newest last)", ""]
    for t in results:
        mark = "✓" if t["success"] else "✗ failed:"
        out += [f"#### {mark} {code(t['tool_name'], 200)} · call {code(t['call_id'], 200)}", "",
                fence(strip_ansi(t["output_preview"]))]  # a program's colours dropped, as the UI does
    return out
