"""Test helpers: distinct sample values within a length limit."""

from __future__ import annotations

from itertools import count

_counter = count(1)


def next_n() -> int:
    return next(_counter)


def to36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def uniq(prefix: str, n: int, limit: int) -> str:
    """A value of at most `limit` characters that differs for every n (0: no limit)."""
    value = f"{prefix} {to36(n)}"
    if not limit or len(value) <= limit:
        return value
    tail = to36(n)
    return tail[len(tail) - limit:] if len(tail) >= limit else prefix[:limit - len(tail)] + tail
