"""CRC-32 of a concatenation from the CRCs of its parts (zlib's ``crc32_combine``).

Python's ``zlib`` does not expose it. A file whose checksum covers parts
written in one pass but checked in another grouping (the ``list --json``
cache: its answer alone, and its header plus everything after it) then
needs each byte read once, not once per checksum. This is zlib's own
method (1.2.12): multiply by ``x^(8n)`` modulo the CRC polynomial; about
30 carry-less multiplications, whatever the lengths.
"""

from __future__ import annotations

_POLY = 0xEDB88320  # reflected CRC-32 polynomial


def _multmodp(a: int, b: int) -> int:
    """``a * b`` modulo the polynomial (both reflected)."""
    m = 1 << 31
    p = 0
    while True:
        if a & m:
            p ^= b
            if not a & (m - 1):
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


def _x2n_table() -> list[int]:
    table = [1 << 30]  # x^1
    for _ in range(31):
        table.append(_multmodp(table[-1], table[-1]))
    return table


_X2N = _x2n_table()


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """``zlib.crc32(a + b)`` from ``crc1 = zlib.crc32(a)``, ``crc2 = zlib.crc32(b)`` and ``len(b)``."""
    p = 1 << 31  # x^0
    k = 3  # x^(8 * len2): the bits of len2 count bytes
    n = len2
    while n:
        if n & 1:
            p = _multmodp(_X2N[k & 31], p)
        n >>= 1
        k += 1
    return _multmodp(p, crc1) ^ crc2
