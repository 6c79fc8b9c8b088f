"""Reading a big, growing file from its end, in bounded blocks.

opendev's ``.debug`` logs grow without bound and one line can be tens of MB
(OPENDEV_STORE.md §4: every request carries the whole conversation). What
snaptui needs is at the end, so a :class:`Reader` reads positionally
(``preadv``) in blocks of at most :data:`BLOCK` bytes, never a whole file or a
whole huge line, and charges every byte to a budget: past it the caller stops
with what it has (:class:`OutOfBudget`). The file's size is fixed when it is
opened, so bytes appended meanwhile are simply not seen; a file that shrinks
under the reader raises :class:`Changed`.

The searches rely on one property of JSON: inside a string a quote is always
escaped, so a byte pattern that holds an unescaped quote (``"role":"user"``)
only ever matches real keys and values, and a newline byte only ever ends a
line.
"""

from __future__ import annotations

import os
from _thread import _local as _thread_local  # threading.local itself, without importing threading

BLOCK = 1024 * 1024
"""Bytes per read while searching (a few are re-read where blocks overlap)."""

SMALL = 256 * 1024
"""A file at most this long is read once, whole, at its first read; its searches
then look at it in memory (most logs and transcripts are a few KiB, and each
search's first reads would otherwise be system calls of their own). The budget
is charged as for block reads: the same searches find the same things."""

FIRST_STEP = 16 * 1024
"""A search's first read; each next one is four times larger, up to :data:`BLOCK`
(matches are often near, and repeated searches must not each read a whole block)."""

_local = _thread_local()


def _buffer(n: int) -> bytearray:
    """This thread's read buffer, at least ``n`` bytes.

    Reading into one reused buffer (``preadv``) rather than a new ``bytes``
    per read (``pread``) is what makes block reads cheap: a fresh megabyte
    costs an allocation and a page fault per page, ten times the copy itself.
    """
    buf: bytearray | None = getattr(_local, "buf", None)
    if buf is None or len(buf) < n:
        buf = bytearray(max(n, BLOCK + 4096))
        _local.buf = buf
    return buf


class OutOfBudget(Exception):
    """The reader's byte budget is spent."""


class Changed(Exception):
    """The file shrank while it was read."""


class Reader:
    """Positional reads of one open regular file, ``size`` bytes long, within a byte budget.

    :meth:`fill` and :meth:`view` give this thread's shared buffer (valid until the next
    read of any reader in the thread) or, for a file held in memory, that copy: what they
    give is read, never written.
    """

    __slots__ = ("fd", "left", "size", "whole")

    def __init__(self, fd: int, size: int, budget: int) -> None:
        self.fd = fd
        self.size = size
        self.left = budget
        self.whole: bytearray | None = None
        """The whole file, once read (a file of at most :data:`SMALL` bytes)."""

    def memory(self) -> bytearray | None:
        """The whole file, read at the first call when it is at most :data:`SMALL` bytes;
        None for a larger file."""
        whole = self.whole
        if whole is None and self.size <= SMALL:
            whole = bytearray(self.size)
            if self.size and os.preadv(self.fd, [whole], 0) != self.size:
                raise Changed
            self.whole = whole
        return whole

    def view(self, start: int, end: int) -> tuple[bytearray, int, int]:
        """Bytes ``[start, end)`` (clipped to the file) as ``(buffer, offset, n)``: they are
        ``buffer[offset:offset + n]``, the file held in memory or this thread's shared buffer.

        The budget is charged ``n`` either way: it bounds how much is looked at, so what a
        search finds within it does not depend on where the bytes came from."""
        start = max(0, start)
        n = min(end, self.size) - start
        if n <= 0:
            return _buffer(0), 0, 0
        if n > self.left:
            raise OutOfBudget
        whole = self.memory()
        self.left -= n
        if whole is not None:
            return whole, start, n
        buf = _buffer(n)
        if os.preadv(self.fd, [memoryview(buf)[:n]], start) != n:
            raise Changed
        return buf, 0, n

    def fill(self, start: int, end: int) -> tuple[bytearray, int]:
        """Bytes ``[start, end)`` (clipped to the file) as ``(buffer, n)``: they are ``buffer[:n]``."""
        got, at, n = self.view(start, end)
        if at == 0:  # the shared buffer, or the file in memory read from its start
            return got, n
        buf = _buffer(n)
        memoryview(buf)[:n] = memoryview(got)[at : at + n]
        return buf, n

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` (clipped to the file), as a ``bytes`` of their own."""
        got, at, n = self.view(start, end)
        return bytes(memoryview(got)[at : at + n])

    def rfind(self, patterns: tuple[bytes, ...], start: int, end: int) -> tuple[int, int]:
        """The rightmost match of any of ``patterns`` lying inside ``[start, end)``:
        ``(offset, index of the pattern)``, or ``(-1, -1)``."""
        overlap = max(len(p) for p in patterns) - 1
        start = max(0, start)
        hi = end
        step = FIRST_STEP
        while hi > start:
            lo = max(start, hi - step)
            got, at, n = self.view(lo, min(end, hi + overlap))
            best, which = -1, -1
            for i, pattern in enumerate(patterns):
                found = got.rfind(pattern, at, at + n)
                if found > best:
                    best, which = found, i
            if best >= 0:
                return lo + best - at, which
            hi = lo
            step = min(BLOCK, step * 4)
        return -1, -1

    def find(self, patterns: tuple[bytes, ...], start: int, end: int) -> tuple[int, int]:
        """The leftmost match of any of ``patterns`` lying inside ``[start, end)``."""
        overlap = max(len(p) for p in patterns) - 1
        start = max(0, start)
        lo = start
        step = FIRST_STEP
        while lo < end:
            hi = min(end, lo + step)
            got, at, n = self.view(lo, min(end, hi + overlap))
            best, which = at + n, -1
            for i, pattern in enumerate(patterns):
                found = got.find(pattern, at, at + n)
                if 0 <= found < best:
                    best, which = found, i
            if which >= 0:
                return lo + best - at, which
            lo = hi
            step = min(BLOCK, step * 4)
        return -1, -1

    def count(self, pattern: bytes, start: int, end: int) -> int:
        """How many times ``pattern`` occurs inside ``[start, end)`` (without overlapping itself)."""
        total = 0
        lo = max(0, start)
        end = min(end, self.size)
        while lo < end:
            got, at, n = self.view(lo, min(end, lo + BLOCK))
            found = got.find(pattern, at, at + n)
            last = -1
            while found >= 0:
                total += 1
                last = found - at
                found = got.find(pattern, found + len(pattern), at + n)
            if lo + n >= end:
                break
            # Carry on from after the last match, or from where a match could still begin.
            lo = lo + max(last + len(pattern), n - len(pattern) + 1)
        return total

    def line_start(self, end: int, floor: int = 0) -> int:
        """Where the line that ends at ``end`` starts (just after the previous newline, or ``floor``).

        Scans back no further than ``floor`` (a point already known to be
        inside the line is a good floor for a second call: nothing is re-read).
        """
        at, _ = self.rfind((b"\n",), floor, end)
        return at + 1 if at >= 0 else floor


def json_string(r: Reader, quote: int, cap: int, *, need_end: bool) -> tuple[str | None, bool, int]:
    """The JSON string whose opening quote is at ``quote``: ``(text, cut, end)``.

    ``text`` is the decoded string, or its first ``cap`` bytes when ``cut``;
    None when it does not decode (invalid escapes or UTF-8). ``end`` is the
    offset just after the closing quote, or -1 when it was not looked for
    (``need_end`` false and the string is longer than ``cap``) or the string
    does not end inside the file.
    """
    pos = quote + 1
    kept = bytearray()
    backslashes = 0  # run of backslashes just before ``pos``, carried across blocks
    step = FIRST_STEP  # most strings are short: read a little first, then more
    while pos < r.size:
        want = step if need_end else max(1, min(step, cap + 1 - len(kept)))
        step = min(BLOCK, step * 4)
        buf, n = r.fill(pos, pos + want)
        close = _closing_quote(buf, n, backslashes)
        body = n if close < 0 else close
        if len(kept) <= cap:
            kept += memoryview(buf)[: min(body, cap + 1 - len(kept))]
        if close >= 0:
            cut = len(kept) > cap
            return _decode(bytes(kept[:cap]) if cut else bytes(kept), cut), cut, pos + close + 1
        if not need_end and len(kept) > cap:
            return _decode(bytes(kept[:cap]), True), True, -1
        backslashes = _trailing_backslashes(buf, n, backslashes)
        pos += n
    return _decode(bytes(kept[:cap]), True), True, -1


def _closing_quote(buf: bytearray, n: int, carried: int) -> int:
    """Index of the first quote in ``buf[:n]`` not escaped by a backslash, or -1."""
    at = buf.find(b'"', 0, n)
    while at >= 0:
        run = 0
        i = at - 1
        while i >= 0 and buf[i] == 0x5C:  # backslash
            run += 1
            i -= 1
        if i < 0:
            run += carried
        if run % 2 == 0:
            return at
        at = buf.find(b'"', at + 1, n)
    return -1


def _trailing_backslashes(buf: bytearray, n: int, carried: int) -> int:
    if n == 0 or buf[n - 1] != 0x5C:
        return 0
    block = bytes(memoryview(buf)[:n])
    stripped = n - len(block.rstrip(b"\\"))
    return stripped + carried if stripped == n else stripped


def _decode(raw: bytes, cut: bool) -> str | None:
    """JSON string content (escapes still in) as text. When it was ``cut``, an
    escape or UTF-8 sequence broken at its end is dropped rather than failing the whole."""
    import orjson

    for trim in range(13 if cut else 1):  # the longest piece a cut can break: a surrogate pair, 12 bytes
        try:
            text = orjson.loads(b'"' + raw[: len(raw) - trim] + b'"')
        except orjson.JSONDecodeError:
            if trim >= len(raw):
                return None
            continue
        return text if isinstance(text, str) else None
    return None
