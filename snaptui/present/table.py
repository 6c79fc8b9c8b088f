"""``snaptui list``: the readable table (``--json`` is :mod:`snaptui.listjson`)."""

from __future__ import annotations

import shutil

from snaptui.base import clock as _clock
from snaptui.catalog.scan import Catalog
from snaptui.present import columns, humanfmt
from snaptui.present.cells import fit, fit_path, width
from snaptui.present.safetext import one_line
from snaptui.sources.records import Session


def _rows(sessions: list[Session], now: int) -> list[list[str]]:
    rows = []
    for s in sessions:
        last = s.last_tool
        tool = f"{_tool_mark(last.ok)} {one_line(last.name, 24)}" if last else "—"
        rows.append([
            humanfmt.ago(s.timestamp_ms, now),
            humanfmt.home_short(s.project_dir),
            humanfmt.cost(s.cost_usd) if s.cost_usd is not None else "—",
            humanfmt.count(s.message_count),
            tool,
            humanfmt.short_id(s.session_id),
        ])
    return rows


def _tool_mark(ok: bool | None) -> str:
    return "…" if ok is None else "✓" if ok else "✗"


def _table(rows: list[list[str]], total_width: int) -> str:
    headers = ["AGE", "PROJECT", "COST", "MSGS", "LAST TOOL", "ID"]
    right = {2, 3}
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    spare = total_width - (sum(widths) + 2 * (len(widths) - 1))
    if spare < 0:  # the project's own name stays whole, as in the TUI (snaptui.present.columns)
        names = [width(columns.last_name(r[1])) for r in rows]
        widths[1] = max(widths[1] + spare, min(max(names, default=10) + 2, columns.NAME_MAX + 2), 12)
    lines = []
    for row in [headers, *rows]:
        cells = []
        for i, cell in enumerate(row):
            cell = fit_path(cell, widths[i]) if i == 1 else fit(cell, widths[i])
            if i in right:
                cell = " " * (widths[i] - width(cell.rstrip())) + cell.rstrip()
            cells.append(cell)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def table(result: Catalog, *, everything: bool, source: str = "", clock: _clock.Clock = _clock.now_ms) -> str:
    """The human listing, ready to print."""
    now = clock()
    cols = shutil.get_terminal_size((100, 24)).columns
    where = humanfmt.home_short(result.directory)
    out = []
    if result.missing:
        out.append(f"No interrupted sessions: {where} does not exist (nothing has crashed there yet).")
        out.append("Point snaptui elsewhere with --dir DIR or SNAPTUI_RECOVERY_DIR.")
        return "\n".join(out) + "\n"
    n = len(result.incomplete)
    if n:
        out.append(f"{n} interrupted session{'s' if n != 1 else ''} in {where} — "
                   f"{humanfmt.cost(result.cost_at_stake)} at stake")
        out.append("")
        out.append(_table(_rows(result.incomplete, now), cols).rstrip("\n"))
    else:
        out.append(f"No interrupted sessions in {where}.")
    if everything:
        if result.completed:
            out.append("")
            out.append(f"Completed ({len(result.completed)}):")
            out.append(_table(_rows(result.completed, now), cols).rstrip("\n"))
        if result.damaged:
            out.append("")
            out.append(f"Damaged files ({len(result.damaged)}), never read as sessions:")
            for d in result.damaged:
                out.append(f"  {one_line(d.name, 80)}: {one_line(d.reason, 160)}")
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
    return "\n".join(out) + "\n"
