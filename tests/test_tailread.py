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
