"""Themes: the config's list is Textual's, and every theme's text reads (at least 4.5:1)."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.theme import BUILTIN_THEMES

from snaptui.present.contrast import MINIMUM, parse_hex, ratio
from snaptui.settings import config
from snaptui.settings.themes import THEMES
from snaptui.tui.theming import BACKGROUNDS, BUTTON_VARIANTS, PAIRS, TEXT, readable_variables


def test_theme_names_are_textuals_builtin_themes():
    assert sorted(THEMES) == sorted(BUILTIN_THEMES)


def test_an_unknown_theme_in_the_config_is_a_one_line_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('theme = "solarised"\n')
    with pytest.raises(config.ConfigError) as err:
        config.load(str(path))
    assert "theme: unknown theme 'solarised'" in str(err.value) and "\n" not in str(err.value)
    path.write_text('theme = "nord"\n')
    assert config.load(str(path)).model_dump()["theme"] == "nord"


@pytest.mark.parametrize("theme", [t for t in THEMES if not t.startswith("ansi-")])
def test_every_text_colour_reads_on_its_background(theme):
    app = App()
    app.theme = theme
    variables = readable_variables(app.get_css_variables())
    pairs = [(fg, bg) for fg in TEXT for bg in BACKGROUNDS] + [(fg, bg) for fg, bgs in PAIRS for bg in bgs]
    pairs += [(f"snap-button-{variant}-foreground", variant) for variant in BUTTON_VARIANTS]
    for fg, bg in pairs:
        if fg in variables and bg in variables:
            assert variables[fg].startswith("#"), (fg, variables[fg])
            contrast = ratio(parse_hex(variables[fg]), parse_hex(variables[bg]))
            assert contrast >= MINIMUM, (theme, fg, bg, round(contrast, 2))


def test_the_ansi_themes_use_the_terminals_own_colours():
    # Nothing to measure: the terminal decides these colours (the person chose them there).
    app = App()
    app.theme = "ansi-dark"
    assert readable_variables(app.get_css_variables())["text-warning"] == app.get_css_variables()["text-warning"]


# -- what is on screen ---------------------------------------------------------------------------

SHAPES = set("─│┌┐└┘├┤┬┴┼━┃╭╮╯╰▔▁▏▕▎▊▌█▀▄▐▂▃▅▆▇▉▍▋▝▘▗▖▞▚╸╺╹╻")
"""Lines and blocks (borders, scrollbars, bars): shapes, not text."""


def low_contrast(app) -> list[tuple[float, str]]:
    """Every run of text on the screen below 4.5:1 against its own background; a dialog's
    text only (the screen dimmed behind it is not meant to be read)."""
    from rich.cells import cell_len

    region = None
    if app.screen is not app.screen_stack[0]:
        dialogs = list(app.screen.query(".dialog"))
        region = dialogs[0].region if dialogs else None
    found = []
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        x = 0
        for seg in strip:
            start, x = x, x + cell_len(seg.text)
            if region is not None and not (region.y <= y < region.bottom and region.x <= start < region.right):
                continue
            text = "".join(c for c in seg.text if c not in SHAPES and not c.isspace())
            style = seg.style
            if not text or style is None or style.color is None or style.bgcolor is None:
                continue
            if style.color.triplet is None or style.bgcolor.triplet is None:
                continue  # the terminal's own colours
            contrast = ratio(tuple(style.color.triplet), tuple(style.bgcolor.triplet))
            if contrast < MINIMUM:
                found.append((round(contrast, 2), text[:40]))
    return found


@pytest.mark.parametrize("theme", ["textual-light", "nord", "solarized-light", "solarized-dark", "tokyo-night",
                                   "atom-one-dark", "atom-one-light"])
async def test_every_text_on_the_screens_and_dialogs_reads_on_its_background(home, theme):
    """As drawn, cell by cell: the list, help (its keys were the border colour, 1.3:1 in the
    light theme), the purge dialog (its chosen age and Purge button), the trash, the insights."""
    from tui_support import make_app, settle

    app = make_app(home, theme=theme)
    seen = {}
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        seen["list"] = low_contrast(app)
        for key, name in (("question_mark", "help"), ("P", "purge"), ("T", "trash"), ("i", "insights")):
            await pilot.press(key)
            await pilot.pause(0.5)
            seen[name] = low_contrast(app)
            await pilot.press("escape")
            await pilot.pause(0.2)
    assert {name: found for name, found in seen.items() if found} == {}
