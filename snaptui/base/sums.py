"""One rule for adding up costs, wherever a total is shown (list, check, stats, the TUI)."""

from __future__ import annotations

import math

TYPE_CHECKING = False  # not typing's: check imports this when it counts
if TYPE_CHECKING:
    from collections.abc import Iterable


def total(costs: Iterable[float]) -> float:
    """The exactly rounded sum (``math.fsum``: a plain sum can lose a cent beside a huge
    value, or all of it); ±inf when it does not fit a double."""
    values = list(costs)
    try:
        return math.fsum(values)
    except OverflowError:  # an intermediate sum overflowed: no exact answer exists
        return sum(values)
