"""A JSON number as the reference reader reads it into an ``f64`` (``cost_usd``).

The reference decodes with serde_json 1.0.87 without its ``float_roundtrip``
feature (``de.rs``, ``parse_integer`` ... ``f64_from_parts``): the digits are
gathered into a ``u64`` (those past its range are dropped, counted into the
exponent before the point), and the value is that integer as an ``f64``
times, or divided by, one power of ten from a table of ``f64`` (``1e0`` to
``1e308``). That is not always the nearest double: ``0.043000000000000003``
(what ``0.003 + 0.04`` is, and what a writer prints for it) reads as
``0.043``. A product past the largest double is an error (the file is not a
snapshot to the reference), a quotient that small is ``0``.

Python's float arithmetic is the same IEEE 754 double arithmetic, so doing the
same steps gives the same bits. Only the number's own text decides the value;
:func:`cost_as_read` finds a snapshot's and says when it is not the nearest double.
"""

from __future__ import annotations

from snaptui.format.schema import Damaged

_U64 = (1 << 64) - 1
_I32_MIN, _I32_MAX = -(1 << 31), (1 << 31) - 1
_POW10: list[float] = []


def reference_f64(text: bytes) -> float:
    """The value of the JSON number ``text`` (valid JSON number syntax) as the reference
    reads it into an ``f64``. Raises OverflowError where it says "number out of range", and
    ValueError where it says "invalid number" of valid JSON (a quirk, see below)."""
    i, n = 0, len(text)
    positive = text[:1] != b"-"
    if not positive:
        i = 1
    significand = 0
    exponent = 0
    long = False
    while i < n and 48 <= text[i] <= 57:  # the integer part
        if long or significand > _U64 // 10 or (significand == _U64 // 10 and text[i] - 48 > _U64 % 10):
            long = True  # past a u64: this digit and every later one dropped, their places counted
            exponent += 1  # (parse_long_integer)
        else:
            significand = significand * 10 + text[i] - 48
        i += 1
    decimal = i < n and text[i] == 46  # "."
    if decimal:
        i += 1
        full = False
        while i < n and 48 <= text[i] <= 57:
            if not full and (significand > _U64 // 10 or (significand == _U64 // 10 and text[i] - 48 > _U64 % 10)):
                full = True  # parse_decimal_overflow: the rest only read
            if not full:
                significand = significand * 10 + text[i] - 48
                exponent -= 1
            i += 1
        if not full and exponent == 0:
            # parse_decimal's "a digit after the point" check reads the exponent: after a long
            # integer (its dropped digits counted up) as many fraction digits bring it to 0
            raise ValueError("invalid number")
    if i < n and text[i] in b"eE":
        i += 1
        positive_exp = True
        if i < n and text[i] in b"+-":
            positive_exp = text[i] == 43
            i += 1
        exp = 0
        while i < n and 48 <= text[i] <= 57:
            digit = text[i] - 48
            if exp > _I32_MAX // 10 or (exp == _I32_MAX // 10 and digit > _I32_MAX % 10):
                if significand != 0 and positive_exp:  # parse_exponent_overflow
                    raise OverflowError("number out of range")
                return 0.0 if positive else -0.0
            exp = exp * 10 + digit
            i += 1
        exponent = max(_I32_MIN, min(_I32_MAX, exponent + exp if positive_exp else exponent - exp))
    elif not decimal and exponent == 0:  # an integer: a u64 (or i64) as an f64
        value = float(significand)
        return value if positive else -value
    return _from_parts(positive, significand, exponent)


def _from_parts(positive: bool, significand: int, exponent: int) -> float:
    """``f64_from_parts`` (without float_roundtrip)."""
    if not _POW10:
        _POW10.extend(float(f"1e{k}") for k in range(309))
    f = float(significand)
    while True:
        k = abs(exponent)
        if k < len(_POW10):
            if exponent >= 0:
                f *= _POW10[k]
                if f == float("inf"):
                    raise OverflowError("number out of range")
            else:
                f /= _POW10[k]
            break
        if f == 0.0:
            break
        if exponent >= 0:
            raise OverflowError("number out of range")
        f /= 1e308
        exponent += 308
    return f if positive else -f


# -- a snapshot's cost_usd -----------------------------------------------------------

EXACT_INT = 1 << 53
"""Integers up to this (either sign) are the same as an ``f64``."""
UNSEEN = object()
""":func:`cost_as_read`: the text of the cost was not found."""
_COST_KEY = b'"cost_usd"'
_WS = b" \t\n\r"
_NUMBER = b"0123456789.eE+-"
_DIGITS = b"0123456789"


def cost_as_read(cost: float | int, data: bytes) -> float | object | None:
    """The reference's ``cost_usd`` of the snapshot ``data`` when it is not ``cost``, the value
    decoded (None: it is; :data:`UNSEEN`: its text was not found, take the exact path). It
    differs from the nearest double only past 15 digits or with an exponent, and a number too
    large for the reference is an error. ``data`` is a plain snapshot (no key but the known
    ones): the text after the key ``"cost_usd"`` is its value. Raises ``Damaged``."""
    text: bytes | None
    if type(cost) is int:
        if -EXACT_INT <= cost <= EXACT_INT:
            return None
        text = str(cost).encode()
    else:
        text = _cost_text(data)
        if text is None:
            return UNSEEN
        if len(text) <= 16 and b"e" not in text and b"E" not in text:
            return None  # at most 15 digits, none past the 16th place: one exact operation
    try:
        value = reference_f64(text)
    except OverflowError:
        raise Damaged("cost_usd is out of range") from None
    except ValueError:
        raise Damaged("cost_usd is a number the reference cannot read") from None
    return None if value == cost else value


def reads_as_written(cost: bytes) -> bool:
    """Whether the reference reads the number ``cost`` as the nearest double, the value it
    is written as (not one that differs in its last bits, nor one out of its range)."""
    if len(cost) <= 16 and b"e" not in cost and b"E" not in cost:
        return True
    try:
        return reference_f64(cost) == float(cost)
    except (OverflowError, ValueError):
        return False


def _cost_text(data: bytes) -> bytes | None:
    """The text of the number after the last key ``"cost_usd"`` in ``data`` (None: none):
    ``[ \t\n\r]*:[ \t\n\r]*(-?[0-9][0-9.eE+-]*)`` after the key, read with bytes methods
    (``re`` would cost each reading process its import: more than the matches it saves)."""
    end = len(data)
    while (at := data.rfind(_COST_KEY, 0, end)) >= 0:
        text = _number_after(data, at + len(_COST_KEY))
        if text is not None:
            return text
        end = at  # "cost_usd" as a string value (followed by a comma or a bracket)
    return None


def _number_after(data: bytes, at: int) -> bytes | None:
    window = 64  # a number is short; a longer one is read in a wider window
    while True:
        seg = data[at : at + window]
        rest = seg.lstrip(_WS)
        if rest[:1] != b":":
            if rest or len(seg) < window:
                return None
            window *= 4  # whitespace to the window's end
            continue
        value = rest[1:].lstrip(_WS)
        run = len(value) - len(value.lstrip(_NUMBER))
        if run == len(value) and len(seg) == window:
            window *= 4  # the number (or whitespace) may go on past the window
            continue
        text = value[:run]
        first = text[1:2] if text[:1] == b"-" else text[:1]
        return text if first and first in _DIGITS else None
