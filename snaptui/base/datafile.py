"""snaptui's private data files (index, seen memory): checked, atomic, fast.

Layout: 8-byte magic, CRC-32 of the rest, the length of a marshal'd table,
the table ``(owner, value)``, then an optional blob. marshal is used because
the startup check reads these files and cannot afford the json module's
import (it pulls in ``re``: about 8 ms here). A file that does not check out
(truncated, garbage, bit flips, another owner) reads as absent and is rebuilt.
"""

from __future__ import annotations

import marshal
import os
import zlib
from errno import EINVAL as _EINVAL
from errno import EISDIR as _EISDIR
from stat import S_ISDIR as _S_ISDIR
from stat import S_ISREG as _S_ISREG

from snaptui.base.atomic import write_atomic

TYPE_CHECKING = False  # not typing's: the startup check reads these files and cannot afford it
if TYPE_CHECKING:
    from typing import Any

    from snaptui.base.atomic import Buffer

    Plain = None | bool | int | float | str | bytes | tuple["Plain", ...] | list[Any] | dict[Any, Any]
    """What marshal stores: scalars, and tuples, lists and dicts of them."""

RACY_NS = 2_000_000_000
"""A file modified this recently is never trusted by its stat (a same-size rewrite within the
file system's timestamp granularity looks unchanged): nothing made from it is cached or kept."""


def identity(path: str) -> tuple[int, int, int, int] | None:
    """Which version of a file this is: device, inode, size, mtime (an atomic write replaces
    the file with a new one); None when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def key_for(directory: str) -> str:
    """A short stable file-name key for a directory."""
    real = os.path.realpath(directory)
    return f"{zlib.crc32(real.encode('utf-8', 'surrogateescape')):08x}"


_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC


def open_regular(path: str) -> int:
    """A descriptor of ``path`` for reading, when it is a regular file: a FIFO, a device or a
    directory put in place of one of snaptui's files is refused (OSError), never waited on or
    read without end (``/dev/zero``)."""
    fd = os.open(path, _READ_FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not _S_ISREG(mode):
            raise OSError(_EISDIR if _S_ISDIR(mode) else _EINVAL, "not a regular file", path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: str, limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``), see :func:`open_regular`."""
    fd = open_regular(path)
    try:
        size = os.fstat(fd).st_size
        want = size if limit is None else min(size, limit)
        chunks = []
        while want > 0:
            chunk = os.read(fd, want)
            if not chunk:
                break
            chunks.append(chunk)
            want -= len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


def read(path: str, magic: bytes, owner: str) -> tuple[object, Buffer]:
    """``(value, blob)`` if ``path`` checks out, else ``(None, b"")``; the blob is a memoryview."""
    try:
        data = memoryview(read_regular(path))  # slices below copy nothing (the blob can be 20 MB)
        if data[:8] != magic or int.from_bytes(data[8:12], "little") != zlib.crc32(data[12:]):
            return None, b""
        size = int.from_bytes(data[12:20], "little")
        stored_owner, value = marshal.loads(data[20 : 20 + size])
    except (OSError, ValueError, EOFError, TypeError):
        return None, b""
    if stored_owner != owner:
        return None, b""
    return value, data[20 + size :]


def write(
    path: str, magic: bytes, owner: str, value: Plain, blob: Buffer | list[Buffer] = b"", *, durable: bool,
    strict: bool = False,
) -> bool:
    """Write atomically; False (not an exception) if the directory is not writable (with
    ``strict``, the OSError, which says why: the person's state, not a cache).

    ``blob`` may be a list of buffers, stored one after the other. Everything
    is written as it is (no concatenated copy of a 20 MB blob).
    """
    table = marshal.dumps((owner, value), 2)  # format 2: no back-references, twice as fast both ways
    size = len(table).to_bytes(8, "little")
    parts = blob if isinstance(blob, list) else [blob]
    crc = zlib.crc32(table, zlib.crc32(size))
    for part in parts:
        crc = zlib.crc32(part, crc)
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        write_atomic(path, [magic, crc.to_bytes(4, "little"), size, table, *parts], durable=durable, sweep=True)
    except OSError:
        if strict:
            raise
        return False
    return True
