"""``snaptui`` (the terminal UI), ``snaptui demo`` and ``snaptui config``."""

from __future__ import annotations

import os
import sys

from snaptui.cli.context import Context, out
from snaptui.cli.parse import Parsed, UsageError
from snaptui.present.safetext import one_line
from snaptui.settings import config, paths


def ui(args: Parsed) -> int:
    from snaptui.cli.ui import run_ui

    return run_ui(Context(args))


def demo(args: Parsed) -> int:
    from snaptui.actions.demo import PARTS, default_dir, foreign, write_demo
    from snaptui.actions.demo_store import write_store
    from snaptui.base import clock

    for option in ("store", "source"):  # given before the command's name, where every command takes them
        if args.values.get(option) is not None:
            raise UsageError(f"demo takes no --{option}: it opens its own store and recovery directory")
    dirs = paths.user_dirs_fast()
    root = os.path.abspath(os.path.expanduser(args.dir)) if args.dir else default_dir(dirs.cache)
    if os.path.lexists(root) and not os.path.isdir(root):
        raise UsageError(f"--dir {one_line(root)}: not a directory")
    problem = foreign(root)
    if problem is not None:
        raise UsageError(one_line(problem))
    target, store, projects = (os.path.join(root, part) for part in PARTS)
    try:
        write_demo(target)
        write_store(store, projects, clock.now_ms())
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    if args.write_only:
        out(one_line(target))
        return 0
    args.values["dir"] = target
    args.values["store"] = store  # the demo's own store, not the person's
    return ui(args)


def show_config(args: Parsed) -> int:
    if args.example:
        sys.stdout.write(config.EXAMPLE)
        return 0
    ctx = Context(args)
    exists = os.path.exists(ctx.config_file)
    out(f"# config file: {one_line(ctx.config_file)}{'' if exists else ' (not present: defaults apply)'}")
    out(f"# recovery dir: {one_line(ctx.directory)} (from {ctx.source})")
    out(f"# state dir: {one_line(ctx.dirs.state)}")
    out(f"# cache dir: {one_line(ctx.dirs.cache)}")
    sys.stdout.write(config.as_toml(ctx.settings))
    return 0
