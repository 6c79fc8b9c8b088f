"""Make untrusted text safe to show: no escape or control character reaches the terminal.

Everything read from a snapshot (ids, paths, tool names, previews) can hold ANSI
and OSC sequences, control characters, bidi overrides. They are replaced by
visible stand-ins (``␛[31m``, ``␇``, ``⟨U+202E⟩``) with ``str.translate``, so
the text still tells the person what is there. Markup is a separate matter:
the UI passes text as ``Content``/``Text`` objects, never as markup strings.
"""

from __future__ import annotations

import re

_CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
"""A control sequence (colours ``ESC[31m``, cursor moves, erasing): what test runners colour output with."""

# C0 controls become their Unicode "control pictures" (U+2400 + code): ␀ ␇ ␛ ...
_COMMON = {code: chr(0x2400 + code) for code in range(0x20)}
_COMMON[0x7F] = "\u2421"  # ␡
# C1 controls (0x80-0x9F) are escape introducers on some terminals (0x9B is CSI).
_COMMON.update({code: f"\\x{code:02x}" for code in range(0x80, 0xA0)})
# Undecodable bytes of file names (os.fsdecode's surrogateescape, U+DC80-U+DCFF)
# would go out raw: show them as the bytes they are.
_COMMON.update({code: f"\\x{code - 0xDC00:02x}" for code in range(0xDC80, 0xDD00)})
# Bidi and other invisible format characters that reorder or hide text.
for _code in (
    *range(0x200B, 0x2010),  # zero-width space/joiners, LRM, RLM
    *range(0x2028, 0x202F),  # line/paragraph separators, bidi embeddings and overrides
    *range(0x2060, 0x2070),  # word joiner, invisible operators, bidi isolates
    0x061C,  # Arabic letter mark
    0xFEFF,  # zero-width no-break space / BOM
    *range(0xFFF9, 0xFFFC),  # interlinear annotation controls
):
    _COMMON[_code] = f"\u27e8U+{_code:04X}\u27e9"

_ONE_LINE = dict(_COMMON)
_ONE_LINE[0x0A] = "\u23ce"  # ⏎
_ONE_LINE[0x09] = " "

_MULTI_LINE = dict(_COMMON)
del _MULTI_LINE[0x0A]
_MULTI_LINE[0x09] = "    "


def one_line(text: str, limit: int | None = None) -> str:
    """``text`` on a single line with every control made visible, cut at ``limit`` chars."""
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text.translate(_ONE_LINE)


def multi_line(text: str) -> str:
    """``text`` keeping its newlines, every other control made visible."""
    return text.translate(_MULTI_LINE)


def is_clean(text: str) -> bool:
    """True if ``text`` would be shown unchanged on one line."""
    return text.translate(_ONE_LINE) == text


def strip_ansi(text: str) -> str:
    """``text`` without its control sequences (colours, cursor moves): what a program
    printed, as it reads. Every other escape stays visible once through
    :func:`one_line` or :func:`multi_line` (``␛]52;…``)."""
    return _CSI.sub("", text) if "\x1b[" in text else text
