"""A fingerprint of opendev's session store: everything its discovery depends on, as one string.

For each root, its ``projects`` folder's entries and, in each project folder,
every entry's name, whether it is a symlink, and its stat (followed). A
session's record depends on nothing else (its three files, the folder's
marker: see :mod:`snaptui.sources.opendev`), so an unchanged fingerprint
means an unchanged store, and a changed one (a log appended to, a file
added, a marker edited) means read it again. It takes listings and stats
only, and imports next to nothing: ``list --json`` checks it on every run.
"""

from __future__ import annotations

import marshal
import os
import stat


def fingerprint(roots: tuple[str, ...], listed: dict[str, list[tuple[object, ...]]] | None = None
                ) -> tuple[bytes, int]:
    """The fingerprint of the store under ``roots``, and the newest mtime in it (ns):
    a fingerprint taken within the file system's timestamp granularity of a write
    cannot be trusted to see the next one. Each project folder's entries as listed
    and stat'ed go to ``listed`` (by the folder's path) if given: the discovery that
    follows takes them rather than listing and stat'ing every file again."""
    out: list[tuple[object, ...]] = []
    newest = 0
    for root in roots:
        projects = os.path.join(root, "projects")
        try:
            with os.scandir(projects) as it:
                folders = sorted((e.name, e.is_symlink()) for e in it)
            fd = os.open(projects, _DIRECTORY)
        except OSError as exc:
            out.append((root, exc.errno or -1, os.path.isdir(root)))
            continue
        except ValueError:  # a NUL in the configured path
            out.append((root, -1))
            continue
        out.append((root, 0))
        try:  # stats relative to the folders: no path walked again for each of thousands of files
            for name, link in folders:
                try:
                    st = os.stat(name, dir_fd=fd)
                except OSError as exc:
                    out.append((name, link, exc.errno or -1))
                    continue
                out.append((name, link, st.st_mode, st.st_ino))
                if stat.S_ISDIR(st.st_mode):
                    start = len(out)
                    newest = max(newest, folder(name, out, fd))
                    if listed is not None and not (len(out) == start + 1 and out[start][0] == ""):
                        listed[os.path.join(projects, name)] = out[start:]
        finally:
            os.close(fd)
    return marshal.dumps(out, 2), newest


_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


def folder(name: str, out: list[tuple[object, ...]], dir_fd: int | None = None) -> int:
    """Add every entry of folder ``name`` (relative to ``dir_fd`` if given) to ``out``, with
    whether it is a symlink and its stat (followed); return the newest mtime among them."""
    newest = 0
    try:
        fd = os.open(name, _DIRECTORY, dir_fd=dir_fd)
    except (OSError, ValueError) as exc:
        out.append(("", getattr(exc, "errno", None) or -1))
        return newest
    try:
        with os.scandir(fd) as it:
            entries = sorted((e.name, e.is_symlink()) for e in it)
    except OSError as exc:
        os.close(fd)
        out.append(("", exc.errno or -1))
        return newest
    add, stat_at = out.append, os.stat
    try:
        for entry, link in entries:
            try:
                st = stat_at(entry, dir_fd=fd)
            except OSError as exc:
                add((entry, link, exc.errno or -1))
                continue
            mtime = st.st_mtime_ns
            add((entry, link, st.st_mode, st.st_dev, st.st_ino, st.st_size, mtime, st.st_ctime_ns))
            if mtime > newest:
                newest = mtime
    finally:
        os.close(fd)
    return newest
