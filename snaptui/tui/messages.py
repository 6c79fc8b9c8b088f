"""Messages the workers post to the app: results of work done off the UI thread."""

from __future__ import annotations

from typing import Any, NamedTuple

from textual.message import Message

from snaptui.catalog.liveness import Live
from snaptui.catalog.scan import Catalog
from snaptui.present.detail import Facts
from snaptui.present.viewmodel import View
from snaptui.sources.records import Session

TYPE_CHECKING = False
if TYPE_CHECKING:
    from snaptui.actions.rollback import Batch, Plan


class ScanProgress(Message):
    """How far a long scan is; a newer one replaces an unprocessed older one."""

    def __init__(self, done: int, total: int) -> None:
        self.done = done
        self.total = total
        super().__init__()

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ScanProgress)


class Scanned(Message):
    """A scan's catalog (``partial``: the newest rows, more to come) and which sessions may be running."""

    def __init__(self, catalog: Catalog, live: dict[str, Live], printed: bytes | None = None) -> None:
        self.catalog = catalog
        self.live = live
        self.printed = printed
        """The digest of what it read, taken before it began (a routine rescan's), else None."""
        super().__init__()


class LiveChanged(Message):
    """Which sessions may still be running changed, while nothing a scan reads did."""

    def __init__(self, catalog: Catalog, live: dict[str, Live]) -> None:
        self.catalog = catalog
        """The catalog it was worked out for (a newer one has its own)."""
        self.live = live
        super().__init__()


class DirectoryChanged(Message):
    """The recovery directory changed (or it is time for a routine rescan)."""

    def __init__(self, printed: bytes | None = None) -> None:
        self.printed = printed
        """For a routine rescan, the digest of what it will read (:mod:`snaptui.catalog.scanprint`);
        None when a file in it was modified too recently to trust its stat."""
        super().__init__()


class TextsLoaded(Message):
    """What the filter searches (previews included), by session key."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        super().__init__()


class DetailLoaded(Message):
    """The facts the detail pane shows for the session with ``key`` (as its file was)."""

    def __init__(self, key: str, facts: Facts, identity: object = None) -> None:
        self.key = key
        self.facts = facts
        self.identity = identity
        super().__init__()


class RowsBuilt(Message):
    """Rows built in a worker for request ``seq``, from ``args`` (the catalog, sort, filter,
    marks... they were built with)."""

    def __init__(self, seq: int, view: View, args: tuple[Any, ...]) -> None:
        self.seq = seq
        self.view = view
        self.args = args
        super().__init__()


class TrashListed(Message):
    """What the trash holds, newest discard first (``TrashedFile`` records)."""

    def __init__(self, files: list, error: str | None = None) -> None:
        self.files = files
        self.error = error
        super().__init__()


class Undo(NamedTuple):
    """What ``u`` puts back: a trash batch, store sessions dismissed, or both; or a rollback."""

    batch: str | None
    dismissed: tuple[str, ...]
    """Keys of the store sessions dismissed."""
    rollback: str | None = None
    """A rollback's trash batch folder (in snaptui's state directory): undoing it puts the
    project's files back as they were before the rollback."""
    order: int = 0
    """When its action was asked for (:attr:`ActionDone.order`): ``u`` undoes the last asked."""


class ActionDone(Message):
    """An action (discard, undo, purge) finished: what to tell the person."""

    def __init__(self, title: str, text: str, *, error: bool = False, undo: Undo | None = None) -> None:
        self.title = title
        self.text = text
        self.error = error
        self.undo = undo
        """What ``u`` can put back."""
        self.order = 0
        """When the action was asked for, among the others (their workers may end in another order)."""
        super().__init__()


class RollbackPlanned(Message):
    """What rolling back a session's lost turn would do (``plan`` None: no source knows the turn)."""

    def __init__(self, session: Session, plan: Plan | None) -> None:
        self.session = session
        self.plan = plan
        super().__init__()


class RollbackToUndo(Message):
    """After a restart, the newest thing ``u`` can undo is this rollback: the app asks first."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        super().__init__()
