"""The ``snaptui`` command: ``snaptui [--dir DIR] [COMMAND] [options]``.

Parses the command line (:mod:`snaptui.cli.parse`) and runs the command.
Nothing heavy is imported here: ``--help``, ``--version`` and ``check`` (run
at every shell start) load neither Textual nor pydantic. Exit status: 0
success, 1 failure, 2 usage or configuration error (an unknown id
included). Errors a person can cause are one line on stderr, never a
traceback.
"""

from __future__ import annotations

import os
import sys

from snaptui import __version__
from snaptui.cli.parse import Parsed, UsageError, help_text, parse
from snaptui.cli.spec import PROG


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = sys.argv[1:] if argv is None else list(argv)
    _never_unencodable()
    try:
        return run(parse(args))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``snaptui list | head``): not an error.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        except OSError:
            pass
        return 0
    except UsageError as exc:
        error(str(exc))
        return 2
    except Exception as exc:  # one line, never a traceback, for the failures a person can cause
        from snaptui.actions.trash import ActionError
        from snaptui.settings.config import ConfigError

        if isinstance(exc, ConfigError):
            error(str(exc))
            return 2
        if isinstance(exc, ActionError):
            error(str(exc))
            return 1
        if isinstance(exc, OSError):
            where = f"{exc.filename}: " if exc.filename else ""
            error(f"{where}{exc.strerror or exc}")
            return 2 if getattr(exc, "usage", False) else 1  # (a DirectoryError's)
        raise


def _never_unencodable() -> None:
    """Text a stream cannot encode never ends in a traceback: in a terminal whose encoding
    cannot hold Unicode (a locale in Latin-1 or ASCII) snaptui's own symbols come out in ASCII
    that keeps their meaning ("✗" is "x", "✓" "ok"), anything else (a CJK project name) as "?";
    in UTF-8, a lone surrogate (an undecodable file name's byte) as "?", never the raw byte."""
    for stream in (sys.stdout, sys.stderr):
        if not hasattr(stream, "reconfigure"):
            continue
        utf8 = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "") == "utf8"
        if not utf8:
            import codecs

            codecs.register_error("snaptui-ascii", _in_ascii)
        try:
            stream.reconfigure(errors="replace" if utf8 else "snaptui-ascii")
        except (ValueError, OSError):  # closed, or not a text stream after all
            pass


_ASCII = {"✓": "ok", "✗": "x", "…": "...", "⋯": "...", "—": "-", "–": "-", "·": "-", "─": "-", "│": "|",
          "└": "`", "→": "->", "↑": "^", "↓": "v", "●": "*", "▶": ">", "▲": "^", "⏎": "Enter", "±": "+-",
          "⟨": "<", "⟩": ">", "“": '"', "”": '"', "‘": "'", "’": "'", "␛": "^[", "␇": "^G", "␀": "^@", "␡": "^?",
          "↯": "!", "█": "#", "▓": "#", "░": ".", "▉": "#", "▊": "#", "▋": "#", "▌": "#", "▍": "#", "▎": "#",
          "▏": "#", "▁": "_", "▂": "_", "▃": "_", "▄": "_", "▅": "#", "▆": "#", "▇": "#", "•": "*", "×": "x", "›": ">"}
"""snaptui's own symbols in ASCII, for a terminal that cannot show them (their meaning kept)."""


def _in_ascii(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(_ASCII.get(c, "?") for c in exc.object[exc.start : exc.end]), exc.end


def leave(status: int) -> None:
    """End the process with ``status`` (what the ``snaptui`` command does after :func:`main`).

    Once the output is flushed, and when nothing else could still run (no other thread, no
    ``atexit`` callback), the interpreter's teardown is skipped: it would only free every
    object and collect garbage one last time, about 10 ms after a big ``list --json`` that
    the shell would wait for. Otherwise (or if flushing fails) the usual exit.
    """
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # a closed pipe, say: the usual exit deals with it
        sys.exit(status)
    import atexit

    threads = sys.modules.get("threading")
    callbacks = getattr(atexit, "_ncallbacks", None)
    if (threads is None or threads.active_count() == 1) and callbacks is not None and callbacks() == 0:
        os._exit(status)
    sys.exit(status)


def error(message: str) -> None:
    """One line on stderr, every control character made visible."""
    from snaptui.present.safetext import one_line

    print(f"{PROG}: {one_line(message)}", file=sys.stderr)


def run(args: Parsed) -> int:
    if sys.stdout is None and args.command != "check":  # started with its output closed (">&-")
        raise UsageError("standard output is closed: nothing done (to throw the output away, use >/dev/null)")
    if args.help:
        sys.stdout.write(help_text(args.command))
        return 0
    if args.version:
        print(version_text())
        return 0
    if args.command == "check":  # every shell start: nothing more than it needs
        from snaptui.cli.check import run_check

        return run_check(args)
    if args.command is None and args.values.get("startup"):  # the shell integration opens the TUI
        from snaptui.cli.check import claim_tui

        code = claim_tui(args)
        if code is not None:
            return code
    if args.command == "__complete":  # every Tab press: as little as the check
        from snaptui.cli.complete import run_complete

        return run_complete(args)
    if args.command == "init":
        from snaptui.actions.shell import snippet

        sys.stdout.write(snippet(args.shell, directory=_abs(args.dir)))
        return 0
    from snaptui.cli import commands

    return commands.run(args)


def _abs(path: str | None) -> str | None:
    return os.path.abspath(os.path.expanduser(path)) if path else None


def version_text() -> str:
    try:
        from importlib.metadata import version

        textual = version("textual")
    except Exception:  # metadata missing in an odd install
        textual = "unknown"
    return f"snaptui {__version__} (Textual {textual}, Python {sys.version.split()[0]})"
