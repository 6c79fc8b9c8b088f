"""What the lost turn did to the project's files, for the detail pane, the diff view and the rollback dialog.

:func:`look` reads the files once (call it off the UI thread) and keeps
only what is shown: each file's :class:`~snaptui.present.diffs.FileDiff`
(diff text, +/- counts or a note), not the file contents. Everything else
here is pure: spans for the detail pane, the diff's lines made safe and
numbered for the diff view, and the rollback plan in words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from snaptui.present import humanfmt
from snaptui.present.cells import width
from snaptui.present.diffs import NO_EOL, FileDiff, summary, turn_diffs
from snaptui.present.safetext import multi_line, one_line
from snaptui.sources.records import Session

TYPE_CHECKING = False
if TYPE_CHECKING:
    from snaptui.actions.rollback import Plan

Span = tuple[str, str]

DETAIL_FILES = 30
"""The detail pane lists this many files; the diff view shows every one."""
NAME_CELLS = 40
"""File names are aligned up to this width (a longer one pushes its counts right)."""
CHANGE_ROLE = {"modified": "warn-soft", "created": "ok", "deleted": "bad-text", "unknown": "muted"}
"""The detail pane's role for each kind of change."""
ROLLBACK_VERBS = {"restore": "restore from its backup", "recreate": "recreate from its backup",
                  "remove": "move out of the project (it did not exist before the turn)"}
"""What a rollback does to a file, by :class:`snaptui.actions.rollback.Step` action."""


class TurnChanges(NamedTuple):
    """The files of one lost turn, as shown: a diff (or a note) each."""

    diffs: tuple[FileDiff, ...]
    """In the order the turn named them; files back as they were are not here."""
    untouched: int
    """How many files the turn named that show no change."""
    problem: str | None
    """Why opendev's checkpoints of the session could not be used (then every file is "unknown")."""
    notes: tuple[str, ...]

    @property
    def summary(self) -> str:
        return summary(self.diffs)


def look(session: Session, cancelled: Callable[[], bool] | None = None) -> TurnChanges | None:
    """Read what the lost turn of ``session`` did to its files (file I/O; None: no
    source knows the turn, only opendev's store keeps it). Raises ``diffs.Cancelled``
    once ``cancelled()`` says so."""
    from snaptui.sources import details

    try:
        found = details.turn_changes(session)
    except OSError as exc:  # find_changes says why in its records; this is the unforeseen
        return TurnChanges((), 0, f"the checkpoints could not be read: {exc.strerror or exc}", ())
    if found is None:
        return None
    return TurnChanges(tuple(turn_diffs(found.changes, cancelled=cancelled)), len(found.untouched), found.problem,
                       found.notes)


def counts(d: FileDiff) -> str:
    """``+5 -1``, or the note saying why there is no diff."""
    if d.added is None:
        return one_line(d.note or "", 120)
    return f"+{d.added} -{d.removed}"


def detail_spans(changes: TurnChanges | None, field: Callable[..., list[Span]], *, looking: bool = False) -> list[Span]:
    """The detail pane's lines about the lost turn's files (``field(label, *spans)`` lays out one line)."""
    if changes is None:
        return field("Files", ("looking…", "muted")) if looking else []
    if not changes.diffs and not changes.untouched:
        return []  # the turn's Edit and Write calls named no file
    if not changes.diffs:
        named = humanfmt.plural(changes.untouched, "file")
        parts = field("Files", (f"no change found in the {named} the lost turn named", "muted"))
        return parts + _notes(changes)
    parts = field("Files", (f"{changes.summary}", "strong"), ("  D shows the diff, B rolls it back", "muted"))
    if changes.problem is not None:
        parts += field("", ("opendev's checkpoints cannot be used: ", "bad-text"), (one_line(changes.problem, 300), ""))
    shown = changes.diffs[:DETAIL_FILES]
    names = [one_line(d.relative, 120) for d in shown]
    wide = min(max(width(n) for n in names), NAME_CELLS)
    for d, name in zip(shown, names, strict=True):
        how = (f"+{d.added}", "ok"), (f" -{d.removed}", "bad-text")
        tail: tuple[Span, ...] = how if d.added is not None else ((one_line(d.note or "", 200), "muted"),)
        padded = name + " " * max(wide - width(name), 0)
        parts += field("", (f"{d.change:<9}", CHANGE_ROLE.get(d.change, "")), (f"{padded}  ", "path"), *tail)
        for note in d.notes:
            parts += field("", (" " * 10 + "note: " + one_line(note, 300), "muted"))
    if len(changes.diffs) > len(shown):
        parts += field("", (f"… and {len(changes.diffs) - len(shown)} more (D shows every one)", "muted"))
    return parts + _notes(changes)


def _notes(changes: TurnChanges, limit: int = 3) -> list[Span]:
    parts: list[Span] = []
    for note in changes.notes[:limit]:
        parts += [(" " * 11, "label"), ("note: " + one_line(note, 300), "muted"), ("\n", "")]  # wraps under itself
    return parts


# -- the diff view's lines -----------------------------------------------------------


class DiffLine(NamedTuple):
    """One line of a diff, safe to show."""

    kind: str
    """``"hunk"`` (``@@ … @@``), ``"add"``, ``"del"``, ``"ctx"`` or ``"eol"`` (no newline at end of file)."""
    old: int | None
    """Its line number before the turn (None: an added line, or not a line of the file)."""
    new: int | None
    """Its line number now."""
    text: str
    """Without its ``+``/``-``/space; every control character made visible (one line, tabs as spaces)."""


def diff_lines(d: FileDiff) -> list[DiffLine]:
    """The lines of ``d``'s unified diff (its ``---``/``+++`` header left out), numbered."""
    lines: list[DiffLine] = []
    old = new = 0
    for raw in d.text.split("\n")[2:]:  # the diff's lines end in "\n" (a "\r" stays inside)
        if not raw:
            continue
        sign, body = raw[0], raw[1:]
        if sign == "@":
            old, new = _hunk_start(raw)
            lines.append(DiffLine("hunk", None, None, multi_line(raw)))
        elif sign == "+":
            lines.append(DiffLine("add", None, new, multi_line(body)))
            new += 1
        elif sign == "-":
            lines.append(DiffLine("del", old, None, multi_line(body)))
            old += 1
        elif raw + "\n" == NO_EOL:
            lines.append(DiffLine("eol", None, None, NO_EOL[2:-1]))
        else:
            lines.append(DiffLine("ctx", old, new, multi_line(body)))
            old += 1
            new += 1
    return lines


def _hunk_start(header: str) -> tuple[int, int]:
    """``@@ -12,3 +12,4 @@`` → ``(12, 12)`` (difflib writes ``-0,0`` for an empty side: the next line is 1)."""
    try:
        minus, plus = header.split(" ")[1:3]
        return max(int(minus[1:].split(",")[0]), 1), max(int(plus[1:].split(",")[0]), 1)
    except (ValueError, IndexError):
        return 1, 1


# -- the rollback, in words ------------------------------------------------------------


ROLLBACK_COLUMNS = {"restore": ("restore", "from its backup"),
                    "recreate": ("recreate", "from its backup (the turn deleted it)"),
                    "remove": ("move out", "the turn created it")}
"""The rollback dialog's words for each action: a verb, and why."""


def rollback_spans(plan: Plan, session_id: str, limit: int = 200) -> list[Span]:
    """What rolling back ``plan`` will do to each file, for the confirmation: one aligned line per file."""
    parts: list[Span] = [
        (f"Put {humanfmt.plural(len(plan.steps), 'file')} in {humanfmt.home_short(plan.project_dir)} back as "
         f"they were before the interrupted turn of {one_line(session_id, 60)}:\n\n", ""),
    ]
    rows = [(*ROLLBACK_COLUMNS.get(s.action, (s.action, "")), one_line(s.change.relative, 200))
            for s in plan.steps[:limit]]
    rows += [("leave", f"({one_line(why, 200)})", one_line(path, 200)) for path, why in plan.untouched[:limit]]
    cells = min(max((width(name) for _, _, name in rows), default=0), NAME_CELLS)
    for verb, why, name in rows:
        padded = name + " " * max(cells - width(name), 0)
        parts += [(f"  {verb:<9}", "strong" if verb != "leave" else "muted"), (padded, "path"), (f"  {why}\n", "muted")]
    if len(plan.steps) > limit:
        parts.append((f"  … and {len(plan.steps) - limit} more\n", "muted"))
    parts.append(("\nEvery file it replaces or moves out is kept first, in snaptui's state directory: "
                  "u puts them back byte for byte.", ""))
    return parts


def refusal(plan: Plan) -> str | None:
    """Why ``plan`` cannot be applied, in one line (None: it can)."""
    if plan.problem:
        return one_line(plan.problem, 300)
    if plan.refused:
        return "; ".join(f"{one_line(s.change.relative, 100)}: {one_line(s.refused or '', 200)}"
                         for s in plan.refused[:5])
    return None


def file_names(diffs: Sequence[FileDiff]) -> list[str]:
    """Each file's name as shown (relative to the project, controls made visible)."""
    return [one_line(d.relative, 200) for d in diffs]
