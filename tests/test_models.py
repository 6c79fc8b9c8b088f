"""The pydantic model: the reference writer's operations and derived values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from snaptui.base import clock
from snaptui.format.model import Snapshot, ToolResult


def tool(i: int, ok: bool = True) -> ToolResult:
    return ToolResult(tool_name="bash", call_id=f"c{i}", output_preview=f"out {i}", success=ok)


def test_new_snapshot_is_incomplete_and_stamped_by_the_clock():
    s = Snapshot.new("abc", "/srv/p", clock=clock.fixed(1_700_000_000_000))
    assert (s.completed, s.message_count, s.cost_usd, s.last_tool_results) == (False, 0, 0.0, [])
    assert s.snapshot_time == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


@pytest.mark.parametrize("keep", [0, 1, 3, 10])
def test_record_tool_result_keeps_the_most_recent(keep):
    s = Snapshot.new("abc", "/p", clock=clock.fixed(0))
    for i in range(5):
        s.record_tool_result(tool(i), keep)
    assert [t.call_id for t in s.last_tool_results] == [f"c{i}" for i in range(5)][len(range(5)) - min(keep, 5):]


def test_mark_completed_restamps():
    s = Snapshot.new("abc", "/p", clock=clock.fixed(5))
    s.mark_completed(clock=clock.fixed(9))
    assert s.completed and s.snapshot_timestamp_ms == 9


def test_derived_values_use_the_injected_clock():
    s = Snapshot.new("abc", "/p", clock=clock.fixed(1_000))
    s.record_tool_result(tool(1, ok=False), 10)
    s.record_tool_result(tool(2), 10)
    assert s.age_ms(clock=clock.fixed(61_000)) == 60_000
    assert s.last_tool.call_id == "c2"
    assert [t.call_id for t in s.failed_tools] == ["c1"]


def test_far_future_time_has_no_datetime():
    s = Snapshot.new("abc", "/p", clock=clock.fixed(2**64 - 1))
    assert s.snapshot_time is None


@pytest.mark.parametrize(
    "change",
    [{"message_count": -1}, {"message_count": 1.0}, {"cost_usd": float("nan")}, {"session_id": "\ud800"},
     {"completed": 0}, {"snapshot_timestamp_ms": 2**64}],
)
def test_model_rejects_what_the_reference_rejects(change):
    good = Snapshot.new("abc", "/p", clock=clock.fixed(0)).model_dump()
    with pytest.raises(ValidationError):
        Snapshot.model_validate({**good, **change})


def test_save_is_read_back_and_atomic(tmp_path):
    s = Snapshot.new("abc", "/p", clock=clock.fixed(0))
    path = s.save(str(tmp_path))
    assert Snapshot.model_validate_json(open(path, "rb").read()) == s
    assert sorted(p.name for p in tmp_path.iterdir()) == ["abc_session_snapshot.json"]


@pytest.mark.parametrize("bad", ["", "a/b", "..", "x\0y"])
def test_save_refuses_ids_that_are_not_file_names(tmp_path, bad):
    s = Snapshot.new("ok", "/p", clock=clock.fixed(0))
    s.session_id = bad
    with pytest.raises(ValueError):
        s.save(str(tmp_path))
    assert list(tmp_path.iterdir()) == []
