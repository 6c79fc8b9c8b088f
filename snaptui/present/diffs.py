"""What the interrupted turn changed in each file, as unified diffs (pure text).

Before is the backup opendev took before the turn, after is the file now,
exactly the bytes :mod:`snaptui.sources.filehistory` hashed (it keeps them),
so the diff shows what a rollback would undo. Labels are ``a/<path>`` and
``b/<path>``, the path relative to the project folder when it is under it.

Decoding: UTF-8 with ``surrogateescape``. It never fails and loses nothing:
a byte that is not UTF-8 becomes one lone surrogate (U+DC80-U+DCFF), which
:func:`snaptui.present.safetext.multi_line` shows as ``\\xNN``, the byte it
is; two files that differ only in such bytes still show a difference. The
price: such text cannot be encoded to UTF-8 as is, so anything that writes
it out must go through ``safetext`` (as everything shown does) or encode
with ``surrogateescape``. Control characters and escape sequences are left
in the text; the UI makes them visible. Lines are split on ``\\n`` only (a
``\\r`` or form feed stays inside its line, where it can be seen).

No diff for a binary file (a NUL byte on either side: "binary, N bytes"),
for one over the diff size limit, or for one with more lines than
:data:`MAX_LINES` (difflib can take seconds on those); the reason says so.
"""

from __future__ import annotations

import difflib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from snaptui.present import humanfmt
from snaptui.present.safetext import one_line
from snaptui.sources.filehistory import FileChange

MAX_LINES = 5_000
"""More lines than this on either side: no diff. difflib grows faster than linearly with the number of
changed places: 5,000 lines with every other one changed take ~0.8 s here, 10,000 take ~3 s."""
NO_EOL = "\\ No newline at end of file\n"
KEPT = 256
"""Diffs kept by content (:func:`file_diff`): a session looked at again, or a look cut short and
started over, does not diff the same files again (difflib can take most of a second on one)."""
_kept: OrderedDict[tuple[object, ...], FileDiff] = OrderedDict()
_kept_lock = threading.Lock()


class Cancelled(Exception):
    """:func:`turn_diffs` was told to stop (the person moved on before it was done)."""


class FileDiff(NamedTuple):
    """One file's diff, or why there is none."""

    path: str
    relative: str
    change: str
    added: int | None
    """Lines added (None when there is no diff)."""
    removed: int | None
    text: str
    """The unified diff, ``--- a/...`` first; empty when there is none."""
    note: str | None
    """Why there is no diff ("binary, 2,048 bytes", "too large to show (3.0 MiB)", an unknown's reason)."""
    notes: tuple[str, ...] = ()
    """What else a person should know of the file ("outside the project folder", "the path is a
    symlink; rollback will not go through it", several backups): the change's own notes."""


def decode(data: bytes) -> str:
    """Bytes as text for showing: UTF-8, undecodable bytes kept as lone surrogates."""
    return data.decode("utf-8", "surrogateescape")


def split_lines(text: str) -> list[str]:
    """Lines with their ``\\n``; the last one without when the text does not end in one."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def unified(before: str, after: str, label: str, *, context: int = 3) -> tuple[str, int, int]:
    """``(diff text, lines added, lines removed)`` of two texts, git's way of marking a missing last newline."""
    out: list[str] = []
    added = removed = 0
    shown = one_line(label)  # a newline in a file's name would start lines of its own (a hunk in neither file)
    diff = difflib.unified_diff(split_lines(before), split_lines(after), f"a/{shown}", f"b/{shown}", n=context)
    for n, line in enumerate(diff):
        if n >= 2:  # past the two file headers
            if line.startswith("+"):
                added += 1
            elif line.startswith("-"):
                removed += 1
        out.append(line if line.endswith("\n") else line + "\n" + NO_EOL)
    return "".join(out), added, removed


def file_diff(change: FileChange, *, context: int = 3) -> FileDiff:
    """The diff of one change: backup (nothing for "created") against the file now (nothing for "deleted");
    the same contents' diff is made once (:data:`KEPT`)."""
    key = (change.path, change.relative, change.change, change.reason, change.binary, change.notes,
           *(None if s is None else (s.sha256, s.data is None, s.identity[2]) for s in (change.before, change.current)),
           context)
    with _kept_lock:
        hit = _kept.get(key)
        if hit is not None:
            _kept.move_to_end(key)
            return hit
    made = _file_diff(change, context)
    with _kept_lock:
        _kept[key] = made
        while len(_kept) > KEPT:
            _kept.popitem(last=False)
    return made


def _file_diff(change: FileChange, context: int) -> FileDiff:

    def none(note: str) -> FileDiff:
        return FileDiff(change.path, change.relative, change.change, None, None, "", note, change.notes)

    if change.change == "unknown":
        return none(change.reason)
    sides = [s for s in (change.before, change.current) if s is not None]
    largest = max((s.identity[2] for s in sides), default=0)
    if change.binary:
        return none(f"binary, {humanfmt.count(largest)} bytes")
    if any(s.data is None for s in sides):
        return none(f"too large to show ({humanfmt.size(largest)})")
    before = decode(change.before.data or b"") if change.before else ""
    after = decode(change.current.data or b"") if change.current else ""
    lines = max(before.count("\n"), after.count("\n"))
    if lines > MAX_LINES:
        return none(f"too many lines to show ({humanfmt.count(lines)})")
    text, added, removed = unified(before, after, change.relative, context=context)
    if not text:
        return FileDiff(change.path, change.relative, change.change, 0, 0, "", "an empty file", change.notes)
    return FileDiff(change.path, change.relative, change.change, added, removed, text, None, change.notes)


def turn_diffs(changes: Iterable[FileChange], *, context: int = 3,
               cancelled: Callable[[], bool] | None = None) -> list[FileDiff]:
    """:func:`file_diff` of each change, in order. Raises :class:`Cancelled` as soon as
    ``cancelled()`` says so (it is asked before each file)."""
    out = []
    for c in changes:
        if cancelled is not None and cancelled():
            raise Cancelled
        out.append(file_diff(c, context=context))
    return out


def summary(diffs: Sequence[FileDiff]) -> str:
    """One line: ``3 files: 2 modified, 1 created; +12 -4``."""
    if not diffs:
        return "no files changed"
    kinds: dict[str, int] = {}
    for d in diffs:
        kinds[d.change] = kinds.get(d.change, 0) + 1
    parts = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    added = sum(d.added or 0 for d in diffs)
    removed = sum(d.removed or 0 for d in diffs)
    files = f"{len(diffs)} file{'s' if len(diffs) != 1 else ''}"
    unknown = sum(1 for d in diffs if d.added is None)  # binary, too large: their lines are not counted
    if unknown == len(diffs):
        return f"{files}: {parts}; no diff"
    return f"{files}: {parts}; +{added} -{removed}" + (f" (and {unknown} without a diff)" if unknown else "")
