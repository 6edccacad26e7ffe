"""When to retry and how long to wait: a small policy object with pure decisions.

The timing comes from the ``backoff`` library's wait generators (exponential, capped) and its
full jitter; the loop that sleeps lives in the transport. Idempotency is decided here too: a
duplicate booking is worse than an error, so a POST is retried only when the server certainly
did not act on it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from typing import Final

import attrs
import backoff

__all__ = ["Failure", "RetryPolicy"]

RETRYABLE_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})


class Failure(enum.Enum):
    """What went wrong with one attempt, as far as retrying is concerned."""

    #: Could not connect (refused, DNS, connect timeout): the request never left.
    NOT_SENT = "not_sent"
    #: Timed out after the request was sent: the server may have acted on it.
    TIMEOUT = "timeout"
    #: Connection reset/closed or body cut short after sending: the server may have acted.
    DISCONNECTED = "disconnected"
    #: The server answered with an error status.
    STATUS = "status"


@attrs.frozen
class RetryPolicy:
    """Retry rules. ``max_retries`` counts retries after the first attempt (0 disables).

    Waits grow as ``initial_delay * 2**n`` capped at ``max_delay`` (``backoff.expo``), each
    passed through ``jitter``: ``backoff.full_jitter`` by default (uniform over ``[0, wait]``),
    ``None`` for the exact exponential. A ``Retry-After`` from the server is obeyed exactly
    instead; one longer than ``max_retry_after`` is not slept on: the error is raised with its
    ``retry_after``. The per-call ``deadline`` is a client option, not part of the policy.
    """

    max_retries: int = attrs.field(default=2, validator=attrs.validators.ge(0))
    initial_delay: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    max_delay: float = attrs.field(default=8.0, validator=attrs.validators.ge(0))
    max_retry_after: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))
    jitter: Callable[[float], float] | None = backoff.full_jitter

    def waits(self) -> Iterator[float]:
        """The backoff waits of one call, jittered; a fresh iterator per call."""
        gen = backoff.expo(base=2, factor=self.initial_delay, max_value=self.max_delay)
        next(gen)  # backoff's generators are primed with one send(None)
        jitter = self.jitter
        for value in gen:
            yield jitter(value) if jitter is not None else value

    def delay(self, waits: Iterator[float], retry_after: float | None) -> float:
        """Seconds to sleep before the next attempt.

        A server's ``Retry-After`` is obeyed exactly: jittering it down would only earn another
        429. Otherwise the next value of ``waits`` (an iterator from :meth:`waits`).
        """
        if retry_after is not None:
            return retry_after
        return next(waits)

    def should_retry(
        self,
        *,
        retries_done: int,
        idempotent: bool,
        failure: Failure,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> bool:
        """Whether the failed attempt may be tried again (ignoring time budgets).

        ``idempotent`` requests (GET, PUT, DELETE, a create keyed by an external id) are
        retried on any network failure and on 408, 429, 500, 502, 503 and 504. Other requests
        only when the server certainly did not act: the connection was never made, a 429, or
        a 503 carrying ``Retry-After``. A ``Retry-After`` above ``max_retry_after`` ends the
        retries whatever the request.
        """
        if retries_done >= self.max_retries:
            return False
        if retry_after is not None and retry_after > self.max_retry_after:
            return False
        if failure is Failure.NOT_SENT:
            return True
        if failure is not Failure.STATUS:
            return idempotent
        if status == 429:
            return True
        if idempotent:
            return status in RETRYABLE_STATUSES
        # A 503 with Retry-After is the server refusing work it has not started.
        return status == 503 and retry_after is not None

    def with_max_retries(self, max_retries: int) -> RetryPolicy:
        """A copy with another ``max_retries`` (the per-client and per-call override)."""
        return attrs.evolve(self, max_retries=max_retries)
