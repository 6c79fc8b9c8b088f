"""A catalogue of hostile recovery-directory entries, each with what snaptui must say about it.

Shared by tests/test_hostile_inputs.py. Every case is one directory entry named
``*.json`` (or a leftover ``*.json.tmp``) with the verdict a scan must give:

- ``("damaged", fragment)``: listed as damaged, its reason containing ``fragment``;
- ``("incomplete", None)`` / ``("completed", None)``: listed as a session, shown literally;
- ``("leftover", fragment)``: listed as a leftover of an interrupted write.

Verdicts for regular files follow the reference reader (``serde_json`` into
``AppStateSnapshot``); ``test_verdicts_agree_with_the_reference_binary`` checks
them against the reference binary where it is available.
"""

from __future__ import annotations

import json
import os
import random
import socket
import stat
from pathlib import Path

import cases

OLD_MS = 1_700_000_000_000
"""2023-11-14: long ago, so no session here counts as possibly running."""

TOOL = {"tool_name": "bash", "call_id": "c1", "output_preview": "ok", "success": True}

BASE = {**cases.BASE, "session_id": "base", "message_count": 3, "last_tool_results": [TOOL],
        "snapshot_timestamp_ms": OLD_MS}
"""The reader tests' base document, aged so that nothing counts as running."""


def snapshot(**changes) -> dict:
    d = dict(BASE)
    d.update(changes)
    return d


def doc(**changes) -> bytes:
    """A valid snapshot (pretty, like the reference writer) with some fields changed."""
    return json.dumps(snapshot(**changes), indent=2, ensure_ascii=False).encode()


def compact(**changes) -> bytes:
    return json.dumps(snapshot(**changes), ensure_ascii=False).encode()


def with_raw(field: str, raw: bytes, **changes) -> bytes:
    """A snapshot whose ``field`` holds ``raw`` JSON text (invalid or extreme values)."""
    marker = "\x00MARK\x00"
    text = compact(**{field: marker}, **changes)
    return text.replace(json.dumps(marker).encode(), raw, 1)


def with_unknown(raw: bytes, **changes) -> bytes:
    """A snapshot plus an unknown top-level field ``zz`` holding ``raw``."""
    return compact(**changes)[:-1] + b', "zz": ' + raw + b"}"


def tool_with_unknown(raw: bytes) -> bytes:
    """A snapshot whose tool result carries an unknown field ``extra`` holding ``raw``."""
    tool = json.dumps(TOOL).encode()
    text = compact(session_id="deep-in-a-tool")
    return text.replace(tool, tool[:-1] + b', "extra": ' + raw + b"}", 1)


DEPTH = 300_000
"""Hundreds of thousands of levels: far past Python's recursion limit and serde's 128."""

ESC_PREVIEW = (
    "\x1b[2J clear \x1b[H home \x1b]0;pwned\x07 title \x1b]52;c;ZXZpbA==\x07 clipboard "
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x9b31m csi \x90dcs\x9c \x00 nul \x7f del \r\x08 cr-bs"
)
BIDI = "\u202egnp.exe\u202c \u2066iso\u2069 \u200e\u200f\u061c \u2028\u2029 \ufeff"
ALL_C0 = "".join(chr(c) for c in range(0x20) if c != 0x0A) + "\x7f" + "".join(chr(c) for c in range(0x80, 0xA0))


def _rng_bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


# name -> (content bytes, expected status, reason fragment or None)
REGULAR: dict[str, tuple[bytes, str, str | None]] = {
    # --- broken files -------------------------------------------------------
    "empty.json": (b"", "damaged", "empty file"),
    "whitespace.json": (b" \n\t\n", "damaged", "not JSON"),
    "truncated.json": (doc()[:60], "damaged", "not JSON"),
    "truncated_in_string.json": (doc(project_dir="/a/long/path")[:-40], "damaged", "not JSON"),
    "not_json.json": (b"hello, world\n", "damaged", "not JSON"),
    "single_quotes.json": (compact().replace(b'"', b"'"), "damaged", "not JSON"),
    "trailing_garbage.json": (doc() + b"\n}{", "damaged", "extra data"),
    "two_documents.json": (doc() + doc(), "damaged", "extra data"),
    "top_array.json": (b"[1, 2, 3]", "damaged", "as an array must have 7 elements, has 3"),
    "top_empty_array.json": (b"[]", "damaged", "as an array must have 7 elements, has 0"),
    "top_string.json": (b'"a snapshot"', "damaged", "must be a JSON object, got a string"),
    "top_number.json": (b"42", "damaged", "must be a JSON object"),
    "top_null.json": (b"null", "damaged", "must be a JSON object, got null"),
    "wrong_type_count.json": (doc(message_count="many"), "damaged", "message_count must be a non-negative integer"),
    "wrong_type_id.json": (doc(session_id=7), "damaged", "session_id must be a string"),
    "wrong_type_tools.json": (doc(last_tool_results={}), "damaged", "last_tool_results must be an array"),
    "wrong_type_success.json": (doc(last_tool_results=[{**TOOL, "success": "yes"}]), "damaged",
                                "last_tool_results[0].success must be true or false"),
    "wrong_type_completed.json": (doc(completed=0), "damaged", "completed must be true or false"),
    "float_count.json": (with_raw("message_count", b"1.0"), "damaged", "message_count"),
    "missing_fields.json": (json.dumps({"session_id": "x"}).encode(), "damaged", "missing field message_count"),
    "missing_cost.json": (json.dumps({k: v for k, v in BASE.items() if k != "cost_usd"}).encode(), "damaged",
                          "missing field cost_usd"),
    "empty_object.json": (b"{}", "damaged", "missing field session_id"),
    "null_cost.json": (doc(cost_usd=None), "damaged", "cost_usd must be a number, got null"),
    "null_id.json": (doc(session_id=None), "damaged", "session_id must be a string, got null"),
    "null_tools.json": (doc(last_tool_results=None), "damaged", "last_tool_results must be an array, got null"),
    "negative_count.json": (doc(message_count=-5), "damaged", "message_count must be a non-negative integer, got -5"),
    "negative_ts.json": (doc(snapshot_timestamp_ms=-1), "damaged", "snapshot_timestamp_ms must be a non-negative"),
    "negative_zero_ts.json": (with_raw("snapshot_timestamp_ms", b"-0"), "damaged", "snapshot_timestamp_ms"),
    "overflow_ts.json": (doc(snapshot_timestamp_ms=2**64), "damaged",
                         "snapshot_timestamp_ms must be a non-negative integer, got 18446744073709551616"),
    "overflow_count.json": (doc(message_count=10**40), "damaged", "a huge integer"),
    "overflow_count_digits.json": (with_raw("message_count", b"9" * 5000), "damaged", "message_count"),
    "overflow_cost.json": (with_raw("cost_usd", b"1e400"), "damaged", "cost_usd is out of range"),
    "overflow_cost_int.json": (with_raw("cost_usd", b"9" * 400), "damaged", "cost_usd is out of range"),
    "nan.json": (with_raw("cost_usd", b"NaN"), "damaged", "NaN is not a JSON value"),
    "infinity.json": (with_raw("cost_usd", b"-Infinity"), "damaged", "Infinity is not a JSON value"),
    "bom.json": (b"\xef\xbb\xbf" + doc(), "damaged", "starts with a UTF-8 byte-order mark"),
    "utf16.json": (json.dumps(BASE).encode("utf-16"), "damaged", "not valid UTF-8"),
    "duplicate_keys.json": (compact()[:-1] + b', "cost_usd": 9.0}', "damaged", "duplicate field cost_usd"),
    "duplicate_tool_keys.json": (compact().replace(b'"success": true}', b'"success": true, "success": false}'),
                                 "damaged", "duplicate field success"),
    "invalid_utf8.json": (with_raw("project_dir", b'"\xc3\x28"'), "damaged", "not valid UTF-8"),
    "invalid_utf8_overlong.json": (with_raw("project_dir", b'"\xc0\xaf"'), "damaged", "not valid UTF-8"),
    "lone_surrogate_id.json": (with_raw("session_id", b'"\\ud800"'), "damaged",
                               "session_id holds an unpaired surrogate escape"),
    "raw_control_in_string.json": (with_raw("project_dir", b'"/p\x1b[2J"'), "damaged", "not JSON"),
    "binary.json": (bytes(range(256)) * 64, "damaged", "not valid UTF-8"),
    "random_garbage.json": (_rng_bytes(50_000, 7), "damaged", None),
    "nul_bytes.json": (b"\x00" * 4096, "damaged", "not JSON"),
    "nested_top_array.json": (b"[" * DEPTH + b"]" * DEPTH, "damaged", "nested too deeply"),
    "nested_top_object.json": (b'{"a":' * DEPTH + b"1" + b"}" * DEPTH, "damaged", "missing field session_id"),
    "nested_known_field.json": (with_raw("last_tool_results", b"[" * DEPTH + b"]" * DEPTH), "damaged",
                                "nested too deeply"),
    "nested_unknown_unclosed.json": (with_unknown(b"[" * DEPTH + b"]" * (DEPTH - 1)), "damaged", "not JSON"),
    "nested_unknown_then_junk.json": (with_unknown(b"[" * DEPTH + b"]" * DEPTH) + b"x", "damaged", "not JSON"),
    # --- valid snapshots with hostile contents: sessions, shown literally -------
    "markup.json": (doc(session_id="[@click=app.quit]x[/]", project_dir="/p/snap[/]2024 [bold red]hi[/]",
                        last_tool_results=[{"tool_name": "[bold red]", "call_id": "[/]",
                                            "output_preview": "[@click=app.quit]quit[/] [link=https://e.x]l[/link]"
                                                              " snap[/]2024 [bold red]red",
                                            "success": False}]), "incomplete", None),
    "escapes.json": (doc(session_id="\x1b]0;pwned\x07esc", project_dir="/p/\x1b[2J\x1b[H",
                         last_tool_results=[{"tool_name": "bash\x1b[31m", "call_id": "c\r\x08",
                                             "output_preview": ESC_PREVIEW, "success": False}]),
                     "incomplete", None),
    "clipboard.json": (doc(session_id="\x1b]52;c;ZXZpbA==\x07", project_dir="\x1b]52;c;ZXZpbA==\x07"),
                       "incomplete", None),
    "controls.json": (doc(session_id="id" + ALL_C0, project_dir="/p/" + ALL_C0,
                          last_tool_results=[{"tool_name": ALL_C0, "call_id": ALL_C0,
                                              "output_preview": ALL_C0 + "\n" + ALL_C0, "success": True}]),
                      "incomplete", None),
    "bidi.json": (doc(session_id=BIDI, project_dir="/p/" + BIDI,
                      last_tool_results=[{"tool_name": BIDI, "call_id": BIDI, "output_preview": BIDI,
                                          "success": True}]), "incomplete", None),
    "newlines.json": (doc(session_id="line1\nline2\r\nline3", project_dir="/p/a\nb"), "incomplete", None),
    "big_preview.json": (doc(session_id="big-preview", last_tool_results=[
        {"tool_name": "bash", "call_id": "c", "output_preview": "x" * 1_000_000, "success": True}]),
        "incomplete", None),
    "many_tools.json": (doc(session_id="many-tools", last_tool_results=[
        {"tool_name": f"t{i}", "call_id": f"c{i}", "output_preview": f"line {i}\x1b[0m\n", "success": i % 7 != 0}
        for i in range(10_000)]), "incomplete", None),
    "long_id.json": (doc(session_id="x" * 20_000, project_dir="/" + "d/" * 5_000), "incomplete", None),
    "wide_id.json": (doc(session_id="会話🚀" * 50, project_dir="/p/表示テスト🚀"), "incomplete", None),
    "ts_zero.json": (doc(session_id="ts-zero", snapshot_timestamp_ms=0), "incomplete", None),
    "ts_9999.json": (doc(session_id="ts-9999", snapshot_timestamp_ms=253402300799999), "incomplete", None),
    "ts_u64_max.json": (doc(session_id="ts-max", snapshot_timestamp_ms=2**64 - 1, message_count=2**64 - 1),
                        "incomplete", None),
    "huge_cost.json": (doc(session_id="huge-cost", cost_usd=1e308), "incomplete", None),
    "tiny_cost.json": (with_raw("cost_usd", b"1e-400", session_id="tiny-cost"), "incomplete", None),
    "negative_cost.json": (doc(session_id="negative-cost", cost_usd=-3.5), "incomplete", None),
    "empty_id.json": (doc(session_id="", project_dir=""), "incomplete", None),
    "traversal_id.json": (doc(session_id="../../etc/x"), "incomplete", None),
    "absolute_id.json": (doc(session_id="/etc/passwd", project_dir="../../.."), "incomplete", None),
    "option_id.json": (doc(session_id="--dir=/ -rf", project_dir="-x"), "incomplete", None),
    "nul_escape.json": (doc(session_id="a\x00b"), "incomplete", None),
    "surrogate_pair_escape.json": (with_raw("session_id", b'"\\ud83d\\ude80 rocket"'), "incomplete", None),
    "nested_unknown_array.json": (with_unknown(b"[" * DEPTH + b"]" * DEPTH, session_id="deep-unknown"),
                                  "incomplete", None),
    "nested_unknown_object.json": (with_unknown(b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
                                                session_id="deep-unknown-object"), "incomplete", None),
    "duplicate_unknown.json": (compact(session_id="dup-unknown")[:-1] + b', "q": 1, "q": 2}', "incomplete", None),
    "lone_surrogate_unknown.json": (with_unknown(b'"\\ud800"', session_id="surrogate-unknown"), "incomplete", None),
    "positional.json": (json.dumps(["positional", 1, [["bash", "c", "[b]o\x1b[0m", True]], OLD_MS, False, "/p",
                                    0.5]).encode(), "incomplete", None),
    "completed_hostile.json": (doc(session_id="[red]done\x1b[0m", completed=True), "completed", None),
}

# Kept out of the shared directory because each exposes a bug (see the xfail tests).
DEEP_UNKNOWN_IN_TOOL = tool_with_unknown(b"[" * DEPTH + b"]" * DEPTH)
"""The reference skips unknown fields iteratively at any depth, inside a tool result too: a session."""

HUGE_BYTES = 2 * 1024**3

ODD_NAME = "\x1b[2J\x1b]0;name\x07name[@click=app.quit]q[b]\u202e\n.json"
ODD_DAMAGED_NAME = "\x1b[31mdamaged\x07.json"

OTHER_ENTRIES = (
    "huge.json", "just_too_large.json", "directory.json", "fifo.json", "dangling.json", "loop.json", "loop_a.json",
    "loop_b.json", "symlink_out.json", "symlink_to_dir.json", "symlink_to_fifo.json", "device.json", "socket.json",
    ODD_NAME, ODD_DAMAGED_NAME, "markup.json.tmp", "escapes.json.tmp", "orphan.json.tmp", "fifo.json.tmp",
    "huge.json.tmp", "dangling.json.tmp", "bom.json.tmp.123.4.abcdef",
)
"""Every entry :func:`build` makes besides the regular files of :data:`REGULAR`."""

ALL_ENTRIES = (*REGULAR, *OTHER_ENTRIES)

_FIELDS_BY_HAND = {
    "nested_unknown_array.json": snapshot(session_id="deep-unknown"),
    "nested_unknown_object.json": snapshot(session_id="deep-unknown-object"),
    "symlink_out.json": snapshot(session_id="far-away"),
    ODD_NAME: snapshot(session_id="odd-name"),
}


def expected_fields(name: str) -> dict:
    """The seven fields of a valid case, as its file holds them (unknown fields dropped)."""
    if name in _FIELDS_BY_HAND:
        return _FIELDS_BY_HAND[name]
    obj = json.loads(REGULAR[name][0])
    names = ("session_id", "message_count", "last_tool_results", "snapshot_timestamp_ms", "completed",
             "project_dir", "cost_usd")
    if isinstance(obj, list):
        obj = dict(zip(names, obj, strict=True))
    tools = [t if isinstance(t, dict) else dict(zip(("tool_name", "call_id", "output_preview", "success"), t, strict=True))
             for t in obj["last_tool_results"]]
    fields = {k: obj[k] for k in names}
    fields["last_tool_results"] = [{k: t[k] for k in ("tool_name", "call_id", "output_preview", "success")}
                                   for t in tools]
    return fields


def build(directory: Path, outside: Path) -> dict[str, tuple[str, str | None]]:
    """Fill ``directory`` with every case; return ``{name: (status, reason fragment)}``.

    ``outside`` is a directory beside it for symlink targets. ``socket.json`` is
    expected but made by :func:`bind_socket` (the caller keeps it open, then closes it).
    """
    directory.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    expected: dict[str, tuple[str, str | None]] = {}
    for name, (data, status, reason) in REGULAR.items():
        (directory / name).write_bytes(data)
        expected[name] = (status, reason)

    # --- entries that are not regular files, or too big to read ------------------
    with open(directory / "huge.json", "wb") as f:
        f.truncate(HUGE_BYTES)  # sparse: must be refused by its size, never read
    expected["huge.json"] = ("damaged", "too large (2.0 GiB)")
    with open(directory / "just_too_large.json", "wb") as f:
        f.truncate(32 * 1024 * 1024 + 1)
    expected["just_too_large.json"] = ("damaged", "too large")
    (directory / "directory.json").mkdir()
    expected["directory.json"] = ("damaged", "not a regular file (a directory)")
    os.mkfifo(directory / "fifo.json")
    expected["fifo.json"] = ("damaged", "not a regular file (a FIFO)")
    os.symlink("missing-target", directory / "dangling.json")
    expected["dangling.json"] = ("damaged", "dangling symlink")
    os.symlink("loop.json", directory / "loop.json")
    expected["loop.json"] = ("damaged", "symlink loop")
    os.symlink("loop_b.json", directory / "loop_a.json")
    os.symlink("loop_a.json", directory / "loop_b.json")
    expected["loop_a.json"] = expected["loop_b.json"] = ("damaged", "symlink loop")
    target = outside / "far-away.json"
    target.write_bytes(doc(session_id="far-away"))
    os.utime(target, (OLD_MS / 1000, OLD_MS / 1000))
    os.symlink(target, directory / "symlink_out.json")
    expected["symlink_out.json"] = ("incomplete", None)
    os.symlink(outside, directory / "symlink_to_dir.json")
    expected["symlink_to_dir.json"] = ("damaged", "not a regular file (a directory)")
    os.mkfifo(outside / "far-fifo")
    os.symlink(outside / "far-fifo", directory / "symlink_to_fifo.json")
    expected["symlink_to_fifo.json"] = ("damaged", "not a regular file (a FIFO)")
    os.symlink(os.devnull, directory / "device.json")
    expected["device.json"] = ("damaged", "not a regular file (a device)")
    expected["socket.json"] = ("damaged", "not a regular file (a socket)")  # bound by bind_socket()
    # A valid snapshot and a damaged file under names full of escapes and markup.
    (directory / ODD_NAME).write_bytes(doc(session_id="odd-name"))
    expected[ODD_NAME] = ("incomplete", None)
    (directory / ODD_DAMAGED_NAME).write_bytes(b"\x1b[31m not json \x07")
    expected[ODD_DAMAGED_NAME] = ("damaged", "not JSON")

    # --- leftovers of interrupted writes --------------------------------------------
    (directory / "markup.json.tmp").write_bytes(doc(session_id="[@click=app.quit]x[/]")[:30])
    expected["markup.json.tmp"] = ("leftover", "not JSON")
    (directory / "escapes.json.tmp").write_bytes(
        doc(session_id="\x1b]0;pwned\x07esc", snapshot_timestamp_ms=OLD_MS + 1))
    expected["escapes.json.tmp"] = ("leftover", "newer")
    (directory / "orphan.json.tmp").write_bytes(doc(session_id="orphan\x1b[2J"))
    expected["orphan.json.tmp"] = ("leftover", "no file beside it")
    os.mkfifo(directory / "fifo.json.tmp")
    expected["fifo.json.tmp"] = ("leftover", "a FIFO")
    with open(directory / "huge.json.tmp", "wb") as f:
        f.truncate(HUGE_BYTES)
    expected["huge.json.tmp"] = ("leftover", "too large")
    os.symlink("nowhere", directory / "dangling.json.tmp")
    expected["dangling.json.tmp"] = ("leftover", "cannot be read")
    (directory / "bom.json.tmp.123.4.abcdef").write_bytes(b"\xef\xbb\xbf{}")
    expected["bom.json.tmp.123.4.abcdef"] = ("leftover", "byte-order mark")

    # --- a trash with a discarded file (must not change either) -----------------------
    batch = directory / ".snaptui-trash" / "1700000000000-0a1b2c3d"
    batch.mkdir(parents=True)
    (batch / "old_session_snapshot.json").write_bytes(doc(session_id="discarded\x1b[2J"))
    # Files that are neither snapshots nor leftovers: ignored, never changed.
    (directory / "README.txt").write_bytes(b"\x1b[2J not a snapshot")
    (directory / "noext").write_bytes(b"{}")
    assert set(expected) == set(ALL_ENTRIES)
    return expected


def bind_socket(directory: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(directory / "socket.json"))
    return sock


def fingerprint(root: Path) -> dict:
    """Everything under ``root`` (recursively, links not followed) that a scan must not change:
    kind, mode, size, mtime, link target, content hash. FIFOs, sockets and huge files are
    never opened."""
    import hashlib

    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            info: tuple = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_size, st.st_mtime_ns)
            if stat.S_ISLNK(st.st_mode):
                info += (os.readlink(path),)
            elif stat.S_ISREG(st.st_mode) and st.st_size <= 64 * 1024 * 1024:
                info += (hashlib.sha256(Path(path).read_bytes()).hexdigest(),)
            out[os.path.relpath(path, root)] = info
    return out
