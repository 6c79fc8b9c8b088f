"""Purge: delete old snapshots for good, like the reference ``cleanup_old``, and empty old trash.

Unlike ``cleanup_old``, a purge never removes a file that a live session
rewrote after it was judged old: each file is moved aside, checked, and only
then deleted. Damaged files are never purged.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

from snaptui.actions.trash import (
    ActionError,
    TrashedFile,
    batch_time,
    drop_empty,
    list_trash,
    move_no_replace,
    new_batch,
    real_trash,
    rename_into_trash,
    trash_dir,
    unchanged,
)
from snaptui.base import clock as _clock
from snaptui.base.atomic import fsync_dir
from snaptui.base.files import Unreadable, read_bounded
from snaptui.catalog.scan import Catalog, scan
from snaptui.format import reader
from snaptui.sources.records import Session
from snaptui.sources.recovery import MAX_BYTES

# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgePlan:
    """What a purge would remove: a dry run's answer, and the input to :func:`purge`."""

    directory: str
    cutoff_ms: int
    """Snapshots taken before this are old."""
    sessions: list[Session]
    """The old snapshots, oldest first."""
    expired_batches: list[str]
    """Trash batches kept longer than the retention."""
    trash_files: int
    trash_bytes: int

    @property
    def bytes(self) -> int:
        return sum(s.size for s in self.sessions)

    @property
    def incomplete(self) -> int:
        return sum(1 for s in self.sessions if not s.completed)


@dataclass
class PurgeResult:
    """What a purge did."""

    removed: int = 0
    removed_bytes: int = 0
    kept: list[str] = field(default_factory=list)
    """Names not removed because they changed after they were judged old."""
    trash_files: int = 0
    trash_bytes: int = 0


def plan_purge(
    directory: str,
    older_than_ms: int,
    *,
    trash_retention_ms: int,
    clock: _clock.Clock = _clock.now_ms,
    catalog: Catalog | None = None,
) -> PurgePlan:
    """Every valid snapshot (completed or not) older than ``older_than_ms``, like
    the reference ``cleanup_old``, plus trash batches past their retention. Only the
    recovery directory's: a ``catalog`` may hold opendev's store too, which is never purged."""
    now = clock()
    result = catalog if catalog is not None else scan(directory)
    if result.error and not result.missing:
        raise ActionError(f"{directory} {result.error}")
    cutoff = max(now - older_than_ms, 0)
    old = [s for s in result.sessions if s.source == "snapshot" and s.timestamp_ms < cutoff]
    old.sort(key=lambda s: (s.timestamp_ms, s.name))
    expired = []
    files = size = 0
    by_batch: dict[str, list[TrashedFile]] = {}
    for t in list_trash(directory):
        by_batch.setdefault(t.batch, []).append(t)
    for batch, items in sorted(by_batch.items()):
        if items[0].discarded_ms < now - trash_retention_ms:
            expired.append(batch)
            files += len(items)
            size += sum(t.size for t in items)
    return PurgePlan(directory, cutoff, old, expired, files, size)


def purge(plan: PurgePlan, *, clock: _clock.Clock = _clock.now_ms) -> PurgeResult:
    """Remove what ``plan`` lists, never a file rewritten since it was judged.

    Each file is first moved aside (atomically, into a staging batch), then
    the moved file is checked: the same identity as when judged, and still a
    valid snapshot older than the cutoff. Only then is it deleted. A file that
    a live session rewrote in between fails the check and is put back (or,
    if a newer one already took its place, kept in the trash). The reference
    ``cleanup_old`` deletes whatever is at the path when it gets there.
    """
    out = PurgeResult()
    directory = plan.directory
    if plan.sessions:
        batch = new_batch(directory, clock(), prefix="")
        staging = os.path.join(trash_dir(directory), batch)
        for s in plan.sessions:
            if not unchanged(s.path, s.identity):
                out.kept.append(s.name)
                continue
            staged = os.path.join(staging, s.name)
            try:
                rename_into_trash(s.path, staged, directory)
            except FileNotFoundError:
                continue
            except ActionError:
                drop_empty(staging)  # when nothing went into it
                raise
            if unchanged(staged, s.identity) and _still_old(staged, plan.cutoff_ms):
                os.unlink(staged)
                out.removed += 1
                out.removed_bytes += s.size
            else:
                out.kept.append(s.name)
                try:
                    move_no_replace(staged, s.path)
                except ActionError:
                    pass  # a newer snapshot took its place: this one stays in the trash
        fsync_dir(directory)
        drop_empty(staging)
    try:
        root = real_trash(directory, create=False)
    except ActionError:
        root = None
    if root:
        for batch in plan.expired_batches:
            bdir = os.path.join(root, batch)
            if batch_time(batch) is None or os.path.islink(bdir):
                continue
            for name in os.listdir(bdir):
                try:
                    out.trash_bytes += os.lstat(os.path.join(bdir, name)).st_size
                    out.trash_files += 1
                except OSError:
                    pass
            shutil.rmtree(bdir, ignore_errors=True)
        _drop_empty_batches(root, clock())
    return out


EMPTY_BATCH_MS = 60_000
"""An empty batch younger than this may be a discard's that is about to be filled."""


def _drop_empty_batches(root: str, now_ms: int) -> None:
    """Remove the trash's empty batch folders (an interrupted purge's staging one, say): each
    only when empty (``rmdir`` refuses otherwise) and older than :data:`EMPTY_BATCH_MS`."""
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        made = batch_time(name)
        if made is None or made > now_ms - EMPTY_BATCH_MS:
            continue
        path = os.path.join(root, name)
        if not os.path.islink(path):
            try:
                os.rmdir(path)
            except OSError:
                pass  # not empty, or not a folder: left as it is


def _still_old(path: str, cutoff_ms: int) -> bool:
    try:
        taken: int = reader.parse(read_bounded(path, MAX_BYTES)[1])["snapshot_timestamp_ms"]
    except (OSError, Unreadable, reader.Damaged):  # changed or unreadable: not to be deleted
        return False
    return taken < cutoff_ms
