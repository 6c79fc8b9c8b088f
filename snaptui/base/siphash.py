"""SipHash in pure Python: the hash opendev names its file checkpoints by.

opendev keys each per-turn backup by Rust's ``DefaultHasher`` run over the
file's path: SipHash-1-3 with both keys 0 (see OPENDEV_STORE.md §5.1). To
find the backup of a path snaptui has to compute the same 64-bit value.
Python's own ``hash()`` of bytes is SipHash-1-3 too, but with a random key
per process, so it cannot be used; this is the algorithm written out
(Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012).

It runs over short inputs (a path, some tens of bytes): a few microseconds,
no need for a C extension. The round counts are parameters so the tests can
check it against the published SipHash-2-4 vectors as well.
"""

from __future__ import annotations

_MASK = (1 << 64) - 1


def _rotl(x: int, bits: int) -> int:
    return ((x << bits) | (x >> (64 - bits))) & _MASK


def siphash(data: bytes, k0: int = 0, k1: int = 0, *, c_rounds: int = 1, d_rounds: int = 3) -> int:
    """SipHash-c-d of ``data`` with the 64-bit keys ``k0``, ``k1`` (defaults: SipHash-1-3, keys 0).

    ``k0``/``k1`` are the two little-endian halves of the usual 16-byte key,
    as Rust's ``SipHasher13::new_with_keys(k0, k1)`` takes them.
    """
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573

    def rounds(n: int) -> None:
        nonlocal v0, v1, v2, v3
        for _ in range(n):
            v0 = (v0 + v1) & _MASK
            v1 = _rotl(v1, 13) ^ v0
            v0 = _rotl(v0, 32)
            v2 = (v2 + v3) & _MASK
            v3 = _rotl(v3, 16) ^ v2
            v0 = (v0 + v3) & _MASK
            v3 = _rotl(v3, 21) ^ v0
            v2 = (v2 + v1) & _MASK
            v1 = _rotl(v1, 17) ^ v2
            v2 = _rotl(v2, 32)

    length = len(data)
    whole = length - length % 8
    for i in range(0, whole, 8):
        m = int.from_bytes(data[i : i + 8], "little")
        v3 ^= m
        rounds(c_rounds)
        v0 ^= m
    # The last block: the remaining 0-7 bytes, with the length (mod 256) in the top byte.
    m = ((length & 0xFF) << 56) | int.from_bytes(data[whole:], "little")
    v3 ^= m
    rounds(c_rounds)
    v0 ^= m
    v2 ^= 0xFF
    rounds(d_rounds)
    return v0 ^ v1 ^ v2 ^ v3


def siphash13(data: bytes, k0: int = 0, k1: int = 0) -> int:
    """SipHash-1-3: what Rust's ``DefaultHasher`` is (since Rust 1.13, not promised for ever)."""
    return siphash(data, k0, k1, c_rounds=1, d_rounds=3)


def siphash24(data: bytes, k0: int = 0, k1: int = 0) -> int:
    """SipHash-2-4: the original parameters, for which the paper publishes test vectors."""
    return siphash(data, k0, k1, c_rounds=2, d_rounds=4)
