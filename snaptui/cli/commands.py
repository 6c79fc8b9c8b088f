"""Which module runs each command (imported only when it runs: every command loads what it needs)."""

from __future__ import annotations

import importlib

from snaptui.cli.parse import Parsed

COMMANDS = {
    None: ("snaptui.cli.cmd_setup", "ui"),
    "demo": ("snaptui.cli.cmd_setup", "demo"),
    "config": ("snaptui.cli.cmd_setup", "show_config"),
    "list": ("snaptui.cli.cmd_list", "run"),
    "discard": ("snaptui.cli.cmd_trash", "discard"),
    "restore": ("snaptui.cli.cmd_trash", "restore"),
    "purge": ("snaptui.cli.cmd_purge", "run"),
    "resume": ("snaptui.cli.cmd_resume", "run"),
    "changes": ("snaptui.cli.cmd_changes", "changes"),
    "rollback": ("snaptui.cli.cmd_changes", "rollback"),
    "stats": ("snaptui.cli.cmd_stats", "run"),
    "export": ("snaptui.cli.cmd_export", "run"),
}
"""``check`` and ``init`` are run by :mod:`snaptui.cli.main` itself (the startup path)."""


def run(args: Parsed) -> int:
    module, name = COMMANDS[args.command]
    result: int = getattr(importlib.import_module(module), name)(args)
    return result
