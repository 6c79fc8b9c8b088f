"""The snapshot's fields, as the reference struct declares them, and the error for files it rejects."""

from __future__ import annotations

FIELDS = (
    "session_id",
    "message_count",
    "last_tool_results",
    "snapshot_timestamp_ms",
    "completed",
    "project_dir",
    "cost_usd",
)
"""``AppStateSnapshot``'s fields, in struct order (the order of the array form, and of the writer)."""
TOOL_FIELDS = ("tool_name", "call_id", "output_preview", "success")
"""``ToolResultSummary``'s fields, in struct order."""
FIELD_SET = frozenset(FIELDS)
TOOL_FIELD_SET = frozenset(TOOL_FIELDS)
MAX_U64 = 2**64 - 1


class Damaged(ValueError):
    """A file the reference reader rejects; ``str()`` is the one-line reason."""
