"""The pass over opendev's session store: discovered every time, read only where it changed.

:func:`snaptui.sources.opendev.discover` lists the project folders and stats
each session's files; a session whose three files (``.json``, ``.jsonl``,
``.debug``) have the stats they had when it was last read is taken from the
cache, anything else is read again (only the ends of its logs; see
:mod:`snaptui.sources.debuglog`). The cache is one checked marshal file per
set of roots in snaptui's cache dir, like the recovery directory's; files
modified in the last two seconds are never cached.
"""

from __future__ import annotations

import time

from snaptui.base import datafile, fastjson
from snaptui.base.datafile import RACY_NS
from snaptui.base.named import NamedTuple  # typing's, without importing typing
from snaptui.catalog import store_ids
from snaptui.sources import opendev
from snaptui.sources.records import DamagedFile, Session

MAGIC = store_ids.TABLE_MAGIC
cache_path = store_ids.table_path
"""Where the table of a set of roots lies (in :mod:`store_ids`, which completion reads without this module)."""


class StoreFound(NamedTuple):
    """What one pass over the store found."""

    sessions: list[Session]
    damaged: list[DamagedFile]
    partial: bool
    """True when a deadline left sessions unread."""


def survey_store(roots: tuple[str, ...], cache_dir: str | None, *, deadline_ns: int | None = None,
                 listed: opendev.Listed | None = None) -> StoreFound:
    """Every session under ``roots`` as a record (damaged ones with their reason); ``listed``:
    folders already listed and stat'ed (see :func:`opendev.discover`)."""
    if not roots:
        return StoreFound([], [], False)
    started_ns = time.time_ns()
    owner = "\0".join(roots)
    path = cache_path(cache_dir, roots) if cache_dir else None
    cached: object = None
    if path is not None:
        cached, _ = datafile.read(path, MAGIC, owner)
    table: dict[str, tuple[object, ...]] = cached if type(cached) is dict else {}
    found = opendev.discover(roots, listed)
    fastjson.preload()  # the readers' orjson, light (first here in list --json's store helper)
    fresh: dict[str, tuple[object, ...]] = {}
    sessions: list[Session] = []
    damaged: list[DamagedFile] = []
    partial = False
    read = 0
    for s in found.sessions:
        key = s.cache_key
        main = s.main.path
        hit = table.get(main)
        value: opendev.SessionValue | None = None
        if s.folder_problem is None and opendev.known_reason(s) is None:
            if hit is not None and hit[0] == key and opendev.is_current(hit[1]):
                value = hit[1]  # type: ignore[assignment]
            else:
                if deadline_ns is not None and time.monotonic_ns() > deadline_ns:
                    partial = True
                    continue
                value = opendev.read_session(s)
                read += 1
            if _settled(s, started_ns - RACY_NS):
                fresh[main] = (key, value)
        record = opendev.to_records(s, value)
        if isinstance(record, Session):
            sessions.append(record)
        else:
            damaged.append(record)
    damaged += [opendev.problem_record(p) for p in found.problems]
    if path is not None and (read or fresh.keys() != table.keys()):
        datafile.write(path, MAGIC, owner, fresh, durable=False)
    return StoreFound(sessions, damaged, partial)


def _settled(s: opendev.StoreSession, racy_ns: int) -> bool:
    """Whether every file of ``s`` was last modified long enough ago to trust its stat."""
    for f in (s.json, s.jsonl, s.debug):
        if f is not None:
            ident = f.identity
            if ident is None or ident[3] >= racy_ns:
                return False
    return True
