"""Write snapshots byte for byte as the reference writer does.

The reference writes ``serde_json::to_string_pretty``: two-space indent, fields
in struct order, raw UTF-8, no trailing newline, and every ``f64`` through ryu
(``22.0``, ``0.00001``, ``1e16``, never ``1e+16``). Python's ``json`` agrees on
everything but float notation, so floats are formatted here.
"""

from __future__ import annotations

import math
import os
from json.encoder import encode_basestring as _string
from typing import Any

from snaptui.base.atomic import write_atomic
from snaptui.format.reader import FIELDS, TOOL_FIELDS

SNAPSHOT_SUFFIX = "_session_snapshot.json"


def format_f64(value: float) -> str:
    """``value`` as serde_json (ryu) prints an ``f64``."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError("the snapshot format has no representation for NaN or infinity")
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    text = repr(value)  # the shortest round-trip digits, as ryu finds them
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    mantissa, _, exp = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    all_digits = whole + frac
    digits = all_digits.lstrip("0")
    # value = 0.<digits> * 10**kk
    kk = len(whole) + (int(exp) if exp else 0) - (len(all_digits) - len(digits))
    digits = digits.rstrip("0")
    n = len(digits)
    if n <= kk <= 16:
        body = digits + "0" * (kk - n) + ".0"
    elif 0 < kk <= 16:
        body = digits[:kk] + "." + digits[kk:]
    elif -5 < kk <= 0:
        body = "0." + "0" * -kk + digits
    elif n == 1:
        body = f"{digits}e{kk - 1}"
    else:
        body = f"{digits[0]}.{digits[1:]}e{kk - 1}"
    return sign + body


def _value(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is str:
        return _string(value)
    return str(value)


def dumps(doc: dict[str, Any]) -> bytes:
    """The reference writer's bytes for a snapshot dict (the seven fields)."""
    lines = ["{"]
    for i, name in enumerate(FIELDS):
        value = doc[name]
        comma = "," if i < len(FIELDS) - 1 else ""
        key = f'  "{name}": '
        if name == "last_tool_results":
            if not value:
                lines.append(f"{key}[]{comma}")
                continue
            lines.append(key + "[")
            for j, tool in enumerate(value):
                lines.append("    {")
                for k, tname in enumerate(TOOL_FIELDS):
                    tcomma = "," if k < len(TOOL_FIELDS) - 1 else ""
                    lines.append(f'      "{tname}": {_value(tool[tname])}{tcomma}')
                lines.append("    }" + ("," if j < len(value) - 1 else ""))
            lines.append("  ]" + comma)
        elif name == "cost_usd":
            lines.append(key + format_f64(value) + comma)
        else:
            lines.append(key + _value(value) + comma)
    lines.append("}")
    return "\n".join(lines).encode("utf-8")


def snapshot_filename(session_id: str) -> str:
    """The reference file name for a session; refuses ids that are not plain names."""
    if not session_id or "/" in session_id or "\0" in session_id or session_id in (".", ".."):
        raise ValueError(f"session id {session_id!r} cannot be used as a file name")
    return session_id + SNAPSHOT_SUFFIX


def save(directory: str, doc: dict[str, Any]) -> str:
    """Save like the reference ``save()``: mkdir -p, temp file, fsync, rename over.

    Returns the path written. The temp name is unique per writer so that a
    live agent saving the same session at the same moment cannot interleave.
    """
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, snapshot_filename(doc["session_id"]))
    write_atomic(path, dumps(doc), mode=0o644)
    return path
