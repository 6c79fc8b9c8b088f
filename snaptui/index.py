"""The persisted scan index: what each snapshot file held, keyed by its identity.

A file is identified by (device, inode, size, mtime_ns). An entry is reused
only while the file still has exactly that identity, and files modified in the
last two seconds are never stored (a same-size rewrite within the file
system's timestamp granularity would otherwise look unchanged), so the index
never serves stale data. Two files per recovery directory, in the platformdirs
cache dir: ``.rows`` (what the list needs; the startup check loads only this)
and ``.json`` (each snapshot as compact JSON for ``list --json``, kept as one
blob so that loading it costs one read, not 10,000 objects). A broken index
is ignored and rebuilt (see :mod:`snaptui.datafile`).
"""

from __future__ import annotations

import os

from snaptui import datafile

ROWS_MAGIC = b"SNAPROW4"
JSON_MAGIC = b"SNAPJSN4"
RACY_NS = 2_000_000_000


def index_paths(cache_dir: str, directory: str) -> tuple[str, str]:
    """The two index files for a recovery directory."""
    tail = "".join(c if c.isalnum() else "_" for c in os.path.basename(os.path.realpath(directory)))[:32]
    base = os.path.join(cache_dir, "index", f"{tail}-{datafile.key_for(directory)}")
    return base + ".rows", base + ".json"


def load(path: str, directory: str, magic: bytes) -> tuple[dict, bytes]:
    """``({name: (identity, ...)}, blob)``; empty when unusable."""
    value, blob = datafile.read(path, magic, os.path.realpath(directory))
    return (value, blob) if type(value) is dict else ({}, b"")


def save(path: str, directory: str, magic: bytes, entries: dict, blob: bytes = b"") -> None:
    """Write the index (no fsync: a lost cache is only rebuilt)."""
    datafile.write(path, magic, os.path.realpath(directory), entries, blob, durable=False)
