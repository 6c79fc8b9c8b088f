"""The exact JSON path: decode as serde_json would, remembering what it would reject.

The stdlib decoder, configured to keep duplicate keys, unencodable keys,
``-0`` and non-JSON constants visible to the validation in
:mod:`snaptui.format.reader`, plus a decoder for documents nested too
deeply for Python's recursion (serde skips unknown fields iteratively).
Imported only when a file is unusual: it pulls in ``json`` and ``re``.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import math
import os
import re
from collections.abc import Callable, Collection
from typing import Any

from snaptui.format.schema import FIELD_SET, TOOL_FIELD_SET, Damaged

_BOM = b"\xef\xbb\xbf"


# --------------------------------------------------------------------------


class _Object(dict[str, Any]):
    """A decoded JSON object that remembers its duplicate and unencodable keys."""

    __slots__ = ("dups", "odd_keys")

    dups: Collection[str]
    odd_keys: bool


def _object_pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    obj.dups = ()
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dups: dict[str, None] = {}  # in the order their second appearance comes (serde stops at the first)
        for k, _ in pairs:
            if k in seen:
                dups.setdefault(k, None)
            else:
                seen.add(k)
        obj.dups = tuple(dups)
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


class Number(float):
    """A JSON number with a fraction or an exponent, and its text: the reference reads the
    text into an ``f64`` its own way (:mod:`snaptui.format.serdefloat`)."""

    text: str


def _parse_float(text: str) -> Number:
    number = Number(text)
    number.text = text
    return number


def _reject_constant(name: str) -> None:
    raise Damaged(f"not JSON: {name} is not a JSON value")


_decoder: json.JSONDecoder | None = None
_ARRAY_RUN = re.compile(r"\[[\[ \t\n\r]*")  # one character class: no backtracking
_CLOSE_RUN = re.compile(r"[ \t\n\r]*[\]}][\]} \t\n\r]*")
_NO_WS = {ord(c): None for c in " \t\n\r"}


def _get_decoder() -> json.JSONDecoder:
    global _decoder
    if _decoder is None:
        _decoder = json.JSONDecoder(
            object_pairs_hook=_object_pairs,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_reject_constant,
            strict=True,
        )
    return _decoder


def decode(data: bytes) -> object:
    """The JSON value in ``data``, as the exact path sees it; raises :class:`Damaged`."""
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


def _not_json(exc: json.JSONDecodeError) -> Damaged:
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


def _syntax_error(text: str, pos: int, msg: str) -> json.JSONDecodeError:
    return json.JSONDecodeError(msg, text, pos)


class _DeepDecoder:
    """Decode a document nested too deeply for Python's recursive decoder.

    serde skips unknown fields iteratively, so a snapshot may carry an unknown
    field nested a million levels deep and still be valid. The top level is
    decoded here, known fields with the normal decoder, and unknown values are
    validated and skipped with an explicit stack.
    """

    def __init__(self, text: str, decoder: json.JSONDecoder) -> None:
        self.text = text
        self.decoder = decoder
        # In the module (the C scanner or its Python fallback), but not in typeshed's stub of it.
        self.scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
        self.number = json.scanner.NUMBER_RE

    def document(self) -> object:
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
            return self._object(i, FIELD_SET, self._snapshot_field)
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
            return self._object(i, TOOL_FIELD_SET, lambda key, j: self._known(j))
        return self._known(i)

    def _known(self, i: int) -> tuple[object, int]:
        try:
            return self.decoder.raw_decode(self.text, i)
        except RecursionError:
            raise Damaged("nested too deeply where a snapshot field is expected") from None

    def _array(self, i: int, element: Callable[[int, int], tuple[object, int]]) -> tuple[list[object], int]:
        text = self.text
        items: list[object] = []
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

    def _object(
        self, i: int, known: frozenset[str], field: Callable[[str, int], tuple[object, int]]
    ) -> tuple[_Object, int]:
        text = self.text
        pairs: list[tuple[str, object]] = []
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
                assert run is not None  # text[i] is "[", which the pattern always matches
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
