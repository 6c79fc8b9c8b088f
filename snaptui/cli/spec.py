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

    __slots__ = ("name", "summary", "description", "options", "args", "hidden", "shared")

    def __init__(self, name: str, summary: str, description: str, options: tuple[Opt, ...] = (),
                 args: tuple[Arg, ...] = (), *, hidden: bool = False, shared: tuple[Opt, ...] | None = None) -> None:
        self.name = name
        self.summary = summary
        self.description = description
        self.options = options
        self.args = args
        self.hidden = hidden
        """Accepted but not listed nor completed (the shell integration's own)."""
        self.shared = shared
        """The options it takes in place of :data:`GLOBAL` (None: those)."""


ID_HELP = "session id, unique id prefix (4+ characters), file name or path"
YES = Opt(("--yes", "-y"), "yes", "do not ask")

GLOBAL: tuple[Opt, ...] = (
    Opt(("--dir",), "dir", "recovery directory (default: $SNAPTUI_RECOVERY_DIR, the config file, "
        "else ~/.opendev/data/recovery)", metavar="DIR"),
    Opt(("--store",), "store", "opendev's data directory, whose projects/ hold its sessions, or 'off' "
        "(default: opendev_store in the config file, else $OPENDEV_DIR, else ~/.opendev and "
        "${XDG_DATA_HOME:-~/.local/share}/opendev)", metavar="DIR"),
    Opt(("--source",), "source", "only sessions from one source: 'snapshot' (the recovery directory) or "
        "'opendev' (its session store)", metavar="SOURCE", values=("snapshot", "opendev")),
)
"""Options every command takes, before or after the command's name (unless it says otherwise:
:attr:`Command.shared`)."""

TOP_ONLY: tuple[Opt, ...] = (
    Opt(("--version", "-V"), "version", "show the version and exit"),
    Opt(("--startup",), "startup", "open the TUI only if no other one is open (the shell integration)", hidden=True),
)

COMMANDS: tuple[Command, ...] = (
    Command("list", "list interrupted sessions, newest first",
            "List interrupted (incomplete) sessions, newest first.",
            (Opt(("--all",), "all", "also completed sessions, damaged files and leftovers of interrupted writes"),
             Opt(("--json",), "json", "one JSON array: each snapshot session's seven fields plus path, status "
                 "and source (and the lost prompt of its twin in opendev's store); a store session's own fields"))),
    Command("resume", "resume a session without opening the UI",
            "Resume a session in its project directory, as enter does in the UI: through the shell "
            "function (see 'snaptui init') the shell itself changes directory and runs the command; "
            "otherwise snaptui becomes the agent.",
            (Opt(("--yes", "-y"), "yes", "do not ask about a session that may still be running"),
             Opt(("--cd",), "cd", "resume in this directory instead of its project directory (a store "
                 "session's files are copied there first, as opendev needs them)", metavar="NEW")),
            (Arg("id", "ID", ID_HELP, ids=True),)),
    Command("discard", "move sessions or damaged files to the trash (undo: restore)",
            "Move sessions' snapshot files (or damaged files and leftovers, by file name) to "
            "snaptui's trash, out of opendev's sight. A session of opendev's store is dismissed "
            "instead: left out of snaptui's lists, its files untouched. 'snaptui restore ID' puts "
            "either back.",
            (Opt(("--yes", "-y"), "yes", "do not ask about sessions that may still be running"),),
            (Arg("ids", "ID", ID_HELP, many="+", ids=True),)),
    Command("restore", "put discarded sessions back",
            "Put discarded files back byte for byte. Without ID, list what the trash holds.",
            (), (Arg("ids", "ID", "session id, id prefix, file name or trash batch", many="*"),)),
    Command("purge", "delete old snapshots for good",
            "Delete every valid snapshot (completed or not) older than DURATION, like opendev's "
            "cleanup_old, and empty trash batches past their retention. Damaged files are never purged.",
            (Opt(("--older-than",), "older_than", "age such as 90m, 12h, 7d, 2w", metavar="DURATION",
                 required=True, values=("1h", "12h", "1d", "7d", "14d", "30d", "90d")),
             Opt(("--dry-run", "-n"), "dry_run", "only say what would be removed"),
             Opt(("--yes", "-y"), "yes", "do not ask for confirmation"))),
    Command("stats", "what interrupted sessions cost, by day, project and last tool",
            "Count the interrupted sessions of every source and what they cost: by day (local dates, "
            "newest first), by project (costliest first) and by last tool (most sessions first, with how "
            "many failed). Sums are the costs 'list --json' reports; opendev's store records no cost, so "
            "its sessions count as $0. --days N counts only the sessions of the last N days, today being "
            "the last (--days 1: today), in every section and total.",
            (Opt(("--json",), "json", "one JSON object: interrupted, cost_at_stake, by_day, by_project, by_last_tool"),
             Opt(("--days",), "days", "only the last N days (local dates, today included)", metavar="N",
                 values=("1", "7", "30")))),
    Command("export", "write a Markdown crash report of sessions, to paste into an issue",
            "Write one Markdown report of the sessions: project, when and how they stopped, cost, the "
            "resume command, the lost prompt, and every kept tool result with its output in a code block. "
            "Control characters are shown as in the UI (␛[31m), never written raw. To standard output, or "
            "with --output to FILE, written atomically (a new FILE is readable only by you). An existing "
            "FILE is replaced only with --force, and only when it is a regular file: never a symlink, "
            "whatever it points to.",
            (Opt(("--output", "-o"), "output", "write the report to FILE ('-': standard output)", metavar="FILE"),
             Opt(("--force", "-f"), "force", "replace FILE when it exists (a regular file only)")),
            (Arg("ids", "ID", ID_HELP, many="+", ids=True),)),
    Command("check", "exit 0 if a session crashed since you last looked",
            "The startup check: exit 0 and print one line when there are interrupted sessions you "
            "have not seen in snaptui yet, 1 when there are none, 2 on error. A session an opendev "
            "process works on (in its project directory) does not count; where processes cannot be "
            "seen, nor does one written within running_threshold. It reads every snapshot it has "
            "not indexed yet before it answers (seconds, once, for 100,000 of them). The shell "
            "integration's check stops reading after 0.8 s instead: it tells what it found so far, or that it is still "
            "indexing, never 'none', and finishes the index in the background.",
            (Opt(("--quiet", "-q"), "quiet", "print nothing, only the exit status"),
             Opt(("--startup",), "startup", "apply the config's startup setting (the shell integration)",
                 hidden=True))),
    Command("changes", "show what the interrupted turn did to the project's files",
            "Show each file the interrupted turn of a session changed (from opendev's per-turn "
            "checkpoints), with a unified diff: before = opendev's backup, after = the file now.",
            (Opt(("--json",), "json", "one JSON array: path, change, diff, backup, notes"),),
            (Arg("id", "ID", ID_HELP, ids=True),)),
    Command("rollback", "put the files back as they were before the interrupted turn",
            "Put back the files the interrupted turn changed: modified and deleted files from "
            "opendev's backups, created files moved out of the project. Every current version is kept "
            "first, so 'snaptui restore' undoes it. Refuses while the session may still be running.",
            (Opt(("--dry-run", "-n"), "dry_run", "only say what would be done"),
             Opt(("--yes", "-y"), "yes", "do not ask for confirmation")),
            (Arg("id", "ID", ID_HELP, ids=True),)),
    Command("init", "print the shell integration for bash, zsh or fish",
            "Print the shell integration: a 'snaptui' shell function that resumes in your own "
            'shell, and a startup check. Add one line to your shell\'s rc file: bash: eval "$(snaptui '
            'init bash)"   zsh: eval "$(snaptui init zsh)"   fish: snaptui init fish | source. '
            "With --dir, the function and the check use that directory.",
            (), (Arg("shell", "SHELL", "bash, zsh or fish", choices=("bash", "zsh", "fish")),)),
    Command("demo", "write a demo recovery directory and opendev store, and open them",
            "Write a realistic demo recovery directory (through snaptui's own writer) and a small "
            "opendev session store beside it (as opendev writes one), and open snaptui on both. "
            "Everything goes into one folder, as recovery/, opendev/ and projects/: a folder of "
            "snaptui's cache, or --dir DIR (empty, or an earlier demo), never your recovery directory "
            "or opendev's store. "
            "--write-only prints the recovery directory's path.",
            (Opt(("--write-only",), "write_only", "only write it and print its path"),),
            shared=(Opt(("--dir",), "dir", "the demo's folder (default: a folder of snaptui's cache); empty, "
                        "or an earlier demo", metavar="DIR"),)),
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


def options_of(command: Command | None) -> tuple[Opt, ...]:
    """Every option ``command`` takes (None: before a command's name)."""
    if command is None:
        return GLOBAL + TOP_ONLY
    return (GLOBAL if command.shared is None else command.shared) + command.options
