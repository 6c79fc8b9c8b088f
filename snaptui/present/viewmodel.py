"""The list the TUI shows, computed from a scan: filter, sort, sections, day groups.

Pure Python and no Textual, so it is tested directly and stays fast: building
the rows for 10,000 sessions is a few list operations. The widget only draws
the rows that are visible.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from snaptui.base.sums import total
from snaptui.catalog.scan import Catalog
from snaptui.present import columns, humanfmt
from snaptui.present.columns import Measure
from snaptui.present.humanfmt import local_time
from snaptui.present.stats import day_of
from snaptui.sources.records import Item, Session

SORTS = ("newest", "cost", "messages", "project")
"""The orders ``s`` cycles through."""

HEADER = "header"
SESSION = "session"
DAMAGED = "damaged"
LEFTOVER = "leftover"


class Row:
    """One line of the list: a section or day header, or an item the cursor can rest on."""

    __slots__ = ("kind", "item", "label", "columns")

    def __init__(self, kind: str, item: Item | None = None, label: str = "", columns: bool = False) -> None:
        self.kind = kind
        self.item = item
        self.label = label
        self.columns = columns
        """A header over sessions: it names the columns too."""

    @property
    def selectable(self) -> bool:
        return self.kind != HEADER

    @property
    def key(self) -> str | None:
        """A stable identity across rescans (headers have none)."""
        return None if self.item is None else self.item.key

    def __repr__(self) -> str:
        return f"Row({self.kind}, {self.label or getattr(self.item, 'name', '')!r})"


class Only(NamedTuple):
    """A filter chosen in the insights screen: the sessions of one project, or of one day.

    Unlike the typed filter it matches a field exactly, never text: a project
    directory as the catalog holds it, or a local date (``YYYY-MM-DD``) as
    :func:`snaptui.present.stats.day_of` dates a session (the insights count
    with it, so the list shows exactly the sessions a bar counted).
    """

    project_dir: str | None = None
    day: str | None = None

    def keeps(self) -> Callable[[Session], bool]:
        """A test for one session (a local date is worked out once per quarter hour, not per session)."""
        project, day = self.project_dir, self.day
        dates: dict[int, str | None] = {}
        mixed = "mixed"  # a quarter hour in which the date or the offset changes: each session on its own

        def iso(timestamp_ms: int) -> str | None:
            when = day_of(timestamp_ms)
            return None if when is None else when.isoformat()

        def date_of(s: Session) -> str | None:
            bucket = s.timestamp_ms // _QUARTER_HOUR_MS
            found = dates.get(bucket, mixed)
            if bucket not in dates:
                start, end = local_time(bucket * _QUARTER_HOUR_MS), local_time(bucket * _QUARTER_HOUR_MS + 899_999)
                same = start is not None and end is not None and start.date() == end.date() \
                    and start.utcoffset() == end.utcoffset()
                found = dates[bucket] = start.date().isoformat() if same and start is not None else mixed
            return iso(s.timestamp_ms) if found == mixed else found

        def keep(s: Session) -> bool:
            return (project is None or s.project_dir == project) and (day is None or date_of(s) == day)

        return keep


def search_text(session: Session) -> str:
    """What the filter matches for a session whose previews are not loaded yet."""
    base = f"{session.session_id}\n{session.project_dir}\n{session.name}\n{session.tool_names}".lower()
    return base + told_text(session)


def told_text(session: Session) -> str:
    """What the filter matches of a session's title and lost turn (opendev's store: the
    prompt a person remembers, the error, the tools asked for), lowercased; "" for none."""
    lost = session.lost_turn
    if session.title is None and lost is None:
        return ""
    parts = [session.title or ""]
    if lost is not None:
        parts += [lost.prompt or "", lost.error or "", lost.last_turn_prompt or ""]
        parts += [f"{name} {argument}" for name, argument in lost.pending_tools]
    return "\n" + "\n".join(parts).lower()


def _sort_key(sort: str) -> Callable[[Session], tuple[float | str, ...]]:
    if sort == "cost":
        return lambda s: (s.cost_usd is None, -float(s.cost_usd or 0), -s.timestamp_ms, s.name)  # unknown last
    if sort == "messages":
        return lambda s: (-s.message_count, -s.timestamp_ms, s.name)
    if sort == "project":
        return lambda s: (s.project_dir.lower(), -s.timestamp_ms, s.name)
    return lambda s: (-s.timestamp_ms, s.name)


def build_rows(
    result: Catalog,
    *,
    now_ms: int,
    sort: str = "newest",
    show_completed: bool = False,
    query: str = "",
    texts: dict[str, str] | None = None,
    only: Only | None = None,
) -> list[Row]:
    """The rows to show, top to bottom.

    ``texts`` maps session keys to what the filter searches, lowercased
    (previews included); sessions missing from it are matched on id,
    project, file name and tool names. ``only`` keeps one project's or one
    day's sessions (and no damaged file or leftover: they have neither).
    """
    query = query.strip().lower()
    texts = texts if texts is not None else {}
    chosen = only.keeps() if only is not None else None

    def keep(s: Session) -> bool:
        if chosen is not None and not chosen(s):
            return False
        if not query:
            return True
        text = texts.get(s.key)
        if text is None:
            return query in search_text(s)
        return query in text or (s.title is not None or s.lost_turn is not None) and query in told_text(s)

    rows: list[Row] = []
    incomplete = [s for s in result.incomplete if keep(s)]
    if sort != "newest":
        incomplete.sort(key=_sort_key(sort))
    _add_sessions(rows, incomplete, sort, now_ms, "Interrupted")
    if show_completed:
        completed = [s for s in result.completed if keep(s)]
        if sort != "newest":
            completed.sort(key=_sort_key(sort))
        if completed:
            rows.append(Row(HEADER, label=f"Completed ({len(completed)})", columns=True))
            rows.extend(Row(SESSION, s) for s in completed)
    damaged = [d for d in result.damaged if only is None and (not query or query in f"{d.name}\n{d.reason}".lower())]
    if damaged:
        label = f"Damaged files ({len(damaged)}) — not read as sessions, never deleted by snaptui"
        rows.append(Row(HEADER, label=label))
        rows.extend(Row(DAMAGED, d) for d in damaged)
    leftovers = [lo for lo in result.leftovers
                 if only is None and (not query or query in f"{lo.name}\n{lo.detail}".lower())]
    if leftovers:
        rows.append(Row(HEADER, label=f"Leftovers of interrupted writes ({len(leftovers)})"))
        rows.extend(Row(LEFTOVER, lo) for lo in leftovers)
    return rows


_QUARTER_HOUR_MS = 900_000
"""Every time zone's offset is a multiple of 15 minutes: a day label is constant
within each quarter hour, so it is computed once per quarter hour, not per session."""


def _add_sessions(rows: list[Row], sessions: list[Session], sort: str, now_ms: int, title: str) -> None:
    if not sessions:
        return
    if sort != "newest":
        rows.append(Row(HEADER, label=f"{title} — by {sort}", columns=True))
        rows.extend(Row(SESSION, s) for s in sessions)
        return
    labels: dict[int, str] = {}
    current = None
    for s in sessions:
        bucket = s.timestamp_ms // _QUARTER_HOUR_MS
        day = labels.get(bucket)
        if day is None:
            day = labels[bucket] = humanfmt.day_label(bucket * _QUARTER_HOUR_MS, now_ms)
        if day != current:
            rows.append(Row(HEADER, label=day, columns=True))
            current = day
        rows.append(Row(SESSION, s))


class View(NamedTuple):
    """Everything the list needs from one catalog, computed together off the UI thread."""

    rows: list[Row]
    positions: dict[str, int]
    """Each item's row index."""
    measure: Measure
    marks: frozenset[str]
    """The marks that still name an item of the catalog (shown or hidden by the filter)."""
    matched: int
    """Sessions shown (interrupted, and completed when shown)."""
    total: int
    """Sessions there are to show without the filter."""
    matched_cost: float | None


def build_view(
    result: Catalog,
    *,
    now_ms: int,
    sort: str = "newest",
    show_completed: bool = False,
    query: str = "",
    texts: dict[str, str] | None = None,
    marks: frozenset[str] = frozenset(),
    flags: bool = False,
    only: Only | None = None,
) -> View:
    """The rows and what goes with them: column widths, marks, the filter's counts."""
    rows = build_rows(result, now_ms=now_ms, sort=sort, show_completed=show_completed, query=query, texts=texts,
                      only=only)
    positions = {r.item.key: i for i, r in enumerate(rows) if r.item is not None}
    pool = result.incomplete + result.completed if show_completed else result.incomplete
    shown = [r.item for r in rows if r.kind == SESSION and isinstance(r.item, Session)]
    measure = columns.measure(pool, flags=flags or show_completed, ids=(s.session_id for s in result.sessions))
    known = marks & {i.key for i in result.items} if marks else frozenset()
    priced = [float(s.cost_usd) for s in shown if s.cost_usd is not None and not s.completed]
    cost = total(priced) if priced else None  # (opendev's store records no cost: "—", not "$0.00")
    return View(rows, positions, measure, frozenset(known), len(shown), len(pool), cost)
