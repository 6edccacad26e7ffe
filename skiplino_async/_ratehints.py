"""Standard rate headers, read into one :class:`RateHint` (a pure function of the headers).

Understood, first match wins:

- ``RateLimit: "name";r=<remaining>;t=<reset>`` with ``RateLimit-Policy: "name";q=<quota>``
  (the IETF draft's structured fields), or its older ``RateLimit: limit=..., remaining=...,
  reset=...`` form;
- ``RateLimit-Remaining`` / ``RateLimit-Reset`` / ``RateLimit-Limit``;
- ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset`` / ``X-RateLimit-Limit``, where a reset
  larger than a year of seconds is a Unix time (GitHub's form).

Garbage in any of them is no hint at all: a header the client cannot read never slows it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Final, NamedTuple

__all__ = ["RateHint", "parse_rate_hint"]

#: Resets above this many seconds are Unix times, not delays.
_EPOCH_CUTOFF: Final = 365 * 24 * 3600.0
_PARAM: Final = re.compile(r"(?:^|[;,\s])([a-z]+)=([0-9]+(?:\.[0-9]+)?)", re.IGNORECASE)


class RateHint(NamedTuple):
    """Requests ``remaining`` in the quota until it resets in ``reset`` seconds (of ``limit``)."""

    remaining: int
    reset: float
    limit: int | None = None


def parse_rate_hint(headers: Mapping[str, str], *, now: float) -> RateHint | None:
    """The hint in ``headers``, or ``None``; ``now`` is ``time.time()`` (for Unix resets)."""
    combined = headers.get("RateLimit")
    if combined is not None:
        params = _params(combined)
        remaining = params.get("r", params.get("remaining"))
        reset = params.get("t", params.get("reset"))
        limit = params.get("limit")
        if limit is None:
            limit = _params(headers.get("RateLimit-Policy", "")).get("q")
        return _hint(remaining, reset, limit, now=now, epoch=False)
    for prefix, epoch in (("RateLimit-", False), ("X-RateLimit-", True)):
        remaining = _number(headers.get(prefix + "Remaining"))
        if remaining is not None:
            reset = _number(headers.get(prefix + "Reset"))
            limit = _number(headers.get(prefix + "Limit"))
            return _hint(remaining, reset, limit, now=now, epoch=epoch)
    return None


def _hint(
    remaining: float | None,
    reset: float | None,
    limit: float | None,
    *,
    now: float,
    epoch: bool,
) -> RateHint | None:
    if remaining is None or reset is None:
        return None
    if epoch and reset > _EPOCH_CUTOFF:
        reset = max(0.0, reset - now)
    if reset > _EPOCH_CUTOFF:
        return None
    return RateHint(int(remaining), reset, int(limit) if limit is not None else None)


def _params(value: str) -> dict[str, float]:
    """``key=number`` pairs of a header value, lower-cased keys, the first of each kept."""
    out: dict[str, float] = {}
    for key, number in _PARAM.findall(value):
        out.setdefault(key.lower(), float(number))
    return out


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None
