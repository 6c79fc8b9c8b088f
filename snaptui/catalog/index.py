"""The persisted scan index: what each snapshot file held, keyed by its identity.

A file is identified by (device, inode, size, mtime_ns). An entry is reused
only while the file still has exactly that identity, and files modified in the
last two seconds are never stored (a same-size rewrite within the file
system's timestamp granularity would otherwise look unchanged), so the index
never serves stale data. One file per recovery directory, in the platformdirs
cache dir, holding what the list, the TUI and the startup check need of each
session (``list --json`` keeps its own, see :mod:`snaptui.listjson`). A broken
index is ignored and rebuilt (see :mod:`snaptui.datafile`).
"""

from __future__ import annotations

import os

from snaptui.base import datafile

ROWS_MAGIC = b"SNAPROW6"
RACY_NS = 2_000_000_000


def cache_base(cache_dir: str, directory: str) -> str:
    """The cache path prefix for a recovery directory (add a suffix per file)."""
    tail = "".join(c if c.isalnum() else "_" for c in os.path.basename(os.path.realpath(directory)))[:32]
    return os.path.join(cache_dir, "index", f"{tail}-{datafile.key_for(directory)}")


def index_path(cache_dir: str, directory: str) -> str:
    return cache_base(cache_dir, directory) + ".rows"


def load(path: str, directory: str) -> dict:
    """``{name: (identity, row_or_reason)}``; empty when unusable."""
    value, _ = datafile.read(path, ROWS_MAGIC, os.path.realpath(directory))
    return value if type(value) is dict else {}


def save(path: str, directory: str, entries: dict) -> None:
    """Write the index (no fsync: a lost cache is only rebuilt)."""
    datafile.write(path, ROWS_MAGIC, os.path.realpath(directory), entries, durable=False)
