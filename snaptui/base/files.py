"""Looking at files without being fooled by them: stat, bounded reads, reasons.

Every file snaptui reads that someone else wrote goes through here. Only
regular files are ever opened (opening a FIFO blocks, opening a device can
act), nothing is read past a size limit, and every refusal comes with a
reason in a person's words.
"""

from __future__ import annotations

import errno
import os
import stat as _stat

from snaptui.base.named import NamedTuple  # typing's, without importing typing

Identity = tuple[int, int, int, int]
"""``(device, inode, size, mtime_ns)``: a file as it was seen."""


STAT_FIELDS = 6
"""How many numbers a :class:`Stat` holds (a failed stat holds one: its errno)."""


class Stat(NamedTuple):
    """What ``stat`` said of a file (symlinks followed)."""

    mode: int
    dev: int
    ino: int
    size: int
    mtime_ns: int
    ctime_ns: int
    """The inode's change time: a file rewritten in place with its size and mtime put back
    (``touch -r``) has a new one, so a cache keyed by the stat reads it again."""

    @property
    def identity(self) -> Identity:
        return (self.dev, self.ino, self.size, self.mtime_ns)

    @property
    def regular(self) -> bool:
        return _stat.S_ISREG(self.mode)


class StatFailed(NamedTuple):
    """``stat`` failed with this error number."""

    errno: int


_new = tuple.__new__


class Unreadable(Exception):
    """A file that is not to be read; ``str()`` says why."""


def stat_of(st: os.stat_result) -> Stat:
    # tuple.__new__ builds the NamedTuple without a Python-level call: this runs per file.
    return _new(Stat, (st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))


def file_stat(path: str, dir_fd: int | None = None) -> Stat | StatFailed:
    """:class:`Stat` of ``path`` (relative to ``dir_fd`` if given) following symlinks, or why it failed."""
    try:
        st = os.stat(path, dir_fd=dir_fd)
    except OSError as exc:
        return StatFailed(exc.errno or errno.EIO)
    return _new(Stat, (st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))


def plain(st: Stat | StatFailed) -> tuple[int, ...]:
    """A stat as a plain tuple, to cross a process boundary (marshal)."""
    return tuple(st) if isinstance(st, Stat) else (st.errno,)


def from_plain(values: tuple[int, ...]) -> Stat | StatFailed:
    return _new(Stat, values) if len(values) == STAT_FIELDS else StatFailed(values[0])


_S_ISREG = _stat.S_ISREG
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
"""O_NONBLOCK: a FIFO swapped in after the caller's stat must not block the open."""


def open_regular(path: str, dir_fd: int | None = None) -> tuple[int, os.stat_result]:
    """Open a regular file for reading without blocking: ``(fd, fstat)``.

    The caller closes the fd. Raises :class:`Unreadable` when what was opened
    is not a regular file (it was swapped since the caller's stat), or OSError.
    """
    fd = os.open(path, _OPEN_FLAGS, dir_fd=dir_fd)
    try:
        st = os.fstat(fd)
        if not _stat.S_ISREG(st.st_mode):
            raise Unreadable(reason_not_regular(st.st_mode))
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def read_bounded(path: str, limit: int, dir_fd: int | None = None) -> tuple[Stat, bytes]:
    """Read a regular file (``path`` relative to ``dir_fd`` if given) without blocking,
    refusing anything over ``limit`` bytes.

    Returns the stat of what was actually read (``fstat`` of the open file,
    so a file replaced meanwhile cannot be mistaken for the one listed).
    Raises :class:`Unreadable` with a reason, or OSError.
    """
    fd = os.open(path, _OPEN_FLAGS, dir_fd=dir_fd)  # open_regular's steps, inlined: this runs per file
    try:
        raw = os.fstat(fd)
        if not _S_ISREG(raw.st_mode):
            raise Unreadable(reason_not_regular(raw.st_mode))
        size = raw.st_size
        st = _new(Stat, (raw.st_mode, raw.st_dev, raw.st_ino, size, raw.st_mtime_ns, raw.st_ctime_ns))
        if size > limit:
            raise Unreadable(reason_too_large(size))
        data = os.read(fd, size) if size else b""
        if len(data) == size and size:
            return st, data  # all of it, as fstat said: no second read for EOF
        chunks = [data]
        total = len(data)
        while True:  # the file grew, or the file system does short reads
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
    import humanize  # only when there is such a file

    return f"too large ({humanize.naturalsize(size, binary=True)})"


def reason_not_regular(mode: int) -> str:
    """Why an entry is not read: what kind of file it is."""
    if _stat.S_ISDIR(mode):
        return "not a regular file (a directory)"
    if _stat.S_ISFIFO(mode):
        return "not a regular file (a FIFO)"
    if _stat.S_ISSOCK(mode):
        return "not a regular file (a socket)"
    if _stat.S_ISCHR(mode) or _stat.S_ISBLK(mode):
        return "not a regular file (a device)"
    return "not a regular file"


def reason_os_error(exc: OSError, is_link: bool) -> str:
    """Why a file could not be opened, in a person's words."""
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT and is_link:
        return "dangling symlink (its target does not exist)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied"
    return f"cannot be read: {exc.strerror or exc}"


class Vanished(Exception):
    """The file was removed after the directory was listed: simply gone."""


def reason_not_to_open(st: Stat | StatFailed, is_link: bool, limit: int) -> str | None:
    """Why an entry with this stat is not to be opened (None: read it).

    Raises :class:`Vanished` for a file removed since the listing.
    """
    if isinstance(st, StatFailed):
        if st.errno == errno.ENOENT and not is_link:
            raise Vanished
        return reason_os_error(OSError(st.errno, os.strerror(st.errno)), is_link)
    if not st.regular:
        return reason_not_regular(st.mode)
    if st.size > limit:
        return reason_too_large(st.size)
    return None


def directory_problem(exc: OSError) -> str:
    """Why a directory could not be listed, in a person's words."""
    if isinstance(exc, FileNotFoundError):
        return "does not exist"
    if isinstance(exc, NotADirectoryError):
        return "is not a directory"
    if isinstance(exc, PermissionError):
        return "cannot be read: permission denied"
    return f"cannot be read: {exc.strerror or exc}"
