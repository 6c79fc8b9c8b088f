"""Opening and reading files that may be hostile: never block, never read too much.

Shared by every source (the recovery directory, opendev's session store) and
the catalog. A FIFO or a device is never opened (opening one can block or
act), only regular files are read, and a whole-file read is bounded. The
reasons returned are one line, in a person's words.
"""

from __future__ import annotations

import errno
import os
import stat as _stat

MAX_BYTES = 32 * 1024 * 1024
"""The default bound of :func:`read_bounded` (the recovery scan's: a real snapshot is a few KiB)."""

StatForm = tuple[int, int, int, int, int] | tuple[str, int]
"""What :func:`file_stat` returns: ``(mode, device, inode, size, mtime_ns)`` or ``("error", errno)``."""

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
"""O_NONBLOCK: a FIFO swapped in after the stat must not block the open."""


class Unreadable(Exception):
    """A file that is not to be read; ``str()`` is the reason."""


def open_regular(path: str) -> tuple[int, os.stat_result]:
    """Open a regular file for reading without blocking: ``(fd, fstat)``.

    The caller closes the fd. Raises :class:`Unreadable` when what was opened
    is not a regular file (it was swapped since the caller's stat), or OSError.
    """
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        if not _stat.S_ISREG(st.st_mode):
            raise Unreadable(reason_not_regular(st.st_mode))
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def read_bounded(path: str, limit: int = MAX_BYTES) -> tuple[os.stat_result, bytes]:
    """Read a regular file without blocking, refusing anything over ``limit`` bytes.

    Returns the identity of what was actually read (``fstat`` of the open file).
    Raises :class:`Unreadable` with a reason, or OSError.
    """
    fd, st = open_regular(path)
    try:
        if st.st_size > limit:
            raise Unreadable(reason_too_large(st.st_size))
        data = os.read(fd, st.st_size) if st.st_size else b""
        if len(data) == st.st_size and st.st_size:
            return st, data  # all of it, as fstat said: no second read for EOF
        chunks = [data]
        total = len(data)
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise Unreadable(reason_too_large(total))
        return st, b"".join(chunks)
    finally:
        os.close(fd)


def reason_too_large(size: int) -> str:
    """Why a file was not read: its size."""
    # The wording of present.humanfmt.size, which this layer cannot import.
    import humanize

    return f"too large ({humanize.naturalsize(size, binary=True)})"


def reason_not_regular(mode: int) -> str:
    """Why a file is not read: what kind of file it is."""
    kind = (
        "a directory" if _stat.S_ISDIR(mode)
        else "a FIFO" if _stat.S_ISFIFO(mode)
        else "a socket" if _stat.S_ISSOCK(mode)
        else "a device" if _stat.S_ISCHR(mode) or _stat.S_ISBLK(mode)
        else "not a regular file"
    )
    return f"not a regular file ({kind})" if kind != "not a regular file" else kind


def reason_os_error(exc: OSError, is_link: bool) -> str:
    """Why a file could not be opened, in a person's words."""
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT and is_link:
        return "dangling symlink (its target does not exist)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied"
    return f"cannot be read: {exc.strerror or exc}"


def file_stat(path: str) -> StatForm:
    """``(mode, device, inode, size, mtime_ns)`` of a file, following symlinks, or
    ``("error", errno)``: plain values, to keep in a cache or hand between processes.
    ``[1:]`` of it is a file's identity in the index."""
    try:
        return stat_tuple(os.stat(path))
    except OSError as exc:
        return ("error", exc.errno or errno.EIO)


def stat_tuple(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def directory_problem(exc: OSError) -> str:
    """Why a directory could not be listed, in a person's words."""
    if isinstance(exc, FileNotFoundError):
        return "does not exist"
    if isinstance(exc, NotADirectoryError):
        return "is not a directory"
    if isinstance(exc, PermissionError):
        return "cannot be read: permission denied"
    return f"cannot be read: {exc.strerror or exc}"
