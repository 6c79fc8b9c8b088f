"""One rule for how many terminal cells text takes, and for cutting it to fit.

East Asian wide and fullwidth characters take two cells, combining marks
none, everything else one. The table of ``snaptui list`` and the TUI's rows
both cut with these functions, so they agree.
"""

from __future__ import annotations

import unicodedata


def width(text: str) -> int:
    """Terminal cells ``text`` takes."""
    if text.isascii():
        return len(text)
    return sum(_char_width(c) for c in text)


def _char_width(c: str) -> int:
    if c.isascii():
        return 1
    if unicodedata.combining(c):
        return 0
    return 2 if unicodedata.east_asian_width(c) in "WF" else 1


def fit(text: str, cells: int) -> str:
    """``text`` in exactly ``cells`` cells: cut at its end with an ellipsis, or padded."""
    if cells <= 0:
        return ""
    if width(text) > cells:
        out, used = [], 0
        for c in text:
            w = _char_width(c)
            if used + w > cells - 1:
                break
            out.append(c)
            used += w
        text = "".join(out) + "…"
    return text + " " * max(cells - width(text), 0)


def fit_path(path: str, cells: int) -> str:
    """A path in exactly ``cells`` cells, cut at its start (``…ojects/api-server``):
    the project's own name is at the end."""
    if cells <= 0:
        return ""
    if width(path) <= cells:
        return path + " " * (cells - width(path))
    out: list[str] = []
    used = 0
    for c in reversed(path):
        w = _char_width(c)
        if used + w > cells - 1:
            break
        out.append(c)
        used += w
    text = "…" + "".join(reversed(out))
    return text + " " * max(cells - width(text), 0)
