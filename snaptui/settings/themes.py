"""The theme names the config file accepts: Textual's built-in themes.

Written out here because settings never import Textual (the config is read
by the startup check too); ``tests/test_themes.py`` checks this list against
Textual's own.
"""

from __future__ import annotations

THEMES = (
    "ansi-dark", "ansi-light", "atom-one-dark", "atom-one-light", "catppuccin-frappe", "catppuccin-latte",
    "catppuccin-macchiato", "catppuccin-mocha", "dracula", "flexoki", "gruvbox", "monokai", "nord", "rose-pine",
    "rose-pine-dawn", "rose-pine-moon", "solarized-dark", "solarized-light", "textual-dark", "textual-light",
    "tokyo-night",
)
"""Sorted; ``ansi-*`` draw with the terminal's own colours."""
