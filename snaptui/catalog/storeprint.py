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


def fingerprint(roots: tuple[str, ...]) -> tuple[bytes, int]:
    """The fingerprint of the store under ``roots``, and the newest mtime in it (ns):
    a fingerprint taken within the file system's timestamp granularity of a write
    cannot be trusted to see the next one."""
    out: list[tuple[object, ...]] = []
    newest = 0
    for root in roots:
        projects = os.path.join(root, "projects")
        try:
            with os.scandir(projects) as it:
                folders = sorted((e.name, e.is_symlink()) for e in it)
        except OSError as exc:
            out.append((root, exc.errno or -1, os.path.isdir(root)))
            continue
        except ValueError:  # a NUL in the configured path
            out.append((root, -1))
            continue
        out.append((root, 0))
        for name, link in folders:
            folder = os.path.join(projects, name)
            try:
                st = os.stat(folder)
            except OSError as exc:
                out.append((name, link, exc.errno or -1))
                continue
            out.append((name, link, st.st_mode, st.st_ino))
            if stat.S_ISDIR(st.st_mode):
                newest = max(newest, _folder(folder, out))
    return marshal.dumps(out, 2), newest


def _folder(folder: str, out: list[tuple[object, ...]]) -> int:
    """Add every entry of ``folder`` to ``out``; return the newest mtime among them."""
    newest = 0
    try:
        with os.scandir(folder) as it:
            entries = sorted(((e.name, e.is_symlink(), e.path) for e in it), key=lambda e: e[0])
    except OSError as exc:
        out.append(("", exc.errno or -1))
        return newest
    for name, link, path in entries:
        try:
            st = os.stat(path)
        except OSError as exc:
            out.append((name, link, exc.errno or -1))
            continue
        out.append((name, link, st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns))
        newest = max(newest, st.st_mtime_ns)
    return newest
