"""The TUI's actions as they run in worker threads: do it, then say what happened.

Each function carries out one action through :mod:`snaptui.actions` and
returns the :class:`ActionDone` message the app shows; none touches a widget.
"""

from __future__ import annotations

from textual.message import Message

from snaptui.actions import purge as purging
from snaptui.actions import rollback, trash
from snaptui.base import clock as _clock
from snaptui.catalog import dismissed, seen
from snaptui.present import humanfmt
from snaptui.present.safetext import one_line
from snaptui.sources.records import DamagedFile, Item, Leftover, Session
from snaptui.tui.messages import ActionDone, RollbackToUndo, Undo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from snaptui.actions.rollback import Batch


def discard(directory: str, chosen: list[Item], state_dir: str | None, clock: _clock.Clock,
            twins: list[Session] | None = None, along: list[Item] | None = None) -> ActionDone:
    """Snapshot files go to the trash, with ``along`` (their leftovers); store sessions are
    dismissed (opendev's files stay), and so are ``twins``, the store's sessions shown as
    part of a snapshot's row."""
    files = [i for i in chosen if i.source == "snapshot"] + list(along or ())
    stored = [i for i in chosen if i.source != "snapshot" and isinstance(i, (Session, DamagedFile))]
    stored += [t for t in twins or () if t not in stored]
    batch = None
    kept = None
    try:
        if files:
            batch, _ = trash.discard(directory, files, clock=clock)
        if stored:
            if not state_dir:
                raise trash.ActionError("no state directory to remember dismissed sessions in")
            kept = dismissed.dismiss(state_dir, stored, clock())
    except (trash.ActionError, OSError) as exc:
        done = "" if batch is None else f" ({len(files)} moved to the trash; u undoes that)"
        return ActionDone("Not all discarded", f"{exc}{done}", error=True,
                          undo=Undo(batch, ()) if batch else None)
    if state_dir:  # triaged: the startup check stays quiet about them
        seen.remember(state_dir, directory, [s for s in chosen if isinstance(s, Session)])
    what = humanfmt.plural(len(chosen), "session") if len(chosen) > 1 else describe(chosen[0])
    how = ("to the trash" if not stored else "(dismissed: opendev's files stay as they are)" if not files
           else "(snapshots to the trash, store sessions dismissed)")
    if along:
        how += f", with {humanfmt.plural(len(along), 'leftover')} of an interrupted write"
    note = f" Note: {dismissed.damage_note(kept)}." if kept is not None else ""
    return ActionDone("Discarded", f"Discarded {what} {how}. Press u to undo.{note}",
                      undo=Undo(batch, tuple(i.key for i in stored)))


ONE_DISCARD_MS = 2000
"""A trash batch and dismissals this close in time are taken for one discard's (``u`` after a restart)."""


def undo(directory: str, state_dir: str | None, what: Undo | None, clock: _clock.Clock) -> Message:
    """Put back what a discard moved or dismissed, or undo a rollback.

    With None (``u`` after a restart, or when ``what`` was restored from the trash view
    meanwhile): the newest of the newest discard in the
    trash and the newest dismissal of store sessions (both, when one discard made
    them), which are undone at once, and the newest rollback, which is not: a
    :class:`RollbackToUndo` goes back for the app to ask first.
    """
    when = ""
    try:
        if what is not None and what.batch and not what.dismissed and not what.rollback \
                and not any(t.batch == what.batch for t in trash.list_trash(directory)):
            what = None  # that discard was put back another way (T): the newest one still in the trash
        if what is None:
            newest = [t for t in trash.list_trash(directory) if t.batch.partition("-")[0].isdigit()]
            gone = dismissed.listed(state_dir)
            times = [newest[0].discarded_ms] if newest else []
            times += [gone[0].dismissed_ms] if gone else []
            rolled = _newest_rollback(state_dir)
            if rolled is not None and (not times or rolled.created_ms >= max(times)):
                if rolled.problem:  # said, not skipped for an older discard the person did not mean
                    ago = humanfmt.ago(rolled.created_ms, clock())
                    return ActionDone("Nothing undone", f"The last rollback ({ago}) cannot be undone: "
                                      f"{one_line(rolled.problem, 200)}. snaptui restore lists it; T lists the "
                                      "discards.", error=True)
                return RollbackToUndo(rolled)
            if not times:
                return ActionDone("Nothing to undo", "Nothing was discarded or dismissed, and no rollback is kept.")
            together = max(times) - ONE_DISCARD_MS  # a discard trashes snapshots and dismisses store sessions
            what = Undo(newest[0].batch if newest and newest[0].discarded_ms >= together else None,
                        tuple(d.key for d in gone if d.dismissed_ms >= together))
            when = f" (discarded {humanfmt.ago(max(times), clock())})"
        if what.rollback:
            return undo_rollback(what.rollback)
        names = trash.undo_batch(directory, what.batch) if what.batch else trash.Restored()
        shown = dismissed.undismiss(state_dir, what.dismissed) if state_dir and what.dismissed else []
    except (trash.ActionError, OSError) as exc:
        return ActionDone("Undo failed", str(exc), error=True)
    from snaptui.sources.recovery import is_leftover_name

    left = sum(1 for n in names if is_leftover_name(n))  # went with their sessions' files
    along = f" and {humanfmt.plural(left, 'leftover')} of an interrupted write" if left else ""
    return ActionDone("Undone", f"Restored {humanfmt.plural(len(names) - left + len(shown), 'session')}{along}"
                      f"{when}." + set_aside(names))


def set_aside(restored: trash.Restored) -> str:
    """What a restore moved out of its way, said (it is in the trash: restorable in turn)."""
    if not restored.aside:
        return ""
    names = ", ".join(one_line(n, 60) for n in restored.aside[:3]) + (" …" if len(restored.aside) > 3 else "")
    return f" The older snapshot in its place went to the trash ({names}): T lists it."


def _newest_rollback(state_dir: str | None) -> Batch | None:
    if not state_dir:
        return None
    batches = rollback.list_batches(rollback.trash_root(state_dir))
    return batches[0] if batches else None


def undo_rollback(batch_dir: str) -> ActionDone:
    """Put the files a rollback changed back as it found them, byte for byte."""
    try:
        paths = rollback.undo(batch_dir)
    except rollback.RollbackError as exc:
        return ActionDone("Undo failed", f"The rollback was not undone: {one_line(str(exc), 300)}", error=True)
    return ActionDone("Rollback undone", f"Put {humanfmt.plural(len(paths), 'file')} back as the rollback found "
                      "them.")


def rolled_back(plan: rollback.Plan, state_dir: str | None, running: bool) -> ActionDone:
    """Roll back ``plan``; keep what it replaces in snaptui's state directory."""
    if not state_dir:
        return ActionDone("Not rolled back", "snaptui has no state directory to keep the current files in.",
                          error=True)
    try:
        batch = rollback.apply(plan, rollback.trash_root(state_dir), session_may_be_running=running)
    except rollback.Refused as exc:
        return ActionDone("Not rolled back", f"Nothing changed: {one_line(str(exc), 300)}", error=True)
    except rollback.RollbackError as exc:
        return ActionDone("Rollback stopped", one_line(str(exc), 400), error=True)
    return ActionDone("Rolled back", f"Put {humanfmt.plural(len(batch.entries), 'file')} back as they were before "
                      "the lost turn. Press u to undo.", undo=Undo(None, (), batch.path))


def show_again(state_dir: str | None, keys: list[str]) -> ActionDone:
    """Forget the dismissal of these store sessions: they are listed again."""
    try:
        shown = dismissed.undismiss(state_dir, keys) if state_dir else []
    except OSError as exc:
        return ActionDone("Not shown again", str(exc), error=True)
    return ActionDone("Shown again", f"{humanfmt.plural(len(shown), 'session')} of opendev's store listed again.")


def restore(directory: str, files: list[trash.TrashedFile], clock: _clock.Clock) -> ActionDone:
    try:
        names = trash.restore(directory, files, clock=clock)
    except (trash.ActionError, OSError) as exc:
        return ActionDone("Restore failed", str(exc), error=True)
    sessions = sum(1 for t in files if t.session_id is not None and t.name in names)
    what = (humanfmt.plural(len(names), "session") if sessions == len(names)
            else humanfmt.plural(len(names), "file") if not sessions
            else f"{humanfmt.plural(sessions, 'session')} and {humanfmt.plural(len(names) - sessions, 'file')}")
    return ActionDone("Restored", f"Restored {what}." + set_aside(names))


def purge(plan: purging.PurgePlan, clock: _clock.Clock) -> ActionDone:
    try:
        out = purging.purge(plan, clock=clock)
    except (trash.ActionError, OSError) as exc:
        return ActionDone("Purge failed", str(exc), error=True)
    message = f"Purged {humanfmt.plural(out.removed, 'session')}, {humanfmt.size(out.removed_bytes)}."
    if out.trash_files:
        message += f" Emptied {humanfmt.plural(out.trash_files, 'old discarded session')} from the trash."
    if out.kept:
        message += f" Kept {len(out.kept)} that changed meanwhile."
    return ActionDone("Purged", message)


def describe(item: Item) -> str:
    """The item in a notification: a long file name cut in its middle, its end (``.json.tmp``:
    a leftover, not the snapshot beside it) kept."""
    if isinstance(item, Session):
        return f"session {one_line(item.session_id, 40)}"
    name = one_line(item.name)
    if len(name) > 60:
        name = name[:30] + "…" + name[-29:]
    return f"{'the leftover' if isinstance(item, Leftover) else 'the damaged file'} {name}"
