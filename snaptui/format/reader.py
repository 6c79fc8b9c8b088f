"""Read snapshot bytes exactly as the reference reader does, or say why not.

The reference (``serde_json::from_str::<AppStateSnapshot>``) decides which files
are sessions. snaptui accepts the same files and, unlike the reference, gives a
one-line reason for every file it rejects. The rules, checked against the
reference binary (see ``tests/data/reference-verdicts``):

- the file is strict UTF-8 with no byte-order mark, one JSON value, nothing but
  whitespace after it; ``NaN``/``Infinity`` and comments are syntax errors;
- the value is an object with the seven fields, or an array of exactly seven
  values in field order (serde accepts a struct as a sequence); likewise each
  tool result (four fields);
- unsigned integers are JSON integers in ``0..2**64-1`` (``1.0``, ``1e2`` and
  ``-0`` are floats to serde); ``cost_usd`` is any finite number;
- a known field may not appear twice; unknown fields are ignored whatever they
  hold (serde skips them without recursion, so any nesting depth and even
  unpaired surrogate escapes are fine there, but not in a known string or a key).

Fast path: ``orjson`` plus an exact guard for what it cannot see (duplicate
keys, ``-0``). Anything unusual goes through the exact stdlib path, which is
also where the human-readable reasons come from.
"""

from __future__ import annotations

import math

from snaptui.base.named import NamedTuple  # typing's, without importing typing
from snaptui.format.schema import FIELD_SET, FIELDS, MAX_U64, TOOL_FIELD_SET, TOOL_FIELDS, Damaged
from snaptui.format.serdefloat import EXACT_INT, UNSEEN, cost_as_read, reads_as_written, reference_f64

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re  # imported where it is used, on first use
    from typing import Any

__all__ = ["FIELDS", "TOOL_FIELDS", "MAX_U64", "Damaged", "Decoded", "read_snapshot", "read_summary", "summary",
           "parse", "passthrough"]

_orjson: Any = None  # imported on first parse
_new = tuple.__new__  # a NamedTuple without a Python-level call: this runs per file


_CANONICAL: re.Pattern[bytes] | None = None


def _canonical_pattern() -> re.Pattern[bytes]:
    import re

    # Possessive quantifiers: nothing to backtrack into, about 15% faster.
    string = rb'"[^"\\\x00-\x1f]*+(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*+)*+"'
    tool = (rb'\{\n      "tool_name": ' + string + rb',\n      "call_id": ' + string
            + rb',\n      "output_preview": ' + string + rb',\n      "success": (?:true|false)\n    \}')
    return re.compile(
        rb'\{\n  "session_id": ' + string
        + rb',\n  "message_count": (0|[1-9][0-9]{0,19})'
        + rb',\n  "last_tool_results": (?:\[\]|\[\n    ' + tool + rb'(?:,\n    ' + tool + rb')*\n  \])'
        + rb',\n  "snapshot_timestamp_ms": (0|[1-9][0-9]{0,19})'
        + rb',\n  "completed": (true|false)'
        + rb',\n  "project_dir": ' + string
        + rb',\n  "cost_usd": (-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)'
        + rb'\n\}[ \t\n\r]*\Z'
    )


def canonical(data: bytes) -> tuple[int, bool] | None:
    """``(snapshot_timestamp_ms, completed)`` when ``data`` is a valid snapshot in
    the reference writer's exact layout (``to_string_pretty``: fixed key order
    and indentation, no other field), else None (then use :func:`parse`).

    One regex checks the layout and the JSON grammar of every value; what a
    regex cannot see is checked here: the u64 range, a finite cost, valid UTF-8,
    no surrogate escape. It is exact for the files it accepts and costs a
    fraction of decoding them, so ``list --json`` can pass such a file through
    untouched.
    """
    global _CANONICAL
    if _CANONICAL is None:
        _CANONICAL = _canonical_pattern()
    m = _CANONICAL.match(data)
    if m is None:
        return None
    count, ts, completed, cost = m.groups()
    if int(count) > MAX_U64 or int(ts) > MAX_U64 or not reads_as_written(cost):
        return None
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if b"\\u" in data and _SURROGATE_ESCAPE.search(data):
        return None
    return int(ts), completed == b"true"


class _LazySurrogates:
    """``\\uD800``-``\\uDFFF`` escapes (a pair is valid JSON, but leave it to parse())."""

    pattern: re.Pattern[bytes] | None = None

    def search(self, data: bytes) -> re.Match[bytes] | None:
        if self.pattern is None:
            import re

            self.pattern = re.compile(rb"\\u[dD][89abAB]")
        return self.pattern.search(data)


_SURROGATE_ESCAPE = _LazySurrogates()


_WHITESPACE = b" \t\n\r"


class Decoded(NamedTuple):
    """A valid snapshot: its fields, and its JSON text to pass on."""

    doc: dict[str, Any]
    """The seven fields (tool results as dicts of their four), values as the file has them."""
    text: bytes
    """The snapshot as one JSON value: the file itself (less trailing whitespace)
    when it is in the reference writer's exact layout, else compact JSON."""
    verbatim: bool
    """Whether ``text`` is the file's own bytes."""


def read_snapshot(data: bytes) -> Decoded:
    """Decode ``data`` as the reference reader would; raises :class:`Damaged`.

    Fast path: decode with orjson, check the fields and types, and encode
    again in the reference layout; byte equality with the file proves there
    is nothing else in it (no duplicate or unknown key, no ``-0``, every value
    written as JSON writes it), so the file can be passed on untouched. Files
    that orjson writes differently (``\\u0041`` for ``A``, some float
    notations) are checked by :func:`canonical`. Anything unusual takes the
    exact path, which also explains what is wrong.
    """
    orjson = _load_orjson()
    if orjson:
        obj = _loads(orjson, data)
        if obj is not None and _plain(obj):
            got = _fast_text(orjson, obj, data)
            if got is not None:
                got = _as_read(orjson, obj, data, got)
                if got is not None:
                    return _new(Decoded, (obj, *got))
    return _exact(data)


def read_summary(data: bytes) -> tuple[tuple[Any, ...], bytes]:
    """``(summary(doc), text)`` of what :func:`read_snapshot` reads, with the fast path's
    checks and the summary made in one pass over the fields; raises :class:`Damaged`."""
    orjson = _load_orjson()
    if orjson:
        obj = _loads(orjson, data)
        if obj is not None:
            fields = _plain_summary(obj)
            if fields is not None:
                got = _fast_text(orjson, obj, data)
                if got is not None:
                    got = _as_read(orjson, obj, data, got)
                    if got is not None:
                        return (*fields[:5], obj["cost_usd"], *fields[6:]), got[0]
    decoded = _exact(data)
    return summary(decoded.doc), decoded.text


def summary(doc: dict[str, Any]) -> tuple[Any, ...]:
    """What a list shows of a snapshot: session_id, message_count, snapshot_timestamp_ms,
    completed, project_dir, cost_usd, the last tool's name and success (None, None when
    there is none), how many tools failed, and every tool's name, one per line."""
    tools = doc["last_tool_results"]
    if not tools:
        return (doc["session_id"], doc["message_count"], doc["snapshot_timestamp_ms"], doc["completed"],
                doc["project_dir"], doc["cost_usd"], None, None, 0, "")
    names = [t["tool_name"] for t in tools]  # comprehensions, not generators: this runs per file
    return (doc["session_id"], doc["message_count"], doc["snapshot_timestamp_ms"], doc["completed"],
            doc["project_dir"], doc["cost_usd"], names[-1], tools[-1]["success"],
            [t["success"] for t in tools].count(False), "\n".join(names))


def _loads(orjson: Any, data: bytes) -> Any:
    try:  # orjson refuses unpaired surrogate escapes, as the reference does in known strings
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None  # e.g. an integer cost beyond 64 bits, valid for the reference


def _as_read(orjson: Any, obj: dict[str, Any], data: bytes, got: tuple[bytes, bool]) -> tuple[bytes, bool] | None:
    """``got`` (:func:`_fast_text`'s), or, when the reference reads ``cost_usd`` as another
    number, ``obj`` with that number and its text; None: the exact path must say (the
    cost's text was not found)."""
    cost = cost_as_read(obj["cost_usd"], data)
    if cost is None:
        return got
    if cost is UNSEEN:
        return None
    obj["cost_usd"] = cost
    return orjson.dumps(obj), False


def _fast_text(orjson: Any, obj: dict[str, Any], data: bytes) -> tuple[bytes, bool] | None:
    """``(text, verbatim)`` of a decoded plain snapshot, or None when orjson's decoding cannot
    be trusted to be the reference's (then take the exact path)."""
    stripped = data.rstrip(_WHITESPACE)
    if orjson.dumps(obj, option=orjson.OPT_INDENT_2) == stripped or canonical(data) is not None:
        return stripped, True
    # orjson cannot see duplicate keys (the last one wins). With no
    # \\u escapes, every key and string costs two '"' bytes plus one
    # per quote inside it, in the file as in the re-encoding, so the
    # counts differ exactly when a duplicate pair was dropped.
    compact = orjson.dumps(obj)
    if b"\\u" not in data and compact.count(b'"') == data.count(b'"') and not (
        b"-0" in data and 0 in (obj["message_count"], obj["snapshot_timestamp_ms"])
    ):
        return compact, False
    return None


def _exact(data: bytes) -> Decoded:
    """The exact path: the stdlib-based decoder, and a reason for anything refused."""
    from snaptui.format import exactjson

    doc = _validate(exactjson.decode(data))
    if canonical(data) is not None:
        return Decoded(doc, data.rstrip(_WHITESPACE), True)
    return Decoded(doc, compact_json(doc), False)


def passthrough(data: bytes) -> tuple[int, bool] | None:
    """``(snapshot_timestamp_ms, completed)`` when ``data`` is a valid snapshot in
    the reference writer's exact layout, else None (damaged, or another layout)."""
    try:
        decoded = read_snapshot(data)
    except Damaged:
        return None
    return (decoded.doc["snapshot_timestamp_ms"], decoded.doc["completed"]) if decoded.verbatim else None


def prepare() -> None:
    """Import what decoding needs now (before a fork: the child then inherits it)."""
    _load_orjson()


def _load_orjson() -> Any:
    """orjson, imported on first use (the startup check rarely parses anything); False without it."""
    global _orjson
    if _orjson is None:
        try:
            from snaptui.base.fastjson import preload

            preload()  # without what only its encoder of UUIDs and dataclasses needs
            import orjson as _orjson
        except ImportError:  # pragma: no cover - orjson is a declared dependency
            _orjson = False
    return _orjson


def parse(data: bytes) -> dict[str, Any]:
    """The snapshot in ``data`` as a dict of exactly the seven fields.

    Tool results become dicts of exactly their four fields. Values are kept as the file
    has them (an integer ``cost_usd`` stays an ``int``). Raises :class:`Damaged`.
    """
    return read_snapshot(data).doc


def compact_json(doc: dict[str, Any]) -> bytes:
    """A snapshot dict as one line of JSON (values as the file has them)."""
    try:
        import orjson

        return orjson.dumps(doc)
    except (ImportError, TypeError):  # integers beyond 64 bits
        import json

        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def _plain(obj: object) -> bool:
    """The common shape, checked quickly: exactly the seven fields, tool results
    as objects of exactly four, every type right. Anything else (unknown fields,
    positional arrays, ``-0``) takes the exact path."""
    return _plain_summary(obj) is not None


def _plain_summary(obj: object) -> tuple[Any, ...] | None:
    """:func:`summary` of ``obj`` if :func:`_plain` accepts it, else None: the same checks,
    made while the summary is made (one pass over the tool results; measured faster than
    checks over all of them at once with ``map``)."""
    if type(obj) is not dict or len(obj) != 7:
        return None
    try:
        sid = obj["session_id"]
        count = obj["message_count"]
        tools = obj["last_tool_results"]
        ts = obj["snapshot_timestamp_ms"]
        completed = obj["completed"]
        project = obj["project_dir"]
        cost = obj["cost_usd"]
        if not (
            type(sid) is str
            and type(project) is str
            and type(completed) is bool
            and type(count) is int
            and type(ts) is int
            and type(tools) is list
            and 0 <= count <= MAX_U64
            and 0 <= ts <= MAX_U64
            and (type(cost) is int or (type(cost) is float and math.isfinite(cost)))
        ):
            return None
        if not tools:
            return (sid, count, ts, completed, project, cost, None, None, 0, "")
        names = []
        failed = 0
        for t in tools:
            if type(t) is not dict or len(t) != 4:
                return None
            name = t["tool_name"]
            ok = t["success"]
            if not (type(name) is str and type(ok) is bool and type(t["call_id"]) is str
                    and type(t["output_preview"]) is str):
                return None
            names.append(name)
            if not ok:
                failed += 1
    except KeyError:
        return None
    return (sid, count, ts, completed, project, cost, names[-1], ok, failed, "\n".join(names))


# --------------------------------------------------------------------------
# Validation (shared by both paths)
# --------------------------------------------------------------------------


def _validate(obj: object) -> dict[str, Any]:
    fields = _fields(obj, FIELDS, FIELD_SET, "snapshot", "")
    tools = fields["last_tool_results"]
    if type(tools) is not list:
        raise Damaged(f"last_tool_results must be an array, got {_describe(tools)}")
    fields["session_id"] = _string(fields["session_id"], "session_id")
    fields["message_count"] = _u64(fields["message_count"], "message_count")
    fields["last_tool_results"] = [
        _tool(entry, f"last_tool_results[{i}]") for i, entry in enumerate(tools)
    ]
    fields["snapshot_timestamp_ms"] = _u64(fields["snapshot_timestamp_ms"], "snapshot_timestamp_ms")
    fields["completed"] = _bool(fields["completed"], "completed")
    fields["project_dir"] = _string(fields["project_dir"], "project_dir")
    fields["cost_usd"] = _f64(fields["cost_usd"], "cost_usd")
    return fields


def _tool(entry: object, where: str) -> dict[str, Any]:
    fields = _fields(entry, TOOL_FIELDS, TOOL_FIELD_SET, "tool result", where + ": ")
    for name in ("tool_name", "call_id", "output_preview"):
        fields[name] = _string(fields[name], f"{where}.{name}")
    fields["success"] = _bool(fields["success"], f"{where}.success")
    return fields


def _fields(obj: object, names: tuple[str, ...], name_set: frozenset[str], what: str, prefix: str) -> dict[str, Any]:
    """The named fields of an object (or of a positional array), in order."""
    if type(obj) is list:
        if len(obj) != len(names):
            raise Damaged(
                f"{prefix}{what} as an array must have {len(names)} elements, has {len(obj)}"
            )
        return dict(zip(names, obj, strict=True))
    if not isinstance(obj, dict):
        raise Damaged(f"{prefix}{what} must be a JSON object, got {_describe(obj)}")
    dups = getattr(obj, "dups", ())
    for key in dups:
        if key in name_set:
            raise Damaged(f"{prefix}duplicate field {key}")
    out: dict[str, Any] = {}
    for name in names:
        if name not in obj:
            raise Damaged(f"{prefix}missing field {name}")
        out[name] = obj[name]
    if getattr(obj, "odd_keys", False):
        raise Damaged(f"{prefix}a field name holds an unpaired surrogate escape")
    return out


def _string(value: object, what: str) -> str:
    if type(value) is not str:
        raise Damaged(f"{what} must be a string, got {_describe(value)}")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Damaged(f"{what} holds an unpaired surrogate escape") from None
    return value


def _u64(value: object, what: str) -> int:
    if type(value) is not int or not 0 <= value <= MAX_U64:
        raise Damaged(f"{what} must be a non-negative integer, got {_describe(value)}")
    return value


def _bool(value: object, what: str) -> bool:
    if type(value) is not bool:
        raise Damaged(f"{what} must be true or false, got {_describe(value)}")
    return value


def _f64(value: object, what: str) -> float | int:
    """A number as the reference reads it into an ``f64`` (:mod:`snaptui.format.serdefloat`);
    an integer it reads exactly stays one. The exact path's floats carry their text."""
    text: str | None
    if type(value) is int:
        if -EXACT_INT <= value <= EXACT_INT:
            return value
        text = str(value)
    elif type(value) is not bool and isinstance(value, float):
        text = getattr(value, "text", None)
        if text is None:  # -0 (a float to serde), or an integer past Python's digit limit (inf)
            if not math.isfinite(value):
                raise Damaged(f"{what} is out of range")
            return value
    else:
        raise Damaged(f"{what} must be a number, got {_describe(value)}")
    try:
        return reference_f64(text.encode())
    except OverflowError:
        raise Damaged(f"{what} is out of range") from None
    except ValueError:
        raise Damaged(f"{what} is a number the reference cannot read") from None


def _describe(value: object) -> str:
    """A short, safe description of a JSON value for a reason line."""
    if value is None:
        return "null"
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is int:
        text = str(value) if abs(value) < 10**30 else "a huge integer"
        return text
    if isinstance(value, float):  # (the exact path's carry their text)
        return repr(float(value)) if math.isfinite(value) else "a number out of range"
    if type(value) is str:
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "an unsupported value"


