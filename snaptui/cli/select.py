"""Which listed items a person means by the ids on the command line.

A session is named by its id, a unique prefix of its id (4+ characters), its
file name or its file's path (absolute, or relative to where snaptui runs,
through symlinks too); a damaged file or a leftover by its file name, its path
or a unique prefix of its name (4+ characters). An id that names nothing, or more than one
session, is a usage error (exit status 2) in every command.
"""

from __future__ import annotations

import os

from snaptui.catalog.scan import Catalog
from snaptui.cli.parse import UsageError
from snaptui.present.humanfmt import plural
from snaptui.present.safetext import one_line
from snaptui.sources.records import DamagedFile, Item, Leftover, Session

MIN_PREFIX = 4


def select(catalog: Catalog, ids: list[str], *, files: bool = True) -> list[Item]:
    """The items ``ids`` name, in order, each once. ``files``: damaged files and
    leftovers may be named too."""
    chosen: list[Item] = []
    for wanted in ids:
        for item in _one(catalog, wanted, files):
            if item not in chosen:
                chosen.append(item)
    return chosen


def _one(catalog: Catalog, wanted: str, files: bool) -> list[Item]:
    sessions = catalog.sessions
    exact: list[Item] = [s for s in sessions if wanted in (s.session_id, s.name, s.path)]
    others: list[Item] = [*catalog.damaged, *catalog.leftovers] if files else []
    exact += [f for f in others if f.name == wanted]
    if not exact and os.sep in wanted:
        exact = _by_path([*sessions, *others], wanted)
    if exact:
        return exact
    if len(wanted) < MIN_PREFIX:
        raise UsageError(_no_match(catalog, wanted, f" (a prefix needs {MIN_PREFIX}+ characters)"))
    by_id = [s for s in sessions if s.session_id.startswith(wanted)]
    ids = {s.session_id for s in by_id}
    if len(ids) > 1:
        names = ", ".join(sorted(one_line(i, 40) for i in ids)[:5])
        raise UsageError(f"{wanted!r} is ambiguous: {names}")
    if by_id:
        return list(by_id)
    by_name = [f for f in [*sessions, *others] if f.name.startswith(wanted)]
    if len(by_name) > 1:
        names = ", ".join(sorted(one_line(f.name, 60) for f in by_name)[:5])
        raise UsageError(f"{wanted!r} is ambiguous: {names}")
    if not by_name:
        raise UsageError(_no_match(catalog, wanted))
    return by_name


def _by_path(items: list[Item], wanted: str) -> list[Item]:
    """The items whose file ``wanted`` names as a path of another spelling: relative to where
    snaptui runs (``./x.json``, ``../recovery/x.json``), or through a symlink."""
    name = os.path.basename(wanted)
    try:
        target = os.path.abspath(wanted)
    except (ValueError, OSError):  # a NUL; a working directory that is gone
        return []
    real: str | None = None
    found = []
    for item in items:
        if item.name != name:
            continue
        if os.path.abspath(item.path) == target:
            found.append(item)
            continue
        if real is None:
            real = os.path.realpath(wanted)  # links first, then "..", as the file system reads it
        if os.path.realpath(item.path) == real:
            found.append(item)
    return found


def _no_match(catalog: Catalog, wanted: str, why: str = "") -> str:
    """No session matches: where it was looked for, and what was left out."""
    places = [p for p in catalog.looked_in if p != catalog.directory or not catalog.missing]
    where = f" in {' or '.join(places)}" if places else ""
    if catalog.dismissed:
        why += (f" ({plural(catalog.dismissed, 'dismissed session')} of opendev's store "
                f"{'is' if catalog.dismissed == 1 else 'are'} left out: "
                "snaptui restore lists them)")
    return f"no session matches {one_line(wanted, 80)!r}{where}{why}"


def one_session(catalog: Catalog, wanted: str) -> Session:
    """The one session ``wanted`` names, for resuming; a damaged file or leftover says why not."""
    chosen = select(catalog, [wanted])
    if len(chosen) > 1:
        paths = ", ".join(one_line(i.path, 120) for i in chosen[:3])
        raise UsageError(f"{one_line(wanted, 60)!r} names {len(chosen)} sessions ({paths}); give the file's path")
    item = chosen[0]
    if isinstance(item, DamagedFile):
        raise UsageError(f"{one_line(item.name, 80)} is damaged ({one_line(item.reason, 120)}): it cannot be resumed")
    if isinstance(item, Leftover):
        raise UsageError(f"{one_line(item.name, 80)} is a leftover of an interrupted write "
                         f"({one_line(item.detail, 120)}): it cannot be resumed")
    return item
