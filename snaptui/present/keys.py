"""Every key of the terminal UI, once: bindings, footer, help screen and palette come from here."""

from __future__ import annotations

from typing import NamedTuple


class Key(NamedTuple):
    """One action and the keys that run it."""

    keys: str
    """Textual key names, comma-separated (``"ctrl+r,R"``)."""
    action: str
    """The action it runs (``discard`` runs ``action_discard``)."""
    label: str
    """Its short name, in the footer and the palette."""
    help: str
    """What it does, in the help screen, tooltips and the palette."""
    shown: str
    """How the help screen writes the keys."""
    footer: bool = True
    """Shown in the footer."""
    scope: str = "app"
    """``"app"`` (anywhere) or ``"list"`` (while the session list has the focus)."""
    palette: bool = True
    """Offered in the command palette."""


KEYS: tuple[Key, ...] = (
    Key("up,k", "cursor(-1)", "Up", "move up and down", "↑ ↓  j k", footer=False, scope="list", palette=False),
    Key("down,j", "cursor(1)", "Down", "move down", "", footer=False, scope="list", palette=False),
    Key("pageup", "page(-1)", "Page up", "one page up and down", "PgUp PgDn",
        footer=False, scope="list", palette=False),
    Key("pagedown", "page(1)", "Page down", "one page down", "", footer=False, scope="list", palette=False),
    Key("home,g", "jump(0)", "First", "first row", "Home g", footer=False, scope="list", palette=False),
    Key("end,G", "jump(-1)", "Last", "last row", "End G", footer=False, scope="list", palette=False),
    Key("enter", "resume", "Resume", "resume the session in its project directory", "enter", scope="list"),
    Key("space", "mark", "Mark", "mark or unmark a row for bulk discard, then go down", "space", scope="list"),
    Key("v", "toggle_detail", "Detail", "show the detail full screen, or go back to the list", "v"),
    Key("o", "toggle_outputs", "Outputs", "expand or collapse long tool outputs in the detail", "o", footer=False),
    Key("d", "discard", "Discard", "move the highlighted or marked sessions to the trash", "d"),
    Key("u", "undo", "Undo", "undo the last discard or rollback, after restarts too", "u"),
    Key("D", "diff", "Diff", "the files the lost turn changed, as diffs", "D", footer=False),
    Key("B", "rollback", "Roll back", "put those files back as they were (asks first)", "B", footer=False),
    Key("T", "trash", "Trash", "the trash: restore discarded (and dismissed) sessions", "T"),
    Key("P", "purge", "Purge", "purge snapshots older than an age (dry run first)", "P"),
    Key("slash", "filter", "Filter", "filter: id, project, tools, previews, title, lost prompt", "/"),
    Key("escape", "clear_filter", "Clear filter", "clear the filter, or the day or project chosen in i", "escape",
        footer=False),
    Key("s", "cycle_sort", "Sort", "sort by newest, cost, messages, project", "s"),
    Key("a", "toggle_completed", "Completed", "show or hide completed sessions", "a"),
    Key("i", "insights", "Insights", "insights: sessions per day, cost per project, last tools", "i"),
    Key("c", "copy_command", "Copy command", "copy the highlighted session's resume command", "c", footer=False),
    Key("e", "copy_report", "Copy report", "copy its Markdown crash report (as snaptui export)", "e", footer=False),
    Key("p", "copy_prompt", "Copy prompt", "copy the prompt the crash lost (opendev's store)", "p", footer=False),
    Key("ctrl+r,R", "rescan", "Rescan", "rescan now (the directory is also watched)", "ctrl+r  R", footer=False),
    Key("ctrl+p", "command_palette", "Palette", "command palette: every action, themes", "ctrl+p",
        footer=False, palette=False),
    Key("question_mark", "help", "Help", "show every key", "?"),
    Key("q,ctrl+c", "quit", "Quit", "quit (ctrl+q too)", "q  ctrl+c", palette=False),
)
"""In the order the help screen lists them."""


def in_scope(scope: str) -> list[Key]:
    return [k for k in KEYS if k.scope == scope]


FOOTER_RANK = ("quit", "help", "resume", "toggle_detail", "discard", "filter", "undo", "mark", "insights",
               "cycle_sort", "purge", "trash", "toggle_completed", "command_palette")
"""Which footer keys stay when the footer is short: the first ones (help and quit always)."""


def footer_fit(items: list[tuple[str, int]], cells: int) -> set[str]:
    """Which of ``items`` — ``(action, cells it takes)``, in footer order — fit in
    ``cells``, dropping the lowest ranked first; help and quit always stay."""
    rank = {action: i for i, action in enumerate(FOOTER_RANK)}
    kept = {action for action, _ in items}
    used = sum(w for _, w in items)
    for action, w in sorted(items, key=lambda item: -rank.get(item[0], len(FOOTER_RANK))):
        if used <= cells:
            break
        if action in ("quit", "help"):
            continue
        kept.discard(action)
        used -= w
    return kept
