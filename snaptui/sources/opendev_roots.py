"""Where opendev keeps its data: the roots whose ``projects/`` folders hold sessions.

opendev resolves one base directory (OPENDEV_STORE.md §1, "Base dir
resolution"): ``$OPENDEV_DIR`` when set, else ``~/.opendev`` when it exists,
else the XDG data directory ``${XDG_DATA_HOME:-~/.local/share}/opendev``
(an XDG variable counts only when it holds an absolute path; macOS uses
``~/Library/Application Support/opendev``). The base can flip from XDG to
``~/.opendev`` (§1, "[U] The base can flip": a crash log or large Bash output
creates ``~/.opendev``), after which the XDG sessions are invisible to opendev
but still on disk, so without ``$OPENDEV_DIR`` *both* are scanned.

The ``opendev_store`` setting chooses: ``"auto"`` (the above), ``"off"`` (no
roots) or a path (just that root, ``~`` expanded).
"""

from __future__ import annotations

import os
import sys

AUTO = "auto"
OFF = "off"


def candidate_roots() -> tuple[str, ...]:
    """The data roots opendev may have used, in its order of preference, whether they exist or not."""
    env = os.environ.get("OPENDEV_DIR")
    # opendev takes any set value; an empty one would make its paths relative to
    # wherever it ran, which cannot be known here, so empty counts as unset.
    if env:
        return (os.path.abspath(env),)
    home = os.path.expanduser("~")
    if not os.path.isabs(home):
        return ()  # no usable home: opendev itself falls back to /tmp/opendev (§1 item 4), not scanned
    if sys.platform == "darwin":
        data = os.path.join(home, "Library", "Application Support")
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        data = xdg if os.path.isabs(xdg) else os.path.join(home, ".local", "share")
    return (os.path.join(home, ".opendev"), os.path.join(data, "opendev"))


def effective_root(cwd: str | None = None) -> str | None:
    """The data root opendev would read sessions from if started now in ``cwd`` (§1: the
    first of :func:`candidate_roots` that is set or exists, else the XDG one; a relative or
    empty ``$OPENDEV_DIR`` is taken as opendev takes it, relative to where it runs); None
    without a home (opendev then uses ``/tmp/opendev``, which is not scanned either)."""
    env = os.environ.get("OPENDEV_DIR")
    if env is not None and cwd is not None and not os.path.isabs(env):
        return os.path.normpath(os.path.join(cwd, env))
    roots = candidate_roots()
    if not roots:
        return None
    if os.environ.get("OPENDEV_DIR") or os.path.isdir(roots[0]):
        return roots[0]
    return roots[-1]


def default_roots() -> tuple[str, ...]:
    """The existing :func:`candidate_roots`, each once (two names for one directory count once)."""
    roots: list[str] = []
    seen: set[str] = set()
    for root in candidate_roots():
        try:
            if not os.path.isdir(root):
                continue
            real = os.path.realpath(root)
        except (OSError, ValueError):  # ValueError: a NUL in the environment's path
            continue
        if real not in seen:
            seen.add(real)
            roots.append(root)
    return tuple(roots)


def store_roots(setting: str) -> tuple[str, ...]:
    """The roots to scan for the ``opendev_store`` setting.

    ``"auto"``: :func:`default_roots`. ``"off"`` (or an empty value): none.
    Anything else is a path, ``~`` expanded, returned even when it does not
    exist so that the scan can say so (the person asked for that directory).
    """
    if setting == AUTO:
        return default_roots()
    if setting == OFF or not setting:
        return ()
    return (os.path.abspath(os.path.expanduser(setting)),)


def named_store_problem(option: str | None) -> str | None:
    """Why a store named with ``--store DIR`` cannot be read (it is not a directory), in one
    line; None when it can, or for ``auto`` and ``off``. (The config's ``opendev_store`` is
    not judged here: a path there that does not exist is listed, as a damaged entry.)"""
    if not option or option in (AUTO, OFF):
        return None
    named = os.path.abspath(os.path.expanduser(option))
    if os.path.isdir(named):
        return None
    why = "not a directory" if os.path.lexists(named) else "no such directory"
    return f"--store {named}: {why} (opendev's data directory, or 'off')"
