"""The status line and the empty state, as UI-neutral spans (see :mod:`snaptui.present.detail`)."""

from __future__ import annotations

from snaptui.catalog.scan import Catalog
from snaptui.present import humanfmt
from snaptui.present.detail import Span
from snaptui.present.safetext import one_line


def status_spans(directory: str, catalog: Catalog | None, *, sort: str, show_completed: bool, marks: int,
                 query: str, progress: str) -> list[Span]:
    """``snaptui ~/recovery  9 interrupted · 1 damaged · $1,237.09 at stake  sort: newest ...``."""
    parts: list[Span] = [("snaptui ", "title"), (humanfmt.home_short(directory), "path")]
    if catalog is not None:
        parts += [("  ", ""), (f"{humanfmt.count(len(catalog.incomplete))} interrupted", "strong")]
        if catalog.damaged:
            parts += [(" · ", ""), (f"{humanfmt.count(len(catalog.damaged))} damaged", "bad")]
        if catalog.leftovers:
            parts += [(" · ", ""), (f"{humanfmt.count(len(catalog.leftovers))} leftover", "warn-soft")]
        if any(s.cost_usd is not None for s in catalog.incomplete):  # opendev's store records no cost
            parts += [(" · ", ""), (f"{humanfmt.cost(catalog.cost_at_stake)} at stake", "warn")]
        if show_completed:
            parts += [(" · ", ""), (f"{humanfmt.count(len(catalog.completed))} completed shown", "muted")]
    parts += [("  ", ""), (f"sort: {sort}", "muted")]
    if marks:
        parts += [("  ", ""), (f"{marks} marked", "title")]
    if query:
        parts += [("  ", ""), ("filter: ", "muted"), (one_line(query), "strong")]
    if progress:
        parts += [("  ", ""), (progress, "progress")]
    return parts


def empty_spans(directory: str, catalog: Catalog | None, *, source: str, query: str) -> list[Span]:
    """What the list says when it has nothing to show: why, and where it looked."""
    where = humanfmt.home_short(directory)
    if query:
        return [("Nothing matches ", ""), (repr(one_line(query)), "strong"),
                (". Press escape to clear the filter.", "")]
    lines: list[Span] = []
    if catalog is not None and catalog.error and not catalog.missing:
        lines += [("Cannot read the recovery directory\n", "bad"), (f"{where} {catalog.error}.\n\n", "")]
    elif catalog is not None and catalog.missing:
        lines += [("No interrupted sessions\n", "ok-heading"),
                  (f"{where} does not exist: nothing has crashed there yet.\n\n", "")]
    else:
        lines += [("No interrupted sessions\n", "ok-heading"),
                  (f"Every opendev session in {where} ended cleanly.\n", "")]
        if catalog is not None and catalog.completed:
            lines += [(f"{len(catalog.completed)} completed session(s) are hidden: press a to show them.\n", "")]
        lines.append(("\n", ""))
    lines += [
        ("Looked in ", "muted"), (where, "path"), (f" ({source or 'default'}).\n", "muted"),
        ("Point snaptui elsewhere with ", "muted"), ("snaptui --dir DIR", "strong"),
        (", the ", "muted"), ("SNAPTUI_RECOVERY_DIR", "strong"), (" variable, or ", "muted"),
        ("recovery_dir", "strong"), (" in the config file.", "muted"),
    ]
    return lines
