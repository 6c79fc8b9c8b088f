"""The typed records every source yields: what snaptui lists.

A source (the recovery directory, opendev's own session store) turns files
into these records; everything above the sources (catalog, view model, TUI,
command line) works on them and never on a file format. Records are
immutable NamedTuples with named fields: cheap to build by the ten thousand,
plain to compare, and free of behaviour beyond a few derived values.
"""

from __future__ import annotations

from snaptui.base.named import NamedTuple  # typing's, without importing typing

Identity = tuple[int, int, int, int]
"""A file as it was read: ``(device, inode, size, mtime_ns)``."""


class LastTool(NamedTuple):
    """The most recent tool call a session kept."""

    name: str
    ok: bool | None
    """Whether it succeeded; None when it never finished (a call the model had just made)."""


class LostTurn(NamedTuple):
    """What a crash lost: the turn that was running when the session stopped.

    Only sources that can see it fill it in (opendev's session store keeps
    the in-flight turn in its debug log).
    """

    prompt: str | None
    """The person's last prompt, which the saved transcript does not hold."""
    stopped_by: str
    """``"exit"`` (the process died or was killed) or ``"error"`` (the model call failed)."""
    error: str | None
    """The error text when ``stopped_by == "error"``."""
    pending_tools: tuple[tuple[str, str], ...]
    """``(name, key argument)`` of each tool the model had just asked for, in order."""
    input_tokens: int | None
    output_tokens: int | None
    turn_started_ms: int | None = None
    """When the lost turn began (its first model request), if known."""
    edited_paths: tuple[str, ...] = ()
    """``file_path`` arguments of the lost turn's Edit, Write and multi_edit calls, in order, as given."""
    last_turn_prompt: str | None = None
    """The last finished turn's prompt (from the saved transcript)."""
    last_turn_reply: str | None = None
    """The last finished turn's assistant text."""
    data_root: str | None = None
    """The opendev data directory this session lives in (its ``file-history/`` keeps the turn's backups)."""


class Session(NamedTuple):
    """An agent session that did not end cleanly (or did, with ``completed``)."""

    key: str
    """Unique within a catalog and stable across rescans: ``"<source>:<path>"``."""
    source: str
    """Where it was found: ``"snapshot"`` (recovery directory) or ``"opendev"`` (session store)."""
    path: str
    """The file that holds it (a snapshot, or the store's ``{id}.json`` / ``{id}.debug``)."""
    name: str
    """That file's name: how the command line and the trash address it."""
    identity: Identity
    is_link: bool
    session_id: str
    project_dir: str
    timestamp_ms: int
    """When the snapshot was taken, or when the session stopped (ms since the epoch, UTC)."""
    completed: bool
    message_count: int
    cost_usd: float | int | None
    """Cumulative cost in US dollars as the file has it; None when the source does not record it."""
    last_tool: LastTool | None
    failures: int
    """How many kept tool results failed."""
    tool_names: str
    """The kept tool names, one per line (what the filter matches besides id and project)."""
    title: str | None = None
    lost_turn: LostTurn | None = None
    written_ms: int | None = None
    """When any of the session's files was last written, if it is not ``path``
    (opendev appends its log live while ``path`` is written at turn ends)."""

    @property
    def size(self) -> int:
        return self.identity[2]

    @property
    def mtime_ns(self) -> int:
        return self.identity[3]

    @property
    def last_write_ms(self) -> int:
        """When the session last wrote anything: what says it may still be running."""
        own = self.identity[3] // 1_000_000
        return own if self.written_ms is None else max(own, self.written_ms)


class DamagedFile(NamedTuple):
    """A file that should hold a session and does not, and why."""

    key: str
    source: str
    path: str
    name: str
    reason: str
    size: int = 0
    mtime_ns: int = 0
    is_link: bool = False


class Leftover(NamedTuple):
    """A ``*.json.tmp*`` left by an interrupted write, compared with the file beside it.

    ``state`` is ``newer`` (holds a valid snapshot newer than the file beside
    it), ``older``, ``same``, ``orphan`` (valid, nothing beside it) or
    ``damaged`` (``detail`` says why).
    """

    key: str
    path: str
    name: str
    target: str
    state: str
    detail: str
    size: int
    mtime_ns: int
    timestamp_ms: int | None = None

    @property
    def source(self) -> str:
        return "snapshot"


Item = Session | DamagedFile | Leftover
"""Anything the catalog lists."""
