"""``list --json`` with opendev's store in it: how the merged answer is made, kept.

The recovery directory's answer alone is served by :mod:`snaptui.catalog.pieces`.
With a store, the answer also holds the store's sessions, merged in order,
less the dismissed ones; reading the store (and importing what reads it)
costs more than the rest of an unchanged answer. So how the merged answer is
made is kept, in one file per (directory, store roots): its recipe, in order,
ranges of the recovery directory's ``.pieces`` answer and the bytes between
them (the store's sessions, the array's framing), beside what it was made from:

- the ``.pieces`` file its ranges are in (its identity, and where its answer
  lies: its own checksum covers the answer, and the recovery directory is
  compared with its index),
- for an answer made in memory, which is kept whole (only when there is no
  recovery directory, or snapshots are not listed: ``MISSING``, ``NONE``),
  that listing print,
- the store's fingerprint (:mod:`snaptui.catalog.storeprint`),
- the dismissed keys.

It is served only while all of these are what they were and its checksum
(and the ``.pieces`` answer's) hold; it is written only when every file it was made from was last modified
long enough ago to trust its stat (a same-size rewrite within the file
system's timestamp granularity would otherwise look unchanged). The snapshots'
part of the answer is never copied: at 100,000 snapshots it is hundreds of MB,
and the store changes whenever opendev runs.
"""

from __future__ import annotations

import marshal
import os
import zlib

from snaptui.base import datafile
from snaptui.base.datafile import RACY_NS
from snaptui.catalog import pieces, storeprint

TYPE_CHECKING = False  # not typing's: an unchanged answer imports next to nothing
if TYPE_CHECKING:
    from collections.abc import Sequence

    from snaptui.catalog.cache import Buffer

    Source = tuple[int, int, int, int, int, int]
    """The ``.pieces`` file a recipe's ranges are in: device, inode, size, mtime, and
    its answer's offset and size."""

MAGIC = b"SNAPMRG4"
MISSING = (b"missing", b"")
"""The listing print of a recovery directory that does not exist."""
NONE = (b"none", b"")
"""The listing print when snapshots are not listed (``--source opendev``)."""
HELPER_SHARE = 0.18
"""The helper's part of the recovery directory's stats: it also fingerprints the store
and takes the ``.pieces`` answer's checksum (measured: the two processes then finish together)."""
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

    def unchanged(self) -> pieces.Spliced | None:
        """The kept answer, if nothing it was made from changed; else None."""
        try:
            fd = datafile.open_regular(self.path)
        except OSError:
            fd = -1
        got = None
        if fd >= 0:
            try:
                got = self._checked(fd)
            except (OSError, ValueError, EOFError, TypeError):
                got = None
            finally:
                os.close(fd)
        return got

    def _checked(self, fd: int) -> pieces.Spliced | None:
        head = os.pread(fd, _HEAD, 0)
        if len(head) != _HEAD or head[:8] != MAGIC:
            return None
        size = int.from_bytes(head[12:20], "little")
        body = os.pread(fd, size, _HEAD)
        if len(body) != size or zlib.crc32(body) != int.from_bytes(head[8:12], "little"):
            return None
        owner, listing, store, dismissed, source, recipe = marshal.loads(body)
        if owner != self.owner or dismissed != self.dismissed:
            return None

        def store_unchanged() -> bool:  # in the helper that shares the recovery directory's stats
            return bool(storeprint.fingerprint(self.roots)[0] == store)

        if source is not None and datafile.identity(pieces.path_for(self.base)) != tuple(source[:4]):
            return None  # the .pieces file its ranges are in was rewritten (one stat: no need to look further)
        if self.snapshots and os.path.lexists(self.directory):
            got = pieces.unchanged_with_print(self.base, os.path.realpath(self.directory), self.directory,
                                              check_answer=source is not None, also=store_unchanged,
                                              share=HELPER_SHARE)
            if got is not None:
                span, printed = got
                try:  # with ranges, the .pieces file's identity says the listing is the one they were made from
                    same = _source(span) == tuple(source) if source is not None else printed == tuple(listing)
                except (OSError, TypeError):
                    same = False
                if same:
                    return _served(span, recipe)
                span.close()
                return None
            if source is not None:
                return None
            now = self._no_snapshots()  # an answer made in memory: compared by its listing print
        else:
            now = MISSING if self.snapshots else NONE
        if source is not None or now != tuple(listing) or not store_unchanged():
            return None
        return _served(None, recipe)

    def _no_snapshots(self) -> tuple[bytes, bytes] | None:
        """The listing print of a recovery directory without ``*.json`` files (None: it has some)."""
        try:
            return None if any(n.endswith(".json") and n != ".json" for n in os.listdir(self.directory)) \
                else (b"", b"")  # (recovery.is_snapshot_name)
        except OSError:
            return None

    def keep(self, answer: Sequence[Buffer] | pieces.Span | pieces.Spliced, listing: tuple[bytes, bytes] | None,
             store: tuple[bytes, int], now_ns: int) -> None:
        """Keep how ``answer`` was made, from the recovery directory's ``listing`` (None: it
        had a file too recent to trust) and the store as :func:`storeprint.fingerprint`
        found it before it was read (``now_ns``: a time before the fingerprint was taken)."""
        store_print, store_newest = store
        if listing is None or store_newest >= now_ns - RACY_NS:
            return
        source: Source | None = None
        recipe: list[bytes | tuple[int, int]]
        if not isinstance(answer, (pieces.Span, pieces.Spliced)) and self.snapshots and listing != MISSING:
            return  # made in memory beside a directory that has a .pieces file: never a copy of its part
        if isinstance(answer, (pieces.Span, pieces.Spliced)):
            within = answer if isinstance(answer, pieces.Span) else answer.within
            try:
                source = None if within is None else _source(within)
            except OSError:
                return
            if source is None or tuple(source[:4]) != datafile.identity(pieces.path_for(self.base)):
                return  # not the .pieces file (a scratch file, or one replaced since): nothing to refer to
            recipe = _recipe([answer] if isinstance(answer, pieces.Span) else answer.parts)
        else:
            recipe = [b"".join(answer)]
        printed = None if source is not None else listing  # the .pieces file's identity says it (~100 B a file)
        body = marshal.dumps((self.owner, printed, store_print, self.dismissed, source, recipe), 2)
        try:
            from snaptui.base.atomic import write_atomic

            os.makedirs(os.path.dirname(self.path), mode=0o700, exist_ok=True)
            write_atomic(self.path, [MAGIC, zlib.crc32(body).to_bytes(4, "little"), len(body).to_bytes(8, "little"),
                                     body], durable=False, sweep=True)
        except OSError:
            pass  # a cache that cannot be written only costs time


def _source(span: pieces.Span) -> Source:
    st = os.fstat(span.fd)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, span.offset, span.size


def _recipe(parts: Sequence[pieces.Span | bytes]) -> list[bytes | tuple[int, int]]:
    """Each range as ``(offset, size)``; the bytes between two ranges joined."""
    out: list[bytes | tuple[int, int]] = []
    run: list[bytes] = []
    for part in parts:
        if isinstance(part, pieces.Span):
            if run:
                out.append(b"".join(run))
                run = []
            out.append((part.offset, part.size))
        else:
            run.append(bytes(part))
    if run:
        out.append(b"".join(run))
    return out


def _served(span: pieces.Span | None, recipe: list[bytes | tuple[int, int]]) -> pieces.Spliced | None:
    """The answer ``recipe`` makes with ranges of ``span``'s file (which it takes), or None
    (and ``span`` closed) when a range lies outside ``span`` or the recipe is not one."""
    parts: list[pieces.Span | bytes] = []
    ok = type(recipe) is list
    for part in recipe if ok else ():
        if type(part) is bytes:
            parts.append(part)
        elif span is not None and type(part) is tuple and len(part) == 2 \
                and type(part[0]) is int and type(part[1]) is int \
                and span.offset <= part[0] and part[0] + part[1] <= span.offset + span.size and part[1] >= 0:
            parts.append(pieces.Span(span.fd, part[0], part[1]))
        else:
            ok = False
            break
    if span is None:
        return pieces.Spliced(parts, None) if ok else None
    if not ok:
        span.close()
        return None
    return pieces.Spliced(parts, span)
