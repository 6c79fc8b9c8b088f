"""The status line and the empty state, as UI-neutral spans (see :mod:`snaptui.present.detail`)."""

from __future__ import annotations

from snaptui.catalog.scan import Catalog
from snaptui.present import cells, humanfmt
from snaptui.present.detail import Span
from snaptui.present.safetext import one_line
from snaptui.present.viewmodel import Only


def status_spans(directory: str, catalog: Catalog | None, *, sort: str, show_completed: bool, marks: int,
                 query: str, progress: str, hidden_marks: int = 0,
                 matched: tuple[int, int, float | None] | None = None, width: int | None = None,
                 only: Only | None = None) -> list[Span]:
    """``snaptui ~/recovery  9 interrupted · 1 damaged · $1,237.09 at stake  sort: newest ...``;
    while filtering ``filter: api  3 of 9 · $1,204.50``; ``matched`` is (shown, total, their cost);
    with a project or a day chosen in the insights, ``project: ~/src/app`` or ``day: Fri 27 Nov 2026``
    (``escape clears``). Within ``width`` cells, the least needed parts go first (the name, the
    directory, the sort)."""
    # A recovery directory that does not exist held nothing (opendev 0.1.8 writes none): the
    # sessions shown are the store's, so it is not named as where they are.
    where = "opendev's store" if catalog is not None and catalog.missing and catalog.incomplete \
        else humanfmt.home_short(directory)
    groups: list[tuple[int, list[Span]]] = [(6, [("snaptui ", "title")]), (4, [(where, "path"), ("  ", "")])]
    if catalog is not None:
        groups.append((0, [(f"{humanfmt.count(len(catalog.incomplete))} interrupted", "strong")]))
        if catalog.damaged:
            groups.append((2, [(" · ", ""), (f"{humanfmt.count(len(catalog.damaged))} damaged", "bad")]))
        if catalog.leftovers:
            groups.append((3, [(" · ", ""), (f"{humanfmt.count(len(catalog.leftovers))} leftover", "warn-soft")]))
        if any(s.cost_usd is not None for s in catalog.incomplete):  # opendev's store records no cost
            groups.append((1, [(" · ", ""), (f"{humanfmt.cost(catalog.cost_at_stake)} at stake", "warn")]))
        if show_completed:
            # the list says so too, with its "Completed (N)" header: it goes before the leftovers
            groups.append((4, [(" · ", ""), (f"{humanfmt.count(len(catalog.completed))} completed shown", "muted")]))
    groups.append((5, [("  ", ""), (f"sort: {sort}", "muted")]))
    if marks:
        mark: list[Span] = [("  ", ""), (f"{humanfmt.count(marks)} marked", "title")]
        if hidden_marks:
            mark.append((f", {humanfmt.count(hidden_marks)} hidden", "warn"))
        groups.append((0, mark))
    if only is not None:
        kind, value = only_words(only)
        groups.append((0, [("  ", ""), (f"{kind}: ", "muted"), (value, "strong")]))
    if query:
        groups.append((0, [("  ", ""), ("filter: ", "muted"), (one_line(query, 40), "strong")]))
    if query or only is not None:
        if matched is not None:
            shown, total, cost = matched
            groups.append((0, [("  ", ""), (f"{humanfmt.count(shown)} of {humanfmt.count(total)}", "strong"),
                               (f" · {humanfmt.cost(cost) if cost is not None else '—'}", "warn-soft")]))
    if only is not None and not query:
        groups.append((4, [("  ", ""), ("escape clears", "muted")]))
    if progress:
        groups.append((1, [("  ", ""), (progress, "progress")]))
    if width is not None:
        used = sum(cells.width(t) for _, g in groups for t, _ in g)
        for level in range(6, 0, -1):
            for group in reversed([g for g in groups if g[0] == level]):  # one at a time, the last first
                if used <= width:
                    break
                used -= sum(cells.width(t) for t, _ in group[1])
                groups.remove(group)
    parts = [span for _, g in groups for span in g]
    if parts and parts[0][0].startswith(" · "):
        parts[0] = (parts[0][0][3:], parts[0][1])
    return parts


def only_words(only: Only) -> tuple[str, str]:
    """``("project", "~/src/app")`` or ``("day", "Fri 27 Nov 2026")``: what the list is narrowed to."""
    if only.project_dir is not None:
        return "project", humanfmt.home_short(only.project_dir) or "(no project directory)"
    from datetime import date

    try:
        day = date.fromisoformat(only.day or "")
    except ValueError:
        return "day", one_line(only.day or "", 40)
    return "day", f"{day:%a} {day.day} {day:%b %Y}"


def empty_spans(directory: str, catalog: Catalog | None, *, source: str, query: str,
                only: Only | None = None) -> list[Span]:
    """What the list says when it has nothing to show: why, and where it looked."""
    where = humanfmt.home_short(directory)
    if query or only is not None:
        what: list[Span] = []
        if only is not None:
            kind, value = only_words(only)
            what += [(f"{kind} ", ""), (value, "strong")]
        if query:
            what += [(" and " if what else "", ""), (repr(one_line(query)), "strong")]
        return [("Nothing matches ", ""), *what, (". Press escape to clear the filter.", "")]
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
            lines += [(f"{humanfmt.plural(len(catalog.completed), 'completed session')} hidden: press a to show "
                       f"{'it' if len(catalog.completed) == 1 else 'them'}.\n", "")]
        lines.append(("\n", ""))
    lines += [
        ("Looked in ", "muted"), (where, "path"), (f" ({source or 'default'}).\n", "muted"),
        ("Point snaptui elsewhere with ", "muted"), ("snaptui --dir DIR", "strong"),
        (", the ", "muted"), ("SNAPTUI_RECOVERY_DIR", "strong"), (" variable, or ", "muted"),
        ("recovery_dir", "strong"), (" in the config file.", "muted"),
    ]
    return lines
