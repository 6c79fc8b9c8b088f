"""One rule for how many terminal cells text takes, for cutting it to fit, and for bars.

East Asian wide and fullwidth characters take two cells, combining marks
none, everything else one. The table of ``snaptui list`` and the TUI's rows
both cut with these functions, so they agree; ``snaptui stats`` and the
TUI's charts draw their bars in eighths of a cell with :func:`bar`.
"""

from __future__ import annotations

import math
import unicodedata

EIGHTHS = ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")
FULL = "█"
MAX_COLUMNS = 1000
"""The widest line the command line's output lays out (``$COLUMNS`` can say anything)."""


def terminal_columns() -> int:
    """The terminal's width in cells (``$COLUMNS`` first, 100 when unknown), at most :data:`MAX_COLUMNS`."""
    import shutil

    return min(shutil.get_terminal_size((100, 24)).columns, MAX_COLUMNS)


def width(text: str) -> int:
    """Terminal cells ``text`` takes."""
    if text.isascii():
        return len(text)
    return sum(char_width(c) for c in text)


def char_width(c: str) -> int:
    """Terminal cells one character takes."""
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
            w = char_width(c)
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
        w = char_width(c)
        if used + w > cells - 1:
            break
        out.append(c)
        used += w
    text = "…" + "".join(reversed(out))
    return text + " " * max(cells - width(text), 0)


def eighths(value: float, top: float, cells: int) -> int:
    """``value`` in eighths of ``cells`` cells, ``top`` filling them; above zero is at least one eighth."""
    if cells <= 0 or not (math.isfinite(top) and top > 0) or not (math.isfinite(value) and value > 0):
        return 0
    return min(round(value / top * cells * 8), cells * 8) or 1


def bar(value: float, top: float, cells: int) -> str:
    """``value`` as a bar of up to ``cells`` cells, ``top`` filling them all;
    anything above zero shows at least an eighth."""
    n = eighths(value, top, cells)
    return FULL * (n // 8) + EIGHTHS[n % 8]
