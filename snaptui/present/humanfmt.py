"""How numbers, times and paths read to a person (humanize does the wording).

humanize is imported where it is used: the startup check formats a cost and a
clock time, and the import costs ~15 ms here.
"""

from __future__ import annotations

import math
import os
import sys
from datetime import datetime, timedelta

from snaptui.base.clock import to_datetime
from snaptui.present.safetext import one_line

TYPE_CHECKING = False  # not typing's: the startup check formats its line with this module
if TYPE_CHECKING:
    from collections.abc import Iterable


def cost(usd: float) -> str:
    """``$0.0042``, ``$1.23``, ``$1,204.50``; absurd amounts in words."""
    usd = float(usd)
    if math.isinf(usd):  # a sum beyond what a float holds (each cost a float, their total more)
        return f"over ${sys.float_info.max:.2e}" if usd > 0 else f"under -${sys.float_info.max:.2e}"
    if usd != usd:
        return "$?"
    sign = "-" if usd < 0 else ""
    usd = abs(usd)
    if usd >= 1e15:  # absurd, but valid: keep it short
        return f"{sign}${usd:.2e}"
    if usd >= 1e9:
        import humanize

        return f"{sign}${humanize.intword(int(usd), '%.1f')}"
    if usd == 0 or usd >= 0.01:
        return f"{sign}${usd:,.2f}"
    decimals = min(-math.floor(math.log10(usd)) + 1, 6)
    text = f"{usd:.{decimals}f}"
    if float(text) == 0:
        return f"{sign}<$0.000001"
    return f"{sign}${text}"


def count(n: int) -> str:
    """``1,204``."""
    import humanize

    return humanize.intcomma(n)


def plural(n: int, noun: str) -> str:
    """``1 session``, ``3 sessions``, ``1,204 sessions``."""
    return f"{count(n)} {noun}{'' if n == 1 else 's'}"


def size(nbytes: int) -> str:
    """``2.0 GiB``, ``24.3 KiB``, ``1,010 bytes``, ``1 byte`` (humanize writes "1010 Bytes")."""
    if abs(nbytes) < 1024:
        return plural(nbytes, "byte")
    import humanize

    return humanize.naturalsize(nbytes, binary=True)


def ago(timestamp_ms: int, now_ms: int) -> str:
    """``3 minutes ago``, ``18 days ago``, ``4 months ago``, ``56 years ago``, ``in 2 hours``
    (clock skew), ``far future``. Days up to 45 of them (humanize says "a month" from 16
    days on, which then sat below "10 days ago"); whole years as the list's short form
    counts them (humanize rounds 56.9 years up)."""
    delta_ms = now_ms - timestamp_ms
    if abs(delta_ms) > 200 * 365 * 86400 * 1000:
        return "far future" if delta_ms < 0 else "long ago"
    days = abs(delta_ms) // 86_400_000
    if days >= 2 * 365:
        years = days // 365
        return f"{years} years ago" if delta_ms > 0 else f"in {years} years"
    import humanize

    if delta_ms < 0:  # "in 3 hours": humanize's "3 hours from now" is longer than the list's column
        return "in " + humanize.naturaldelta(timedelta(milliseconds=-delta_ms), months=days >= 45)
    return humanize.naturaltime(timedelta(milliseconds=delta_ms), months=days >= 45)


def ago_short(timestamp_ms: int, now_ms: int) -> str:
    """``now``, ``42s``, ``26m``, ``3h``, ``12d``, ``4mo``, ``1y``; ``+3h`` in the future (clock skew).
    The same number :func:`ago` says, in its unit: minutes and hours rounded, days whole up
    to 45 of them, then months rounded (30.5 days) and years whole, as humanize counts them."""
    delta = (now_ms - timestamp_ms) // 1000
    sign = ""
    if delta < 0:
        sign, delta = "+", -delta
    if delta < 10:
        return "now" if not sign else "+0s"
    if delta < 60:
        return f"{sign}{delta}s"
    if delta < 86400:
        minutes = round(delta / 60)  # "5 minutes ago" is "5m", not "4m"
        if minutes < 60:
            return f"{sign}{minutes}m"
        hours = round(delta / 3600)
        return f"{sign}{hours}h" if hours < 24 else f"{sign}1d"
    days = delta // 86400
    if days < 45:
        return f"{sign}{days}d"
    years, rest = divmod(days, 365)
    if years < 2:
        months = round(rest / 30.5)
        if months == 12:
            years, months = years + 1, 0
        if not years:
            return f"{sign}{months}mo"
    text = f"{sign}{years}y"
    return text if len(text) <= 4 else f"{sign}99y"[-4:]


def duration(seconds: int) -> str:
    """``30 days``, ``1 hour and 30 minutes``."""
    import humanize

    return humanize.precisedelta(timedelta(seconds=seconds), minimum_unit="seconds")


def local_time(timestamp_ms: int) -> datetime | None:
    """The snapshot time in the local time zone (None when out of range)."""
    when = to_datetime(timestamp_ms)
    if when is None:
        return None
    try:
        return when.astimezone()
    except (OverflowError, ValueError, OSError):
        return when


def absolute(timestamp_ms: int) -> str:
    """``2026-11-24 09:14:03 UTC+01:00`` in local time."""
    when = local_time(timestamp_ms)
    if when is None:
        return f"{timestamp_ms} ms (beyond year 9999)"
    return when.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def day_label(timestamp_ms: int, now_ms: int) -> str:
    """``Today``, ``Yesterday``, ``Mon 23 Nov``, ``12 Mar 2024``."""
    when = local_time(timestamp_ms)
    now = local_time(now_ms)
    if when is None or now is None:
        return "Unknown date"
    days = (now.date() - when.date()).days
    if days == 0:
        return "Today"
    if days == 1:
        return "Yesterday"
    if days < 0:
        return "In the future"
    if days < 7:
        return when.strftime("%A")
    if when.year == now.year:
        return when.strftime("%a %d %b")
    return when.strftime("%d %b %Y")


def clock_time(timestamp_ms: int, now_ms: int) -> str:
    """``09:14`` today, ``Mon 09:14`` this week, else a date."""
    when = local_time(timestamp_ms)
    now = local_time(now_ms)
    if when is None or now is None:
        return "?"
    if when.date() == now.date():
        return when.strftime("%H:%M")
    if 0 < (now.date() - when.date()).days < 7:
        return when.strftime("%a %H:%M")
    return when.strftime("%Y-%m-%d")


def home_short(path: str, home: str | None = None) -> str:
    """``/home/ann/src/app`` as ``~/src/app``, made safe for one line."""
    home = home if home is not None else os.path.expanduser("~")
    if home and home != "/" and (path == home or path.startswith(home.rstrip("/") + "/")):
        path = "~" + path[len(home.rstrip("/")) :]
    return one_line(path)


def short_id(session_id: str, width: int = 8) -> str:
    """The first characters of a session id, safe for one line."""
    return one_line(session_id, None)[:width] if session_id else "(empty id)"


def id_width(ids: Iterable[str], least: int = 8) -> int:
    """How many first characters tell each of ``ids`` from every other (at least ``least``):
    an id shown that wide is one the command line takes (a unique prefix). Ids that are
    equal (a session in both sources) are told apart by nothing, and need no more."""
    distinct = set(ids)
    heads = {sid[:least] for sid in distinct}
    if len(heads) == len(distinct):  # the usual case, in one pass
        return least
    order = sorted(distinct)
    need = least
    for a, b in zip(order, order[1:], strict=False):
        if a[:need] == b[:need]:
            need = min(len(os.path.commonprefix((a, b))) + 1, max(len(a), len(b)))
    return need


def live_reason(agent: bool, written_ms: int, now_ms: int) -> str:
    """Why a session may still be running, in a person's words."""
    if agent:
        return "an opendev process works in its project directory"
    if written_ms > now_ms + 60_000:  # a clock set wrong: "written far future" said nothing
        return "its file's time is in the future, so how recent it is is not known"
    return f"its file was written {ago(written_ms, now_ms)}"
