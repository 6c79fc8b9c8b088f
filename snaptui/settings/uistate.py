"""What the TUI remembers between runs (the theme picked in its palette), in the state dir.

One small JSON file, written atomically. A theme picked in the palette wins
over the config file's ``theme`` until the config's value changes: the file
also keeps the configured value the choice was made against.
"""

from __future__ import annotations

import json
import os

from snaptui.base.atomic import write_atomic
from snaptui.settings.themes import THEMES


def state_file(state_dir: str) -> str:
    return os.path.join(state_dir, "ui.json")


def load_theme(state_dir: str, configured: str | None) -> str | None:
    """The theme to start with: the one picked last, unless the config's ``theme`` changed since."""
    try:
        from snaptui.base.datafile import read_regular

        data = json.loads(read_regular(state_file(state_dir), 64 * 1024))
    except (OSError, ValueError):
        return configured
    if not isinstance(data, dict):
        return configured
    picked = data.get("theme")
    if picked not in THEMES or data.get("configured") != configured:
        return configured
    return str(picked)


def save_theme(state_dir: str, theme: str, configured: str | None) -> None:
    """Remember ``theme`` (picked while the config said ``configured``); a failure only forgets."""
    if theme not in THEMES:
        return
    try:
        os.makedirs(state_dir, exist_ok=True)
        write_atomic(state_file(state_dir), json.dumps({"theme": theme, "configured": configured}).encode(),
                     durable=False)
    except OSError:
        pass
