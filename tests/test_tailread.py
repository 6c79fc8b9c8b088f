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
        r = tailread.Reader(fd, len(raw), len(raw))
        assert r.rfind((b'"n":1999',), 0, len(raw))[0] == raw.rindex(b'"n":1999')
        assert r.find((b'"n":7,',), 0, len(raw))[0] == raw.index(b'"n":7,')
        assert r.count(b"\n", 0, len(raw)) == 2000
        assert r.read(10, 30) == raw[10:30]
        assert r.line_start(len(raw) - 1) == raw.rindex(b"\n", 0, len(raw) - 1) + 1
        assert reads == [len(raw)]  # one read of the whole file, charged once
        with pytest.raises(tailread.OutOfBudget):  # what the budget allows stays as it was
            tailread.Reader(fd, len(raw), len(raw) - 1).read(0, len(raw))
        assert tailread.Reader(fd, len(raw), 100).read(len(raw) - 100, len(raw)) == raw[-100:]
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
