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
import os

_orjson = None  # imported on first parse

FIELDS = (
    "session_id",
    "message_count",
    "last_tool_results",
    "snapshot_timestamp_ms",
    "completed",
    "project_dir",
    "cost_usd",
)
TOOL_FIELDS = ("tool_name", "call_id", "output_preview", "success")
MAX_U64 = 2**64 - 1

_FIELD_SET = frozenset(FIELDS)
_TOOL_FIELD_SET = frozenset(TOOL_FIELDS)
_BOM = b"\xef\xbb\xbf"


class Damaged(ValueError):
    """A file the reference reader rejects; ``str()`` is the one-line reason."""


_CANONICAL = None


def _canonical_pattern():
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
    if int(count) > MAX_U64 or int(ts) > MAX_U64 or not math.isfinite(float(cost)):
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

    pattern = None

    def search(self, data: bytes):
        if self.pattern is None:
            import re

            self.pattern = re.compile(rb"\\u[dD][89abAB]")
        return self.pattern.search(data)


_SURROGATE_ESCAPE = _LazySurrogates()


_WHITESPACE = b" \t\n\r"


def passthrough(data: bytes) -> tuple[int, bool] | None:
    """``(snapshot_timestamp_ms, completed)`` when ``data``, less trailing
    whitespace, is a valid snapshot exactly as the reference writer lays it
    out (so ``list --json`` can pass it on untouched), else None.

    Fast path: decode with orjson, check the fields and types, and encode
    again in the same layout; byte equality with the file proves there is
    nothing else in it (no duplicate or unknown key, no ``-0``, every value
    written as JSON writes it). Files that orjson cannot decode or writes
    differently (``\\u0041`` for ``A``, some float notations) fall back to
    :func:`canonical`.
    """
    orjson = _load_orjson()
    if orjson:
        try:  # orjson refuses unpaired surrogate escapes, as the reference does in known strings
            obj = orjson.loads(data)
            if _plain(obj) and orjson.dumps(obj, option=orjson.OPT_INDENT_2) == data.rstrip(_WHITESPACE):
                return obj["snapshot_timestamp_ms"], obj["completed"]
        except (orjson.JSONDecodeError, orjson.JSONEncodeError):
            pass  # e.g. an integer cost beyond 64 bits, valid for the reference
    return canonical(data)


def _load_orjson():
    """orjson, imported on first use (the startup check rarely parses anything); False without it."""
    global _orjson
    if _orjson is None:
        try:
            import orjson as _orjson
        except ImportError:  # pragma: no cover - orjson is a declared dependency
            _orjson = False
    return _orjson


def parse(data: bytes) -> dict:
    """Return the snapshot in ``data`` as a dict of exactly the seven fields.

    Tool results become dicts of exactly their four fields. Values are kept as the file
    has them (an integer ``cost_usd`` stays an ``int``). Raises :class:`Damaged`.
    """
    return parse_with_json(data)[0]


def parse_with_json(data: bytes) -> tuple[dict, bytes]:
    """:func:`parse`, plus the seven fields as one line of compact JSON."""
    orjson = _load_orjson()
    if orjson and b"\\u" not in data:
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # the exact path decides, and explains
        else:
            if _plain(obj):
                compact = orjson.dumps(obj)
                # orjson cannot see duplicate keys (the last one wins). With no
                # \\u escapes, every key and string costs two '"' bytes plus one
                # per quote inside it, in the file as in the re-encoding, so the
                # counts differ exactly when a duplicate pair was dropped.
                if compact.count(b'"') == data.count(b'"') and not (
                    b"-0" in data and 0 in (obj["message_count"], obj["snapshot_timestamp_ms"])
                ):
                    return obj, compact
    doc = _validate(_decode_exact(data))
    return doc, compact_json(doc)


def compact_json(doc: dict) -> bytes:
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
    if type(obj) is not dict or len(obj) != 7:
        return False
    try:
        count = obj["message_count"]
        tools = obj["last_tool_results"]
        ts = obj["snapshot_timestamp_ms"]
        cost = obj["cost_usd"]
        if not (
            type(obj["session_id"]) is str
            and type(obj["project_dir"]) is str
            and type(obj["completed"]) is bool
            and type(count) is int
            and type(ts) is int
            and type(tools) is list
            and 0 <= count <= MAX_U64
            and 0 <= ts <= MAX_U64
            and (type(cost) is int or (type(cost) is float and math.isfinite(cost)))
        ):
            return False
        for t in tools:
            if not (
                type(t) is dict
                and len(t) == 4
                and type(t["tool_name"]) is str
                and type(t["call_id"]) is str
                and type(t["output_preview"]) is str
                and type(t["success"]) is bool
            ):
                return False
    except KeyError:
        return False
    return True


# --------------------------------------------------------------------------
# Validation (shared by both paths)
# --------------------------------------------------------------------------


def _validate(obj: object) -> dict:
    fields = _fields(obj, FIELDS, _FIELD_SET, "snapshot", "")
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


def _tool(entry: object, where: str) -> dict:
    fields = _fields(entry, TOOL_FIELDS, _TOOL_FIELD_SET, "tool result", where + ": ")
    for name in ("tool_name", "call_id", "output_preview"):
        fields[name] = _string(fields[name], f"{where}.{name}")
    fields["success"] = _bool(fields["success"], f"{where}.success")
    return fields


def _fields(obj: object, names: tuple, name_set: frozenset, what: str, prefix: str) -> dict:
    """The named fields of an object (or of a positional array), in order."""
    if type(obj) is list:
        if len(obj) != len(names):
            raise Damaged(
                f"{prefix}{what} as an array must have {len(names)} elements, has {len(obj)}"
            )
        return dict(zip(names, obj))
    if not isinstance(obj, dict):
        raise Damaged(f"{prefix}{what} must be a JSON object, got {_describe(obj)}")
    dups = getattr(obj, "dups", ())
    for key in dups:
        if key in name_set:
            raise Damaged(f"{prefix}duplicate field {key}")
    out = {}
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
    if type(value) is int:
        try:
            float(value)
        except OverflowError:
            raise Damaged(f"{what} is out of range") from None
        return value
    if type(value) is not float:
        raise Damaged(f"{what} must be a number, got {_describe(value)}")
    if not math.isfinite(value):
        raise Damaged(f"{what} is out of range")
    return value


def _describe(value: object) -> str:
    """A short, safe description of a JSON value for a reason line."""
    if value is None:
        return "null"
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is int:
        text = str(value) if abs(value) < 10**30 else "a huge integer"
        return text
    if type(value) is float:
        return repr(value) if math.isfinite(value) else "a number out of range"
    if type(value) is str:
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "an unsupported value"


# --------------------------------------------------------------------------
# The exact (stdlib) path
# --------------------------------------------------------------------------


class _Object(dict):
    """A decoded JSON object that remembers its duplicate and unencodable keys."""

    __slots__ = ("dups", "odd_keys")


def _object_pairs(pairs: list) -> _Object:
    obj = _Object(pairs)
    obj.dups = ()
    if len(obj) != len(pairs):
        seen: set = set()
        obj.dups = {k for k, _ in pairs if k in seen or seen.add(k)}
    obj.odd_keys = not all(_encodable(k) for k, _ in pairs)
    return obj


def _encodable(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _parse_int(text: str) -> int | float:
    if text == "-0":
        return -0.0  # serde reads -0 as a float
    try:
        return int(text)
    except ValueError:  # over Python's digit limit: far beyond u64 and f64 anyway
        return math.inf


def _reject_constant(name: str) -> None:
    raise Damaged(f"not JSON: {name} is not a JSON value")


_decoder = None
_ARRAY_RUN = None
_CLOSE_RUN = None
_NO_WS = {ord(c): None for c in " \t\n\r"}


def _get_decoder():
    global _decoder
    if _decoder is None:
        import json  # lazy: json imports re (about 8 ms here); only the exact path needs it

        _decoder = json.JSONDecoder(
            object_pairs_hook=_object_pairs,
            parse_int=_parse_int,
            parse_constant=_reject_constant,
            strict=True,
        )
    return _decoder


def _decode_exact(data: bytes) -> object:
    import json

    if not data:
        raise Damaged("empty file")
    if data.startswith(_BOM):
        raise Damaged("starts with a UTF-8 byte-order mark")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Damaged(f"not valid UTF-8 (byte {exc.start})") from None
    decoder = _get_decoder()
    try:
        return _whole(text, *decoder.raw_decode(text, _skip_ws(text, 0)))
    except json.JSONDecodeError as exc:
        raise _not_json(exc) from None
    except RecursionError:
        return _DeepDecoder(text, decoder).document()


def _whole(text: str, obj: object, end: int) -> object:
    """``obj`` if nothing but whitespace follows it in ``text``."""
    end = _skip_ws(text, end)
    if end != len(text):
        raise _syntax_error(text, end, "extra data after the JSON value")
    return obj


def _not_json(exc) -> Damaged:
    return Damaged(f"not JSON: {_lower(exc.msg)} at line {exc.lineno} column {exc.colno}")


def _lower(msg: str) -> str:
    """Python's message, as a reason fragment ("Unterminated string starting at")."""
    msg = msg.removesuffix(" at")
    return msg[:1].lower() + msg[1:]


def _nth_closer_end(text: str, start: int, k: int) -> int:
    """The index just past the ``k``-th closing bracket from ``start`` (whitespace between)."""
    end = start + k
    if len(text[start:end].translate(_NO_WS)) == k:  # no whitespace between them
        return end
    i = start
    while k:
        if text[i] in "]}":
            k -= 1
        i += 1
    return i


def _skip_ws(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in " \t\n\r":
        i += 1
    return i


def _syntax_error(text: str, pos: int, msg: str):
    import json

    return json.JSONDecodeError(msg, text, pos)


class _DeepDecoder:
    """Decode a document nested too deeply for Python's recursive decoder.

    serde skips unknown fields iteratively, so a snapshot may carry an unknown
    field nested a million levels deep and still be valid. The top level is
    decoded here, known fields with the normal decoder, and unknown values are
    validated and skipped with an explicit stack.
    """

    def __init__(self, text: str, decoder) -> None:
        import json.decoder
        import json.scanner
        import re

        global _ARRAY_RUN, _CLOSE_RUN
        _ARRAY_RUN = re.compile(r"\[[\[ \t\n\r]*")  # one character class: no backtracking
        _CLOSE_RUN = re.compile(r"[ \t\n\r]*[\]}][\]} \t\n\r]*")
        self.text = text
        self.decoder = decoder
        self.scanstring = json.decoder.scanstring
        self.number = json.scanner.NUMBER_RE

    def document(self) -> object:
        import json

        text = self.text
        try:
            obj, i = self._snapshot(_skip_ws(text, 0))
            return _whole(text, obj, i)
        except json.JSONDecodeError as exc:
            raise _not_json(exc) from None
        except (IndexError, ValueError) as exc:
            if isinstance(exc, Damaged):
                raise
            raise Damaged("not JSON: unexpected end of data") from None

    # The shape serde walks: a snapshot (object, or array in field order) whose
    # last_tool_results is an array of tool results (objects, or arrays). Known
    # fields are decoded normally; unknown fields, at either level, are skipped.

    def _snapshot(self, i: int) -> tuple[object, int]:
        if self.text.startswith("{", i):
            return self._object(i, _FIELD_SET, self._snapshot_field)
        if self.text.startswith("[", i):
            return self._array(i, lambda n, j: self._tools(j) if n == 2 else self._known(j))
        raise Damaged("snapshot must be a JSON object, got another value")

    def _snapshot_field(self, key: str, i: int) -> tuple[object, int]:
        return self._tools(i) if key == "last_tool_results" else self._known(i)

    def _tools(self, i: int) -> tuple[object, int]:
        if not self.text.startswith("[", i):
            return self._known(i)  # the wrong type: validation says so
        return self._array(i, lambda n, j: self._tool(j))

    def _tool(self, i: int) -> tuple[object, int]:
        if self.text.startswith("{", i):
            return self._object(i, _TOOL_FIELD_SET, lambda key, j: self._known(j))
        return self._known(i)

    def _known(self, i: int) -> tuple[object, int]:
        try:
            return self.decoder.raw_decode(self.text, i)
        except RecursionError:
            raise Damaged("nested too deeply where a snapshot field is expected") from None

    def _array(self, i: int, element) -> tuple[list, int]:
        text = self.text
        items: list = []
        i = _skip_ws(text, i + 1)
        if text.startswith("]", i):
            return items, i + 1
        while True:
            value, i = element(len(items), i)
            items.append(value)
            i = _skip_ws(text, i)
            if text.startswith(",", i):
                i = _skip_ws(text, i + 1)
            elif text.startswith("]", i):
                return items, i + 1
            else:
                raise _syntax_error(text, i, "Expecting ',' delimiter")

    def _object(self, i: int, known: frozenset, field) -> tuple[_Object, int]:
        text = self.text
        pairs: list = []
        i = _skip_ws(text, i + 1)
        if text.startswith("}", i):
            return _object_pairs(pairs), i + 1
        while True:
            key, i = self._key(i)
            if key in known:
                value, i = field(key, i)
            else:
                value, i = None, self._skip_value(i)
            pairs.append((key, value))
            i = _skip_ws(text, i)
            if text.startswith(",", i):
                i = _skip_ws(text, i + 1)
            elif text.startswith("}", i):
                return _object_pairs(pairs), i + 1
            else:
                raise _syntax_error(text, i, "Expecting ',' delimiter")

    def _key(self, i: int) -> tuple[str, int]:
        text = self.text
        if not text.startswith('"', i):
            raise _syntax_error(text, i, "Expecting property name enclosed in double quotes")
        key, i = self.scanstring(text, i + 1, True)
        i = _skip_ws(text, i)
        if not text.startswith(":", i):
            raise _syntax_error(text, i, "Expecting ':' delimiter")
        return key, _skip_ws(text, i + 1)

    def _skip_value(self, i: int) -> int:
        """Validate and skip one value. Runs of ``[`` and of closers are taken
        by a regex in one step, so a megabyte of nesting costs milliseconds."""
        text = self.text
        closers: list[str] = []
        while True:
            i = _skip_ws(text, i)
            c = text[i : i + 1]
            if c == "[":
                run = _ARRAY_RUN.match(text, i)
                closers.extend("]" * run.group().count("["))
                i = run.end()
                if not text.startswith("]", i):
                    continue
                closers.pop()  # the innermost array is empty
                i += 1
            elif c == "{":
                i = _skip_ws(text, i + 1)
                if text.startswith("}", i):
                    i += 1
                else:
                    closers.append("}")
                    _, i = self._key(i)
                    continue
            elif c == '"':
                _, i = self.scanstring(text, i + 1, True)
            else:
                for literal in ("true", "false", "null"):
                    if text.startswith(literal, i):
                        i += len(literal)
                        break
                else:
                    m = self.number.match(text, i)
                    if m is None:
                        raise _syntax_error(text, i, "Expecting value")
                    i = m.end()
            # A value ended: close containers until a comma asks for the next one.
            while closers:
                run = _CLOSE_RUN.match(text, i)
                if run is not None:
                    # Take as many closers as match the open containers, at C speed.
                    seq = run.group().translate(_NO_WS)[: len(closers)]
                    want = "".join(reversed(closers[-len(seq) :]))
                    k = len(seq) if seq == want else len(os.path.commonprefix([seq, want]))
                    if k:
                        del closers[-k:]
                        i = _nth_closer_end(text, run.start(), k)
                        continue
                i = _skip_ws(text, i)
                c = text[i : i + 1]
                if c == ",":
                    i = _skip_ws(text, i + 1)
                    if closers[-1] == "}":
                        _, i = self._key(i)
                    break
                if c == closers[-1]:
                    closers.pop()
                    i += 1
                    continue
                raise _syntax_error(text, i, "Expecting ',' delimiter")
            else:
                return i
