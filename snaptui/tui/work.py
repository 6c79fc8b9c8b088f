"""The TUI's actions as they run in worker threads: do it, then say what happened.

Each function carries out one action through :mod:`snaptui.actions` and
returns the :class:`ActionDone` message the app shows; none touches a widget.
"""

from __future__ import annotations

from snaptui.actions import purge as purging
from snaptui.actions import trash
from snaptui.base import clock as _clock
from snaptui.catalog import seen
from snaptui.present import humanfmt
from snaptui.present.safetext import one_line
from snaptui.sources.records import Item, Session
from snaptui.tui.messages import ActionDone


def discard(directory: str, chosen: list[Item], state_dir: str | None, clock: _clock.Clock) -> ActionDone:
    try:
        batch = trash.discard(directory, chosen, clock=clock)
    except (trash.ActionError, OSError) as exc:
        return ActionDone("Nothing discarded", str(exc), error=True)
    if state_dir:  # triaged: the startup check stays quiet about them
        seen.remember(state_dir, directory, [s for s in chosen if isinstance(s, Session)])
    what = f"{len(chosen)} rows" if len(chosen) > 1 else describe(chosen[0])
    return ActionDone("Discarded", f"Discarded {what} to the trash. Press u to undo.", undo=(batch, len(chosen)))


def undo(directory: str, batch: str) -> ActionDone:
    try:
        names = trash.undo_batch(directory, batch)
    except (trash.ActionError, OSError) as exc:
        return ActionDone("Undo failed", str(exc), error=True)
    return ActionDone("Undone", f"Restored {len(names)} file(s).")


def purge(plan: purging.PurgePlan, clock: _clock.Clock) -> ActionDone:
    try:
        out = purging.purge(plan, clock=clock)
    except (trash.ActionError, OSError) as exc:
        return ActionDone("Purge failed", str(exc), error=True)
    message = f"Removed {humanfmt.count(out.removed)} snapshot(s), {humanfmt.size(out.removed_bytes)}."
    if out.trash_files:
        message += f" Emptied {humanfmt.count(out.trash_files)} old discarded file(s)."
    if out.kept:
        message += f" Kept {len(out.kept)} that changed meanwhile."
    return ActionDone("Purged", message)


def describe(item: Item) -> str:
    if isinstance(item, Session):
        return f"session {one_line(item.session_id, 40)}"
    return one_line(item.name, 60)
