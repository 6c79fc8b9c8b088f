"""``snaptui discard`` and ``snaptui restore``: to the trash and back, byte for byte."""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence

from snaptui.actions import trash
from snaptui.base import clock
from snaptui.catalog import dismissed, seen
from snaptui.cli.context import Context, DirectoryError, existing_directory, out, refuse_if_running
from snaptui.cli.parse import Parsed, UsageError
from snaptui.cli.select import MIN_PREFIX, select
from snaptui.present import humanfmt
from snaptui.present.safetext import one_line
from snaptui.sources.records import DamagedFile, Item, Session

TYPE_CHECKING = False
if TYPE_CHECKING:
    from snaptui.actions.rollbackbatch import Batch


def discard(args: Parsed) -> int:
    ctx = Context(args)
    catalog = ctx.catalog(cached=False)
    chosen = select(catalog, args.ids)
    refuse_if_running(ctx, chosen, "discard", args.yes, catalog.absorbed)
    files = [i for i in chosen if i.source == "snapshot"]
    files += catalog.leftovers_of(files)  # an interrupted write's leftover goes with its file
    halves = catalog.twins(files)  # the store's half of a snapshot's row goes with it
    stored = [i for i in chosen if i.source != "snapshot" and isinstance(i, (Session, DamagedFile))]
    stored += [t for t in halves if t not in stored]
    said = False  # one undo line puts back both: restore takes a session id from the trash and dismissals
    if files:
        batch, moved = trash.discard(ctx.directory, files)
        for item in files:
            what = (one_line(item.session_id, 60) or "(empty id)") if isinstance(item, Session) else "file"
            done = "discarded" if item in moved else "already gone (nothing to discard):"
            out(f"{done} {what}  ({one_line(item.name)})")
        earlier = {d.session_id for d in dismissed.listed(ctx.dirs.state)} if stored else set()
        # (an id dismissed before, in another folder, would be brought back by the id too)
        both = bool(stored) and all(t in halves and t.session_id not in earlier for t in stored)
        hint = _undo(moved, batch, where=_where(ctx, store=False) + (_where(ctx, store=True) if both else ""))
        said = both and batch not in hint
        out(f"moved to the trash as batch {batch}; undo with: {hint}")
    if stored:
        kept = dismissed.dismiss(ctx.dirs.state, stored, clock.now_ms())
        if kept is not None:
            out(f"note: {one_line(dismissed.damage_note(kept), 300)}")
        for item in stored:
            what = (one_line(item.session_id, 60) or "(empty id)") if isinstance(item, Session) else "file"
            out(f"dismissed {what}  ({humanfmt.home_short(item.path)}: opendev's file is left as it is)")
        shared = [d.session_id for d in dismissed.listed(ctx.dirs.state)]
        twins = {i for i in shared if shared.count(i) > 1}  # one id, two folders: restore by key
        if not said:
            out(f"undo with: {_undo(stored, None, by_key=twins, where=_where(ctx, store=True))}")
    seen.remember(ctx.dirs.state, ctx.directory, [s for s in chosen if isinstance(s, Session)])
    return 0


def _where(ctx: Context, *, store: bool) -> str:
    """The options the undo line needs to look where this command looked: a recovery
    directory (or, for ``store``, opendev's store) named on the command line; the
    environment and the config file name the same one again."""
    if store:
        flag, named = "--store", ctx.store_setting if ctx.store_from_cli else None
    else:
        flag, named = "--dir", ctx.directory if ctx.source == "--dir" else None
    if named is None:
        return ""
    return f" {flag} {shlex.quote(named) if named.isprintable() else one_line(named)}"


def _undo(items: Sequence[Item], batch: str | None, *, by_key: set[str] | frozenset[str] = frozenset(),
          where: str = "") -> str:
    """The restore command that puts ``items`` back, as it can be typed: their ids (after
    ``--`` when one starts with ``-``); a trash ``batch`` when one cannot be typed (a
    character that is not printable: completion's rule) or names two files, else the
    longest printable start of it (restore takes an id prefix of at least 4 characters). A
    dismissed store session whose id another dismissal shares (``by_key``) by its key.
    ``where``: options that go before the ids (see :func:`_where`)."""
    words = [i.key if isinstance(i, Session) and i.session_id in by_key
             else i.session_id if isinstance(i, Session) and i.session_id else i.name for i in items]
    typeable = [w[: next((n for n, c in enumerate(w) if not c.isprintable()), len(w))] for w in words]
    if batch is not None and (typeable != words or len(set(words)) < len(words)):
        return f"snaptui restore{where} {batch}"  # (one id for two files: a link to a snapshot names it too)
    named = [t for t, w in zip(typeable, words, strict=True) if t == w or len(t) >= MIN_PREFIX]
    if not named:
        return f"snaptui restore{where} (without an id: it lists what can be put back)"
    dashes = "-- " if any(w.startswith("-") for w in named) else ""
    return f"snaptui restore{where} {dashes}" + " ".join(shlex.quote(w) for w in named)


def restore(args: Parsed) -> int:
    ctx = Context(args)
    if ctx.snapshots and os.path.lexists(ctx.directory) and not os.path.isdir(ctx.directory):
        raise DirectoryError(ctx.directory, "is not a directory")
    gone = dismissed.listed(ctx.dirs.state) if ctx.store_roots or ctx.only == "opendev" else []
    if gone and not args.ids:  # those that went on since (a new crash) are listed again, not dismissed
        from snaptui.catalog.scan import scan

        back = scan(ctx.directory, cache_dir=ctx.dirs.cache, store_roots=ctx.store_roots, snapshots=False,
                    dismissed=dismissed.load(ctx.dirs.state)).came_back
        gone = [d for d in gone if d.key not in back]
    if not args.ids:
        if ctx.snapshots:
            _list_trash(ctx)
        _list_rollbacks(ctx)
        if dismissed.damaged(ctx.dirs.state):
            out(f"The memory of dismissed sessions ({one_line(dismissed.memory_path(ctx.dirs.state))}) is damaged: "
                "the sessions dismissed before show again (the next discard keeps it aside).")
        if gone:
            now = clock.now_ms()
            out(f"{humanfmt.plural(len(gone), 'dismissed session')} of opendev's store:")
            for d in gone:
                out(f"  {one_line(d.session_id, 40) or '(damaged)':<40}  {humanfmt.home_short(d.label)}  "
                    f"dismissed {humanfmt.ago(d.dismissed_ms, now)}")
        return 0
    found: list[trash.TrashedFile] = []
    undismiss: list[str] = []
    rollbacks = _rollbacks(ctx)
    undo: list[str] = []
    for wanted in args.ids:
        matches = trash.find_trashed(ctx.directory, wanted) if ctx.snapshots and os.path.isdir(ctx.directory) else []
        keys = [d.key for d in gone if wanted in (d.session_id, d.key)
                or (len(wanted) >= 4 and d.session_id.startswith(wanted))]
        batches = [b.path for b in rollbacks if wanted == b.name]
        if not matches and not keys and not batches:
            raise UsageError(f"nothing in the trash, dismissed or rolled back matches {one_line(wanted, 80)!r}")
        found += [t for t in matches if t not in found]
        undismiss += [k for k in keys if k not in undismiss]
        undo += [b for b in batches if b not in undo]
    if found:
        existing_directory(ctx)
        restored = trash.restore(ctx.directory, found)
        for name in restored:
            aside = " (the older snapshot in its place is now in the trash: 'snaptui restore' lists it)" \
                if name in restored.aside else ""
            out(f"restored {one_line(name)}{aside}")
    for d in dismissed.undismiss(ctx.dirs.state, undismiss):
        out(f"shown again: {one_line(d.session_id, 60) or one_line(d.label)}")
    for path in undo:
        from snaptui.actions import rollback as rb

        try:
            names = rb.undo(path)
        except rb.RollbackError as exc:
            raise trash.ActionError(f"cannot undo the rollback: {one_line(str(exc), 300)}") from None
        out(f"undid the rollback: {humanfmt.plural(len(names), 'file')} as they were before it")
    return 0


def _rollbacks(ctx: Context) -> list[Batch]:
    from snaptui.actions import rollback as rb
    from snaptui.cli.cmd_changes import rollback_root

    return rb.list_batches(rollback_root(ctx))


def _list_rollbacks(ctx: Context) -> None:
    batches = _rollbacks(ctx)
    if not batches:
        return
    now = clock.now_ms()
    out(f"{humanfmt.plural(len(batches), 'rollback')} that 'snaptui restore NAME' undoes:")
    for b in batches:
        what = f"({one_line(b.problem, 80)})" if b.problem else humanfmt.plural(len(b.entries), "file")
        out(f"  {b.name}  {one_line(b.session_id, 40)}  {humanfmt.home_short(b.project_dir)}  {what}  "
            f"rolled back {humanfmt.ago(b.created_ms, now)}")


def _list_trash(ctx: Context) -> None:
    if not os.path.isdir(ctx.directory):
        out(f"The trash of {one_line(ctx.directory)} is empty (the directory does not exist).")
        return
    trashed = trash.list_trash(ctx.directory)
    if not trashed:
        out(f"The trash of {one_line(ctx.directory)} is empty.")
        return
    now = clock.now_ms()
    out(f"{humanfmt.plural(len(trashed), 'discarded file')} in {one_line(trash.trash_dir(ctx.directory))} "
        "(restore takes an id or a batch):")
    for t in trashed:
        what = one_line(t.session_id, 40) if t.session_id is not None else "(not a valid snapshot)"
        batch = one_line(os.path.basename(os.path.dirname(t.path)), 40)
        out(f"  {what:<40}  {one_line(t.name, 60)}  discarded {humanfmt.ago(t.discarded_ms, now)}  "
            f"{humanfmt.size(t.size)}  batch {batch}")
