"""``Retry-After`` as seconds to wait; the wall clock is passed in."""

from __future__ import annotations

import email.utils
import math
from datetime import UTC

__all__ = ["parse_retry_after"]


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date).

    ``now`` is the wall-clock time (``time.time()``), needed to turn a date into a delay.
    Garbage gives ``None`` (no instruction); a date in the past gives ``0.0``.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
