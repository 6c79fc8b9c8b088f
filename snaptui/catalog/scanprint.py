"""What a scan depends on, as one digest: equal digests, the same catalog.

A scan (:func:`snaptui.catalog.scan.scan`) reads the recovery directory's
entries, opendev's store and the dismissed-sessions memory, and nothing else.
So the digest covers every entry of the directory (its name, whether it is a
symlink, its stat followed, as :func:`snaptui.catalog.storeprint.folder` lists
a store folder), the store's fingerprint and the memory file's identity. An
in-place edit changes a size or an mtime; a new, replaced or removed file
changes the entries. The TUI takes it before a routine rescan: when nothing
changed since the last one, the rescan (at 100,000 files, seconds of CPU and a
table load that holds the interpreter for a tenth of a second) is skipped.
Listings and stats only, in a worker thread.
"""

from __future__ import annotations

import hashlib
import marshal

from snaptui.base import datafile
from snaptui.catalog import dismissed, storeprint


def scan_print(directory: str, store_roots: tuple[str, ...], *, snapshots: bool,
               state_dir: str | None) -> tuple[bytes, int]:
    """The digest of what a scan with these arguments would read now, and the newest mtime
    in it (ns): a file modified within the file system's timestamp granularity of the
    digest could change again without its stat showing it."""
    entries: list[tuple[object, ...]] = []
    newest = storeprint.folder(directory, entries) if snapshots else 0
    store, store_newest = storeprint.fingerprint(store_roots) if store_roots else (b"", 0)
    memory = None if state_dir is None else datafile.identity(dismissed.memory_path(state_dir))
    newest = max(newest, store_newest, memory[3] if memory else 0)
    return hashlib.blake2b(marshal.dumps((entries, store, memory), 2), digest_size=16).digest(), newest
