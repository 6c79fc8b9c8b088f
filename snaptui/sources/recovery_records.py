"""The recovery directory's entries as the records every source yields."""

from __future__ import annotations

import os

from snaptui.base.files import Stat, StatFailed, Unreadable, read_bounded, reason_os_error
from snaptui.format import reader
from snaptui.sources.records import DamagedFile, LastTool, Leftover, Session
from snaptui.sources.recovery import MAX_BYTES, SOURCE, Row


def key_of(path: str) -> str:
    """The record key of the snapshot file at ``path``."""
    return "snapshot:" + path


def session_record(path: str, name: str, is_link: bool, st: Stat, row: Row) -> Session:
    """The record of a valid snapshot file."""
    last = None if row.last_name is None else LastTool(row.last_name, row.last_ok)
    return Session(
        key_of(path), SOURCE, path, name, st.identity, is_link,
        row.session_id, row.project_dir, row.timestamp_ms, row.completed,
        row.message_count, row.cost_usd, last, row.failures, row.tool_names,
    )


def damaged_record(path: str, name: str, is_link: bool, st: Stat | StatFailed, reason: str) -> DamagedFile:
    """The record of a ``*.json`` file the reference reader would skip."""
    size = st.size if isinstance(st, Stat) and st.regular else 0
    mtime = st.mtime_ns if isinstance(st, Stat) else 0
    return DamagedFile(key_of(path), SOURCE, path, name, reason, size, mtime, is_link)


def leftover_record(directory: str, name: str, timestamps: dict[str, int]) -> Leftover:
    """A ``*.json.tmp*`` file compared with the snapshot beside it
    (``timestamps``: the snapshot time of each valid session, by file name)."""
    path = os.path.join(directory, name)
    target = name[: name.index(".json.tmp") + len(".json")]
    beside = timestamps.get(target)
    key = "leftover:" + path
    try:
        st, data = read_bounded(path, MAX_BYTES)
    except (Unreadable, OSError) as exc:
        reason = str(exc) if isinstance(exc, Unreadable) else reason_os_error(exc, False)
        return Leftover(key, path, name, target, "damaged", reason, 0, 0)
    try:
        doc = reader.parse(data)
    except reader.Damaged as exc:
        return Leftover(key, path, name, target, "damaged", str(exc), st.size, st.mtime_ns)
    ts = doc["snapshot_timestamp_ms"]
    if beside is None:
        state, detail = "orphan", "holds a valid snapshot; no file beside it"
    elif ts > beside:
        state, detail = "newer", "holds a valid snapshot newer than the file beside it"
    elif ts < beside:
        state, detail = "older", "holds an older snapshot than the file beside it"
    else:
        state, detail = "same", "holds the same snapshot time as the file beside it"
    return Leftover(key, path, name, target, state, detail, st.size, st.mtime_ns, ts)


