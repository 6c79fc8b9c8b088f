"""The recovery directory as a source: snapshot files in, records out.

Every regular ``*.json`` directly in the directory is considered, whatever
its name, as the reference reader does; ``*.json.tmp*`` files are leftovers
of interrupted writes. Reading a file never changes it, never blocks on a
FIFO and never reads more than :data:`MAX_BYTES`.

:func:`read_entry` is the one per-file step every command shares: it yields
an :class:`Entry` (the session's summary row and its JSON text, or the
reason it is damaged) that the catalog caches by the file's stat;
:mod:`snaptui.sources.recovery_records` turns entries into records.
"""

from __future__ import annotations

import errno

from snaptui.base.files import (
    Stat,
    StatFailed,
    Unreadable,
    Vanished,
    read_bounded,
    reason_not_to_open,
    reason_os_error,
)
from snaptui.base.named import NamedTuple  # typing's, without importing typing
from snaptui.format import reader

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from snaptui.sources.records import Session  # records are built in recovery_records: not for list --json

_new = tuple.__new__  # a NamedTuple without a Python-level call: these run per file

SOURCE = "snapshot"
"""The ``source`` of the records made from this directory (see :mod:`snaptui.sources.recovery_records`)."""
MAX_BYTES = 32 * 1024 * 1024
"""Larger files are damaged ("too large"): a real snapshot is a few KiB."""
TRASH_DIR = ".snaptui-trash"
"""Where discarded snapshots wait, inside the recovery directory (out of the reader's sight)."""


def is_snapshot_name(name: str) -> bool:
    """A ``*.json`` name, as the reference reader sees one: Rust's ``Path::extension`` gives a
    name that is ``.json`` alone (a dot-file named "json") no extension."""
    return name.endswith(".json") and name != ".json"


def is_leftover_name(name: str) -> bool:
    return ".json.tmp" in name and not name.endswith(".json")


class Row(NamedTuple):
    """What the list, the check and the filter need of a session: scalars only,
    so that the catalog caches 100,000 of them cheaply (:func:`snaptui.format.reader.summary`)."""

    session_id: str
    message_count: int
    timestamp_ms: int
    completed: bool
    project_dir: str
    cost_usd: float | int
    last_name: str | None
    last_ok: bool | None
    failures: int
    tool_names: str


def row_of(doc: dict[str, Any]) -> Row:
    return _new(Row, reader.summary(doc))


class Entry(NamedTuple):
    """One ``*.json`` file as read: a session (``row`` and its JSON ``text``) or damaged (``reason``)."""

    stat: Stat | StatFailed
    """The stat of what was read (``fstat``), or of what could not be."""
    row: Row | None
    text: bytes | memoryview | None
    """The snapshot's JSON text (see :class:`snaptui.format.reader.Decoded`); None when not kept."""
    reason: str | None


def read_entry(path: str, is_link: bool, st: Stat | StatFailed | None, dir_fd: int | None = None) -> Entry | None:
    """Read and decode one ``*.json`` file (``path`` relative to ``dir_fd`` if given);
    None when it vanished meanwhile.

    ``st`` is its stat when the caller has one (then only a regular file is
    opened); without it the file is opened and ``fstat`` decides, so a
    directory listing's regular files cost one open each and no stat.
    """
    if st is not None:
        try:
            why = reason_not_to_open(st, is_link, MAX_BYTES)
        except Vanished:
            return None
        if why is not None:
            return Entry(st, None, None, why)
    try:
        got, data = read_bounded(path, MAX_BYTES, dir_fd)
    except Unreadable as exc:
        return Entry(st if st is not None else _restat(path, dir_fd), None, None, str(exc))
    except OSError as exc:
        if exc.errno == errno.ENOENT and not is_link:
            return None
        fallback = st if st is not None else _restat(path, dir_fd)
        if st is None and isinstance(fallback, Stat):
            # Opened nothing: the stat may say it better (a socket cannot be opened at all).
            try:
                better = reason_not_to_open(fallback, is_link, MAX_BYTES)
            except Vanished:
                better = None
            if better is not None:
                return Entry(fallback, None, None, better)
        return Entry(fallback, None, None, reason_os_error(exc, is_link))
    try:
        fields, text = reader.read_summary(data)
    except reader.Damaged as exc:
        return Entry(got, None, None, str(exc))
    return _new(Entry, (got, _new(Row, fields), text, None))


def _restat(path: str, dir_fd: int | None) -> Stat | StatFailed:
    from snaptui.base.files import file_stat

    return file_stat(path, dir_fd)


def load_snapshot(session: Session) -> dict[str, Any]:
    """The full snapshot of a listed session (every tool result and preview), read
    again from its file. Raises :class:`snaptui.format.reader.Damaged` or OSError,
    or :class:`snaptui.base.files.Unreadable`."""
    return reader.parse(read_bounded(session.path, MAX_BYTES)[1])
