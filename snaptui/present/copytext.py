"""Text for the clipboard: what the TUI's copy keys (``c``, ``e``, ``p``) put there, and what they say.

The TUI copies through the terminal (OSC 52, Textual's ``copy_to_clipboard``):
the text travels base64-encoded, so nothing in it can end the sequence or
reach the terminal on the way. But a clipboard is pasted later, often into
a terminal, where an escape character can end a bracketed paste and turn
the rest into typed keys. So a terminal control character (C0 but tab and
newline, DEL, C1) never goes to the clipboard raw: it is copied as the
stand-in the UI shows (``␛``, ``␇``, ``\\x9b``), and the notification says
how many there were. Everything else is copied verbatim: a prompt's
newlines, tabs, bidi marks and emoji are what the person typed. A lone
surrogate (a JSON escape, it cannot be encoded) becomes U+FFFD, and an
undecodable byte of a file name (``surrogateescape``) ``\\xNN``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from snaptui.present import humanfmt
from snaptui.present.safetext import one_line

_CONTROLS_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

LARGE = 100_000
"""Bytes above which some terminals drop what a program copies (the notification warns)."""


class Clip(NamedTuple):
    text: str
    """What goes to the clipboard."""
    replaced: int
    """How many characters were copied as stand-ins."""


def stand_in(char: str) -> str:
    """The visible form of a control character or a lone surrogate."""
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    if code < 0xA0:
        return f"\\x{code:02x}"
    if 0xDC80 <= code < 0xDD00:
        return f"\\x{code - 0xDC00:02x}"
    return "\ufffd"


def clip(text: str, *, lines: bool = True) -> Clip:
    """``text`` safe to paste into a terminal; ``lines`` keeps newlines and tabs (else one line)."""
    pattern = _CONTROLS_BUT_LINES if lines else _CONTROLS
    out, replaced = pattern.subn(lambda m: stand_in(m.group()), text)
    return Clip(out, replaced)


def note(what: str, copied: Clip, *, instead: str = "") -> str:
    """The notification: what was copied, and what was not copied raw; ``instead`` says
    what to do if the terminal drops a large text."""
    size = len(copied.text.encode("utf-8"))
    words = what
    if copied.replaced:
        one = copied.replaced == 1
        words += (f". {humanfmt.plural(copied.replaced, 'control character')} copied as "
                  f"{'it is' if one else 'they are'} shown (␛, ␇): pasted raw into a terminal, "
                  f"{'it' if one else 'they'} could act as keys")
    if size > LARGE:
        words += f". It is large ({humanfmt.size(size)}): some terminals drop so much" + (
            f"; {instead}" if instead else "")
    return words + "."


def quoted(text: str, limit: int = 60) -> str:
    """A short excerpt to name what was copied, on one line."""
    return f"\u201c{one_line(text, limit)}\u201d"
