"""``list --json`` of an unchanged directory: the answer laid out last time, and only then.

The fast path compares the listing and every file's stat with a fingerprint
kept beside the answer; any difference (a file added, removed, renamed,
rewritten in place, even to the same size) and any damage to the cache
file must fall back to reading, so the answer is always today's.
"""

from __future__ import annotations

import json
import os

import pytest

from helpers import NOW, write
from snaptui.catalog import pieces
from snaptui.catalog.jsonlist import json_output
from snaptui.catalog.pieces import base_path, path_for, unchanged_answer


@pytest.fixture(params=["one process", "with a helper"])
def checking(request, monkeypatch):
    """Both ways of checking: alone, and with a forked helper taking part of the stats."""
    if request.param == "with a helper":
        monkeypatch.setattr(pieces, "PARALLEL_CHECK_FROM", 1)
    return request.param


def _setup(tmp_path, count=6):
    d = tmp_path / "recovery"
    d.mkdir()
    paths = [write(d, f"s{i}", ts=NOW - i * 1000, completed=i % 3 == 2) for i in range(count)]
    (d / "bad.json").write_text("{")
    os.utime(d / "bad.json", (1e9, 1e9))
    cache = str(tmp_path / "cache")
    return d, paths, cache


def _fast(d, cache):
    got = unchanged_answer(base_path(cache, str(d)), os.path.realpath(d), str(d))
    if got is None:
        return None
    try:
        return got.read()
    finally:
        got.close()


def _ids(answer: bytes) -> list[str]:
    return [o["session_id"] for o in json.loads(answer)]


def test_an_unchanged_directory_is_answered_from_the_fingerprint(tmp_path, checking):
    d, _, cache = _setup(tmp_path)
    answer = json_output(str(d), cache, everything=False)
    assert _ids(answer) == ["s0", "s1", "s3", "s4"]
    assert _fast(d, cache) == answer
    assert json_output(str(d), cache, everything=False) == answer


def test_a_same_size_rewrite_in_place_is_seen(tmp_path, checking):
    """No rename, same size, only the content and mtime change: the answer changes."""
    d, paths, cache = _setup(tmp_path)
    json_output(str(d), cache, everything=False)
    text = paths[0].read_bytes()
    changed = text.replace(b'"completed": false', b'"completed": true ')
    assert len(changed) == len(text) and changed != text
    with open(paths[0], "r+b") as f:  # in place: the directory itself does not change
        f.write(changed)
    os.utime(paths[0], (1e9 + 5, 1e9 + 5))
    assert _fast(d, cache) is None
    assert _ids(json_output(str(d), cache, everything=False)) == ["s1", "s3", "s4"]


@pytest.mark.parametrize("change", ["added", "removed", "renamed", "damaged file rewritten"])
def test_any_change_to_the_listing_is_seen(tmp_path, checking, change):
    d, paths, cache = _setup(tmp_path)
    json_output(str(d), cache, everything=False)
    if change == "added":
        write(d, "new", ts=NOW + 5)
    elif change == "removed":
        paths[1].unlink()
    elif change == "renamed":
        paths[1].rename(d / "zz_session_snapshot.json")
    else:
        (d / "bad.json").write_text("{}")
    assert _fast(d, cache) is None
    expected = json_output(str(d), None, everything=False)  # read from scratch
    assert json_output(str(d), cache, everything=False) == expected
    assert _fast(d, cache) == expected or change == "damaged file rewritten"  # (just written: too recent)


@pytest.mark.parametrize("where", ["answer", "fingerprint", "a completed session's piece"])
def test_a_damaged_cache_file_is_never_served(tmp_path, checking, where):
    d, _, cache = _setup(tmp_path)
    answer = json_output(str(d), cache, everything=False)
    everything = json_output(str(d), None, everything=True)
    path = path_for(base_path(cache, str(d)))
    data = bytearray(open(path, "rb").read())
    at = {"answer": data.index(b'"session_id": "s1"') + 16, "fingerprint": data.index(b"s0_session") + 1,
          "a completed session's piece": data.rindex(b'"session_id": "s5"') + 16}[where]
    data[at] ^= 0x20
    with open(path, "wb") as f:
        f.write(data)
    if where != "a completed session's piece":
        assert _fast(d, cache) is None
    assert json_output(str(d), cache, everything=False) == answer
    assert json_output(str(d), cache, everything=True) == everything


def test_a_racy_file_keeps_the_fast_path_off_until_it_is_old(tmp_path, checking):
    """A file written in the last two seconds could change again within its mtime's
    granularity: no fingerprint is kept while one is there."""
    d, _, cache = _setup(tmp_path)
    write(d, "fresh", ts=NOW + 1, age_s=None)
    answer = json_output(str(d), cache, everything=False)
    assert _ids(answer)[0] == "fresh"
    assert _fast(d, cache) is None
    assert json_output(str(d), cache, everything=False) == answer


def test_an_unlistable_directory_is_not_answered_from_the_cache(tmp_path, checking):
    d, _, cache = _setup(tmp_path)
    json_output(str(d), cache, everything=False)
    for p in d.iterdir():
        p.unlink()
    d.rmdir()
    assert _fast(d, cache) is None


@pytest.mark.parametrize("mode", ["wb", "ab"])
def test_the_unchanged_answer_goes_to_a_file_or_is_appended_to_one(tmp_path, cli, mode):
    """``snaptui list --json > f`` and ``>> f`` (where sendfile refuses an O_APPEND file)."""
    import subprocess

    from conftest import snaptui_command

    d, _, cache = _setup(tmp_path)
    expected = json_output(str(d), None, everything=False)
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg-cache"))
    out = tmp_path / "out.json"
    out.write_bytes(b"before\n" if mode == "ab" else b"")
    for _ in ("cold", "warm", "warm again"):
        with open(out, mode) as f:
            proc = subprocess.run([*snaptui_command(), "list", "--json", "--dir", str(d)], stdout=f,
                                  stderr=subprocess.PIPE, env=env, timeout=60)
        assert proc.returncode == 0 and proc.stderr == b""
        assert out.read_bytes().endswith(expected)
    assert out.read_bytes() == (b"before\n" + expected * 3 if mode == "ab" else expected)
