"""Keep every write inside the project folder: no ``..`` out of it, no symlink anywhere on the way.

The paths a rollback writes come from a log the agent wrote (the ``file_path``
arguments of its calls), so they are untrusted: ``../../.bashrc``, a path
through a symlinked folder pointing elsewhere, a file that is itself a
symlink. The rules:

- the project folder is resolved to its real path ONCE (it may itself be a
  symlink, which is the person's choice); everything must stay under that;
- a path is split into components and walked from there, ``..`` undoing the
  previous component (never past the project folder); every component
  reached is ``lstat``-ed and none may be a symlink; the ones before the last
  must be real folders;
- the walk is then done again with open folder descriptors
  (:func:`open_parent`, ``O_NOFOLLOW`` at each step) and the file is only ever
  touched relative to its parent's descriptor, so a folder swapped for a
  symlink after the check cannot redirect a write.

Since no component is a symlink, undoing a component lexically for ``..`` is
exactly what the kernel does.
"""

from __future__ import annotations

import os
import stat as _stat
from typing import NamedTuple

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class Outside(Exception):
    """The path cannot be written safely; ``str()`` says why."""


class Place(NamedTuple):
    """A file's place under the project's real folder."""

    path: str
    """The real absolute path (the project's real path, then ``parts``)."""
    parts: tuple[str, ...]
    """Its components under the project folder, without ``.`` or ``..``."""
    exists: bool
    """Whether something is there now (it is not a symlink, else :class:`Outside` was raised)."""


def project_root(project_dir: str) -> str:
    """The project folder's real path, resolved once; raises :class:`Outside`."""
    if not project_dir.startswith("/") or "\0" in project_dir:
        raise Outside(f"the project folder {project_dir!r} is not an absolute path")
    root = os.path.realpath(project_dir)
    try:
        st = os.stat(root)
    except OSError as exc:
        raise Outside(f"the project folder {project_dir} cannot be used: {exc.strerror or exc}") from None
    if not _stat.S_ISDIR(st.st_mode):
        raise Outside(f"the project folder {project_dir} is not a folder")
    if root == "/":
        raise Outside("the project folder is the root of the file system: too wide to write in")
    return root


def place(path: str, project_dir: str, root: str) -> Place:
    """Check ``path`` (absolute, under ``project_dir`` as given or under its real
    path ``root``) component by component; raises :class:`Outside`."""
    if "\0" in path:
        raise Outside("the path holds a NUL byte")
    if not path.startswith("/"):
        raise Outside("not an absolute path")
    rest = None
    for prefix in (project_dir.rstrip("/"), root.rstrip("/")):
        if path.startswith(prefix + "/"):
            rest = path[len(prefix) + 1 :]
            break
    if rest is None:
        raise Outside("outside the project folder")
    components = [c for c in rest.split("/") if c not in ("", ".")]
    parts: list[str] = []
    exists = True
    for i, comp in enumerate(components):
        last = i == len(components) - 1
        if comp == "..":
            if not parts:
                raise Outside("leaves the project folder through '..'")
            parts.pop()
            continue
        parts.append(comp)
        here = os.path.join(root, *parts)
        try:
            st = os.lstat(here)
        except FileNotFoundError:
            if last:
                exists = False
                continue
            raise Outside(f"its folder {'/'.join(parts)} does not exist") from None
        except OSError as exc:
            raise Outside(f"{'/'.join(parts)} cannot be looked at: {exc.strerror or exc}") from None
        if _stat.S_ISLNK(st.st_mode):
            what = "is a symlink" if last else f"goes through a symlink ({'/'.join(parts)})"
            raise Outside(f"{what}; rollback never writes through one")
        if not last and not _stat.S_ISDIR(st.st_mode):
            raise Outside(f"{'/'.join(parts)} is not a folder")
    if not parts:
        raise Outside("names the project folder itself")
    return Place(os.path.join(root, *parts), tuple(parts), exists)


def open_root(root: str) -> int:
    """A descriptor of the project's real folder (a real path: no symlink in it was found when it was resolved)."""
    return os.open(root, _DIR_FLAGS)


def open_parent(root_fd: int, parts: tuple[str, ...]) -> int:
    """A descriptor of the folder holding ``parts[-1]``, reached from ``root_fd``
    one component at a time without following any symlink. Raises :class:`Outside`."""
    fd = os.dup(root_fd)
    try:
        for i, comp in enumerate(parts[:-1]):
            try:
                nxt = os.open(comp, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                where = "/".join(parts[: i + 1])
                raise Outside(f"{where} is no longer a plain folder ({exc.strerror or exc})") from None
            os.close(fd)
            fd = nxt
    except BaseException:
        os.close(fd)
        raise
    return fd
