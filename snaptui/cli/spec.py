"""The command line, declared once: every command, option and argument.

The parser (:mod:`snaptui.cli.parse`), the help text and the shell
completion are all made from these tables, so they cannot disagree. Plain
data: importing it costs nothing, which the startup check relies on.
"""

from __future__ import annotations

PROG = "snaptui"

# Plain classes, not NamedTuples: the startup check imports this module, and
# ``typing`` (with the ``re`` it imports) would cost it several milliseconds.


class Opt:
    """An option: a switch, or one that takes a value (``metavar``)."""

    __slots__ = ("flags", "dest", "help", "metavar", "required", "hidden", "values")

    def __init__(self, flags: tuple[str, ...], dest: str, help: str, metavar: str | None = None, *,
                 required: bool = False, hidden: bool = False, values: tuple[str, ...] = ()) -> None:
        self.flags = flags
        self.dest = dest
        self.help = help
        self.metavar = metavar
        """Set when the option takes a value."""
        self.required = required
        self.hidden = hidden
        """Accepted but not listed (internal use)."""
        self.values = values
        """Values offered to shell completion (any value is accepted)."""


class Arg:
    """A positional argument; ``many``: ``"1"``, ``"?"``, ``"*"`` or ``"+"``."""

    __slots__ = ("dest", "metavar", "help", "many", "choices", "ids")

    def __init__(self, dest: str, metavar: str, help: str, *, many: str = "1", choices: tuple[str, ...] = (),
                 ids: bool = False) -> None:
        self.dest = dest
        self.metavar = metavar
        self.help = help
        self.many = many
        self.choices = choices
        self.ids = ids
        """Names a session or file (completed with the interrupted sessions' ids)."""


class Command:
    """A command: its name, its help, its options and arguments."""

    __slots__ = ("name", "summary", "description", "options", "args", "hidden")

    def __init__(self, name: str, summary: str, description: str, options: tuple[Opt, ...] = (),
                 args: tuple[Arg, ...] = (), *, hidden: bool = False) -> None:
        self.name = name
        self.summary = summary
        self.description = description
        self.options = options
        self.args = args
        self.hidden = hidden
        """Accepted but not listed nor completed (the shell integration's own)."""


ID_HELP = "session id, unique id prefix (4+ characters) or file name"
YES = Opt(("--yes", "-y"), "yes", "do not ask")

GLOBAL: tuple[Opt, ...] = (
    Opt(("--dir",), "dir", "recovery directory (default: $SNAPTUI_RECOVERY_DIR, the config file, "
        "else ~/.opendev/data/recovery)", metavar="DIR"),
)
"""Options every command takes, before or after the command's name."""

TOP_ONLY: tuple[Opt, ...] = (
    Opt(("--version", "-V"), "version", "show the version and exit"),
    Opt(("--startup",), "startup", "open the TUI only if no other one is open (the shell integration)", hidden=True),
)

COMMANDS: tuple[Command, ...] = (
    Command("list", "list interrupted sessions, newest first",
            "List interrupted (incomplete) sessions, newest first.",
            (Opt(("--all",), "all", "also completed sessions, damaged files and leftovers of interrupted writes"),
             Opt(("--json",), "json", "one JSON array: each session's seven snapshot fields plus path and status"))),
    Command("resume", "resume a session without opening the UI",
            "Resume a session in its project directory, as enter does in the UI: through the shell "
            "function (see 'snaptui init') the shell itself changes directory and runs the command; "
            "otherwise snaptui becomes the agent.",
            (Opt(("--yes", "-y"), "yes", "do not ask about a session that may still be running"),),
            (Arg("id", "ID", ID_HELP, ids=True),)),
    Command("discard", "move sessions or damaged files to the trash (undo: restore)",
            "Move sessions' snapshot files (or damaged files and leftovers, by file name) to "
            "snaptui's trash, out of opendev's sight. 'snaptui restore ID' puts them back.",
            (Opt(("--yes", "-y"), "yes", "do not ask about sessions that may still be running"),),
            (Arg("ids", "ID", ID_HELP, many="+", ids=True),)),
    Command("restore", "put discarded sessions back",
            "Put discarded files back byte for byte. Without ID, list what the trash holds.",
            (), (Arg("ids", "ID", "session id, id prefix or file name", many="*"),)),
    Command("purge", "delete old snapshots for good",
            "Delete every valid snapshot (completed or not) older than DURATION, like opendev's "
            "cleanup_old, and empty trash batches past their retention. Damaged files are never purged.",
            (Opt(("--older-than",), "older_than", "age such as 90m, 12h, 7d, 2w", metavar="DURATION",
                 required=True, values=("1h", "12h", "1d", "7d", "14d", "30d", "90d")),
             Opt(("--dry-run", "-n"), "dry_run", "only say what would be removed"),
             Opt(("--yes", "-y"), "yes", "do not ask for confirmation"))),
    Command("check", "exit 0 if a session crashed since you last looked",
            "The startup check: exit 0 and print one line when there are interrupted sessions you "
            "have not seen in snaptui yet, 1 when there are none, 2 on error. Sessions that may "
            "still be running do not count. It reads every snapshot it has not indexed yet before it "
            "answers (seconds, once, for 100,000 of them). The shell integration's check stops "
            "reading after 0.8 s instead: it tells what it found so far, or that it is still "
            "indexing, never 'none', and finishes the index in the background.",
            (Opt(("--quiet", "-q"), "quiet", "print nothing, only the exit status"),
             Opt(("--startup",), "startup", "apply the config's startup setting (the shell integration)",
                 hidden=True))),
    Command("init", "print the shell integration for bash, zsh or fish",
            "Print the shell integration: a 'snaptui' shell function that resumes in your own "
            'shell, and a startup check. Add one line to your shell\'s rc file: bash: eval "$(snaptui '
            'init bash)"   zsh: eval "$(snaptui init zsh)"   fish: snaptui init fish | source. '
            "With --dir, the function and the check use that directory.",
            (), (Arg("shell", "SHELL", "bash, zsh or fish", choices=("bash", "zsh", "fish")),)),
    Command("demo", "write a demo recovery directory and open it",
            "Write a realistic demo recovery directory (through snaptui's own writer) and open "
            "snaptui on it.",
            (Opt(("--write-only",), "write_only", "only write it and print its path"),)),
    Command("config", "show the config file's path and the settings in effect",
            "Show where the config file is and the settings in effect, as TOML.",
            (Opt(("--example",), "example", "print a commented example config file"),)),
    Command("__complete", "tab completion (the shell integration's)",
            "Print the completions of a command line, for the functions 'snaptui init' defines: "
            "SHELL -- WORDS... CURRENT (bash: SHELL -- COMP_WORDBREAKS LINE-UP-TO-THE-CURSOR).",
            (), (Arg("shell", "SHELL", "bash, zsh or fish", choices=("bash", "zsh", "fish")),
                 Arg("words", "WORD", "the command line", many="*")), hidden=True),
)

BY_NAME = {c.name: c for c in COMMANDS}

DESCRIPTION = ("Find, inspect, resume and clean up interrupted opendev sessions. "
               "Without a command, opens the terminal UI.")
EPILOG = ("Exit status: 0 success, 1 failure, 2 usage or configuration error (an unknown id included). "
          "Configuration: $SNAPTUI_CONFIG or config.toml in snaptui's config directory "
          "('snaptui config' shows where). Set SNAPTUI_DISABLE=1 to silence the startup check.")
