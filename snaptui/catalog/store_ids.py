"""The interrupted sessions of opendev's store, from its cache table alone, for shell completion.

Like :mod:`snaptui.catalog.ids` for the recovery directory: no store is read
at a Tab press. The store's table (written by
:mod:`snaptui.catalog.store_survey` whenever snaptui looked at the store) is
read through :mod:`snaptui.base.datafile`, without importing the store's
readers (they load ``typing``); what completion needs of it is kept beside it
(``*.ids``), keyed by the table file's identity. Where the table lies and its
magic are defined here (the survey uses them); the layout of its values is
restated, and a test holds it equal to the reader's (:mod:`snaptui.sources.opendev`).
"""

from __future__ import annotations

import os
import zlib

from snaptui.base import datafile
from snaptui.sources.opendev_layout import MARKER

TABLE_MAGIC = b"SNAPODV1"
"""The store's table (:mod:`snaptui.catalog.store_survey` writes it, with this magic, at :func:`table_path`)."""
IDS_MAGIC = b"SNAPSID1"
LOST = 9
"""Where :class:`snaptui.sources.opendev.Facts` keeps the lost turn (its first item: when it stopped)."""
MTIME = 4
"""Where a stat tuple of :attr:`snaptui.sources.opendev.StoreSession.cache_key` keeps the mtime (ns)."""
MARKER_MAX = 64 * 1024

Interrupted = list[tuple[int, str, str, str]]
"""``(stopped at (ms), session id, its file, its project's last path component)``, newest first."""


def table_path(cache_dir: str, roots: tuple[str, ...]) -> str:
    """Where the store's table of ``roots`` lies (one per set of roots)."""
    key = "\0".join(os.path.realpath(r) for r in roots).encode("utf-8", "surrogateescape")
    return os.path.join(cache_dir, "index", f"opendev-{zlib.crc32(key):08x}.table")


def any_table(cache_dir: str) -> bool:
    """Whether snaptui ever looked at a store (a table of one is in its cache): else there
    is no need to work out where the store is (the config, the roots) at a Tab press."""
    try:
        return any(n.startswith("opendev-") and n.endswith(".table") for n in os.listdir(os.path.join(cache_dir,
                                                                                                       "index")))
    except OSError:
        return False


def interrupted(cache_dir: str, roots: tuple[str, ...]) -> tuple[Interrupted, list[str]]:
    """The store's interrupted sessions as its table last knew them, and every session id
    it holds (sorted: which prefixes name one); nothing without a table."""
    if not roots:
        return [], []
    path = table_path(cache_dir, roots)
    owner = "\0".join(roots)
    identity = datafile.identity(path)
    if identity is None:
        return [], []
    ids_path = path[: -len(".table")] + ".ids"
    memo, _ = datafile.read(ids_path, IDS_MAGIC, owner)
    if type(memo) is tuple and len(memo) == 3 and memo[0] == identity \
            and type(memo[1]) is list and type(memo[2]) is list:
        return memo[1], memo[2]
    found, every = _from_table(path, owner)
    datafile.write(ids_path, IDS_MAGIC, owner, (identity, found, every), durable=False)
    return found, every


def _from_table(path: str, owner: str) -> tuple[Interrupted, list[str]]:
    table, _ = datafile.read(path, TABLE_MAGIC, owner)
    if type(table) is not dict:
        return [], []
    found: Interrupted = []
    every: list[str] = []
    labels: dict[str, str] = {}
    for main, hit in table.items():
        if type(main) is not str or type(hit) is not tuple or len(hit) != 2:
            continue
        name = os.path.basename(main)
        sid = name[:-5] if name.endswith(".json") else name[:-6] if name.endswith(".debug") else ""
        if not sid or "\0" in sid:
            continue
        every.append(sid)
        key, value = hit
        lost = value[LOST] if type(value) is tuple and len(value) > LOST else None
        if type(lost) is not tuple or not lost:
            continue  # completed, damaged, or a layout this module does not know
        when = lost[0] if type(lost[0]) is int else _mtime_ms(key)  # the reader's rule, to_records()
        if when is None:
            continue
        folder = os.path.dirname(main)
        if folder not in labels:
            labels[folder] = _project_label(folder)
        found.append((when, sid, main, labels[folder]))
    found.sort(key=lambda s: (-s[0], s[2]))  # newest first, ties by path (as the list)
    every.sort()
    return found, every


def _mtime_ms(key: object) -> int | None:
    """The mtime of the session's main file (its ``.json``, else its ``.debug``) in a cache key."""
    if type(key) is not tuple or len(key) != 3:
        return None
    stat = key[0] if key[0] is not None else key[2]
    if type(stat) is not tuple or len(stat) <= MTIME or type(stat[MTIME]) is not int:
        return None
    return int(stat[MTIME]) // 1_000_000


def _project_label(folder: str) -> str:
    """The last component of the folder's project directory (its marker), or nothing."""
    import stat

    try:
        fd = os.open(os.path.join(folder, MARKER), os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError):
        return ""
    try:
        data = os.read(fd, MARKER_MAX) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        return ""
    finally:
        os.close(fd)
    text = os.fsdecode(data).rstrip("/")
    return os.path.basename(text) or text
