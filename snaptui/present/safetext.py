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
# Bidi and every other invisible format character (Unicode's category Cf, as of 15.0:
# a test holds this list to unicodedata's) that reorders or hides text.
for _code in (
    0x00AD,  # soft hyphen
    *range(0x0600, 0x0606), 0x061C, 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2,  # Arabic/Syriac marks
    0x180E,  # Mongolian vowel separator
    *range(0x200B, 0x2010),  # zero-width space/joiners, LRM, RLM
    *range(0x2028, 0x202F),  # line/paragraph separators, bidi embeddings and overrides
    *range(0x2060, 0x2070),  # word joiner, invisible operators, bidi isolates
    0xFEFF,  # zero-width no-break space / BOM
    *range(0xFFF9, 0xFFFC),  # interlinear annotation controls
    0x110BD, 0x110CD, *range(0x13430, 0x13439), *range(0x1BCA0, 0x1BCA4), *range(0x1D173, 0x1D17B),
    0xE0001, *range(0xE0020, 0xE0080),  # tags: invisible text
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
