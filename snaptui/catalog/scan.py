"""The catalog of a recovery directory: its sessions, damaged files and leftovers, as records.

:func:`scan` runs the shared pass (:mod:`snaptui.catalog.survey`) and turns
its entries into :mod:`snaptui.sources.records`, in display order:
interrupted sessions newest first, then completed ones, damaged files and
leftovers by name. Everything above the catalog works on a :class:`Catalog`.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from snaptui.base.files import Stat
from snaptui.catalog.survey import Survey, survey
from snaptui.sources import recovery_records as recovery
from snaptui.sources.records import DamagedFile, Item, Leftover, Session


class Catalog:
    """Everything a scan found, in display order."""

    __slots__ = ("directory", "error", "partial", "incomplete", "completed", "damaged", "leftovers")

    def __init__(self, directory: str, error: str | None = None, partial: bool = False,
                 incomplete: list[Session] | None = None, completed: list[Session] | None = None,
                 damaged: list[DamagedFile] | None = None, leftovers: list[Leftover] | None = None) -> None:
        self.directory = directory
        self.error = error
        """Why the directory could not be listed (None when it could, or is missing)."""
        self.partial = partial
        """True when a deadline (or an early look) left files unread."""
        self.incomplete: list[Session] = incomplete if incomplete is not None else []
        self.completed: list[Session] = completed if completed is not None else []
        self.damaged: list[DamagedFile] = damaged if damaged is not None else []
        self.leftovers: list[Leftover] = leftovers if leftovers is not None else []

    @property
    def missing(self) -> bool:
        return self.error == "does not exist"

    @property
    def sessions(self) -> list[Session]:
        return self.incomplete + self.completed

    @property
    def items(self) -> list[Item]:
        return [*self.incomplete, *self.completed, *self.damaged, *self.leftovers]

    @property
    def cost_at_stake(self) -> float:
        return sum(float(s.cost_usd) for s in self.incomplete if s.cost_usd is not None)

    def without(self, keys: set[str]) -> Catalog:
        """This catalog less the items with these keys (what a discard leaves)."""
        return Catalog(
            self.directory, self.error, self.partial,
            [s for s in self.incomplete if s.key not in keys],
            [s for s in self.completed if s.key not in keys],
            [d for d in self.damaged if d.key not in keys],
            [lo for lo in self.leftovers if lo.key not in keys],
        )


def scan(
    directory: str,
    *,
    cache_dir: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    deadline_ns: int | None = None,
    early: Callable[[Catalog], None] | None = None,
    early_after: int = 150,
) -> Catalog:
    """The catalog of ``directory``; see :func:`snaptui.catalog.survey.survey`
    for the cache, ``progress``, ``deadline_ns`` and ``early``."""
    on_early = None if early is None else (lambda s: early(catalog_of(s, leftovers=False)))
    return catalog_of(survey(directory, cache_dir, progress=progress, deadline_ns=deadline_ns,
                             early=on_early, early_after=early_after))


def catalog_of(found: Survey, *, leftovers: bool = True) -> Catalog:
    """Records for what a pass found, in display order."""
    out = Catalog(found.directory, found.error, found.partial)
    prefix = os.path.join(found.directory, "")
    timestamps: dict[str, int] = {}
    for name, e in found.entries.items():
        path = prefix + name
        is_link = name in found.links
        if e.row is None or not isinstance(e.stat, Stat):
            out.damaged.append(recovery.damaged_record(path, name, is_link, e.stat, e.reason or "unreadable"))
            continue
        s = recovery.session_record(path, name, is_link, e.stat, e.row)
        timestamps[name] = s.timestamp_ms
        (out.completed if s.completed else out.incomplete).append(s)
    newest_first = lambda s: (-s.timestamp_ms, s.name)  # noqa: E731 - ties by file name
    out.incomplete.sort(key=newest_first)
    out.completed.sort(key=newest_first)
    out.damaged.sort(key=lambda d: d.name)
    if leftovers:
        out.leftovers = [recovery.leftover_record(found.directory, n, timestamps) for n in found.leftovers]
    return out
