"""What a scan depends on, as one digest: equal digests, the same catalog.

A scan (:func:`snaptui.catalog.scan.scan`) reads the recovery directory's
entries, opendev's store and the dismissed-sessions memory, and nothing else.
So the digest covers every entry of the directory (its name, whether it is a
symlink, its stat followed: mode, device, inode, size, mtime), the store's
fingerprint (:mod:`snaptui.catalog.storeprint`) and the memory file's stat.
An in-place edit changes a size or an mtime; a new, replaced or removed file
changes the entries. The TUI takes it before a routine rescan: when nothing
changed since the last one, the rescan (at 100,000 files, seconds of CPU and a
table load that holds the interpreter for a tenth of a second) is skipped.
Listings and stats only, in a worker thread.
"""

from __future__ import annotations

import hashlib
import os
import struct

from snaptui.catalog import dismissed, storeprint

_STAT = struct.Struct("<qQQqq")
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


def scan_print(directory: str, store_roots: tuple[str, ...], *, snapshots: bool,
               state_dir: str | None) -> tuple[bytes, int]:
    """The digest of what a scan with these arguments would read now, and the newest mtime
    in it (ns): a file modified within the file system's timestamp granularity of the
    digest could change again without its stat showing it."""
    h = hashlib.blake2b(digest_size=16)
    newest = _directory(directory, h) if snapshots else 0
    h.update(b"\0store\0")
    if store_roots:
        printed, store_newest = storeprint.fingerprint(store_roots)
        h.update(printed)
        newest = max(newest, store_newest)
    h.update(b"\0dismissed\0")
    if state_dir is not None:
        stat, mtime = _stat_of(dismissed.memory_path(state_dir))
        h.update(stat)
        newest = max(newest, mtime)
    return h.digest(), newest


def _directory(directory: str, h: hashlib.blake2b) -> int:
    """Add every entry of ``directory`` to ``h``; return the newest mtime among them."""
    try:
        fd = os.open(directory, _DIRECTORY)
    except (OSError, ValueError) as exc:
        h.update(b"!%d" % getattr(exc, "errno", -1))
        return 0
    newest = 0
    try:
        with os.scandir(fd) as it:
            entries = sorted((e.name, e.is_symlink()) for e in it)
        out = [b"%d\0" % len(entries)]
        add = out.append
        for name, link in entries:
            add(name.encode("utf-8", "surrogateescape"))
            add(b"\0l\0" if link else b"\0f\0")
            stat, mtime = _stat_of(name, fd)
            add(stat)
            if mtime > newest:
                newest = mtime
        h.update(b"".join(out))
    except OSError as exc:
        h.update(b"!%d" % (exc.errno or -1))
    finally:
        os.close(fd)
    return newest


def _stat_of(path: str, dir_fd: int | None = None) -> tuple[bytes, int]:
    """A stat as fixed-size bytes (a failure as its errno, marked so it cannot look like
    one), and its mtime (0 for a failure)."""
    try:
        st = os.stat(path, dir_fd=dir_fd)
    except OSError as exc:
        return b"E" + (exc.errno or 0).to_bytes(4, "little") + bytes(_STAT.size - 4), 0
    return b"S" + _STAT.pack(st.st_mode, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns), st.st_mtime_ns
