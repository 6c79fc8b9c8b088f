"""Small rules shared by the readers of opendev's session store.

Timestamps (OPENDEV_STORE.md §2.3), injected user messages (§3, "Injected
user messages"), and how a tool call is summed up: its name and one key
argument, and the ``file_path`` of the calls that edit files (§5.1: only
``Edit``, ``Write`` and ``multi_edit`` are checkpointed). Text stays exactly
as opendev wrote it; only length is capped (the UI makes text safe to show).
"""

from __future__ import annotations

TEXT_CAP = 64 * 1024
"""Characters kept of a prompt or reply; a longer one is cut and marked."""

TEXT_BYTES = 6 * TEXT_CAP
"""Bytes of a JSON string read to be sure of :data:`TEXT_CAP` characters when there are
that many (an escape ``\\uXXXX`` is six bytes for one character), so a text is cut the
same way whether its line was parsed whole or read in pieces."""

CUT_MARK = "\n[… cut by snaptui: longer than 64 KiB]"

INJECTED_PREFIXES = ("<system-reminder>", "[SYSTEM] ")
"""How nudges and directives begin (older files use ``[SYSTEM] ``)."""

EDIT_TOOLS = frozenset({"Edit", "Write", "multi_edit"})

KEY_ARGUMENTS = ("file_path", "command", "path", "pattern", "url")
"""The argument that says what a call was about, in order of preference."""


def ts_ns(value: object) -> int | None:
    """An opendev timestamp as nanoseconds since the epoch, or None.

    RFC3339 with any offset (opendev writes ``+00:00``) and 0 to 9 fraction
    digits, or naive ``%Y-%m-%dT%H:%M:%S[.f]`` taken as UTC (legacy files).
    All nine digits are kept: two stamps of one turn can differ by less than
    a microsecond, and the interrupted test compares stamps.
    """
    if not isinstance(value, str) or not 19 <= len(value) <= 64 or value[10] not in "Tt ":
        return None
    if len(value) == 35 and value.endswith("+00:00"):  # what opendev writes: no datetime needed
        fast = _utc_nine_digits(value)
        if fast is not None:
            return fast
    text = value[:-1] + "Z" if value[-1] == "z" else value  # RFC 3339 allows a lower-case "z" (and "t")
    digits = text[0:4] + text[5:7] + text[8:10] + text[11:13] + text[14:16] + text[17:19]
    if text[4] + text[7] + text[13] + text[16] != "--::" or not (digits.isascii() and digits.isdigit()):
        return None  # YYYY-MM-DD?HH:MM:SS and nothing else (fromisoformat also takes week dates, "2026-W17-5")
    frac = 0
    if len(text) > 19 and text[19] == ".":
        end = 20
        while end < len(text) and "0" <= text[end] <= "9":
            end += 1
        digits = text[20:end]
        if not digits:
            return None
        frac = int(digits[:9].ljust(9, "0"))
        text = text[:19] + text[end:]
    zone = text[19:]  # what chrono accepts: nothing (a naive legacy stamp), Z, or ±HH:MM
    if zone not in ("", "Z") and not (len(zone) == 6 and zone[0] in "+-" and zone[3] == ":"
                                      and (zone[1:3] + zone[4:]).isascii() and (zone[1:3] + zone[4:]).isdigit()):
        return None
    from datetime import UTC, datetime  # not what opendev writes: imported only here

    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = when - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000_000 + frac


def _utc_nine_digits(value: str) -> int | None:
    """``YYYY-MM-DDTHH:MM:SS.fffffffff+00:00``; None when it is not exactly that."""
    day = _day_seconds(value[:10])
    if day is None or value[13] != ":" or value[16] != ":" or value[19] != ".":
        return None
    digits = value[11:13] + value[14:16] + value[17:19] + value[20:29]  # HHMMSS and the nine: one int
    if not (digits.isascii() and digits.isdigit()):
        return None
    clock, frac = divmod(int(digits), 1_000_000_000)
    hours, rest = divmod(clock, 10_000)
    minutes, seconds = divmod(rest, 100)
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    return (day + hours * 3600 + minutes * 60 + seconds) * 1_000_000_000 + frac


_DAYS: dict[str, int | None] = {}
""":func:`_day_seconds` as found (a session spans few days; emptied past 1,024)."""
_UNSEEN = object()
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _day_seconds(date: str) -> int | None:
    """Seconds from the epoch to the start of a ``YYYY-MM-DD`` day, a real date of years 1
    to 9999 (None otherwise, as ``datetime`` would refuse it)."""
    got = _DAYS.get(date, _UNSEEN)  # one lookup: another thread may empty the dict meanwhile
    if got is not _UNSEEN:
        return got  # type: ignore[return-value]
    if len(_DAYS) >= 1024:
        _DAYS.clear()
    _DAYS[date] = got = _civil_seconds(date)
    return got


def _civil_seconds(date: str) -> int | None:
    if len(date) != 10 or date[4] != "-" or date[7] != "-":
        return None
    digits = date[:4] + date[5:7] + date[8:]
    if not (digits.isascii() and digits.isdigit()):
        return None
    year, month, day = int(date[:4]), int(date[5:7]), int(date[8:])
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if year < 1 or not 1 <= month <= 12 or not 1 <= day <= _MONTH_DAYS[month - 1] + (month == 2 and leap):
        return None
    # Days from 1970-01-01 (H. Hinnant's days_from_civil: years start in March).
    y = year - (month <= 2)
    era, year_of_era = divmod(y, 400)
    day_of_year = (153 * (month - 3 if month > 2 else month + 9) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return (era * 146097 + day_of_era - 719468) * 86400


def ms(ns: int | None) -> int | None:
    return None if ns is None else ns // 1_000_000


def token_count(value: object) -> int | None:
    """A usage figure of a model response: a whole number of tokens, else unknown (None):
    a negative count, a float, or one beyond 64 bits was not written by a model provider."""
    return value if type(value) is int and 0 <= value < 1 << 63 else None


def is_injected(text: str) -> bool:
    return text.startswith(INJECTED_PREFIXES)


def content_text(content: object) -> str | None:
    """A message's text: a string as is, a list of OpenAI text parts joined by newlines."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)]
        return "\n".join(parts) if parts else None
    return None


def capped(text: str, cut: bool = False) -> str:
    """``text`` at most :data:`TEXT_CAP` characters, marked when something was left out."""
    if cut or len(text) > TEXT_CAP:
        return text[:TEXT_CAP] + CUT_MARK
    return text


def parse_arguments(raw: object) -> dict[str, object] | None:
    """A tool call's arguments: a JSON string in a request or response (an
    object already in a transcript); None when they do not parse to an object."""
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, str):
        return None
    import orjson

    try:
        args = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return args if isinstance(args, dict) else None


def key_argument(args: dict[str, object] | None, partial: str | None = None) -> str:
    """The first of :data:`KEY_ARGUMENTS` that is a string, or "".

    ``partial`` is the start of arguments too long to parse whole: the key is
    then looked for in that text.
    """
    for key in KEY_ARGUMENTS:
        value = args.get(key) if args is not None else _partial_value(partial, key)
        if isinstance(value, str):
            return value
    return ""


def edited_path(name: str, args: dict[str, object] | None, partial: str | None = None) -> str | None:
    """The ``file_path`` an Edit, Write or multi_edit call was given, as given."""
    if name not in EDIT_TOOLS:
        return None
    value = args.get("file_path") if args is not None else _partial_value(partial, "file_path")
    return value if isinstance(value, str) else None


def _partial_value(text: str | None, key: str) -> str | None:
    """The string value of ``key`` in the start of a JSON object, when it is in that start."""
    if not text:
        return None
    at = text.find(f'"{key}"')
    while at >= 0:
        rest = text[at + len(key) + 2 :].lstrip()
        if rest.startswith(":"):
            rest = rest[1:].lstrip()
            if rest.startswith('"'):
                end = _string_end(rest)
                if end > 0:
                    import orjson

                    try:
                        value = orjson.loads(rest[: end + 1])
                    except orjson.JSONDecodeError:
                        return None
                    return value if isinstance(value, str) else None
            return None
        at = text.find(f'"{key}"', at + 1)
    return None


def _string_end(text: str) -> int:
    """Index of the quote closing the JSON string that ``text`` starts with, or -1."""
    i = 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i
        i += 1
    return -1
