"""Everything about one listed item, as styled text that knows no UI toolkit.

The detail is a list of :data:`Span` — ``(text, role)`` — where the role
names what the text is (a label, a path, a failure), not how it looks; the
TUI maps roles to theme colours. Every string from a file has been through
:mod:`snaptui.present.safetext` before it lands in a span.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, NamedTuple

from snaptui.actions.resume import opendev_has_it
from snaptui.present import humanfmt, lost
from snaptui.present.changes import TurnChanges, detail_spans
from snaptui.present.safetext import multi_line, one_line, strip_ansi
from snaptui.sources.opendev_layout import MARKER
from snaptui.sources.records import DamagedFile, Leftover, Session

Span = tuple[str, str]
"""``(text, role)``; roles: ``""`` plain, ``strong``, ``label``, ``path``, ``muted``,
``ok``, ``bad``, ``bad-text``, ``warn``, ``command``, ``heading``, ``gutter``, ``bad-gutter``."""

MAX_RESULTS_SHOWN = 200
"""A hostile snapshot may keep 10,000 tool results: show the newest ones."""
MAX_PREVIEW_CHARS = 1_000_000
"""And a preview may be many megabytes: show its first million characters (expanded,
about 30,000 lines wrapped in 0.1 s; collapsed, only the lines shown are made)."""
HEAD_LINES = 3
TAIL_LINES = 2
"""A collapsed output shows its first and last lines (a test run's verdict is at its end)."""
COLLAPSED_LINE_CHARS = 400
"""And at most this much of each of them."""


class Facts(NamedTuple):
    """What the detail of a session needs beyond its record, looked up off the UI thread."""

    results: list[dict[str, Any]] | None
    """Every kept tool result, or None (none kept, or they could not be read again)."""
    problem: str | None
    """Why the tool results could not be read again."""
    project_exists: bool
    transcript: Any
    """A :class:`snaptui.sources.transcript.Transcript`, or None while unknown."""
    resume_command: str
    """The resume command as a person would type it."""
    changes: TurnChanges | None = None
    """What the lost turn did to the project's files (None: no source knows the turn)."""
    reads_from: str | None = None
    """The data root opendev reads now, when this store session lies in another one."""
    purged_at_start: bool = False
    """opendev deletes this store session's folder the next time it starts
    (:func:`snaptui.actions.relocate.purged_at_start`)."""
    resume_refused: str | None = None
    """Why the resume command must not run (:attr:`snaptui.actions.resume.Plan.refused`)."""


def _field(name: str, *value: Span) -> list[Span]:
    return [(f"{name:<11}", "label"), *value, ("\n", "")]


def session_spans(s: Session, facts: Facts | None, *, now_ms: int, expanded: bool = False,
                  live_reason: str | None = None) -> list[Span]:
    """Everything about ``s``; with ``facts`` None (not looked up yet), what its record holds.
    Long tool outputs are collapsed to a few lines unless ``expanded``; ``live_reason``: why
    it may still be running (worked out now: it changes with time, facts are kept a while)."""
    parts: list[Span] = []
    state = ("completed cleanly", "ok") if s.completed else ("interrupted", "warn")
    parts += _field("Session", (one_line(s.session_id) or "(empty id)", "strong"), ("  ", ""), state)
    if s.title:
        parts += _field("Title", (one_line(s.title, 200), "strong"))
    if facts is None:
        exists: Span = ("", "")
    else:
        exists = ("✓ exists", "ok") if facts.project_exists else \
            ("✗ missing", "bad") if os.path.isabs(s.project_dir) else ("✗ a relative path: where is not known", "bad")
    parts += _field("Project", (humanfmt.home_short(s.project_dir), "path"), ("  ", ""), exists)
    when = f"{humanfmt.absolute(s.timestamp_ms)} ({humanfmt.ago(s.timestamp_ms, now_ms)})"
    parts += _field("Snapshot" if s.source == "snapshot" else "Stopped at", (when, ""))
    if live_reason:
        parts += _field("", (f"● may still be running: {live_reason}", "warn"))
    cost = humanfmt.cost(s.cost_usd) if s.cost_usd is not None else "not recorded"
    parts += _field("Cost", (cost, "strong"), (f"   {humanfmt.plural(s.message_count, 'message')}", ""))
    link = "  (symlink)" if s.is_link else ""
    parts += _field("File", (one_line(s.name), "path"), (f"  {humanfmt.size(s.size)}{link}", ""))
    if facts is None:
        if s.source == "snapshot":
            parts += _field("Transcript", ("looking…", "muted"))
        if s.lost_turn is not None:
            parts.append(("\n", ""))
            parts += lost.spans(s.lost_turn, _field)
            parts += detail_spans(None, _field, looking=bool(s.lost_turn.data_root and s.lost_turn.edited_paths))
        if s.source == "snapshot":
            parts += [("\n", ""), ("Reading the tool results…", "muted"), ("\n", "")]
        return parts
    if s.source == "snapshot":
        parts += _transcript(facts.transcript)
    else:
        parts += _field("Source", ("opendev's session store", ""),
                        ("  (discard dismisses it: its files stay)", "muted"))
    parts += _field("Resume", (one_line(facts.resume_command), "command"))
    if facts.resume_refused is not None:
        parts += _field("", (f"not resumed, nor copied: {one_line(facts.resume_refused)}", "bad-text"))
    if not opendev_has_it(s):
        parts += _field("", ("opendev never saved this session (its first turn never ended): resuming starts a "
                             "fresh one", "muted"))
    if not facts.project_exists and not os.path.isabs(s.project_dir):
        parts += _field("", ("the project directory is a relative path: resuming asks where", "bad-text"))
    elif not facts.project_exists:
        parts += _field("", ("the project directory is gone: resuming cannot start there", "bad-text"))
        if facts.purged_at_start:
            parts += _field("", ("opendev deletes this session's folder the next time it starts anywhere", "bad"))
    if facts.reads_from is not None:
        parts += _field("", (f"opendev no longer reads this store (it reads {humanfmt.home_short(facts.reads_from)} "
                             "now): resuming copies the session there first, and dismisses this one", "warn"))
    if s.lost_turn is not None:
        parts.append(("\n", ""))
        parts += lost.spans(s.lost_turn, _field)
        parts += detail_spans(facts.changes, _field)
    parts.append(("\n", ""))
    if facts.problem is not None:
        parts += [
            ("Tool results could not be read again: ", "bad-text"), (one_line(facts.problem), ""), ("\n", ""),
        ]
    elif facts.results is not None:
        parts += tool_results(facts.results, expanded=expanded)
    return parts


def _transcript(t: Any) -> list[Span]:
    if t is None:
        return _field("Transcript", ("looking…", "muted"))
    if t.exists and t.problem is None:
        title = ("  " + one_line(t.title, 120), "strong") if t.title else ("  (untitled)", "muted")
        return _field("Transcript", ("✓ found", "ok"), title)
    if t.exists:
        return _field("Transcript", ("✗ unreadable: ", "bad-text"), (one_line(t.problem or "", 100), ""))
    if t.path is None and t.problem is None:  # no data root to look in
        return _field("Transcript", ("not looked for: opendev has no data directory here", "muted"))
    why = f" ({t.problem})" if t.problem else ""
    return _field("Transcript", ("✗ not found", "warn"),
                  (f": opendev's store has no session of this id for this project{why}", "warn"))


def tool_results(results: list[dict[str, Any]], *, expanded: bool = False) -> list[Span]:
    """Every kept tool result (the newest :data:`MAX_RESULTS_SHOWN`); a long output
    collapsed to its first and last lines unless ``expanded``."""
    if not results:
        return [("No tool results kept.", "muted"), ("\n", "")]
    failed = sum(1 for t in results if not t["success"])
    parts: list[Span] = [(f"Last tool results — {len(results)}, newest last", "heading"),
                         (f", {failed} failed" if failed else "", "bad"), ("\n", "")]
    shown = results[-MAX_RESULTS_SHOWN:]
    if len(results) > len(shown):
        parts.append((f"… {len(results) - len(shown):,} older results not shown\n", "muted"))
    for t in shown:
        ok = t["success"]
        parts.append(("\n", ""))
        parts.append(("✓ " if ok else "✗ FAILED ", "ok" if ok else "bad"))
        parts.append((one_line(t["tool_name"], 60), "strong"))
        parts.append((f"  {one_line(t['call_id'], 60)}", "muted"))
        parts.append(("\n", ""))
        parts += output_spans(t["output_preview"], ok=ok, expanded=expanded)
    return parts


def output_spans(preview: str, *, ok: bool, expanded: bool) -> list[Span]:
    """A tool's output behind its gutter: control sequences (colours) dropped, other
    controls made visible; collapsed to its first and last lines unless ``expanded``."""
    gutter = ("  │ ", "gutter" if ok else "bad-gutter")
    role = "" if ok else "bad-text"
    more = len(preview) - MAX_PREVIEW_CHARS
    kept = preview[:MAX_PREVIEW_CHARS] if more > 0 else preview
    hidden = 0
    count = kept.count("\n") + 1  # control sequences hold no newline: the lines are the same after
    if not expanded and count > HEAD_LINES + TAIL_LINES + 1:
        hidden = count - HEAD_LINES - TAIL_LINES
        raw = kept.split("\n", HEAD_LINES)[:HEAD_LINES] + [""] + kept.rsplit("\n", TAIL_LINES)[-TAIL_LINES:]
        lines = [multi_line(strip_ansi(line)) for line in raw]
    else:
        lines = multi_line(strip_ansi(kept)).split("\n")
    parts: list[Span] = []
    for i, line in enumerate(lines):
        if hidden and i == HEAD_LINES:
            parts += [gutter, (f"⋯ {hidden:,} more lines (o shows every line)", "muted"), ("\n", "")]
            continue
        if not expanded and len(line) > COLLAPSED_LINE_CHARS:
            line = line[:COLLAPSED_LINE_CHARS] + f"… ({len(line) - COLLAPSED_LINE_CHARS:,} more characters)"
        parts += [gutter, (line, role), ("\n", "")]
    if more > 0:
        parts += [gutter, (f"… and {more:,} more characters, past the {MAX_PREVIEW_CHARS:,} shown here (the "
                           "snapshot file holds them)", "muted"), ("\n", "")]
    return parts


def damaged_spans(d: DamagedFile) -> list[Span]:
    parts: list[Span] = []
    parts += _field("Damaged", (one_line(d.name), "bad"))
    parts += _field("Reason", (one_line(d.reason), "bad-text"))
    parts += _field("File", (humanfmt.home_short(d.path), "path"))
    parts += _field("Size", (humanfmt.size(d.size) + ("  (symlink)" if d.is_link else ""), ""))
    parts.append(("\n", ""))
    if d.source == "snapshot":
        parts.append((
            "opendev's reader skips this file, so it is not a session it can resume. "
            "snaptui never deletes it on its own: inspect it, or press d to move it to the "
            "trash (u undoes).",
            "muted",
        ))
    elif MARKER in d.reason:
        parts.append((
            f"opendev names a project's folder after its directory, and writes the directory itself in "
            f"{MARKER}: without it, which directory this session belongs to is not known, so it cannot be "
            "resumed from here. opendev itself may still resume it, started in that directory. Its files stay "
            "as they are: d only dismisses it from this list (u undoes).",
            "muted",
        ))
    else:
        parts.append((
            "snaptui could not read this session of opendev's store; it is listed so that it is not hidden. "
            "Its files stay as they are: d only dismisses it from this list (u undoes).",
            "muted",
        ))
    return parts


def leftover_spans(lo: Leftover) -> list[Span]:
    parts: list[Span] = []
    parts += _field("Leftover", (one_line(lo.name), "warn"))
    parts += _field("Beside", (one_line(lo.target), "path"))
    parts += _field("Content", (one_line(lo.detail), ""))
    parts += _field("File", (humanfmt.home_short(lo.path), "path"), (f"  {humanfmt.size(lo.size)}", ""))
    parts.append(("\n", ""))
    parts.append((
        "A write was interrupted after the temporary file was written and before it was "
        "renamed into place. opendev never reads it."
        + (" It holds a newer state than the snapshot beside it." if lo.state == "newer" else ""),
        "muted",
    ))
    return parts


def gather(session: Session, *, template: str, roots: tuple[str, ...] | None = None,
           cancelled: Callable[[], bool] | None = None, resumed: Session | None = None) -> Facts:
    """Look up what the detail of ``session`` shows beyond its record (file I/O:
    call it off the UI thread). ``roots``: where to look for the transcript (by default
    opendev's own data roots: whether opendev can resume it, whatever snaptui reads).
    Raises ``diffs.Cancelled`` once ``cancelled()`` says so (the files' diffs are long).
    ``resumed``: what resuming the row resumes, when not ``session`` itself (a snapshot whose
    session opendev's store holds: the store's); its command and transcript are shown."""
    resumed = resumed or session
    from snaptui.actions.relocate import purged_at_start, read_elsewhere
    from snaptui.actions.resume import plan, usable_project_dir
    from snaptui.base.files import Unreadable
    from snaptui.format.reader import Damaged
    from snaptui.present import changes
    from snaptui.sources import details

    results = None
    problem = None
    try:
        results = details.tool_results(session)
    except (OSError, Unreadable, Damaged) as exc:
        problem = str(exc) or type(exc).__name__
    resume = plan(template, resumed)
    found = details.transcript(resumed, roots)
    exists = usable_project_dir(session.project_dir)  # (the row's, as its Project line shows it)
    return Facts(results, problem, exists, found, resume.display(), changes.look(session, cancelled),
                 read_elsewhere(resumed), purged_at_start(resumed), resume.refused)
