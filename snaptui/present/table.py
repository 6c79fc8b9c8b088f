"""``snaptui list``: the readable table (``--json`` is :mod:`snaptui.listjson`)."""

from __future__ import annotations

from snaptui.base import clock as _clock
from snaptui.catalog.scan import Catalog
from snaptui.present import columns, humanfmt, lost
from snaptui.present.cells import fit, fit_path, terminal_columns, width
from snaptui.present.safetext import one_line
from snaptui.sources.records import Session


def _rows(sessions: list[Session], now: int, id_w: int) -> list[tuple[list[str], str | None]]:
    """Each session's cells, and a line beneath it for what a crash lost (when known); ids
    ``id_w`` characters wide."""
    rows = []
    for s in sessions:
        last = s.last_tool
        tool = f"{_tool_mark(last.ok)} {one_line(last.name, 24)}" if last else "—"
        rows.append(([
            humanfmt.ago(s.timestamp_ms, now),
            humanfmt.home_short(s.project_dir),
            humanfmt.cost(s.cost_usd) if s.cost_usd is not None else "—",
            humanfmt.count(s.message_count),
            tool,
            humanfmt.short_id(s.session_id, id_w),
        ], None if s.lost_turn is None else lost.summary(s.lost_turn)))
    return rows


def _tool_mark(ok: bool | None) -> str:
    return "…" if ok is None else "✓" if ok else "✗"


def _table(rows: list[tuple[list[str], str | None]], total_width: int) -> str:
    headers = ["AGE", "PROJECT", "COST", "MSGS", "LAST TOOL", "ID"]
    right = {2, 3}
    widths = [max([width(h)] + [width(r[i]) for r, _ in rows]) for i, h in enumerate(headers)]
    spare = total_width - (sum(widths) + 2 * (len(widths) - 1))
    if spare < 0:  # the project's own name stays whole, as in the TUI (snaptui.present.columns)
        names = [width(columns.last_name(r[1])) for r, _ in rows]
        widths[1] = max(widths[1] + spare, min(max(names, default=10) + 2, columns.NAME_MAX + 2), 12)
    lines = []
    for row, note in [(headers, None), *rows]:
        cells = []
        for i, cell in enumerate(row):
            cell = fit_path(cell, widths[i]) if i == 1 else fit(cell, widths[i])
            if i in right:
                cell = " " * (widths[i] - width(cell.rstrip())) + cell.rstrip()
            cells.append(cell)
        lines.append("  ".join(cells).rstrip())
        if note:
            lines.append(fit("    " + note, max(total_width, 40)).rstrip())
    return "\n".join(lines) + "\n"


def places(result: Catalog, store_roots: tuple[str, ...], snapshots: bool = True) -> str:
    """Where the sessions were looked for, in words."""
    found = []
    if snapshots and not result.missing:  # one that does not exist held none (opendev 0.1.8 writes none)
        found.append(humanfmt.home_short(result.directory))
    if store_roots:
        found.append("opendev's store (" + ", ".join(humanfmt.home_short(r) for r in store_roots) + ")")
    return " and ".join(found) or "nothing (no source was read)"


def nowhere(result: Catalog, store_roots: tuple[str, ...], snapshots: bool) -> str | None:
    """What to say, ready to print, when there was nowhere to find a session: the recovery
    directory does not exist, and no store session nor damaged file was found (None: there
    was somewhere)."""
    if not snapshots and not store_roots:
        return ("No interrupted sessions: there is no opendev store to read (off, or none found), "
                "and --source opendev leaves out the recovery directory.\n")
    if not (result.missing and snapshots and not result.sessions and not result.damaged):
        return None
    return (f"No interrupted sessions: {humanfmt.home_short(result.directory)} does not exist "
            "(nothing has crashed there yet)"
            + (f", nor any in {places(result, store_roots, False)}.\n" if store_roots else ".\n")
            + "Point snaptui elsewhere with --dir DIR or SNAPTUI_RECOVERY_DIR"
            + (", or --store DIR for opendev's store.\n" if not store_roots else ".\n"))


def table(result: Catalog, *, everything: bool, source: str = "", clock: _clock.Clock = _clock.now_ms,
          store_roots: tuple[str, ...] = (), snapshots: bool = True) -> str:
    """The human listing, ready to print."""
    now = clock()
    cols = terminal_columns()
    id_w = humanfmt.id_width(s.session_id for s in result.sessions)  # a prefix the command line takes
    where = places(result, store_roots, snapshots)
    out = []
    nothing = nowhere(result, store_roots, snapshots)
    if nothing is not None:
        return nothing
    n = len(result.incomplete)
    if n:
        no_cost = sum(1 for s in result.incomplete if s.cost_usd is None)
        if no_cost == n:
            cost = "opendev's store records no cost"
        else:
            cost = humanfmt.cost(result.cost_at_stake) + " at stake"
            if no_cost:
                cost += f" ({no_cost} more without a recorded cost)"
        out.append(f"{n} interrupted session{'s' if n != 1 else ''} in {where} — {cost}")
        out.append("")
        out.append(_table(_rows(result.incomplete, now, id_w), cols).rstrip("\n"))
    else:
        out.append(f"No interrupted sessions in {where}.")
    if everything:
        if result.completed:
            out.append("")
            out.append(f"Completed ({len(result.completed)}):")
            out.append(_table(_rows(result.completed, now, id_w), cols).rstrip("\n"))
        if result.damaged:
            out.append("")
            out.append(f"Damaged files ({len(result.damaged)}), never read as sessions:")
            for d in result.damaged:
                shown = d.name if d.source == "snapshot" else humanfmt.home_short(d.path)
                out.append(f"  {one_line(shown, 100)}: {one_line(d.reason, 160)}")
        if result.leftovers:
            out.append("")
            out.append(f"Leftovers of interrupted writes ({len(result.leftovers)}):")
            for lo in result.leftovers:
                out.append(f"  {one_line(lo.name, 80)}: {one_line(lo.detail, 160)}")
    else:
        hidden = []
        if result.completed:
            hidden.append(f"{len(result.completed)} completed")
        if result.damaged:
            hidden.append(f"{len(result.damaged)} damaged")
        if result.leftovers:
            hidden.append(f"{len(result.leftovers)} leftover")
        if hidden:
            out.append("")
            out.append(f"Not shown: {', '.join(hidden)} (snaptui list --all).")
    if result.dismissed:
        out.append(f"Dismissed: {result.dismissed} (snaptui restore lists them).")
    return "\n".join(out) + "\n"
