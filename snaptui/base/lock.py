"""Locks that die with their holder: a POSIX record lock on a file this process keeps open.

``fcntl`` record locks belong to the process: the kernel drops them when it
exits however it exits (``kill -9`` included), so a lock is never stale, and
a forked child does not inherit them (a helper process that outlives its
parent for a moment holds nothing). Everything is non-blocking: a lock held
elsewhere is an answer, never a wait.

A record lock is released when its process closes *any* descriptor of the
file, so this module keeps one descriptor per path for the whole process and
never opens a second one on a path it holds.

The holder's pid is written into the file, for a person (or a test) asking
who holds it; nothing relies on it.
"""

from __future__ import annotations

import errno
import fcntl
import os

_HELD_ERRNOS = (errno.EAGAIN, errno.EACCES)
"""What fcntl answers when another process holds the lock."""

_held: dict[str, int] = {}
"""Path -> the descriptor this process holds the lock through."""


def acquire(path: str) -> bool:
    """Take the lock on ``path`` if no other process holds it (True also when this
    process already does). The file and its directory are created (0600 / 0700).
    Raises OSError when the file cannot be created or locked for another reason."""
    if path in _held:
        return True
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if isinstance(exc, BlockingIOError) or exc.errno in _HELD_ERRNOS:
            return False
        raise
    _held[path] = fd
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass  # the pid is only a courtesy
    return True


def release(path: str) -> None:
    """Let the lock on ``path`` go (nothing if this process does not hold it)."""
    fd = _held.pop(path, None)
    if fd is not None:
        os.close(fd)  # closing drops the record lock


def holds(path: str) -> bool:
    """Whether this process holds the lock on ``path``."""
    return path in _held


def held_elsewhere(path: str) -> bool:
    """Whether another process holds the lock on ``path`` right now.

    Asks by taking the lock and letting it go at once: for that instant, another
    process trying to take it is told it is held (see the callers for why that is
    harmless). A missing file, or one that cannot be opened, is not held.
    """
    if path in _held:
        return False
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        return isinstance(exc, BlockingIOError) or exc.errno in _HELD_ERRNOS
    finally:
        os.close(fd)
    return False


def holder(path: str) -> int | None:
    """The pid the holder wrote into ``path`` (None: none written, or unreadable)."""
    if path in _held:
        return os.getpid()  # opening and closing the file here would drop the lock
    try:
        from snaptui.base.datafile import read_regular

        text = read_regular(path, 32)
        return int(text) if text.strip() else None
    except (OSError, ValueError):
        return None
