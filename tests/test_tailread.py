"""The block reader under opendev's store readers: JSON strings and searches across block edges."""

from __future__ import annotations

import json
import os

import pytest

from snaptui.sources import tailread


@pytest.mark.parametrize("block", [3, 7, 64, 1 << 20])
def test_json_strings_across_blocks(tmp_path, monkeypatch, block):
    monkeypatch.setattr(tailread, "BLOCK", block)
    monkeypatch.setattr(tailread, "FIRST_STEP", min(block, 16))
    text = r'a\"b\\\"c é \u00e9 \ud83d\ude00 end'
    raw = f'{{"k":"{text}","n":"x"}}'.encode()
    full = json.loads(raw)["k"]
    assert '"' in full and "\\" in full and "\U0001f600" in full
    path = tmp_path / "s"
    path.write_bytes(raw)
    fd = os.open(path, os.O_RDONLY)
    try:
        r = tailread.Reader(fd, len(raw), 10_000)
        value, cut, end = tailread.json_string(r, 5, 1000, need_end=True)
        assert (value, cut, raw[end:]) == (full, False, b',"n":"x"}')
        body = len(text.encode())
        for cap in range(1, body):  # a cut inside an escape or a UTF-8 sequence drops it
            value, cut, end = tailread.json_string(r, 5, cap, need_end=False)
            assert cut and value is not None and full.startswith(value) and end in (-1, 5 + body + 2)
        assert r.count(b"\\", 0, len(raw)) == raw.count(b"\\")
        assert r.rfind((b'"n"',), 0, len(raw))[0] == raw.rindex(b'"n"')
        assert r.find((b'"n"', b"end"), 0, len(raw)) == (raw.index(b"end"), 1)
    finally:
        os.close(fd)


def test_a_small_file_is_read_once_and_searched_in_memory(tmp_path, monkeypatch):
    raw = b"".join(b'{"n":%d,"s":"x\\"y"}\n' % i for i in range(2000))
    assert len(raw) <= tailread.SMALL
    path = tmp_path / "s"
    path.write_bytes(raw)
    reads: list[int] = []
    real = os.preadv

    def counted(fd, buffers, offset):
        reads.append(sum(len(b) for b in buffers))
        return real(fd, buffers, offset)

    monkeypatch.setattr(os, "preadv", counted)
    fd = os.open(path, os.O_RDONLY)
    try:
        r = tailread.Reader(fd, len(raw), 1 << 30)
        assert r.rfind((b'"n":1999',), 0, len(raw))[0] == raw.rindex(b'"n":1999')
        assert r.find((b'"n":7,',), 0, len(raw))[0] == raw.index(b'"n":7,')
        assert r.count(b"\n", 0, len(raw)) == 2000
        assert r.read(10, 30) == raw[10:30]
        assert r.line_start(len(raw) - 1) == raw.rindex(b"\n", 0, len(raw) - 1) + 1
        assert reads == [len(raw)]  # one read of the whole file
        # The budget is charged for what is looked at, as with block reads.
        with pytest.raises(tailread.OutOfBudget):
            tailread.Reader(fd, len(raw), len(raw) - 1).read(0, len(raw))
        small = tailread.Reader(fd, len(raw), 100)
        assert small.read(len(raw) - 100, len(raw)) == raw[-100:] and small.left == 0
        with pytest.raises(tailread.OutOfBudget):
            small.read(0, 1)
        assert r.read(-5, -1) == b"" and r.read(len(raw) - 3, len(raw) + 9) == raw[-3:]
    finally:
        os.close(fd)


def test_a_small_file_that_shrank_before_its_first_read(tmp_path):
    path = tmp_path / "s"
    path.write_bytes(b"x" * 1000)
    fd = os.open(path, os.O_RDONLY)
    try:
        r = tailread.Reader(fd, 1000, 1 << 20)
        os.truncate(path, 10)
        with pytest.raises(tailread.Changed):
            r.fill(990, 1000)
    finally:
        os.close(fd)


def test_what_a_log_says_does_not_depend_on_its_being_read_whole(tmp_path, monkeypatch):
    """A lost turn whose 2,600 short entries spend the turn-start budget when read block by
    block (each entry's first probe is 4 KiB): read whole, the budget is charged the same, and
    the same (earliest reached) request stands as when the turn began."""
    import opendev_fixtures as fx
    from snaptui.sources import debuglog
    from snaptui.sources.opendev_common import ts_ns

    fx.died_mid_turn(tmp_path, "/srv/app")
    (log,) = tmp_path.rglob("*.debug")
    lines = log.read_bytes().splitlines(keepends=True)
    requests = [i for i, line in enumerate(lines) if b'"event":"llm_request"' in line]
    stamp = json.loads(lines[requests[-2]])["ts"].encode()
    filler = b'{"event":"tool_run","ts":"%s"}\n' % stamp
    log.write_bytes(b"".join(lines[: requests[-2] + 1]) + filler * 2600 + b"".join(lines[requests[-2] + 1 :]))
    assert log.stat().st_size <= tailread.SMALL
    cutoff = ts_ns(json.loads(lines[requests[-3]])["ts"]) if len(requests) >= 3 else None
    whole = debuglog.read_debug(str(log), cutoff)
    monkeypatch.setattr(tailread, "SMALL", -1)
    assert debuglog.read_debug(str(log), cutoff) == whole
