"""Byte-level snapshot cases shared by the reader tests and the verdict generator.

Each case is a file's whole content. ``tests/data/reference_verdicts.json`` records
whether the reference reader (seedsnap, built from the reference Rust module)
accepts each one; ``tests/tools/reference_verdicts.py`` regenerates it.
"""

from __future__ import annotations

import json

BASE = {
    "session_id": "x",
    "message_count": 1,
    "last_tool_results": [
        {"tool_name": "bash", "call_id": "c", "output_preview": "o", "success": True}
    ],
    "snapshot_timestamp_ms": 5,
    "completed": False,
    "project_dir": "/p",
    "cost_usd": 0.5,
}


def doc(**changes) -> bytes:
    d = dict(BASE)
    d.update(changes)
    return json.dumps(d, ensure_ascii=False).encode()


def swap(old: str, new: str, base: bytes | None = None) -> bytes:
    """The base document with one literal piece of text replaced (for invalid JSON)."""
    text = base if base is not None else json.dumps(BASE).encode()
    assert old.encode() in text, old
    return text.replace(old.encode(), new.encode(), 1)


def _raw(**extra_raw: str) -> bytes:
    """The base document plus unknown fields whose values are raw JSON text."""
    text = json.dumps(BASE)[:-1]
    for key, raw in extra_raw.items():
        text += f', "{key}": {raw}'
    return (text + "}").encode()


def _deep_in_tool(extra_raw: str) -> bytes:
    """The base document with raw JSON text added to its tool result's fields."""
    return json.dumps(BASE).encode().replace(b'"success": true}', b'"success": true, ' + extra_raw.encode() + b"}")


def cases() -> dict[str, bytes]:
    c: dict[str, bytes] = {
        "ok": doc(),
        "ok_pretty": json.dumps(BASE, indent=2).encode(),
        "int_cost": doc(cost_usd=3),
        "negative_cost": doc(cost_usd=-1.5),
        "cost_exponent": swap('"cost_usd": 0.5', '"cost_usd": 1E2'),
        "cost_underflow": swap('"cost_usd": 0.5', '"cost_usd": 1e-400'),
        "cost_overflow": swap('"cost_usd": 0.5', '"cost_usd": 1e400'),
        "cost_huge_int": doc(cost_usd=10**30),
        "cost_int_beyond_f64": swap('"cost_usd": 0.5', '"cost_usd": ' + "9" * 400),
        "cost_nan": swap('"cost_usd": 0.5', '"cost_usd": NaN'),
        "cost_infinity": swap('"cost_usd": 0.5', '"cost_usd": -Infinity'),
        "cost_null": doc(cost_usd=None),
        "cost_string": doc(cost_usd="0.5"),
        "cost_bool": doc(cost_usd=True),
        "count_float": doc(message_count=1.0),
        "count_exponent": swap('"message_count": 1', '"message_count": 1e2'),
        "count_negative": doc(message_count=-1),
        "count_negative_zero": swap('"message_count": 1', '"message_count": -0'),
        "count_zero": doc(message_count=0),
        "count_bool": doc(message_count=True),
        "count_string": doc(message_count="1"),
        "count_null": doc(message_count=None),
        "timestamp_zero": doc(snapshot_timestamp_ms=0),
        "timestamp_negative_zero": swap('"snapshot_timestamp_ms": 5', '"snapshot_timestamp_ms": -0'),
        "timestamp_u64_max": doc(snapshot_timestamp_ms=2**64 - 1),
        "timestamp_u64_overflow": doc(snapshot_timestamp_ms=2**64),
        "timestamp_year_9999": doc(snapshot_timestamp_ms=253402300799999),
        "timestamp_float": swap('"snapshot_timestamp_ms": 5', '"snapshot_timestamp_ms": 5.0'),
        "timestamp_leading_zero": swap('"snapshot_timestamp_ms": 5', '"snapshot_timestamp_ms": 05'),
        "timestamp_plus": swap('"snapshot_timestamp_ms": 5', '"snapshot_timestamp_ms": +5'),
        "completed_int": doc(completed=0),
        "completed_string": doc(completed="false"),
        "completed_null": doc(completed=None),
        "session_id_int": doc(session_id=7),
        "session_id_null": doc(session_id=None),
        "session_id_empty": doc(session_id=""),
        "session_id_traversal": doc(session_id="../../etc/x"),
        "project_dir_array": doc(project_dir=["/p"]),
        "tools_null": doc(last_tool_results=None),
        "tools_object": doc(last_tool_results={}),
        "tools_empty": doc(last_tool_results=[]),
        "tool_extra_field": doc(
            last_tool_results=[{**BASE["last_tool_results"][0], "exit_code": 2}]
        ),
        "tool_missing_field": doc(
            last_tool_results=[{"tool_name": "b", "call_id": "c", "success": True}]
        ),
        "tool_success_string": doc(
            last_tool_results=[{**BASE["last_tool_results"][0], "success": "yes"}]
        ),
        "tool_as_array": doc(last_tool_results=[["bash", "c", "o", True]]),
        "tool_as_short_array": doc(last_tool_results=[["bash", "c", "o"]]),
        "tool_not_object": doc(last_tool_results=["bash"]),
        "tool_duplicate_field": swap('"success": true}', '"success": true, "success": false}'),
        "tool_duplicate_unknown": swap('"success": true}', '"success": true, "x": 1, "x": 2}'),
        "extra_fields": _raw(version='{"a": [1, 2, {"b": null}]}', zzz='"q"'),
        "duplicate_known": _raw(cost_usd="1.0"),
        "duplicate_unknown": _raw(q="1", **{"q ": "2"}).replace(b'"q "', b'"q"'),
        "escaped_key": swap('"cost_usd"', '"cost\\u005fusd"'),
        "escaped_duplicate_key": _raw(**{"cost\\u005fusd": "1.0"}),
        "missing_cost": json.dumps({k: v for k, v in BASE.items() if k != "cost_usd"}).encode(),
        "missing_everything": b"{}",
        "array_form": json.dumps(["x", 1, [["bash", "c", "o", True]], 5, False, "/p", 0.5]).encode(),
        "array_form_object_tools": json.dumps(
            ["x", 1, BASE["last_tool_results"], 5, False, "/p", 0.5]
        ).encode(),
        "array_form_too_long": json.dumps(["x", 1, [], 5, False, "/p", 0.5, 1]).encode(),
        "array_form_too_short": json.dumps(["x", 1, [], 5, False, "/p"]).encode(),
        "array_form_wrong_type": json.dumps(["x", "1", [], 5, False, "/p", 0.5]).encode(),
        "top_array_empty": b"[]",
        "top_string": b'"x"',
        "top_number": b"42",
        "top_null": b"null",
        "top_true": b"true",
        "empty": b"",
        "whitespace_only": b" \n",
        "truncated": doc()[:-20],
        "truncated_after_brace": doc()[:1],
        "trailing_whitespace": doc() + b" \n\t\r",
        "trailing_garbage": doc() + b"x",
        "two_documents": doc() + doc(),
        "trailing_comma": swap('"cost_usd": 0.5}', '"cost_usd": 0.5,}'),
        "single_quotes": doc().replace(b'"', b"'"),
        "line_comment": b"// note\n" + doc(),
        "bom": b"\xef\xbb\xbf" + doc(),
        "utf16": json.dumps(BASE).encode("utf-16"),
        "latin1_byte_in_string": swap('"/p"', '"/p\xe9"').replace("\xe9".encode(), b"\xe9"),
        "invalid_utf8_outside_string": doc() + b"\xff",
        "raw_control_char": swap('"/p"', '"/p\x01"'),
        "raw_newline_in_string": swap('"/p"', '"/p\n"'),
        "raw_del_char": swap('"/p"', '"/p\x7f"'),
        "nul_escape": doc(project_dir="a\x00b"),
        "escape_sequences": doc(project_dir="\x1b[31mred\x1b]0;title\x07\u202e"),
        "invalid_escape": swap('"/p"', '"/p\\x41"'),
        "surrogate_pair": swap('"/p"', '"/p\\ud83d\\ude91"'),
        "lone_surrogate_known": swap('"/p"', '"/p\\ud800"'),
        "lone_surrogate_tool": swap('"o"', '"\\udc00"'),
        "lone_surrogate_unknown": _raw(zz='"\\ud800"'),
        "lone_surrogate_unknown_key": _raw(**{"\\ud800": "1"}),
        "lone_surrogate_nested_key": _raw(zz='{"\\ud800": 1}'),
        "huge_int_unknown": _raw(zz="1" * 5000),
        "overflow_float_unknown": _raw(zz="1e400"),
        "nan_unknown": _raw(zz="NaN"),
        "bad_syntax_unknown": _raw(zz="[1,]"),
        "nested_unknown_200": _raw(zz="[" * 200 + "]" * 200),
        "nested_unknown_deep_array": _raw(zz="[" * 300_000 + "]" * 300_000),
        "nested_unknown_deep_object": _raw(zz='{"a":' * 100_000 + "1" + "}" * 100_000),
        "nested_unknown_deep_mixed": _raw(zz='[{"a":[' * 50_000 + '"s", -1.5e3, true' + "]}]" * 50_000),
        "nested_unknown_deep_unclosed": _raw(zz="[" * 100_000 + "]" * 99_999),
        "nested_unknown_deep_then_junk": _raw(zz="[" * 100_000 + "]" * 100_000) + b"x",
        "nested_unknown_deep_duplicate_known": _raw(zz="[" * 100_000 + "]" * 100_000, cost_usd="2"),
        "nested_unknown_deep_bad_inner": _raw(zz="[" * 100_000 + "tru" + "]" * 100_000),
        "nested_known_deep": doc(last_tool_results="ZZ").replace(
            b'"ZZ"', b"[" * 100_000 + b"]" * 100_000
        ),
        "nested_top_deep": b"[" * 100_000 + b"]" * 100_000,
        "nested_unknown_deep_in_tool": _deep_in_tool('"x": ' + "[" * 50_000 + "]" * 50_000),
        "nested_unknown_deep_object_in_tool": _deep_in_tool('"x": ' + '{"a":' * 20_000 + "1" + "}" * 20_000),
        "nested_known_deep_in_tool": _deep_in_tool('"extra": 1').replace(b'"o"', b"[" * 50_000 + b"]" * 50_000),
        "nested_unknown_deep_in_tool_positional_top": json.dumps(
            ["x", 1, [{**BASE["last_tool_results"][0], "x": "ZZ"}], 5, False, "/p", 0.5]
        ).encode().replace(b'"ZZ"', b"[" * 50_000 + b"]" * 50_000),
        "nested_deep_in_positional_tool": json.dumps({**BASE, "last_tool_results": [["b", "c", "ZZ", True]]})
        .encode().replace(b'"ZZ"', b"[" * 50_000 + b"]" * 50_000),
        "nested_unknown_deep_in_tool_duplicate_known": _deep_in_tool('"x": ' + "[" * 50_000 + "]" * 50_000)
        .replace(b'"success": true', b'"success": true, "success": true'),
        "nested_top_object_deep": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    }
    return c
