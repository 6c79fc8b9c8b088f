"""``snaptui list --json``: one JSON array, answered from the catalog's cache.

With nothing changed, the answer is a stat of each file, one checked read
of the cache and one write of the answer laid out last time. Otherwise the
shared pass reads what changed. The cyclic garbage collector stays off
(tens of thousands of small objects, no cycles: collections would only
cost), and answers go out as lists of buffers (``writev``), never joined.
"""

from __future__ import annotations

import gc
import os

from snaptui.catalog import pieces

TYPE_CHECKING = False  # not typing's: an unchanged directory's answer imports next to nothing
if TYPE_CHECKING:
    from snaptui.catalog.cache import Buffer


class DirectoryProblem(Exception):
    """The recovery directory exists but cannot be listed; ``str()`` says why."""


def json_parts(directory: str, cache_dir: str | None, *, everything: bool) -> list[Buffer]:
    """The ``list --json`` answer (``--all`` if ``everything``) as buffers to write in order."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _parts(directory, cache_dir, everything)
    finally:
        if collecting:
            gc.enable()


def json_output(directory: str, cache_dir: str | None, *, everything: bool) -> bytes:
    """:func:`json_parts`, joined."""
    return b"".join(json_parts(directory, cache_dir, everything=everything))


def _unchanged(directory: str, cache_dir: str | None) -> Buffer | None:
    """The answer laid out last time, if no ``*.json`` file changed since (nothing is read)."""
    if cache_dir is None:
        return None
    laid_out = pieces.Pieces.load(pieces.base_path(cache_dir, directory), os.path.realpath(directory))
    if laid_out.plain is None:
        return None  # nothing to compare with: no need to stat every file
    stats = pieces.listing_stats(directory)
    return None if stats is None else laid_out.answer_for(stats)


def _parts(directory: str, cache_dir: str | None, everything: bool) -> list[Buffer]:
    answer = None if everything else _unchanged(directory, cache_dir)
    if answer is not None:
        return [answer]
    from snaptui.catalog.survey import survey

    found = survey(directory, cache_dir, pieces=True)
    if found.error is not None:
        if found.error == "does not exist":
            return [b"[]\n"]
        raise DirectoryProblem(found.error)
    if not everything and found.answer is not None:
        return found.answer
    order = pieces.answer_order(found.entries)
    if not everything:
        return pieces.array([found.pieces[n] for n in order[: pieces.interrupted_count(found.entries)]])
    from snaptui.catalog import jsonpieces
    from snaptui.catalog.scan import catalog_of

    catalog = catalog_of(found)
    parts: list[Buffer] = [found.pieces[n] for n in order]
    parts += [jsonpieces.damaged(d) for d in catalog.damaged]
    parts += [jsonpieces.leftover(lo, directory) for lo in catalog.leftovers]
    return pieces.array(parts)
