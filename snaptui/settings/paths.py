"""Where snaptui looks for snapshots and where it keeps its own files.

snaptui's own directories (config, state, cache) come from platformdirs. The
startup check cannot afford to import it (about 30 ms here, mostly pathlib),
so :func:`user_dirs_fast` computes the same answer for the common Linux case
and defers to platformdirs for anything else; a test holds the two equal.
"""

from __future__ import annotations

import os
import sys

APP = "snaptui"
RECOVERY_ENV = "SNAPTUI_RECOVERY_DIR"
CONFIG_ENV = "SNAPTUI_CONFIG"


class Dirs:
    """snaptui's own per-user directories (not created until written to)."""

    __slots__ = ("config", "state", "cache")

    def __init__(self, config: str, state: str, cache: str) -> None:
        self.config = config
        self.state = state
        self.cache = cache

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dirs) and (self.config, self.state, self.cache) == (
            other.config,
            other.state,
            other.cache,
        )

    def __repr__(self) -> str:
        return f"Dirs(config={self.config!r}, state={self.state!r}, cache={self.cache!r})"


def user_dirs() -> Dirs:
    """platformdirs' answer."""
    from platformdirs import PlatformDirs

    dirs = PlatformDirs(APP, appauthor=False)
    return Dirs(dirs.user_config_dir, dirs.user_state_dir, dirs.user_cache_dir)


def user_dirs_fast() -> Dirs:
    """platformdirs' answer without importing it, where its rules are simple.

    On Linux with an absolute ``$HOME``, platformdirs uses ``$XDG_*_HOME`` when
    it is an absolute path, else ``~/.config``, ``~/.local/state``, ``~/.cache``.
    """
    home = os.environ.get("HOME", "")
    if not sys.platform.startswith("linux") or not home.startswith("/"):
        return user_dirs()

    def pick(var: str, default: str) -> str:
        value = os.environ.get(var, "")
        base = value if value.startswith("/") else home.rstrip("/") + default
        return os.path.join(base, APP)

    return Dirs(
        pick("XDG_CONFIG_HOME", "/.config"),
        pick("XDG_STATE_HOME", "/.local/state"),
        pick("XDG_CACHE_HOME", "/.cache"),
    )


def config_file(dirs: Dirs) -> str:
    """``$SNAPTUI_CONFIG``, else ``config.toml`` in the config directory."""
    return os.environ.get(CONFIG_ENV) or os.path.join(dirs.config, "config.toml")


def reference_recovery_dir() -> str:
    """The reference default: ``~/.opendev/data/recovery``, or under /tmp with no home."""
    home = os.environ.get("HOME") or _passwd_home()
    return os.path.join(home or "/tmp", ".opendev", "data", "recovery")


def _passwd_home() -> str | None:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_dir or None
    except (ImportError, KeyError, OSError):
        return None


def recovery_dir(cli_dir: str | None, configured: str | None) -> tuple[str, str]:
    """The recovery directory and where that choice came from.

    ``--dir``, else ``$SNAPTUI_RECOVERY_DIR``, else the config file, else the
    reference default.
    """
    if cli_dir:
        return os.path.abspath(os.path.expanduser(cli_dir)), "--dir"
    env = os.environ.get(RECOVERY_ENV)
    if env:
        return os.path.abspath(os.path.expanduser(env)), f"${RECOVERY_ENV}"
    if configured:
        return os.path.abspath(os.path.expanduser(configured)), "config file"
    return reference_recovery_dir(), "default"
