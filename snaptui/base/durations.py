"""Durations as people type them: ``90m``, ``12h``, ``7d``, ``2w``, ``1h30m``."""

from __future__ import annotations

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_MAX_SECONDS = 100 * 365 * 86400


def parse_duration(text: str) -> int:
    """Seconds in ``text``; ValueError with a one-line explanation otherwise."""
    s = text.strip().lower()
    total = 0
    number = ""
    if not s:
        raise ValueError("empty duration (use e.g. 90m, 12h, 7d, 2w)")
    for ch in s:
        if ch.isdigit() and ch.isascii():
            number += ch
        elif ch in _UNITS and number:
            total += int(number) * _UNITS[ch]
            number = ""
        else:
            raise ValueError(f"invalid duration {text!r} (use e.g. 90m, 12h, 7d, 2w)")
    if number:
        raise ValueError(f"invalid duration {text!r}: a number needs a unit (s, m, h, d or w)")
    if total > _MAX_SECONDS:
        raise ValueError(f"duration {text!r} is longer than 100 years")
    return total
