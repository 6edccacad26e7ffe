"""Checks of the numbers a client, a call, a walk or a policy is configured with.

Each returns the value it was given (as a ``float`` for seconds) or raises a ``ValueError``
that names the setting: a NaN, an infinity, a negative count or a zero that means nothing
would otherwise fail later, on every call, as an untyped ``OverflowError`` or a hang.
"""

from __future__ import annotations

import math
from typing import Final

import aiohttp

__all__ = ["check_count", "check_seconds", "check_timeout"]

#: The limits of a ClientTimeout that are numbers of seconds (``None``: no limit).
_TIMEOUT_FIELDS: Final = ("total", "connect", "sock_read", "sock_connect")


def check_seconds(value: object, name: str, *, zero: bool = False, unit: str = "seconds") -> float:
    """A finite number (of ``unit``), positive, or ``>= 0`` when ``zero`` means something."""
    number = _finite(value)
    if number is None or number < 0 or (number == 0 and not zero):
        kind = "non-negative" if zero else "positive"
        raise ValueError(f"{name} must be a {kind} finite number of {unit}, got {value!r}")
    return number


def check_count(value: object, name: str, *, low: int) -> int:
    """An ``int`` (not a bool) of at least ``low``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return value


def check_timeout(value: object, name: str = "timeout") -> aiohttp.ClientTimeout:
    """Seconds per attempt, or an ``aiohttp.ClientTimeout`` whose set limits are all positive
    and finite. Connecting gets at most 10 s of a number of seconds."""
    if isinstance(value, aiohttp.ClientTimeout):
        for field in _TIMEOUT_FIELDS:
            limit = getattr(value, field)
            if limit is not None:
                check_seconds(limit, f"{name}.{field}")
        return value
    seconds = check_seconds(value, name)
    return aiohttp.ClientTimeout(total=seconds, sock_connect=min(seconds, 10.0))


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return seconds if math.isfinite(seconds) else None
