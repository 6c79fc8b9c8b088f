"""``list --json`` with opendev's store in it: the whole answer kept, with what it was made from.

The recovery directory's answer alone is served by :mod:`snaptui.catalog.pieces`.
With a store, the answer also holds the store's sessions, merged in order,
less the dismissed ones; reading the store (and importing what reads it)
costs more than the rest of an unchanged answer. So the merged answer is kept
in one file per (directory, store roots), beside what it was made from:

- the recovery directory's listing print (its ``*.json`` names and stats, as
  the pieces file keeps them; ``MISSING`` for no directory, ``NONE`` when
  snapshots are not listed),
- the store's fingerprint (:mod:`snaptui.catalog.storeprint`),
- the dismissed keys.

It is served only while all three are what they were, and its checksum
holds; it is written only when every file it was made from was last
modified long enough ago to trust its stat (a same-size rewrite within the
file system's timestamp granularity would otherwise look unchanged).
"""

from __future__ import annotations

import marshal
import os
import zlib

from snaptui.catalog import pieces, storeprint

TYPE_CHECKING = False  # not typing's: an unchanged answer imports next to nothing
if TYPE_CHECKING:
    from collections.abc import Sequence

    from snaptui.catalog.cache import Buffer

MAGIC = b"SNAPMRG1"
MISSING = (b"missing", b"")
"""The listing print of a recovery directory that does not exist."""
NONE = (b"none", b"")
"""The listing print when snapshots are not listed (``--source opendev``)."""
RACY_NS = 2_000_000_000
HELPER_SHARE = 0.25
"""The helper's part of the recovery directory's stats: it also fingerprints the store
and takes the answer's checksum (measured: the two processes then finish together)."""
_HEAD = 8 + 4 + 8


class Kept:
    """The kept merged answer for one ``list --json``: check it, or keep a new one."""

    def __init__(self, cache_dir: str, directory: str, roots: tuple[str, ...], snapshots: bool,
                 dismissed: dict[str, int]) -> None:
        self.directory = directory
        self.snapshots = snapshots
        self.owner = "\0".join([os.path.realpath(directory) if snapshots else "", *roots])
        key = zlib.crc32(self.owner.encode("utf-8", "surrogateescape"))
        self.path = os.path.join(cache_dir, "index", f"merged-{key:08x}.answer")
        self.base = pieces.base_path(cache_dir, directory)
        self.roots = roots
        self.dismissed = marshal.dumps(sorted(dismissed.items()), 2)
        self.store_print: bytes | None = None
        self.store_newest = 0

    def unchanged(self) -> pieces.Span | None:
        """The kept answer, if nothing it was made from changed; else None (and the
        store's fingerprint taken, before the store is read, for :meth:`keep`)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            fd = -1
        span = None
        if fd >= 0:
            try:
                span = self._checked(fd)
            except (OSError, ValueError, EOFError, TypeError):
                span = None
            if span is None:
                os.close(fd)
        if span is None:
            self.store_print, self.store_newest = storeprint.fingerprint(self.roots)
        return span

    def _checked(self, fd: int) -> pieces.Span | None:
        head = os.pread(fd, _HEAD, 0)
        if len(head) != _HEAD or head[:8] != MAGIC:
            return None
        size = int.from_bytes(head[12:20], "little")
        body = os.pread(fd, size, _HEAD)
        if len(body) != size or zlib.crc32(body) != int.from_bytes(head[8:12], "little"):
            return None
        owner, listing, store, dismissed, answer_size, answer_crc = marshal.loads(body)
        if owner != self.owner or dismissed != self.dismissed:
            return None
        answer = pieces.Span(fd, _HEAD + size, answer_size)

        def store_and_answer() -> bool:  # in the helper that shares the recovery directory's stats
            return bool(storeprint.fingerprint(self.roots)[0] == store and answer.crc() == answer_crc)

        if self.snapshots and os.path.lexists(self.directory):
            got = pieces.unchanged_with_print(self.base, os.path.realpath(self.directory), self.directory,
                                              check_answer=False, also=store_and_answer, share=HELPER_SHARE)
            if got is not None:
                got[0].close()
                return answer if got[1] == tuple(listing) else None
            now = self._no_snapshots()  # no pieces file is kept for a directory without snapshots
        else:
            now = MISSING if self.snapshots else NONE
        return answer if now == tuple(listing) and store_and_answer() else None

    def _no_snapshots(self) -> tuple[bytes, bytes] | None:
        """The listing print of a recovery directory without ``*.json`` files (None: it has some)."""
        try:
            return None if any(n.endswith(".json") for n in os.listdir(self.directory)) else (b"", b"")
        except OSError:
            return None

    def keep(self, answer: Sequence[Buffer] | pieces.Spliced, listing: tuple[bytes, bytes] | None,
             now_ns: int) -> None:
        """Keep ``answer``, made from the recovery directory's ``listing`` (None: it had a
        file too recent to trust) and the store as fingerprinted by :meth:`unchanged`."""
        if listing is None or self.store_print is None or self.store_newest >= now_ns - RACY_NS:
            return
        if isinstance(answer, pieces.Spliced):  # read a chunk at a time: never all of it at once
            crc, size = answer.crc(), answer.size()
        else:
            crc, size = pieces.crc_of(answer), sum(map(len, answer))
        body = marshal.dumps((self.owner, listing, self.store_print, self.dismissed, size, crc), 2)
        head: list[Buffer] = [MAGIC, zlib.crc32(body).to_bytes(4, "little"), len(body).to_bytes(8, "little"), body]
        try:
            from snaptui.base.atomic import write_atomic

            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            if isinstance(answer, pieces.Spliced):  # its ranges copied file to file
                write_atomic(self.path, head, durable=False, finish=answer.send)
            else:
                write_atomic(self.path, [*head, *answer], durable=False)
        except OSError:
            pass  # a cache that cannot be written only costs time
