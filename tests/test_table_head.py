"""The head of the rows table: the TUI's first rows from an index without loading it whole.

The head holds the newest sessions' rows and names the table it was taken
from; any other table (a ``list --json`` wrote one since, or it is damaged)
makes it unused. First rows from it are checked against each file's stat,
like first rows from the table.
"""

from __future__ import annotations

import os

import pytest

from helpers import NOW, write
from snaptui.catalog import answer
from snaptui.catalog import cache as cache_mod
from snaptui.catalog.cache import Cache
from snaptui.catalog.jsonlist import json_output
from snaptui.catalog.scan import scan


def _indexed(tmp_path, count=12):
    d = tmp_path / "recovery"
    d.mkdir()
    for i in range(count):
        write(d, f"s{i:02d}", ts=NOW + i * 1000)  # s11 is the newest snapshot
    cache_dir = str(tmp_path / "cache")
    scan(str(d), cache_dir=cache_dir)  # the index, and its head
    return d, cache_dir


def _first_rows(d, cache_dir, count=4):
    seen = []
    full = scan(str(d), cache_dir=cache_dir, early=seen.append, early_after=count)
    (partial,) = seen
    return [s.session_id for s in partial.sessions], full


def test_first_rows_come_from_the_head_without_loading_the_table(tmp_path, monkeypatch):
    d, cache_dir = _indexed(tmp_path)
    c = Cache(cache_dir, str(d))
    newest = c.rows_newest(3)
    assert c._rows is None  # the table was not read
    assert [row.session_id for _, _, row in newest] == ["s11", "s10", "s09"]
    ids, full = _first_rows(d, cache_dir)
    assert ids == ["s11", "s10", "s09", "s08"]
    assert len(full.sessions) == 12 and not full.partial


def _replace_table(c):
    """The table written again by someone else, as it is (a new file: a new identity)."""
    table = c.base + ".table"
    with open(table, "rb") as f:
        data = f.read()
    with open(table + ".new", "wb") as f:
        f.write(data)
    os.replace(table + ".new", table)


def test_a_table_written_since_makes_the_head_unused(tmp_path):
    d, cache_dir = _indexed(tmp_path)
    c = Cache(cache_dir, str(d))
    _replace_table(c)
    assert c._head() is None
    assert [row.session_id for _, _, row in c.rows_newest(2)] == ["s11", "s10"]  # from the table
    assert c._rows is not None


@pytest.mark.parametrize("helper", [False, True])
def test_list_json_keeps_the_head_of_the_table_it_writes(tmp_path, monkeypatch, helper):
    if helper:
        monkeypatch.setattr(answer, "PARALLEL_READ_FROM", 1)
    d, cache_dir = _indexed(tmp_path)
    json_output(str(d), cache_dir, everything=False)  # the pieces too: the next run takes most from the cache
    write(d, "s99", ts=NOW + 99_000)  # newer than all, and old enough to be kept
    write(d, "s05", ts=NOW + 50_000, completed=True)  # rewritten: newer now, and completed
    json_output(str(d), cache_dir, everything=False)  # the table written again, streamed
    c = Cache(cache_dir, str(d))
    head = c._head()
    assert head is not None
    table = Cache(cache_dir, str(d))
    expected = [(name, stat, row) for name, stat, row in cache_mod._newest(table.rows, cache_mod.HEAD_ROWS)]
    assert head == expected  # what the table says, newest first
    assert [row.session_id for _, _, row in c.rows_newest(3)] == ["s99", "s05", "s11"] and c._rows is None


def test_a_changed_file_is_not_shown_from_the_head(tmp_path):
    d, cache_dir = _indexed(tmp_path)
    newest = next(p for p in d.iterdir() if p.name.startswith("s11"))
    write(d, "s11", ts=NOW + 500, age_s=7200)  # rewritten: its stat is not the head's
    assert newest.exists()
    ids, full = _first_rows(d, cache_dir)
    assert "s11" not in ids and ids == ["s10", "s09", "s08"]
    assert [s.session_id for s in full.incomplete][:2] == ["s10", "s09"]  # s11 is older now


def test_a_damaged_or_foreign_head_is_ignored(tmp_path):
    d, cache_dir = _indexed(tmp_path)
    c = Cache(cache_dir, str(d))
    head = c.base + ".table-head"
    data = bytearray(open(head, "rb").read())
    data[-3] ^= 0xFF
    with open(head, "wb") as f:
        f.write(bytes(data))
    assert c._head() is None
    assert [row.session_id for _, _, row in Cache(cache_dir, str(d)).rows_newest(1)] == ["s11"]
    other = tmp_path / "other"
    other.mkdir()
    assert Cache(cache_dir, str(other)).rows_newest(1) is None  # an empty cache: no first rows from it


def test_the_head_keeps_only_the_newest(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_mod, "HEAD_ROWS", 5)
    d, cache_dir = _indexed(tmp_path)
    c = Cache(cache_dir, str(d))
    assert [name.split("_")[0] for name, *_ in c._head()] == ["s11", "s10", "s09", "s08", "s07"]
    assert len(c.rows_newest(8)) == 8  # more than the head holds: from the table
    assert c._rows is not None
    assert os.path.getsize(c.base + ".table-head") < os.path.getsize(c.base + ".table")


def test_a_scan_that_changes_nothing_writes_a_stale_head_again(tmp_path):
    d, cache_dir = _indexed(tmp_path)
    _replace_table(Cache(cache_dir, str(d)))  # a table without its head
    assert Cache(cache_dir, str(d))._head() is None
    scan(str(d), cache_dir=cache_dir)  # nothing changed since: the table stays, its head is written
    c = Cache(cache_dir, str(d))
    assert [row.session_id for _, _, row in c.rows_newest(2)] == ["s11", "s10"] and c._rows is None


def test_a_head_of_another_shape_is_not_used(tmp_path):
    from snaptui.base import datafile

    d, cache_dir = _indexed(tmp_path)
    c = Cache(cache_dir, str(d))
    identity = datafile.identity(c.base + ".table")
    for rows in ([("s11", (1, 2), ("x",))], [("s11",)], "rows", [], [("s11", (1, 2, 3, 4, 5), ("short",))]):
        datafile.write(c.base + ".table-head", cache_mod.HEAD_MAGIC, c.owner, (identity, rows), durable=False)
        fresh = Cache(cache_dir, str(d))
        assert fresh._head() is None
        assert [row.session_id for _, _, row in fresh.rows_newest(1)] == ["s11"]  # from the table
