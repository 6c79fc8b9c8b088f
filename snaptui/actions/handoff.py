"""Hand the terminal to the agent once the person chose a session.

Errors carry the raw names; whoever shows them makes them safe (one line, controls visible).

Through the shell function (``SNAPTUI_HANDOFF`` set, see :mod:`snaptui.shell`):
write the quoted command into that private file; the shell itself then
changes directory and runs it. Otherwise: change directory and replace this
process with the agent (``os.execvp``), so the agent owns the terminal.
Either way the command is an argument list, never a string for a shell to
parse (the shell receives every word quoted).
"""

from __future__ import annotations

import errno
import os
import stat
import sys

from snaptui.actions.resume import Plan, runnable
from snaptui.actions.shell import SHELLS, command_line


class HandoffError(Exception):
    """The resume could not be handed off; ``str()`` is one line."""


def hand_off(plan: Plan) -> int:
    """Resume ``plan``; returns an exit status only when nothing was exec'd."""
    if not plan.cwd or "\0" in plan.cwd:
        raise HandoffError("this session's project directory cannot be a directory name")
    if any("\0" in a for a in plan.argv):
        raise HandoffError("the resume command would contain a NUL character")
    if plan.refused is not None:
        raise HandoffError(f"not resumed: {plan.refused}")
    if through_shell():
        shell = os.environ["SNAPTUI_SHELL"]
        _write_private(os.environ["SNAPTUI_HANDOFF"], command_line(plan.cwd, plan.argv, shell) + "\n")
        return 0
    try:
        os.chdir(plan.cwd)
    except OSError as exc:
        raise HandoffError(f"cannot enter {plan.cwd}: {exc.strerror or exc}") from None
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execvp(plan.argv[0], plan.argv)
    except OSError as exc:
        raise HandoffError(
            f"cannot run {plan.argv[0]}: {exc.strerror or exc} (set resume_command in the config file)"
        ) from None


def through_shell() -> bool:
    """Whether the command goes to the shell integration, which runs it in the person's shell."""
    return bool(os.environ.get("SNAPTUI_HANDOFF")) and os.environ.get("SNAPTUI_SHELL", "") in SHELLS


def can_run(plan: Plan) -> bool:
    """Whether the resume command can be run: always through the shell integration (the
    person's shell has its functions and aliases: an ``opendev`` may be one), else when
    ``execvp`` finds its program from the project directory."""
    return through_shell() or runnable(plan.argv[0], plan.cwd)


def _write_private(path: str, text: str) -> None:
    """Write into the shell's temp file: an existing regular file of ours, never a link."""
    # Not truncated on opening: only once it is known to be ours (a file of someone else's
    # named by $SNAPTUI_HANDOFF is left as it was); never blocks on a FIFO.
    flags = os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO no one reads
            raise HandoffError("the hand-off file is not a private regular file") from None
        raise HandoffError(f"cannot write the hand-off file: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid():
            raise HandoffError("the hand-off file is not a private regular file")
        os.ftruncate(fd, 0)
        os.write(fd, text.encode("utf-8", "surrogateescape"))
    finally:
        os.close(fd)


def abandon() -> None:
    """The terminal is gone (SIGHUP) and the shell function with it: remove its hand-off file,
    which nothing will read, when it is still the empty private file the function made."""
    target = os.environ.get("SNAPTUI_HANDOFF")
    if not target or os.environ.get("SNAPTUI_SHELL", "") not in SHELLS:
        return
    try:
        st = os.lstat(target)
        if stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid() and st.st_size == 0 \
                and os.path.basename(target).startswith("snaptui."):
            os.unlink(target)
    except OSError:
        pass
