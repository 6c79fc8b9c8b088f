"""The catalog: every session of every source, damaged files and leftovers, as records.

:func:`scan` runs the shared pass over the recovery directory
(:mod:`snaptui.catalog.survey`) and the pass over opendev's session store
(:mod:`snaptui.catalog.store_survey`), and merges their records in display
order: interrupted sessions newest first, then completed ones, damaged files
and leftovers by name. A session found in both sources is one record: the
snapshot's, with what the store knows of its lost turn. Everything above the
catalog works on a :class:`Catalog` and never asks where a record came from.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from snaptui.base.files import Stat
from snaptui.base.sums import total
from snaptui.catalog.survey import Survey, survey
from snaptui.sources import recovery_records as recovery
from snaptui.sources.records import DamagedFile, Item, Leftover, Session

TYPE_CHECKING = False  # the store's modules load only when a store is there to read
if TYPE_CHECKING:
    from snaptui.catalog.firstlook import FirstLook
    from snaptui.catalog.store_survey import StoreFound


class Catalog:
    """Everything a scan found, in display order."""

    __slots__ = ("directory", "error", "partial", "incomplete", "completed", "damaged", "leftovers", "dismissed",
                 "absorbed", "came_back", "looked_in")

    def __init__(self, directory: str, error: str | None = None, partial: bool = False,
                 incomplete: list[Session] | None = None, completed: list[Session] | None = None,
                 damaged: list[DamagedFile] | None = None, leftovers: list[Leftover] | None = None,
                 dismissed: int = 0) -> None:
        self.directory = directory
        self.error = error
        """Why the directory could not be listed (None when it could, or is missing)."""
        self.partial = partial
        """True when a deadline (or an early look) left files unread."""
        self.incomplete: list[Session] = incomplete if incomplete is not None else []
        self.completed: list[Session] = completed if completed is not None else []
        self.damaged: list[DamagedFile] = damaged if damaged is not None else []
        self.leftovers: list[Leftover] = leftovers if leftovers is not None else []
        self.dismissed = dismissed
        """How many store sessions are left out because the person dismissed them."""
        self.absorbed: dict[str, list[Session]] = {}
        """By a snapshot's key, the sessions of opendev's store of its id, shown as part of its row
        (:func:`merge`): discarding the row dismisses them too, and resuming it resumes one."""
        self.came_back: set[str] = set()
        """Keys of dismissed store sessions shown again: they went on since (a new turn, a new
        crash), which the dismissal was not about. The trash lists them no more."""
        self.looked_in: tuple[str, ...] = (directory,)
        """Where the sessions were looked for: the recovery directory (unless left out) and the
        store's roots, for a message that says where something was not found."""

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
        return total(float(s.cost_usd) for s in self.incomplete if s.cost_usd is not None)

    def without(self, keys: set[str]) -> Catalog:
        """This catalog less the items with these keys (what a discard leaves)."""
        left = Catalog(
            self.directory, self.error, self.partial,
            [s for s in self.incomplete if s.key not in keys],
            [s for s in self.completed if s.key not in keys],
            [d for d in self.damaged if d.key not in keys],
            [lo for lo in self.leftovers if lo.key not in keys],
            self.dismissed,
        )
        left.absorbed = {k: v for k, v in self.absorbed.items() if k not in keys}
        left.came_back = self.came_back - keys
        left.looked_in = self.looked_in
        return left

    def leftovers_of(self, items: Iterable[Item]) -> list[Leftover]:
        """The leftovers of interrupted writes beside the snapshot files of ``items`` (not among
        them): they go where their file goes, so a discard leaves no orphan behind and a
        restore brings back the newer copy a leftover may hold."""
        chosen = list(items)
        names = {i.name for i in chosen if i.source == "snapshot" and not isinstance(i, Leftover)}
        return [lo for lo in self.leftovers if lo.target in names and lo not in chosen]

    def twins(self, items: Iterable[Item]) -> list[Session]:
        """The store sessions shown as part of these items' rows (what discarding them dismisses too)."""
        return [t for i in items for t in self.absorbed.get(i.key, ())]

    def to_resume(self, session: Session) -> Session:
        """What resuming ``session``'s row resumes: a snapshot whose session opendev's store also
        holds is resumed as the store's session (its project folder is where ``opendev -r`` looks,
        and it knows the turn the crash lost); any other, itself."""
        twins = self.absorbed.get(session.key)
        if not twins:
            return session
        return next((t for t in twins if t.lost_turn is not None), twins[0])


def scan(
    directory: str,
    *,
    cache_dir: str | None = None,
    store_roots: tuple[str, ...] = (),
    snapshots: bool = True,
    dismissed: dict[str, int] | None = None,
    progress: Callable[[int, int], None] | None = None,
    deadline_ns: int | None = None,
    early: Callable[[Catalog], None] | None = None,
    early_after: int = 150,
    first: FirstLook | None = None,
) -> Catalog:
    """The catalog of the recovery ``directory`` (unless not ``snapshots``) and of
    the store under ``store_roots``, less the ``dismissed`` store sessions; see
    :func:`snaptui.catalog.survey.survey` for the cache, ``progress``,
    ``deadline_ns``, ``early`` (the newest snapshots, before the rest) and ``first``."""
    if snapshots:
        on_early = None if early is None else (lambda s: early(catalog_of(s, leftovers=False)))
        catalog = catalog_of(survey(directory, cache_dir, progress=progress, deadline_ns=deadline_ns,
                                    early=on_early, early_after=early_after, first=first))
    else:
        catalog = Catalog(directory)
        catalog.looked_in = ()
    if store_roots:
        from snaptui.catalog.store_survey import survey_store

        catalog.looked_in += store_roots
        merge(catalog, survey_store(store_roots, cache_dir, deadline_ns=deadline_ns), dismissed or {})
    return catalog


def merge(catalog: Catalog, store: StoreFound, dismissed: dict[str, int]) -> None:
    """Add the store's records to ``catalog`` (in place), in display order.

    A store session whose id a snapshot has becomes part of that snapshot's
    record (its title and lost turn); a dismissed one is left out and counted.
    """
    twins: dict[str, tuple[int, bool]] = {}  # the first snapshot of a session id takes its twins
    for done, part in ((False, catalog.incomplete), (True, catalog.completed)):
        for i, s in enumerate(part):
            twins.setdefault(s.session_id, (i, done))
    for s in store.sessions:
        if dismissed.get(s.key) == s.timestamp_ms:
            catalog.dismissed += 1
            continue
        if s.key in dismissed:
            catalog.came_back.add(s.key)
        twin = twins.get(s.session_id)
        if twin is not None:
            part = catalog.completed if twin[1] else catalog.incomplete
            mine = part[twin[0]]
            part[twin[0]] = mine._replace(title=mine.title or s.title, lost_turn=mine.lost_turn or s.lost_turn)
            catalog.absorbed.setdefault(mine.key, []).append(s)
            continue
        (catalog.completed if s.completed else catalog.incomplete).append(s)
    catalog.incomplete.sort(key=_newest_first)
    catalog.completed.sort(key=_newest_first)
    shown = []
    for d in store.damaged:
        if dismissed.get(d.key) == d.mtime_ns // 1_000_000:
            catalog.dismissed += 1
        else:
            if d.key in dismissed:
                catalog.came_back.add(d.key)
            shown.append(d)
    catalog.damaged = sorted([*catalog.damaged, *shown], key=lambda d: (d.source != "snapshot", d.path))
    catalog.partial = catalog.partial or store.partial


def _newest_first(s: Session) -> tuple[int, str, str]:
    return (-s.timestamp_ms, s.name, s.key)  # ties by file name, as the reference orders them


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
