"""The detail pane: everything about the highlighted row, previews in full.

Built as one ``Content`` from plain strings and styles (never markup), after
every snapshot string went through :mod:`snaptui.safetext`.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from snaptui.present import humanfmt
from snaptui.format import reader
from snaptui.actions.resume import plan
from snaptui.present.safetext import multi_line, one_line
from snaptui.catalog.scan import MAX_BYTES, read_bounded
from snaptui.present.viewmodel import DAMAGED, LEFTOVER, SESSION, Row

MAX_RESULTS_SHOWN = 200
"""A hostile snapshot may keep 10,000 tool results: show the newest ones."""
MAX_PREVIEW_CHARS = 20_000
"""And a preview may be a megabyte: show its start."""

LABEL = "bold $text-muted"
PATH = "$text-accent"


def _field(name: str, *value) -> list:
    return [(f"{name:<11}", LABEL), *value, "\n"]


class Detail(Static):
    """Shows a session, a damaged file or a leftover in full."""

    def show(self, row: Row | None, *, now_ms: int, template: str, is_running, transcript=None) -> None:
        if row is None:
            self.update(Content("Nothing selected."))
        elif row.kind == SESSION:
            self.update(session_content(row.item, now_ms=now_ms, template=template, running=is_running(row.item),
                                        transcript=transcript))
        elif row.kind == DAMAGED:
            self.update(damaged_content(row.item))
        elif row.kind == LEFTOVER:
            self.update(leftover_content(row.item))


def session_content(s, *, now_ms: int, template: str, running: bool, transcript=None) -> Content:
    parts: list = []
    state = ("completed cleanly", "$success") if s.completed else ("interrupted", "bold $warning")
    parts += _field("Session", (one_line(s.session_id) or "(empty id)", "bold"), "  ", state)
    resume = plan(template, s)
    project = humanfmt.home_short(s.project_dir)
    exists = ("✓ exists", "$success") if resume.cwd_exists else ("✗ missing", "bold $error")
    parts += _field("Project", (project, PATH), "  ", exists)
    when = f"{humanfmt.absolute(s.timestamp_ms)} ({humanfmt.ago(s.timestamp_ms, now_ms)})"
    parts += _field("Snapshot", when)
    if running:
        parts += _field("", ("● may still be running: written moments ago, or an agent works there",
                             "bold $warning"))
    parts += _field("Cost", (humanfmt.cost(s.cost_usd), "bold"), (f"   {humanfmt.count(s.message_count)} messages", ""))
    link = "  (symlink)" if s.is_link else ""
    parts += _field("File", (one_line(s.name), PATH), f"  {humanfmt.size(s.size)}{link}")
    parts += _transcript(transcript)
    parts += _field("Resume", (one_line(resume.display()), "$text-secondary"))
    if not resume.cwd_exists:
        parts += _field("", ("the project directory is gone: resuming cannot start there", "$error"))
    parts.append("\n")
    parts += _tool_results(s)
    return Content.assemble(*parts)


def _transcript(t) -> list:
    if t is None:
        return _field("Transcript", ("looking…", "$text-muted"))
    if t.exists and t.problem is None:
        title = ("  " + one_line(t.title, 120), "bold") if t.title else ("  (untitled)", "$text-muted")
        return _field("Transcript", ("✓ found", "$success"), title)
    if t.exists:
        return _field("Transcript", ("✗ unreadable: ", "$error"), one_line(t.problem or "", 100))
    why = f" ({t.problem})" if t.problem else ""
    return _field("Transcript", ("✗ not found", "bold $warning"),
                  (f": resuming will start a fresh session{why}", "$warning"))


def _tool_results(s) -> list:
    try:
        doc = reader.parse(read_bounded(s.path, MAX_BYTES)[1])
    except (OSError, reader.Damaged, Exception) as exc:  # noqa: BLE001 - the file changed under us
        return [("Tool results could not be read again: ", "$error"), one_line(str(exc)), "\n"]
    results = doc["last_tool_results"]
    failed = sum(1 for t in results if not t["success"])
    if not results:
        return [("No tool results kept.", "$text-muted"), "\n"]
    head = f"Last tool results — {len(results)}, newest last"
    parts: list = [(head, "bold"), (f", {failed} failed" if failed else "", "bold $error"), "\n"]
    shown = results[-MAX_RESULTS_SHOWN:]
    if len(results) > len(shown):
        parts.append((f"… {len(results) - len(shown):,} older results not shown\n", "$text-muted"))
    for t in shown:
        ok = t["success"]
        parts.append("\n")
        parts.append(("✓ " if ok else "✗ FAILED ", "bold $success" if ok else "bold $error"))
        parts.append((one_line(t["tool_name"], 60), "bold"))
        parts.append((f"  {one_line(t['call_id'], 60)}", "$text-muted"))
        parts.append("\n")
        preview = t["output_preview"]
        more = len(preview) - MAX_PREVIEW_CHARS
        text = multi_line(preview[:MAX_PREVIEW_CHARS]) if more > 0 else multi_line(preview)
        style = "" if ok else "$text-error"
        for line in text.split("\n"):
            parts.append(("  │ ", "$error" if not ok else "$text-muted"))
            parts.append((line, style))
            parts.append("\n")
        if more > 0:
            parts.append((f"  │ … {more:,} more characters\n", "$text-muted"))
    return parts


def damaged_content(d) -> Content:
    parts: list = []
    parts += _field("Damaged", (one_line(d.name), "bold $error"))
    parts += _field("Reason", (one_line(d.reason), "$error"))
    parts += _field("File", (humanfmt.home_short(d.path), PATH))
    parts += _field("Size", humanfmt.size(d.size) + ("  (symlink)" if d.is_link else ""))
    parts.append("\n")
    parts.append((
        "opendev's reader skips this file, so it is not a session it can resume. "
        "snaptui never deletes it on its own: inspect it, or press d to move it to the "
        "trash (u undoes).",
        "$text-muted",
    ))
    return Content.assemble(*parts)


def leftover_content(lo) -> Content:
    parts: list = []
    parts += _field("Leftover", (one_line(lo.name), "bold $warning"))
    parts += _field("Beside", (one_line(lo.target), PATH))
    parts += _field("Holds", one_line(lo.detail))
    parts += _field("File", (humanfmt.home_short(lo.path), PATH), f"  {humanfmt.size(lo.size)}")
    parts.append("\n")
    parts.append((
        "A write was interrupted after the temporary file was written and before it was "
        "renamed into place. opendev never reads it."
        + (" It holds a newer state than the snapshot beside it." if lo.state == "newer" else ""),
        "$text-muted",
    ))
    return Content.assemble(*parts)
