"""The plain ``list --json`` answer with opendev's store, streamed.

The recovery directory's answer is made as without the store
(:func:`snaptui.catalog.answer.streamed`: two processes, constant memory)
while a forked helper reads the store; then the store's interrupted
sessions are merged into it by time. What comes out is the same as the
in-memory path of :mod:`snaptui.catalog.jsonlist` byte for byte: a snapshot
whose session the store also holds gets the store's lost prompt (and the
store's copy is not listed again), the rest is ranges of the new
``.pieces`` file with the store's objects between them
(:class:`snaptui.catalog.pieces.Spliced`).
"""

from __future__ import annotations

import marshal
import os

from snaptui.catalog import pieces
from snaptui.catalog.pieces_write import _U64_MAX, size_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from snaptui.catalog.answer import Streamed
    from snaptui.catalog.pieces import Buffer, ListingPrint

    Item = tuple[str, int, bool, str, str, tuple[str | None] | None, bytes | None]
    """A store session: key, timestamp (ms), completed, path, session id, (its lost
    prompt,) when a crash lost a turn, and its object when it is interrupted."""


def merged(directory: str, cache_dir: str, roots: tuple[str, ...], dismissed: dict[str, int]
           ) -> tuple[pieces.Span | pieces.Spliced | list[Buffer], ListingPrint | None, tuple[bytes, int]] | None:
    """The plain answer of ``directory`` and the store under ``roots`` (less the
    ``dismissed``), the directory's listing print it was made from and the store's
    fingerprint taken before it was read (see :mod:`snaptui.catalog.merged`); None when
    it cannot be streamed (no scratch file, or the store has a session it did not list
    when the snapshots were read: the caller makes it in memory). Raises ``DirectoryProblem``."""
    from snaptui.base import twoproc
    from snaptui.catalog import answer
    from snaptui.sources.opendev_layout import session_ids

    listing: ListingPrint | None
    result = twoproc.aside(lambda: [marshal.dumps(store_read(roots, cache_dir), 2)])
    data = None
    listed = session_ids(roots)  # only these snapshots' ids are kept: a store session may be their twin
    try:
        got = answer.streamed(directory, cache_dir, ids_of=listed)
    except answer.Unlistable as exc:
        if str(exc) != "does not exist":
            from snaptui.catalog.jsonlist import DirectoryProblem

            raise DirectoryProblem(str(exc)) from None
        from snaptui.catalog.merged import MISSING

        got, listing = None, MISSING
    else:
        if got is None:
            return None
        listing = _listing_print(got, directory)
    finally:
        if result is not None:  # the helper is always waited for
            data = result()
    store_print, store_newest, items = marshal.loads(data) if data is not None else store_read(roots, cache_dir)
    printed = (store_print, store_newest)
    shown = [it for it in items if dismissed.get(it[0]) != it[1]]
    if got is not None and any(it[4] not in listed for it in shown):
        got.span.close()
        return None  # a session came into the store meanwhile: its twin is not known here
    if got is None:  # no directory: the store's sessions alone
        return pieces.array([it[6] for it in sorted(shown, key=_store_order) if not it[2]]), listing, printed  # type: ignore[misc]
    return _merge(got, directory, shown), listing, printed


def store_read(roots: tuple[str, ...], cache_dir: str | None) -> tuple[bytes, int, list[Item]]:
    """The store's fingerprint and newest mtime (:func:`snaptui.catalog.storeprint.fingerprint`,
    taken before it is read: a change made meanwhile shows next time), and what the merge
    needs of each of its sessions, in the store's order (small: no records)."""
    from snaptui.catalog import jsonpieces, storeprint
    from snaptui.catalog.store_survey import survey_store

    listed: dict[str, list[tuple[object, ...]]] = {}
    store_print, store_newest = storeprint.fingerprint(roots, listed)
    out: list[Item] = []
    for s in survey_store(roots, cache_dir, listed=listed).sessions:
        lost = s.lost_turn
        out.append((s.key, s.timestamp_ms, s.completed, s.path, s.session_id,
                    None if lost is None else (lost.prompt,),
                    None if s.completed else jsonpieces.store_session(s)))
    return store_print, store_newest, out


def _store_order(it: Item) -> tuple[int, str]:
    """Newest first, ties by path (and then as they came, as the in-memory path sorts)."""
    return -it[1], it[3]


def _listing_print(got: Streamed, directory: str) -> ListingPrint | None:
    """The directory's listing print, as the new ``.pieces`` file's index holds it (None:
    a file was too recent to describe)."""
    try:
        head = pieces.Head(pieces._mapped(got.span.fd), os.path.realpath(directory))
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return (head.names, head.stats) if head.complete else None


def _merge(got: Streamed, directory: str, shown: list[Item]) -> pieces.Span | pieces.Spliced:
    from snaptui.catalog.jsonpieces import with_prompt

    span = got.span
    sizes = [size_of(r[3]) for r in got.sessions[: got.split]]
    starts = [0] * len(sizes)  # where each answer session's object lies in the file
    at = span.offset + 2  # after "[\n"; each object is followed by ",\n"
    for i, size in enumerate(sizes):
        starts[i] = at
        at += size + 2
    twins: dict[str, list[Item]] = {}  # a session id's store sessions (two folders can hold one id)
    for it in shown:
        twins.setdefault(it[4], []).append(it)
    prompted: dict[int, bytes] = {}  # an answer session's place -> its object with the lost prompt
    if twins:
        for i, record in enumerate(got.sessions):  # in catalog order: the first of a session id takes its twins
            sid = got.ids.get(record[1])
            group = twins.pop(sid, []) if sid is not None else []
            lost = next((t[5] for t in group if t[5] is not None), None)
            if lost is not None and i < got.split:
                prompted[i] = with_prompt(os.pread(span.fd, sizes[i], starts[i]), lost[0])
    rest = sorted((it for group in twins.values() for it in group if not it[2]), key=_store_order)
    if not rest and not prompted:
        return span
    prefix = os.path.join(directory, "")
    # Both lists are in answer order; merged by (-timestamp, path) as the in-memory path sorts them.
    elements: list[int | bytes] = []  # an answer session's place, or an object
    k = 0
    for i, record in enumerate(got.sessions[: got.split]):
        mine = (record[0] - _U64_MAX, prefix + record[1])  # -timestamp: the key of an interrupted session
        while k < len(rest) and (-rest[k][1], rest[k][3]) < mine:
            elements.append(rest[k][6])  # type: ignore[arg-type]
            k += 1
        elements.append(prompted.get(i, i))
    elements += [it[6] for it in rest[k:]]  # type: ignore[misc]
    parts: list[pieces.Span | bytes] = []
    run: list[int] = []  # consecutive answer sessions: one range of the file

    def close_run() -> None:
        if run:
            first, last = run[0], run[-1]
            parts.append(pieces.Span(span.fd, starts[first], starts[last] + sizes[last] - starts[first]))
            run.clear()

    for element in elements:
        if isinstance(element, int) and (not run or element == run[-1] + 1):
            run.append(element)
            continue
        close_run()
        if isinstance(element, int):
            run.append(element)
            continue
        parts.append(element)
    close_run()
    return pieces.Spliced(pieces.array(parts), span)
