"""``snaptui list --json``: one JSON array, answered from the catalog's cache.

With nothing changed, the answer is a listing, a stat of each file, one
checked read of the answer laid out last time and one write of it. Otherwise the
shared pass reads what changed. The cyclic garbage collector stays off
(tens of thousands of small objects, no cycles: collections would only
cost), and answers go out as lists of buffers (``writev``), never joined.
"""

from __future__ import annotations

import gc
import os
import time

from snaptui.base.datafile import RACY_NS
from snaptui.catalog import pieces

TYPE_CHECKING = False  # not typing's: an unchanged directory's answer imports next to nothing
if TYPE_CHECKING:
    from snaptui.catalog.cache import Buffer
    from snaptui.catalog.pieces import ListingPrint
    from snaptui.catalog.store_survey import StoreFound
    from snaptui.sources.records import Session

    Answer = list[Buffer] | pieces.Span | pieces.Spliced
    """An answer as buffers, a range of a cache file, or ranges with buffers between them."""


class DirectoryProblem(Exception):
    """The recovery directory exists but cannot be listed; ``str()`` says why."""


def json_parts(directory: str, cache_dir: str | None, *, everything: bool, store_roots: tuple[str, ...] = (),
               snapshots: bool = True, dismissed: dict[str, int] | None = None) -> Answer:
    """The ``list --json`` answer (``--all`` if ``everything``) as buffers to write in order
    (or, for an unchanged directory, the range of the cache file that holds it): the
    recovery ``directory``'s sessions (unless not ``snapshots``) and those of the store
    under ``store_roots`` (less the ``dismissed``), newest first."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        if not store_roots:
            return _parts(directory, cache_dir, everything, None, snapshots, {}, 0)[0]
        kept = None
        if cache_dir is not None and not everything:
            from snaptui.catalog.merged import Kept

            kept = Kept(cache_dir, directory, store_roots, snapshots, dismissed or {})
            answer = kept.unchanged()
            if answer is not None:
                return answer
        started_ns = time.time_ns()
        got = None
        if snapshots and not everything and cache_dir is not None:
            from snaptui.catalog.withstore import merged  # streamed, the store read beside it

            got = merged(directory, cache_dir, store_roots, dismissed or {})
        if got is None:
            from snaptui.catalog.store_survey import survey_store
            from snaptui.catalog.storeprint import fingerprint

            printed = fingerprint(store_roots) if kept is not None else (b"", 0)  # before the store is read
            store = survey_store(store_roots, cache_dir)
            made, listing = _parts(directory, cache_dir, everything, store, snapshots, dismissed or {}, started_ns)
            got = made, listing, printed
        parts, listing, printed = got
        if kept is not None:
            kept.keep(parts, listing, printed, started_ns)
        return parts
    finally:
        if collecting:
            gc.enable()


def json_output(directory: str, cache_dir: str | None, *, everything: bool, store_roots: tuple[str, ...] = (),
                snapshots: bool = True, dismissed: dict[str, int] | None = None) -> bytes:
    """:func:`json_parts`, joined."""
    parts = json_parts(directory, cache_dir, everything=everything, store_roots=store_roots, snapshots=snapshots,
                       dismissed=dismissed)
    if not isinstance(parts, list):
        try:
            return parts.read()
        finally:
            parts.close()
    return b"".join(parts)


def write_answer(fd: int, answer: Answer) -> None:
    """Write what :func:`json_parts` returned to ``fd``."""
    if not isinstance(answer, list):
        answer.send(fd)
    else:
        from snaptui.base.atomic import write_all

        write_all(fd, answer)


def _unchanged(directory: str, cache_dir: str | None) -> tuple[pieces.Span, ListingPrint] | None:
    """The answer laid out last time, if no ``*.json`` file changed since (nothing is
    read), and the listing it was compared with."""
    if cache_dir is None:
        return None
    return pieces.unchanged_with_print(pieces.base_path(cache_dir, directory), os.path.realpath(directory), directory)


def _parts(directory: str, cache_dir: str | None, everything: bool, store: StoreFound | None, snapshots: bool,
           dismissed: dict[str, int], started_ns: int) -> tuple[list[Buffer] | pieces.Span, ListingPrint | None]:
    """The answer, and the recovery directory's listing print it was made from (None
    when a file was too recent to trust: see :mod:`snaptui.catalog.merged`)."""
    shown = [] if store is None else [s for s in store.sessions if dismissed.get(s.key) != s.timestamp_ms]
    if not snapshots:
        from snaptui.catalog.merged import NONE

        return _store_only(shown, store, everything), NONE
    if not everything and not any(not s.completed for s in shown):
        unchanged = _unchanged(directory, cache_dir)  # the store adds nothing to the plain answer
        if unchanged is not None:
            if store is None:
                return unchanged
            try:  # the merged answer is kept as buffers
                return [unchanged[0].read()], unchanged[1]
            finally:
                unchanged[0].close()
    if not shown and not everything:
        from snaptui.catalog import answer as streamed

        try:
            span = streamed.plain_answer(directory, cache_dir)
        except streamed.Unlistable as exc:
            if str(exc) != "does not exist":
                raise DirectoryProblem(str(exc)) from None
            from snaptui.catalog.merged import MISSING

            return pieces.array([]), MISSING
        if span is not None:
            return span, None  # a merged answer is kept only with a store
    from snaptui.catalog.survey import survey

    found = survey(directory, cache_dir, pieces=True)
    if found.error is not None and found.error != "does not exist":
        raise DirectoryProblem(found.error)
    if found.error is not None:
        from snaptui.catalog.merged import MISSING

        listing: ListingPrint | None = MISSING
    else:
        listing = pieces.listing_print(found.entries, started_ns - RACY_NS)
    if not shown and not everything:
        if found.answer is not None:
            return found.answer, listing
        order = pieces.answer_order(found.entries)
        return pieces.array([found.pieces[n] for n in order[: pieces.interrupted_count(found.entries)]]), listing
    from snaptui.catalog import jsonpieces
    from snaptui.catalog.scan import catalog_of

    catalog = catalog_of(found)
    twins: dict[str, list[Session]] = {}  # a session id's store sessions (two folders can hold one id)
    for s in shown:
        twins.setdefault(s.session_id, []).append(s)
    prefix = os.path.join(directory, "")
    keyed: list[tuple[bool, int, str, Buffer]] = []
    for s in catalog.sessions:  # as scan.merge: the first snapshot of an id takes its twins' lost turn
        piece = found.pieces[s.name]
        lost = next((t.lost_turn for t in twins.pop(s.session_id, ()) if t.lost_turn is not None), None)
        if lost is not None:
            piece = jsonpieces.with_prompt(piece, lost.prompt)
        keyed.append((s.completed, -s.timestamp_ms, prefix + s.name, piece))
    keyed += [(s.completed, -s.timestamp_ms, s.path, jsonpieces.store_session(s))
              for group in twins.values() for s in group]
    keyed.sort(key=lambda k: k[:3])
    parts: list[Buffer] = [k[3] for k in keyed if everything or not k[0]]
    if everything:
        damaged = sorted([*catalog.damaged, *(store.damaged if store else [])],
                         key=lambda d: (d.source != "snapshot", d.path))
        parts += [jsonpieces.damaged(d) for d in damaged]
        parts += [jsonpieces.leftover(lo, directory) for lo in catalog.leftovers]
    return pieces.array(parts), listing


def _store_only(shown: list[Session], store: StoreFound | None, everything: bool) -> list[Buffer]:
    from snaptui.catalog import jsonpieces

    keyed = sorted((s.completed, -s.timestamp_ms, s.path, jsonpieces.store_session(s))
                   for s in shown if everything or not s.completed)
    parts: list[Buffer] = [k[3] for k in keyed]
    if everything and store is not None:
        parts += [jsonpieces.damaged(d) for d in sorted(store.damaged, key=lambda d: d.path)]
    return pieces.array(parts)
