"""Themes: the config's list is Textual's, and every theme's text reads (at least 4.5:1)."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.theme import BUILTIN_THEMES

from snaptui.present.contrast import MINIMUM, parse_hex, ratio
from snaptui.settings import config
from snaptui.settings.themes import THEMES
from snaptui.tui.theming import BACKGROUNDS, PAIRS, TEXT, readable_variables


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
