"""Scratch files: unlinked temp files that a long pass appends to, then reads back.

What a pass over 100,000 files produces (each session's ``list --json``
object, some 300 MB) goes to disk as it is made, so that the process keeps
only where each part lies. Appends are batched (one ``writev`` per MiB or
per thousand buffers); the file has no name from the moment it exists (or
just after), so nothing is ever left behind, even by a killed process.

It is read back with ``pread`` into a bounded buffer, or copied file to file
(:func:`snaptui.base.atomic.copy_range`), never mapped: a mapped page read counts in the
process's memory, and reading in another order than the file's maps far
more than what is read (the kernel maps the neighbours of each page, and
whole large folios). What stays is the kernel's page cache, which it may
drop.
"""

from __future__ import annotations

import os

from snaptui.base.atomic import temp_name, write_all

TYPE_CHECKING = False  # annotations only: typing is not imported at runtime
if TYPE_CHECKING:
    from snaptui.base.atomic import Buffer

FLUSH_BYTES = 1 << 20
FLUSH_PARTS = 1000


class Scratch:
    """An append-only unlinked temp file."""

    __slots__ = ("fd", "size", "_pending", "_pending_bytes")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.size = 0
        """Bytes appended so far (written or pending)."""
        self._pending: list[Buffer] = []
        self._pending_bytes = 0

    @classmethod
    def create(cls, directory: str) -> Scratch:
        """A new scratch file in ``directory`` (created if missing). Raises OSError."""
        os.makedirs(directory, mode=0o700, exist_ok=True)
        flags = os.O_RDWR | os.O_CLOEXEC
        tmpfile = getattr(os, "O_TMPFILE", 0)
        if tmpfile:
            try:
                return cls(os.open(directory, flags | tmpfile, 0o600))
            except OSError:
                pass  # a file system without O_TMPFILE: a named file, unlinked at once
        path = temp_name(os.path.join(directory, "scratch"))
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.unlink(path)
        except BaseException:
            os.close(fd)
            raise
        return cls(fd)

    def add(self, parts: tuple[Buffer, ...] | list[Buffer], length: int) -> int:
        """Append ``parts`` (``length`` bytes in all); return where they start. Raises OSError."""
        at = self.size
        self.size = at + length
        self._pending += parts
        self._pending_bytes += length
        if self._pending_bytes >= FLUSH_BYTES or len(self._pending) >= FLUSH_PARTS:
            self.flush()
        return at

    def flush(self) -> None:
        if self._pending:
            write_all(self.fd, self._pending)
            self._pending = []
            self._pending_bytes = 0

    def close(self) -> None:
        os.close(self.fd)
