"""Against the reference binary itself (seedsnap, built from opendev's Rust module).

These run where ``$SEEDSNAP`` (or ``seedsnap`` on PATH) is the reference CLI;
.ci/run builds it when the shared peer sources are present. The recorded
verdicts in tests/data cover the same ground where it is not.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import seedsnap
from snaptui.actions import trash as store
from snaptui.actions.demo import write_demo
from snaptui.base import clock
from snaptui.catalog.scan import scan
from snaptui.format import reader, writer

SEEDSNAP = seedsnap()
pytestmark = pytest.mark.skipif(SEEDSNAP is None, reason="the reference binary is not available")


def reference_incomplete(directory) -> list:
    out = subprocess.run([SEEDSNAP, "incomplete", str(directory), "--json"], capture_output=True, check=True)
    return json.loads(out.stdout)


def ours(cli, directory) -> list:
    run = cli("list", "--json", "--dir", str(directory))
    assert run.code == 0, run
    return [{k: v for k, v in o.items() if k not in ("path", "status", "source")} for o in json.loads(run.out)]


def test_list_json_equals_the_reference_on_generated_directories(cli, tmp_path):
    d = tmp_path / "gen"
    subprocess.run([SEEDSNAP, "gen", str(d), "300", "--seed", "11", "--completed-every", "3"],
                   check=True, capture_output=True)
    assert ours(cli, d) == reference_incomplete(d)
    assert ours(cli, d) == reference_incomplete(d)  # warm, from the index


def test_costs_are_the_numbers_the_reference_reads(cli, tmp_path):
    """serde_json without float_roundtrip reads some numbers one step off the nearest double
    (sums of costs, as opendev adds them up: 0.003 + 0.04 is 0.043000000000000003) and some
    large ones not at all; snaptui's answer holds the reference's numbers, and skips what it skips."""
    import random

    from snaptui.format.serdefloat import reference_f64

    rng = random.Random(17)
    texts = [repr(sum(rng.choice([0.003, 0.04, 0.1, 0.2, 0.0071, 1.3]) for _ in range(rng.randint(2, 6))))
             for _ in range(150)]
    texts += [f"{rng.uniform(0, 100):.17g}" for _ in range(50)]
    texts += [f"{rng.randint(1, 10**19)}e{rng.randint(-330, 300)}" for _ in range(50)]
    texts += ["9007199254740993", "18446744073709551617", "1.7976931348623158e308", "1e-400", "-0.0",
              "18446744073709551619.5", "18446744073709551616.0", "-18446744073709551618.3e-150"]
    d = tmp_path / "costs"
    d.mkdir()
    for i, t in enumerate(texts):
        doc = writer.dumps({"session_id": f"s{i:04d}", "message_count": 1, "last_tool_results": [],
                            "snapshot_timestamp_ms": 1_795_000_000_000 + i, "completed": False,
                            "project_dir": "/p", "cost_usd": 1.5})
        written = doc.replace(b'"cost_usd": 1.5', f'"cost_usd": {t}'.encode())
        (d / f"s{i:04d}_session_snapshot.json").write_bytes(written)
    theirs = reference_incomplete(d)
    mine = ours(cli, d)
    assert [o["session_id"] for o in mine] == [o["session_id"] for o in theirs]
    assert [float(o["cost_usd"]) for o in mine] == [float(o["cost_usd"]) for o in theirs]
    differ = 0
    for t in texts:
        try:
            differ += reference_f64(t.encode()) != float(t)
        except (OverflowError, ValueError):
            differ += 1
    assert differ > 10  # (the case is there to see)
    assert ours(cli, d) == mine  # warm, from the index


def test_the_demo_is_read_by_the_reference(cli, tmp_path):
    d = tmp_path / "demo"
    write_demo(str(d), clock=clock.fixed(1_795_500_000_000))
    theirs = reference_incomplete(d)
    assert len(theirs) == 9
    assert ours(cli, d) == theirs


def test_restored_files_are_read_by_the_reference(tmp_path):
    d = tmp_path / "r"
    subprocess.run([SEEDSNAP, "gen", str(d), "5", "--seed", "3", "--completed-every", "0"], check=True,
                   capture_output=True)
    before = reference_incomplete(d)
    batch = store.discard(str(d), scan(str(d)).sessions)[0]
    assert reference_incomplete(d) == []
    store.undo_batch(str(d), batch)
    assert reference_incomplete(d) == before


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.builds(
    dict, session_id=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"), min_size=1,
                             max_size=20).filter(lambda s: s not in (".", "..")),
    message_count=st.integers(0, 2**64 - 1),
    last_tool_results=st.lists(st.builds(dict, tool_name=text, call_id=text, output_preview=text,
                                         success=st.booleans()), max_size=3),
    snapshot_timestamp_ms=st.integers(0, 2**64 - 1), completed=st.booleans(), project_dir=text,
    cost_usd=st.decimals(0, 10**6, places=4).map(float),
))
def test_what_snaptui_writes_the_reference_reads_back(tmp_path_factory, doc):
    d = tmp_path_factory.mktemp("w")
    path = writer.save(str(d), doc)
    out = subprocess.run([SEEDSNAP, "load", str(d), doc["session_id"]], capture_output=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip(b"\n") == open(path, "rb").read()  # same bytes as the reference writer
    assert reader.parse(out.stdout) == {**doc, "cost_usd": float(doc["cost_usd"])}
