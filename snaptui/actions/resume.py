"""What resuming a session runs: the configured command, as an argument list.

The template comes from the config file (default ``opendev -d {project_dir} -r
{session_id}``) and is split like a shell would split it, once; the session's
values are then substituted into the arguments. They are never parsed by a
shell, so no directory name or id can run anything.
"""

from __future__ import annotations

import os
import shlex
import string

from snaptui.sources.records import Session

DEFAULT_TEMPLATE = "opendev -d {project_dir} -r {session_id}"


class Plan:
    """How to resume one session: where, what, and what to warn about."""

    __slots__ = ("argv", "cwd", "cwd_exists", "fresh", "refused", "session_id")

    def __init__(self, argv: list[str], cwd: str, cwd_exists: bool, session_id: str, *, fresh: bool = False,
                 refused: str | None = None) -> None:
        self.argv = argv
        self.cwd = cwd
        self.cwd_exists = cwd_exists
        self.session_id = session_id
        self.fresh = fresh
        """opendev has no saved turn of it: the command starts a fresh session there."""
        self.refused = refused
        """Why the command must not be run (nor copied): a value read from the session would
        reach the agent as an option (see :func:`command_argv`)."""

    def display(self, home: str | None = None) -> str:
        """The command as a person would type it (shell-quoted, for reading only),
        with the home directory written ``~``."""
        home = (home if home is not None else os.path.expanduser("~")).rstrip("/")
        words = []
        for arg in self.argv:
            if home and arg.startswith(home + "/"):
                words.append("~/" + _word(arg[len(home) + 1 :]))
            else:
                words.append(_word(arg))
        return " ".join(words)


def command_argv(template: str, session: Session, *, saved: bool = True) -> tuple[list[str], str | None]:
    """The resume command for ``session`` as an argument list; when opendev has not ``saved``
    it, without the template's ``-r {session_id}`` (``--resume``): a fresh session there.
    And why it must not run: an argument that begins with a value of the session's file
    starting with ``-`` (a hostile ``"session_id": "--dangerously-skip-permissions"`` after
    ``-r``, whose value is optional, would be read by opendev as that option), else None."""
    values = {"project_dir": session.project_dir, "session_id": session.session_id, "path": session.path}
    refused = None
    parts: list[str] = []
    for part in shlex.split(template):
        if not saved and part == "{session_id}" and parts and parts[-1] in ("-r", "--resume"):
            parts.pop()
            continue
        parts.append(part)
    argv: list[str] = []
    for part in parts:
        out = []
        for literal, field, _spec, _conv in string.Formatter().parse(part):
            out.append(literal)
            if field is not None:
                value = values[field]  # literal substitution: no format spec, no attribute access
                # (a project directory is used only when absolute, so never starting with "-": a
                # relative one is asked for again, and never reaches the agent)
                if refused is None and value.startswith("-") and not "".join(out) and field != "project_dir":
                    agent = argv[0] if argv else "the agent"
                    refused = f"its {field.replace('_', ' ')} starts with \"-\": {agent} would read it as an option"
                out.append(value)
        argv.append("".join(out))
    return argv, refused


def usable_project_dir(path: str) -> bool:
    """Whether ``path`` names a directory the agent can be resumed in: an existing one, given
    as an absolute path (a relative one is relative to nothing known: not the directory
    snaptui runs in, nor the one the command would be run in)."""
    return bool(path) and "\0" not in path and os.path.isabs(path) and os.path.isdir(path)


def opendev_has_it(session: Session) -> bool:
    """Whether ``opendev -r ID`` can load the session. It loads ``{id}.json`` from the
    project's folder by its exact name, and else exits with "Failed to load session"
    (OPENDEV_STORE.md §4): a store session whose first turn never ended has only its
    ``.debug``. A snapshot is resumed by its id, as its format has it."""
    return session.source == "snapshot" or not session.path.endswith(".debug")


def not_loadable(template: str, session: Session) -> str | None:
    """Why ``opendev -r`` would fail to load ``session``, or None when it may load it: a
    snapshot whose id opendev's own store (its data roots here, whatever snaptui reads) does
    not hold for its project. opendev 0.1.8 loads only its store's ``{id}.json`` there, and
    answers "Failed to load session" (OPENDEV_STORE.md §4). Nothing is said when the
    command does not name the session, or when opendev has no data directory here at all."""
    if session.source != "snapshot" or "{session_id}" not in template or not usable_project_dir(session.project_dir):
        return None  # (a project directory that is gone: resuming asks where first)
    from snaptui.sources import details

    found = details.transcript(session, None)
    if found.exists or found.path is None:
        return None
    return ("opendev's store has no session of this id for this project, and opendev 0.1.8 resumes only "
            "the sessions of its store: it will answer \"Failed to load session\"")


def runnable(program: str, cwd: str) -> bool:
    """Whether the command's first word can be run, from ``cwd`` (the project directory, where
    it runs): a program on PATH, or a path to an executable file (a relative one from ``cwd``),
    as ``execvp`` finds it there."""
    import shutil

    if not program or "\0" in program or "\0" in cwd:
        return False
    if os.sep in program:
        path = os.path.join(cwd, program)  # (an absolute program stays itself)
        return os.path.isfile(path) and os.access(path, os.X_OK)
    return shutil.which(program) is not None


def plan(template: str, session: Session) -> Plan:
    """The resume plan: the command, run in the session's project directory (a fresh
    session when opendev cannot load this one: :func:`opendev_has_it`)."""
    cwd = session.project_dir
    saved = opendev_has_it(session)
    argv, refused = command_argv(template, session, saved=saved)
    return Plan(argv, cwd, usable_project_dir(cwd), session.session_id, fresh=not saved, refused=refused)


def _word(text: str) -> str:
    """One word as a person would type it: bare when it can be, and a control character in it
    as the escapes the shell function writes (never raw: the line is shown on a terminal)."""
    from snaptui.base.shellwords import shown, user_shell

    shell = user_shell()
    if text.replace(" ", "").isprintable() and (shell != "fish" or "\\" not in text):
        return shlex.quote(text)  # bare where it can be (fish reads a backslash in '…' as an escape)
    return shown(text, shell)  # fish has no $'…': its own escapes
