"""The snapshot data model (pydantic), field for field as the reference structs.

``Snapshot`` and ``ToolResult`` accept exactly what the reference reader
accepts: strict types, unsigned integers within u64, finite costs, no unpaired
surrogates in strings; unknown fields are accepted and dropped, as serde does.
JSON is decoded by :mod:`snaptui.reader` (which also handles the JSON-level
rules: duplicate keys, ``-0``, byte-order marks) and encoded by
:mod:`snaptui.writer`, so the bytes match the reference writer's.

The scan does not use these models: it must run without importing pydantic
(about 60 ms here). ``tests/test_models.py`` proves both agree on every case.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from snaptui.base import clock as _clock
from snaptui.format import reader, writer


def _no_surrogates(value: str) -> str:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("holds an unpaired surrogate escape") from None
    return value


Text = Annotated[str, AfterValidator(_no_surrogates)]
"""A string the reference can hold: any Unicode text but unpaired surrogates."""

U64 = Annotated[int, Field(ge=0, le=reader.MAX_U64)]
"""A Rust ``u64`` / ``usize``: a JSON integer in 0..2**64-1 (not ``1.0``)."""


def _positional(names: tuple[str, ...]) -> Callable[[Any], Any]:
    """serde also accepts a struct as an array of its fields in order."""

    def convert(data: Any) -> Any:
        if isinstance(data, list):
            if len(data) != len(names):
                raise ValueError(f"as an array it must have {len(names)} elements, has {len(data)}")
            return dict(zip(names, data, strict=True))
        return data

    return convert


class ToolResult(BaseModel):
    """One entry of ``last_tool_results``: a tool call and the start of its output."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    tool_name: Text
    """The tool that ran, e.g. ``bash``, ``read_file``, ``edit_file``."""
    call_id: Text
    """The tool call's id."""
    output_preview: Text
    """The first characters of the tool's output: any text, escapes included."""
    success: bool
    """Whether the call succeeded."""

    _from_array = model_validator(mode="before")(_positional(reader.TOOL_FIELDS))


class Snapshot(BaseModel):
    """A session's crash-recovery snapshot (``AppStateSnapshot``)."""

    model_config = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False, validate_assignment=True)

    session_id: Text
    """The agent's session id (untrusted: never used to build a path to delete)."""
    message_count: U64
    """Messages exchanged so far."""
    last_tool_results: list[ToolResult]
    """The most recent tool results, oldest first."""
    snapshot_timestamp_ms: U64
    """When the snapshot was taken, ms since the Unix epoch (UTC)."""
    completed: bool
    """True once the session ended cleanly; false means it crashed or was killed."""
    project_dir: Text
    """The directory the session worked in."""
    cost_usd: float
    """Cumulative model cost in US dollars."""

    _from_array = model_validator(mode="before")(_positional(reader.FIELDS))

    # -- the reference writer's operations ---------------------------------

    @classmethod
    def new(cls, session_id: str, project_dir: str, *, clock: _clock.Clock = _clock.now_ms) -> Snapshot:
        """A fresh snapshot, like ``AppStateSnapshot::new``."""
        return cls(
            session_id=session_id,
            message_count=0,
            last_tool_results=[],
            snapshot_timestamp_ms=clock(),
            completed=False,
            project_dir=project_dir,
            cost_usd=0.0,
        )

    def record_tool_result(self, entry: ToolResult, max_entries: int) -> None:
        """Append ``entry``, keeping at most ``max_entries`` most recent results."""
        results = [*self.last_tool_results, entry]
        self.last_tool_results = results[-max_entries:] if max_entries else []

    def mark_completed(self, *, clock: _clock.Clock = _clock.now_ms) -> None:
        """Mark a clean exit and stamp the time, like ``mark_completed``."""
        self.completed = True
        self.snapshot_timestamp_ms = clock()

    # -- bytes ---------------------------------------------------------------

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> Snapshot:
        """Decode with the reference's JSON rules (see :mod:`snaptui.reader`).

        Raises :class:`snaptui.reader.Damaged` for a file the reference rejects.
        """
        data = json_data.encode() if isinstance(json_data, str) else bytes(json_data)
        return cls.model_validate(reader.parse(data), **kwargs)

    def to_bytes(self) -> bytes:
        """The exact bytes the reference writer would produce."""
        return writer.dumps(self.model_dump())

    def save(self, directory: str) -> str:
        """Save atomically into ``directory`` like the reference ``save()``."""
        return writer.save(directory, self.model_dump())

    # -- derived values --------------------------------------------------------

    @property
    def snapshot_time(self) -> datetime | None:
        """The snapshot time as an aware UTC datetime (None past year 9999)."""
        return _clock.to_datetime(self.snapshot_timestamp_ms)

    def age_ms(self, *, clock: _clock.Clock = _clock.now_ms) -> int:
        """How long ago the snapshot was taken (negative if in the future)."""
        return clock() - self.snapshot_timestamp_ms

    @property
    def failed_tools(self) -> list[ToolResult]:
        """The kept tool results that failed."""
        return [t for t in self.last_tool_results if not t.success]

    @property
    def last_tool(self) -> ToolResult | None:
        """The most recent tool result, if any."""
        return self.last_tool_results[-1] if self.last_tool_results else None
