"""Time as the snapshot format counts it: milliseconds since the Unix epoch, UTC.

Everything that depends on "now" takes a clock (a callable returning ms), so
tests, screenshots and the demo can freeze it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

TYPE_CHECKING = False  # not typing's: importing typing costs the startup check milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable

    Clock = Callable[[], int]
    """A source of "now", in milliseconds since the epoch."""
else:
    Clock = object


def now_ms() -> int:
    """The real clock, like the reference ``event_bus::now_ms()``."""
    return time.time_ns() // 1_000_000


def fixed(ms: int) -> Clock:
    """A clock frozen at ``ms``."""
    return lambda: ms


def to_datetime(ms: int) -> datetime | None:
    """``ms`` as an aware UTC datetime, or None when it is past year 9999."""
    try:
        return datetime.fromtimestamp(ms / 1000, tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
