"""A token bucket, the clock passed in: the fake server's rate limit."""

from __future__ import annotations

__all__ = ["TokenBucket"]


class TokenBucket:
    """``per_second`` tokens a second, at most ``burst`` saved up (full at the start)."""

    __slots__ = ("_at", "_tokens", "burst", "per_second")

    def __init__(self, per_second: float, burst: float | None = None, *, now: float) -> None:
        if isinstance(per_second, bool) or not isinstance(per_second, int | float):
            raise TypeError(f"per_second must be a number, not {per_second!r}")
        if not 0 < per_second < float("inf"):
            raise ValueError(f"per_second must be a positive finite number, got {per_second!r}")
        if burst is None:
            burst = max(1.0, float(per_second))  # one second of requests
        if isinstance(burst, bool) or not isinstance(burst, int | float) or not burst >= 1:
            raise ValueError(f"burst must be a number >= 1, got {burst!r}")
        self.per_second = float(per_second)
        self.burst = float(burst)
        self._tokens = self.burst
        self._at = now

    def take(self, now: float) -> float | None:
        """Take a token: ``None`` if there was one, else the seconds until the next one."""
        tokens = min(self.burst, self._tokens + max(0.0, now - self._at) * self.per_second)
        self._at = max(self._at, now)
        if tokens >= 1.0:
            self._tokens = tokens - 1.0
            return None
        self._tokens = tokens
        return (1.0 - tokens) / self.per_second
