"""One call's side of the client's :class:`~._throttle.Throttle`: waits and a wait budget.

The transport makes a :class:`CallPushback` per call. Before each attempt it waits for the
attempt's slot (the server's "not before" time; for a walk's page, its paced slot too), within
the call's ``max_throttle_wait`` and deadline. After each answer it tells the throttle what
came back; a throttled answer (``429``, or ``503`` with ``Retry-After``) is tried again
without spending ``max_retries``, POSTs included: the server did not act on it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator, Mapping

from . import _protocol
from ._ratehints import parse_rate_hint
from ._retry import CallState, RetryPolicy
from ._throttle import Throttle, walk_request
from .errors import APIStatusError, RateLimitError

__all__ = ["CallPushback", "is_throttle"]


def is_throttle(status: int, headers: Mapping[str, str]) -> bool:
    """A ``429``, or a ``503`` that says when to come back: a rate signal, not a failure."""
    return status == 429 or (status == 503 and "Retry-After" in headers)


class CallPushback:
    """The throttle as one call sees it: its waits so far and its last throttled answer."""

    __slots__ = (
        "_last",
        "_mark",
        "_max_wait",
        "_policy",
        "_sent",
        "_throttle",
        "_waits",
        "_walk",
        "waited",
    )

    def __init__(self, throttle: Throttle, max_wait: float, policy: RetryPolicy) -> None:
        self._throttle = throttle
        self._max_wait = max_wait
        self._policy = policy
        self._mark = walk_request.get()
        self._walk = self._mark is not None
        self._sent = 0.0  # when the last attempt was given its slot
        self._last: APIStatusError | None = None  # the last throttled answer's error
        self._waits: Iterator[float] | None = None
        #: Seconds this call has waited on the throttle.
        self.waited = 0.0

    async def before(self, state: CallState, pause: Callable[[float], Awaitable[bool]]) -> None:
        """Wait until this attempt may go; past the call's budget or deadline, raise the
        last throttled answer's error (or a :class:`RateLimitError` saying how long).
        ``pause(seconds)`` waits, and says whether it was cut short (the client closed)."""
        throttle = self._throttle
        now = self._sent = time.monotonic()
        when = throttle.reserve(now, walk=self._walk)
        while when > now:
            self._check(state, now, when - now)
            if self._mark is not None:
                self._mark.paced = True
            cut = await pause(when - now)
            self.waited += time.monotonic() - now
            if cut:
                return
            now = time.monotonic()
            if throttle.expired(self._sent, now):
                # Throttled while this one waited: a new slot after the hold, at the new rate.
                self._sent = now
                when = throttle.reserve(now, walk=self._walk)

    def _check(self, state: CallState, now: float, wait: float) -> None:
        remaining = state.remaining(now)
        over_budget = self.waited + wait > self._max_wait
        if not over_budget and (remaining is None or wait < remaining):
            return
        if self._last is not None:
            raise self._last
        why = "max_throttle_wait" if over_budget else f"the deadline of {state.deadline:g}s"
        raise RateLimitError(
            f"the server is throttling this client: the next request may go in {wait:.3g}s, "
            f"past {why}",
            status_code=429,
            retry_after=wait,
            attempts=state.attempts,
        )

    def after(self, status: int, headers: Mapping[str, str]) -> None:
        """Tell the throttle about one answer."""
        now = time.monotonic()
        throttle = self._throttle
        if not is_throttle(status, headers):
            throttle.answered(now)
            hint = parse_rate_hint(headers, now=time.time()) if status < 500 else None
            if hint is not None:
                throttle.hinted(now, hint)
            return
        if self._mark is not None:
            self._mark.throttles += 1
        wait = _protocol.parse_retry_after(headers.get("Retry-After"), now=time.time())
        if wait is None:
            # No time named: the policy's jittered backoff, growing with each throttle.
            if self._waits is None:
                self._waits = self._policy.waits()
            wait = next(self._waits)
        throttle.throttled(now, sent=self._sent, wait=wait)

    def again(self, error: Exception, state: CallState) -> bool:
        """Whether ``error`` is a throttled answer to try again for free (the wait comes
        before the next attempt). ``max_retries=0`` still means one attempt, and a
        ``Retry-After`` above ``max_retry_after`` still ends the call."""
        if state.policy.max_retries == 0:
            return False
        if not isinstance(error, APIStatusError) or not is_throttle(
            error.status_code, error.headers
        ):
            return False
        retry_after = error.retry_after
        if retry_after is not None and retry_after > state.policy.max_retry_after:
            return False
        self._last = error
        return True
