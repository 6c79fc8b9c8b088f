"""Every theme's text made readable: at least 4.5:1 against the backgrounds it is drawn on.

Textual's themes give some text colours little contrast (the light theme's
orange on grey); :func:`readable_variables` moves each text colour the least
needed towards black or white (:mod:`snaptui.present.contrast`).
"""

from __future__ import annotations

from textual.color import Color

from snaptui.present.contrast import MINIMUM, RGB, readable

TARGET = MINIMUM + 0.2
"""A little above 4.5:1: the focused list's 3% tint moves its background slightly."""

BACKGROUNDS = ("background", "surface", "panel")
TEXT = ("foreground", "text", "text-primary", "text-secondary", "text-accent", "text-warning", "text-error",
        "text-success", "text-muted")
"""Text colours used on the three backgrounds (lists, detail, status line, dialogs)."""
PAIRS = (("block-cursor-foreground", ("block-cursor-background",)),
         ("footer-key-foreground", ("footer-background",)),
         ("footer-description-foreground", ("footer-background",)),
         ("button-foreground", ("surface",)),
         ("button-color-foreground", ("primary", "error")))
"""Text colours with a background of their own."""


def _rgb(value: str, under: Color) -> RGB | None:
    """A CSS colour value (``#abc``, ``auto 60%``) as drawn over ``under``; None if unknown (ANSI colours)."""
    value = value.strip()
    try:
        if value.startswith("auto"):
            alpha = float(value.split()[1].rstrip("%")) / 100 if len(value.split()) > 1 else 1.0
            colour = under.get_contrast_text(alpha)
        else:
            colour = Color.parse(value)
    except Exception:
        return None
    if colour.ansi is not None:
        return None
    blended = under + colour if colour.a < 1 else colour
    return blended.rgb


def readable_variables(variables: dict[str, str]) -> dict[str, str]:
    """``variables`` with each text colour made readable on its backgrounds."""
    out = dict(variables)
    try:
        bgs = {name: Color.parse(variables[name]) for name in BACKGROUNDS}
    except Exception:
        return out
    if any(bg.ansi is not None for bg in bgs.values()):
        return out  # the terminal's own colours: nothing to measure
    for name in TEXT:
        if name not in variables:
            continue
        rgb = _rgb(variables[name], bgs["surface"])
        if rgb is not None:
            out[name] = _hex(readable(rgb, [bg.rgb for bg in bgs.values()], TARGET))
    for name, under in PAIRS:
        if name not in variables or any(u not in variables for u in under):
            continue
        try:
            base = [Color.parse(variables[u]) for u in under]
        except Exception:
            continue
        if any(b.ansi is not None or b.a < 1 for b in base):
            continue
        rgb = _rgb(variables[name], base[0])
        if rgb is not None:
            out[name] = _hex(readable(rgb, [b.rgb for b in base], TARGET))
    return out


def _hex(rgb: RGB) -> str:
    return "#{:02X}{:02X}{:02X}".format(*rgb)

