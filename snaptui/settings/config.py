"""The configuration file (TOML), validated by a pydantic model.

The file is optional; every setting has a default. Its path is
``$SNAPTUI_CONFIG`` or ``config.toml`` in snaptui's platformdirs config
directory. The startup check reads it through :func:`load_fast`, which avoids
pydantic and tomllib (about 80 ms here) by caching the validated values keyed
by the file's identity.
"""

from __future__ import annotations

import marshal
import os

from snaptui.base.atomic import write_atomic
from snaptui.base.datafile import read_regular

TYPE_CHECKING = False  # not typing's: the startup check reads the config and cannot afford it
if TYPE_CHECKING:
    from typing import Any

    from pydantic import BaseModel

DEFAULTS: dict[str, Any] = {
    "recovery_dir": None,
    "opendev_store": "auto",
    "startup": "open",
    "purge_older_than": "30d",
    "trash_retention": "30d",
    "running_threshold": "5m",
    "resume_command": "opendev -d {project_dir} -r {session_id}",
    "theme": None,
}
"""Every setting and its default (the model below takes its defaults from here)."""

STARTUP_CHOICES = ("open", "notify", "off")
COMMAND_FIELDS = ("project_dir", "session_id", "path")

EXAMPLE = """\
# snaptui configuration. Every setting is optional; these are the defaults.

# Where opendev keeps its crash-recovery snapshots.
# recovery_dir = "~/.opendev/data/recovery"

# opendev's own session store, where a crash leaves the turn it lost: "auto"
# ($OPENDEV_DIR, else both ~/.opendev and ~/.local/share/opendev), "off", or a path.
opendev_store = "auto"

# What a new interactive shell does when a session crashed since you last looked:
# "open" the TUI, "notify" with one line, or "off".
startup = "open"

# Default age in the purge dialog, and how long discarded snapshots stay restorable.
purge_older_than = "30d"
trash_retention = "30d"

# A snapshot written more recently than this may belong to a session that is
# still running: it is marked, and snaptui asks before resuming or discarding it.
running_threshold = "5m"

# The resume command, run as an argument list (never through a shell).
# Placeholders: {project_dir}, {session_id}, {path} (the snapshot file).
resume_command = "opendev -d {project_dir} -r {session_id}"

# A Textual theme name, e.g. "textual-light", "nord", "gruvbox".
# theme = "textual-dark"
"""


class ConfigError(Exception):
    """The config file cannot be used; ``str()`` is one line naming the file."""


def _model() -> type[BaseModel]:
    """The pydantic model, built on first use (pydantic costs ~60 ms to import)."""
    global _Settings
    if _Settings is not None:
        return _Settings
    import shlex
    import string
    from typing import Literal

    from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

    from snaptui.base.durations import parse_duration

    class Settings(BaseModel):
        """snaptui's settings, as read from the config file."""

        model_config = ConfigDict(extra="forbid", frozen=True)

        recovery_dir: str | None = DEFAULTS["recovery_dir"]
        """Directory of opendev's snapshots; ``~`` is expanded."""
        opendev_store: str = DEFAULTS["opendev_store"]
        """opendev's data directory to read sessions from: ``auto``, ``off`` or a path."""
        startup: Literal["open", "notify", "off"] = DEFAULTS["startup"]
        """What the shell integration does at startup when there is a new crash."""
        purge_older_than: str = DEFAULTS["purge_older_than"]
        """Default age offered by the purge dialog."""
        trash_retention: str = DEFAULTS["trash_retention"]
        """How long discarded snapshots stay restorable before purge empties them."""
        running_threshold: str = DEFAULTS["running_threshold"]
        """Snapshots newer than this may belong to a running session."""
        resume_command: str = DEFAULTS["resume_command"]
        """The resume command template, split like a shell would, run without one."""
        theme: str | None = DEFAULTS["theme"]
        """Textual theme to start with."""

        @field_validator("opendev_store", "recovery_dir")
        @classmethod
        def _place(cls, value: str | None, info: ValidationInfo) -> str | None:
            if value is not None and not value.strip():
                raise ValueError('is empty (use "auto", "off" or a directory)' if info.field_name == "opendev_store"
                                 else "is empty (leave it out for the default)")
            if value is not None and "\0" in value:
                raise ValueError("holds a NUL character")
            return value

        @field_validator("purge_older_than", "trash_retention", "running_threshold")
        @classmethod
        def _duration(cls, value: str) -> str:
            parse_duration(value)
            return value

        @field_validator("theme")
        @classmethod
        def _theme(cls, value: str | None) -> str | None:
            from snaptui.settings.themes import THEMES

            if value is not None and value not in THEMES:
                raise ValueError(f"unknown theme {value!r} (known: {', '.join(THEMES)})")
            return value

        @field_validator("resume_command")
        @classmethod
        def _command(cls, value: str) -> str:
            try:
                argv = shlex.split(value)
            except ValueError as exc:
                raise ValueError(f"cannot be split into arguments: {exc}") from None
            if not argv:
                raise ValueError("is empty")
            for arg in argv:
                try:
                    fields = list(string.Formatter().parse(arg))
                except ValueError as exc:  # a lone "{" or "}"
                    raise ValueError(f"{exc} (write a brace as {{{{ or }}}})") from None
                for _, field, spec, conversion in fields:
                    if field is not None and field not in COMMAND_FIELDS:
                        raise ValueError(
                            f"unknown placeholder {{{field}}} (use {', '.join('{' + f + '}' for f in COMMAND_FIELDS)})"
                        )
                    if field is not None and (spec or conversion):  # replaced as it is: no format applies
                        shown = "{" + field + (f"!{conversion}" if conversion else "") \
                            + (f":{spec}" if spec else "") + "}"
                        raise ValueError(f"{shown}: a placeholder takes no format or conversion (write {{{field}}})")
            return value

    _Settings = Settings
    return Settings


_Settings: type[BaseModel] | None = None


def load(path: str) -> BaseModel:
    """The settings in ``path`` (defaults when it does not exist). Raises ConfigError."""
    Settings = _model()
    raw = _read_toml(path)
    from pydantic import ValidationError

    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "file"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown setting (known: {', '.join(DEFAULTS)})"
        raise ConfigError(f"config file {path}: {where}: {msg}") from None


CONFIG_MAX = 1024 * 1024
"""A config file is a few hundred bytes; anything past a MiB is not one (``/dev/zero``'s worth is refused)."""


def _read_toml(path: str) -> dict[str, Any]:
    try:
        data = read_regular(path, CONFIG_MAX + 1)
    except FileNotFoundError:
        return _absent(path)
    except OSError as exc:
        raise ConfigError(f"config file {path}: {exc.strerror}") from None
    if len(data) > CONFIG_MAX:
        raise ConfigError(f"config file {path}: larger than {CONFIG_MAX // 1024} KiB, so not a config file")
    import tomllib

    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: {exc}") from None


def _absent(path: str) -> dict[str, Any]:
    """No settings, when ``path`` does not exist; but a file named by ``$SNAPTUI_CONFIG`` is
    one the person meant to use (a typo there would silently bring back the defaults):
    raises ConfigError."""
    from snaptui.settings.paths import CONFIG_ENV

    if os.environ.get(CONFIG_ENV) == path:
        raise ConfigError(f"config file {path} (named by ${CONFIG_ENV}) does not exist; "
                          "'snaptui config --example' prints one to start from")
    return {}


def load_fast(path: str, cache_dir: str) -> dict[str, Any]:
    """Settings as a plain dict, without pydantic when nothing changed.

    No file: the defaults. Otherwise the validated values are cached in
    ``cache_dir`` under the file's identity (device, inode, size, mtime, and the change
    time, which an edit that puts the mtime back moves all the same), and recomputed
    through :func:`load` whenever that identity changes.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return {**DEFAULTS, **_absent(path)}
    except OSError:
        return load(path).model_dump()
    key = (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    memo = os.path.join(cache_dir, "config.marshal")
    try:
        cached_key, values = marshal.loads(read_regular(memo, CONFIG_MAX))
        if cached_key == key and isinstance(values, dict) and values.keys() == DEFAULTS.keys():
            return values
    except (OSError, ValueError, EOFError, TypeError):
        pass
    values = load(path).model_dump()
    try:
        os.makedirs(cache_dir, exist_ok=True)
        write_atomic(memo, marshal.dumps((key, values)), durable=False)
    except OSError:
        pass
    return values


def as_toml(settings: dict[str, Any]) -> str:
    """The settings in effect as a TOML file (unset ones commented out)."""
    import json

    width = max(map(len, DEFAULTS))
    lines = []
    for key in DEFAULTS:
        value = settings.get(key)
        if value is None:
            lines.append(f"# {key:<{width}} = (not set)")
        else:  # a JSON string is a valid TOML basic string (the same escapes)
            lines.append(f"{key:<{width}} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"
