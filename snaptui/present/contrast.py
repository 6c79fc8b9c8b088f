"""Colour contrast as WCAG 2 measures it, and the nearest colour that reads.

UI-neutral: colours are ``(r, g, b)`` tuples of 0-255. The TUI passes every
theme's text colours through :func:`readable` so that text keeps at least
:data:`MINIMUM` against each background it is drawn on.
"""

from __future__ import annotations

RGB = tuple[int, int, int]

MINIMUM = 4.5
"""WCAG AA for normal text."""


def luminance(rgb: RGB) -> float:
    """Relative luminance, 0 (black) to 1 (white)."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def ratio(a: RGB, b: RGB) -> float:
    """Contrast ratio, 1 to 21."""
    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def blend(fg: RGB, bg: RGB, alpha: float) -> RGB:
    """``fg`` at ``alpha`` over ``bg``."""
    return (round(fg[0] * alpha + bg[0] * (1 - alpha)), round(fg[1] * alpha + bg[1] * (1 - alpha)),
            round(fg[2] * alpha + bg[2] * (1 - alpha)))


def readable(fg: RGB, backgrounds: list[RGB], minimum: float = MINIMUM) -> RGB:
    """``fg``, or the colour nearest to it towards black or white (whichever the
    backgrounds call for) that has ``minimum`` contrast with every background."""
    if all(ratio(fg, bg) >= minimum for bg in backgrounds):
        return fg
    dark_bg = sum(luminance(bg) for bg in backgrounds) / len(backgrounds) < 0.18
    target: RGB = (255, 255, 255) if dark_bg else (0, 0, 0)
    for step in range(1, 21):
        candidate = blend(target, fg, step / 20)
        if all(ratio(candidate, bg) >= minimum for bg in backgrounds):
            return candidate
    return target


def parse_hex(text: str) -> RGB:
    """``#rgb`` / ``#rrggbb`` (an alpha part is ignored)."""
    h = text.strip().lstrip("#")
    if len(h) in (3, 4):
        h = "".join(c * 2 for c in h[:3])
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def to_hex(rgb: RGB) -> str:
    return "#{:02X}{:02X}{:02X}".format(*rgb)
