"""A client-wide request rate limit shared by every concurrent call (a token bucket)."""

from __future__ import annotations

import asyncio
import time

from ._checks import check_count, check_seconds

__all__ = ["RateLimiter"]


class RateLimiter:
    """At most ``rate`` requests per second on average, bursts of up to ``burst``.

    Waiters are served in arrival order (one lock), so a concurrent export cannot starve a
    single interactive call queued behind it.
    """

    def __init__(self, rate: float, burst: int = 1) -> None:
        self.rate = check_seconds(rate, "rate_limit", unit="requests per second")
        self.burst = check_count(burst, "burst", low=1)
        self._tokens = float(burst)
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until one request may go out."""
        async with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens < 1.0:
                await asyncio.sleep((1.0 - self._tokens) / self.rate)
                self._updated = time.monotonic()
                self._tokens = 0.0
            else:
                self._tokens -= 1.0
