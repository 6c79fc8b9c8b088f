"""Parse a command line against :mod:`snaptui.cli.spec`, and write help from it.

One small parser for every command, the startup check included: global
options (``--dir``) are accepted before or after the command's name, with the
same result either way; ``--opt VALUE`` and ``--opt=VALUE``; ``--`` ends the
options. Mistakes raise :class:`UsageError` with one line. No argparse: it
would cost more than the whole startup check.
"""

from __future__ import annotations

from snaptui.cli.spec import BY_NAME, DESCRIPTION, EPILOG, GLOBAL, PROG, Arg, Command, Opt, options_of

TYPE_CHECKING = False  # not typing's: the startup check cannot afford importing typing
if TYPE_CHECKING:
    from typing import Any


class UsageError(Exception):
    """A mistake in how snaptui was called (exit status 2)."""


class Parsed:
    """The command chosen (None: the terminal UI) and its values, as attributes."""

    def __init__(self, command: str | None, values: dict[str, Any]) -> None:
        self.command = command
        self.values = values
        self.help = False
        self.version = False

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


def parse(argv: list[str]) -> Parsed:
    """Parse ``argv`` (without the program name)."""
    command: Command | None = None
    values: dict[str, Any] = {}
    positionals: list[str] = []
    wants_help = wants_version = False
    options_done = False
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if options_done or not arg.startswith("-") or arg == "-":
            if command is None and not positionals:
                found = BY_NAME.get(arg)
                if found is None:
                    listed = ", ".join(c.name for c in BY_NAME.values() if not c.hidden)
                    raise UsageError(f"unknown command {arg!r} (commands: {listed})")
                command = found
            else:
                positionals.append(arg)
            continue
        if arg == "--":
            options_done = True
            continue
        if arg in ("-h", "--help"):
            wants_help = True
            continue
        name, eq, inline = arg.partition("=")
        opt = _find(name, options_of(command))
        if opt is None:
            where = f"'{PROG} {command.name}'" if command else f"'{PROG}'"
            raise UsageError(f"unrecognized option {name!r} for {where} (see '{_help_cmd(command)}')")
        if opt.dest == "version":
            wants_version = True
            continue
        if opt.metavar is None:
            if eq:
                raise UsageError(f"{name} takes no value")
            values[opt.dest] = True
            continue
        if eq:
            value = inline
        elif i < len(argv):
            value = argv[i]
            i += 1
        else:
            raise UsageError(f"{name} needs a value ({opt.metavar})")
        if not value:
            raise UsageError(f"{name} needs a value ({opt.metavar})")
        values[opt.dest] = value
    parsed = Parsed(command.name if command else None, values)
    parsed.help, parsed.version = wants_help, wants_version
    if wants_help or wants_version:
        return parsed
    for opt in GLOBAL + options_of(command):  # every command's Parsed has the shared ones (unset: demo's)
        values.setdefault(opt.dest, None if opt.metavar else False)
        if opt.required and values[opt.dest] is None:
            raise UsageError(f"{opt.flags[0]} {opt.metavar} is required (see '{_help_cmd(command)}')")
    _positionals(command, positionals, values)
    return parsed


def _find(name: str, options: tuple[Opt, ...]) -> Opt | None:
    return next((o for o in options if name in o.flags), None)


def _help_cmd(command: Command | None) -> str:
    return f"{PROG} {command.name} --help" if command else f"{PROG} --help"


def _positionals(command: Command | None, given: list[str], values: dict[str, Any]) -> None:
    args = command.args if command else ()
    rest = list(given)
    for arg in args:
        if arg.many == "1":
            if not rest:
                raise UsageError(f"{arg.metavar} is missing (see '{_help_cmd(command)}')")
            values[arg.dest] = _check_choice(arg, rest.pop(0))
        elif arg.many == "?":
            values[arg.dest] = _check_choice(arg, rest.pop(0)) if rest else None
        else:
            if arg.many == "+" and not rest:
                raise UsageError(f"{arg.metavar} is missing (see '{_help_cmd(command)}')")
            values[arg.dest] = [_check_choice(arg, v) for v in rest]
            rest = []
    if rest:
        raise UsageError(f"unexpected argument {rest[0]!r} (see '{_help_cmd(command)}')")


def _check_choice(arg: Arg, value: str) -> str:
    if arg.choices and value not in arg.choices:
        raise UsageError(f"{arg.metavar} must be one of {', '.join(arg.choices)}, not {value!r}")
    return value


# -- help ------------------------------------------------------------------------


def _usage(command: Command | None) -> str:
    if command is None:
        return f"usage: {PROG} [--dir DIR] [COMMAND] [options]"
    words = [PROG, command.name, "[--dir DIR]"]
    for o in command.options:
        if o.hidden:
            continue
        word = o.flags[0] + (f" {o.metavar}" if o.metavar else "")
        words.append(word if o.required else f"[{word}]")
    for a in command.args:
        words.append({"1": a.metavar, "?": f"[{a.metavar}]", "*": f"[{a.metavar}...]", "+": f"{a.metavar}..."}[a.many])
    return "usage: " + " ".join(words)


def _wrap(text: str, indent: int = 0) -> str:
    import textwrap  # help only: it imports re

    return textwrap.fill(text, 88, initial_indent=" " * indent, subsequent_indent=" " * indent)


def _table(rows: list[tuple[str, str]]) -> list[str]:
    import textwrap

    left = max((len(k) for k, _ in rows), default=0) + 2
    out = []
    for key, text in rows:
        lines = textwrap.wrap(text, max(88 - left - 2, 30)) or [""]
        out.append(f"  {key:<{left}}{lines[0]}")
        out += [" " * (left + 2) + line for line in lines[1:]]
    return out


def help_text(command_name: str | None) -> str:
    """``snaptui [COMMAND] --help``."""
    command = BY_NAME.get(command_name) if command_name else None
    out = [_usage(command), "", _wrap(command.description if command else DESCRIPTION), ""]
    if command is None:
        out.append("commands:")
        out += _table([(c.name, c.summary) for c in BY_NAME.values() if not c.hidden])
        out.append("")
    if command is not None and command.args:
        out.append("arguments:")
        out += _table([(a.metavar, a.help) for a in command.args])
        out.append("")
    opts = [o for o in options_of(command) if not o.hidden]
    rows = [(", ".join(o.flags) + (f" {o.metavar}" if o.metavar else ""), o.help) for o in opts]
    rows.append(("-h, --help", "show this help and exit"))
    out.append("options:")
    out += _table(rows)
    if command is None:
        out += ["", _wrap(EPILOG)]
    return "\n".join(out) + "\n"
