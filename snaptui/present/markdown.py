"""Untrusted text as CommonMark that renders as exactly that text.

Three ways in, and every string read from a session goes through one of them:
:func:`text` (prose: markup characters backslash-escaped), :func:`code` (a
code span whose backtick run the text cannot end) and :func:`fence` (a
fenced block whose fence is longer than any backtick or tilde run inside, so
no line of the text can close it). Each first makes controls visible with
:mod:`snaptui.present.safetext`, as the UI shows them: no escape sequence,
control or bidi character reaches the file.
"""

from __future__ import annotations

import re

from snaptui.present.safetext import multi_line, one_line

_MARKUP = frozenset("\\`*_[]<>#|~$&!")
"""Characters that can start markup within a line (emphasis, code, links,
images, raw HTML, entities, headings' closing sequences, tables,
strikethrough, math). Other punctuation only matters at the start of a line,
where this module never puts untrusted text."""

_RUNS = re.compile(r"`+|~+")


def text(value: str, limit: int | None = None) -> str:
    """``value`` on one line, as literal inline text."""
    return "".join("\\" + c if c in _MARKUP else c for c in one_line(value, limit))


def code(value: str, limit: int | None = None) -> str:
    """``value`` on one line as a code span; ``(empty)`` in italics for nothing."""
    shown = one_line(value, limit)
    if not shown.strip(" "):
        return f"_({'empty' if not shown else 'blank'})_"
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    ticks = "`" * (longest + 1)
    if shown[0] in "` " or shown[-1] in "` ":
        shown = f" {shown} "  # a parser strips one space at each end: the text keeps its own
    return f"{ticks}{shown}{ticks}"


def fence(value: str, info: str = "text") -> str:
    """``value`` (its newlines kept) as a fenced code block, ending with a newline."""
    body = multi_line(value)
    longest = max((len(run) for run in _RUNS.findall(body)), default=0)
    mark = "`" * max(3, longest + 1)
    if body and not body.endswith("\n"):
        body += "\n"
    return f"{mark}{info}\n{body}{mark}\n"
