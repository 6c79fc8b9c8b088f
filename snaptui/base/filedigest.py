"""Read a regular file once: its identity, its SHA-256, and its bytes when small.

File-history and rollback look at files someone else wrote (opendev's
backups, the project's files) and must later prove that nothing changed
since they looked. One pass gives all of it: the ``fstat`` of what was
actually read (not of whatever the path names a moment later), a hash of
every byte, and the bytes themselves up to ``keep`` (what a diff shows, so
the diff is of exactly what was hashed).

Opening is as careful as :func:`snaptui.base.files.read_bounded`
(``O_NONBLOCK``, so a FIFO swapped in after a ``stat`` cannot block; only a
regular file is ever read) and adds what that one lacks: ``dir_fd`` (so a
path is resolved from a folder already opened, without following symlinks
again), ``O_NOFOLLOW`` by default, and streaming (a file of any size is
hashed in constant memory).
"""

from __future__ import annotations

import hashlib
import os
import stat as _stat
from typing import NamedTuple

CHUNK = 1 << 20
SNIFF = 64 * 1024
"""A file too large to keep is called binary when this much of its start holds a NUL."""


class NotRegular(Exception):
    """The path names something that is not a regular file; ``mode`` says what."""

    def __init__(self, mode: int) -> None:
        super().__init__(f"not a regular file (mode {mode:o})")
        self.mode = mode


class TooLarge(Exception):
    """The file is larger than the caller's limit; ``size`` is how large it was found."""

    def __init__(self, size: int) -> None:
        super().__init__(f"too large ({size} bytes)")
        self.size = size


class Digest(NamedTuple):
    """What one read of a regular file found."""

    st: os.stat_result
    """``fstat`` of the open file: the identity of exactly what was hashed."""
    sha256: str
    size: int
    """Bytes actually read (a file that grew while being read is larger than ``st.st_size``)."""
    data: bytes | None
    """All of it when ``size <= keep``, else None."""
    nul: bool
    """A NUL byte in ``data`` (or, when not kept, in its first :data:`SNIFF` bytes): binary."""


def open_regular(name: str, *, dir_fd: int | None = None, follow: bool = False) -> tuple[int, os.stat_result]:
    """Open a regular file for reading without blocking; ``(fd, fstat)``.

    Raises :class:`NotRegular` (the descriptor is closed) or OSError; with
    ``follow=False`` a symlink fails with ``ELOOP``.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(name, flags, dir_fd=dir_fd)
    try:
        st = os.fstat(fd)
    except BaseException:
        os.close(fd)
        raise
    if not _stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise NotRegular(st.st_mode)
    return fd, st


def digest(name: str, *, dir_fd: int | None = None, follow: bool = False, keep: int = 0,
           limit: int | None = None) -> Digest:
    """Hash the regular file ``name`` (relative to ``dir_fd`` when given).

    Refuses (:class:`TooLarge`) a file over ``limit`` bytes, before reading
    any of it when ``fstat`` already says so.
    """
    fd, st = open_regular(name, dir_fd=dir_fd, follow=follow)
    try:
        return digest_fd(fd, st, keep=keep, limit=limit)
    finally:
        os.close(fd)


def digest_fd(fd: int, st: os.stat_result, *, keep: int = 0, limit: int | None = None) -> Digest:
    """:func:`digest` of a descriptor already opened by :func:`open_regular`, from its start."""
    if limit is not None and st.st_size > limit:
        raise TooLarge(st.st_size)
    h = hashlib.sha256()
    kept: list[bytes] = []
    size = 0
    nul = False
    offset = 0
    while True:
        chunk = os.pread(fd, CHUNK, offset)
        if not chunk:
            break
        offset += len(chunk)
        size += len(chunk)
        if limit is not None and size > limit:  # it grew while being read
            raise TooLarge(size)
        h.update(chunk)
        if size <= keep:
            kept.append(chunk)
        elif kept:
            kept = []  # past ``keep``: only the NUL sniff of the start remains useful
        if not nul and size - len(chunk) < SNIFF:
            nul = b"\0" in chunk[: SNIFF - (size - len(chunk))]
    data = b"".join(kept) if size <= keep else None
    if data is not None:
        nul = b"\0" in data
    return Digest(st, h.hexdigest(), size, data, nul)


def same_file(a: os.stat_result, b: os.stat_result) -> bool:
    """Whether two stats are of the same file, unchanged: device, inode, size and mtime."""
    return (a.st_dev, a.st_ino, a.st_size, a.st_mtime_ns) == (b.st_dev, b.st_ino, b.st_size, b.st_mtime_ns)
