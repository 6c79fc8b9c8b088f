"""Atomic file writes: a unique temp file beside the target, fsync, rename over.

Every file snaptui writes (snapshots, state, index, trash moves) goes through
here, so a crash at any moment leaves either the old file or the new one, and
at worst a ``*.tmp.*`` leftover that nothing reads.
"""

from __future__ import annotations

import os

_counter = 0


def temp_name(path: str) -> str:
    """A temp path beside ``path`` that no other process or thread will pick."""
    global _counter
    _counter += 1
    return f"{path}.tmp.{os.getpid()}.{_counter}.{os.urandom(3).hex()}"


def write_atomic(path: str, data: bytes | list, *, durable: bool = True, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` (bytes, or a list of buffers written in order) atomically.

    ``durable`` adds the fsyncs (file, then directory) that make the new
    content survive a power cut; caches skip them.
    """
    tmp = temp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        try:
            for part in data if isinstance(data, list) else [data]:
                view = memoryview(part)
                while view:
                    view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if durable:
        fsync_dir(os.path.dirname(path) or ".")


def fsync_dir(directory: str) -> None:
    """Make a rename or unlink in ``directory`` durable (best effort)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
