"""Spans laid out in lines of a given width, as a person reads a path or an id.

A line breaks after a space or a path separator (``/``, ``\\``), never inside
a word unless the word alone is wider than the line. A continued line keeps
what starts it: a tool output's gutter (``  │ ``) is repeated, and a field's
value stays under the value, not under its label.
"""

from __future__ import annotations

import re

from snaptui.present.cells import char_width, width

Span = tuple[str, str]
Line = list[Span]

_TOKEN = re.compile(r"[^ /\\]*[ /\\]?")
GUTTERS = frozenset({"gutter", "bad-gutter"})


def split_lines(spans: list[Span]) -> list[Line]:
    """``spans`` cut at each newline (a trailing newline ends the last line)."""
    lines: list[Line] = [[]]
    for text, role in spans:
        if "\n" not in text:
            if text:
                lines[-1].append((text, role))
            continue
        parts = text.split("\n")
        for i, part in enumerate(parts):
            if i:
                lines.append([])
            if part:
                lines[-1].append((part, role))
    if not lines[-1] and len(lines) > 1:
        lines.pop()
    return lines


def wrap(spans: list[Span], cells: int) -> list[Line]:
    """``spans`` as lines of at most ``cells`` cells."""
    out: list[Line] = []
    cells = max(cells, 8)
    for line in split_lines(spans):
        if sum(width(t) for t, _ in line) <= cells:
            out.append(line)
        else:
            out.extend(_wrap_line(line, cells))
    return out


def _continuation(line: Line, cells: int) -> Line:
    if not line:
        return []
    text, role = line[0]
    if role in GUTTERS:
        return [line[0]]
    if role == "label" and width(text) <= cells // 2:
        return [(" " * width(text), "")]
    return []


def _wrap_line(line: Line, cells: int) -> list[Line]:
    prefix = _continuation(line, cells)
    prefix_w = sum(width(t) for t, _ in prefix)
    out: list[Line] = []
    current: Line = []
    used = 0

    def flush() -> None:
        nonlocal current, used
        out.append(current)
        current = list(prefix)
        used = prefix_w

    for text, role in line:
        for token in _TOKEN.findall(text):
            if not token:
                continue
            w = width(token)
            if used + w > cells and used > prefix_w:
                if token == " ":  # a break at a space: the space goes
                    flush()
                    continue
                flush()
            if used + w > cells:  # a word wider than the line: cut it, in one pass over it
                pos, plain = 0, token.isascii()
                while used + w > cells:
                    end, head_w = _fit(token, pos, cells - used, plain)
                    current.append((token[pos:end], role))
                    flush()
                    pos, w = end, w - head_w
                token = token[pos:]
            if token:
                current.append((token, role))
                used += w
    if current and (used > prefix_w or not out):
        out.append(current)
    return [_merge(line) for line in out]


def _fit(text: str, pos: int, room: int, plain: bool) -> tuple[int, int]:
    """Where the first ``room`` cells of ``text[pos:]`` end (at least one character in), and
    the cells they take; ``plain``: ``text`` is ASCII (a cell a character)."""
    if plain:
        end = min(pos + max(room, 1), len(text))
        return end, end - pos
    used = 0
    for i in range(pos, len(text)):
        w = char_width(text[i])
        if used + w > room and i > pos:
            return i, used
        used += w
    return len(text), used


def _merge(line: Line) -> Line:
    """Adjacent spans of one role as one (fewer segments to draw)."""
    merged: Line = []
    for text, role in line:
        if merged and merged[-1][1] == role:
            merged[-1] = (merged[-1][0] + text, role)
        else:
            merged.append((text, role))
    return merged
