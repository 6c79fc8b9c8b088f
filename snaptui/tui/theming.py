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
TINTS = ("success", "error")
TINT_ALPHA = 0.14
"""A diff's added and removed lines are the background tinted with these (``$success 14%``)."""
PAIRS = (("block-cursor-foreground", ("block-cursor-background",)),
         ("footer-key-foreground", ("footer-background",)),
         ("footer-description-foreground", ("footer-background",)),
         ("button-foreground", ("surface", "panel")))
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
    out = {**variables, **defaults(variables)}
    try:
        bgs = {name: Color.parse(variables[name]) for name in BACKGROUNDS}
    except Exception:
        return out
    if any(bg.ansi is not None for bg in bgs.values()):
        return out  # the terminal's own colours: nothing to measure
    grounds = [bg.rgb for bg in bgs.values()]
    for tint in TINTS:  # a diff's added and removed lines: text is drawn on these too
        try:
            grounds.append((bgs["background"] + Color.parse(variables[tint]).with_alpha(TINT_ALPHA)).rgb)
        except Exception:
            continue
    for name in TEXT:
        if name not in variables:
            continue
        rgb = _rgb(variables[name], bgs["surface"])
        if rgb is not None:
            out[name] = _hex(readable(rgb, grounds, TARGET))
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
            out[name] = _hex(readable(rgb, _focused(base, variables), TARGET))
    for variant in BUTTON_VARIANTS:  # each coloured button's text on its own colour (one for all cannot be)
        rgb = _rgb(variables.get("button-color-foreground", ""), Color.parse(variables[variant])) \
            if variant in variables else None
        if rgb is not None:
            out[f"snap-button-{variant}-foreground"] = _hex(
                readable(rgb, _focused([Color.parse(variables[variant])], variables), TARGET))
    return out


BUTTON_VARIANTS = ("primary", "error", "warning")
"""The coloured buttons snaptui's dialogs use; app.tcss draws their text in ``$snap-button-{variant}-foreground``."""


def defaults(variables: dict[str, str]) -> dict[str, str]:
    """snaptui's own variables as the theme gives them (the ``ansi-*`` themes keep these)."""
    fg = variables.get("button-color-foreground", "auto 90%")
    return {f"snap-button-{variant}-foreground": fg for variant in BUTTON_VARIANTS}


def _focused(base: list[Color], variables: dict[str, str]) -> list[RGB]:
    """``base`` and, as a focused button or input draws it, tinted 5% towards the foreground."""
    out = [b.rgb for b in base]
    try:
        tint = Color.parse(variables["foreground"]).with_alpha(0.05)
    except Exception:
        return out
    return out + [(b + tint).rgb for b in base]


def _hex(rgb: RGB) -> str:
    return "#{:02X}{:02X}{:02X}".format(*rgb)

