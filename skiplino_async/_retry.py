"""When to retry and how long to wait: a small policy object with pure decisions.

The timing comes from the ``backoff`` library's wait generators (exponential, capped) and its
full jitter; the loop that sleeps lives in the transport. Idempotency is decided here too: a
duplicate booking is worse than an error, so a POST is retried only when the server certainly
did not act on it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final, Protocol

import aiohttp
import attrs
import backoff

from ._checks import check_count, check_seconds
from .errors import APITimeoutError

__all__ = [
    "RULES",
    "CallState",
    "Failure",
    "Outcome",
    "RetryPolicy",
    "RetryRule",
    "Verdict",
    "shared_deadline",
]

RETRYABLE_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})


class Failure(enum.Enum):
    """What went wrong with one attempt, as far as retrying is concerned."""

    #: The request's bytes never went to a connection (waiting for one, DNS, connect, TLS
    #: handshake, proxy tunnel): the server cannot have acted.
    NOT_SENT = "not_sent"
    #: Timed out after the request was sent: the server may have acted on it.
    TIMEOUT = "timeout"
    #: Connection reset/closed or body cut short after sending: the server may have acted.
    DISCONNECTED = "disconnected"
    #: The server answered with an error status.
    STATUS = "status"
    #: A pooled connection died before any answer: the server had closed it, most likely
    #: before the request arrived. Not a sign of load, so not worth a backoff wait.
    STALE = "stale"
    #: The server's TLS certificate was refused (unknown CA, another host, expired): the same
    #: certificate comes back on every attempt, so no rule retries it.
    CERTIFICATE = "certificate"


@attrs.frozen
class Outcome:
    """One failed attempt, as the retry decision sees it."""

    failure: Failure
    status: int | None = None
    retry_after: float | None = None


class Verdict(enum.Enum):
    """What a retry rule says about one failed attempt."""

    #: Try again after the policy's backoff wait (or the server's ``Retry-After``).
    RETRY = "retry"
    #: Try again without waiting (unless the server named a wait).
    RETRY_NOW = "retry_now"
    #: Never try again, whatever later rules say.
    STOP = "stop"


class RetryRule(Protocol):
    """One retry rule: a verdict on a failed attempt, or ``None`` when it does not apply.

    The rules of :data:`RULES` are asked in order and the first verdict counts; a failure no
    rule speaks for is not retried. Budgets (``max_retries``, ``max_retry_after``, the
    deadline) are the policy's and the call state's, not the rules'.
    """

    def __call__(self, outcome: Outcome, *, idempotent: bool) -> Verdict | None: ...


@attrs.frozen
class RetryNotSent:
    """A request that never left (:attr:`Failure.NOT_SENT`) is safe to send, POSTs too."""

    def __call__(self, outcome: Outcome, *, idempotent: bool) -> Verdict | None:
        return Verdict.RETRY if outcome.failure is Failure.NOT_SENT else None


@attrs.frozen
class RetryIdempotentOnNetworkFailure:
    """A timeout or a reset after sending: the server may have acted, so idempotent only."""

    def __call__(self, outcome: Outcome, *, idempotent: bool) -> Verdict | None:
        if outcome.failure not in (Failure.TIMEOUT, Failure.DISCONNECTED):
            return None
        return Verdict.RETRY if idempotent else Verdict.STOP


@attrs.frozen
class RetryStaleAtOnce:
    """A pooled connection that died unanswered: idempotent requests go again at once."""

    def __call__(self, outcome: Outcome, *, idempotent: bool) -> Verdict | None:
        if outcome.failure is not Failure.STALE:
            return None
        return Verdict.RETRY_NOW if idempotent else Verdict.STOP


@attrs.frozen
class RetryStatus:
    """Retry these statuses: for any request, or only idempotent ones, or only with a
    ``Retry-After`` (a server refusing work it has not started says when to come back)."""

    statuses: frozenset[int]
    idempotent_only: bool = False
    needs_retry_after: bool = False

    def __call__(self, outcome: Outcome, *, idempotent: bool) -> Verdict | None:
        if outcome.failure is not Failure.STATUS or outcome.status not in self.statuses:
            return None
        if self.idempotent_only and not idempotent:
            return None
        if self.needs_retry_after and outcome.retry_after is None:
            return None
        return Verdict.RETRY


#: The retry rules, in the order they are asked: the one place a new rule goes.
RULES: Final[tuple[RetryRule, ...]] = (
    RetryNotSent(),
    RetryIdempotentOnNetworkFailure(),
    RetryStaleAtOnce(),
    RetryStatus(frozenset({429})),
    RetryStatus(frozenset({503}), needs_retry_after=True),
    RetryStatus(RETRYABLE_STATUSES, idempotent_only=True),
)


def verdict(outcome: Outcome, *, idempotent: bool) -> Verdict:
    """The first verdict of :data:`RULES` on ``outcome``; ``STOP`` when none applies."""
    for rule in RULES:
        said = rule(outcome, idempotent=idempotent)
        if said is not None:
            return said
    return Verdict.STOP


def _count(attribute: attrs.Attribute[int], value: object) -> None:
    check_count(value, attribute.name, low=0)


def _seconds(attribute: attrs.Attribute[float], value: object) -> None:
    check_seconds(value, attribute.name, zero=True)


@attrs.frozen
class RetryPolicy:
    """Retry rules. ``max_retries`` counts retries after the first attempt (0 disables).

    Waits grow as ``initial_delay * 2**n`` capped at ``max_delay`` (``backoff.expo``), each
    passed through ``jitter``: ``backoff.full_jitter`` by default (uniform over ``[0, wait]``),
    ``None`` for the exact exponential. A ``Retry-After`` from the server is obeyed exactly
    instead; one longer than ``max_retry_after`` is not slept on: the error is raised with its
    ``retry_after``. The per-call ``deadline`` is a client option, not part of the policy.
    """

    max_retries: int = attrs.field(default=2, validator=lambda _, a, v: _count(a, v))
    initial_delay: float = attrs.field(default=0.5, validator=lambda _, a, v: _seconds(a, v))
    max_delay: float = attrs.field(default=8.0, validator=lambda _, a, v: _seconds(a, v))
    max_retry_after: float = attrs.field(default=60.0, validator=lambda _, a, v: _seconds(a, v))
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
        outcome = Outcome(failure, status, retry_after)
        return self.decide(outcome, retries_done=retries_done, idempotent=idempotent) in (
            Verdict.RETRY,
            Verdict.RETRY_NOW,
        )

    def decide(self, outcome: Outcome, *, retries_done: int, idempotent: bool) -> Verdict:
        """The verdict of :data:`RULES` on a failed attempt, within this policy's budgets."""
        if retries_done >= self.max_retries:
            return Verdict.STOP
        if outcome.retry_after is not None and outcome.retry_after > self.max_retry_after:
            return Verdict.STOP
        return verdict(outcome, idempotent=idempotent)

    def with_max_retries(self, max_retries: int) -> RetryPolicy:
        """A copy with another ``max_retries`` (the per-client and per-call override)."""
        return attrs.evolve(self, max_retries=max_retries)


# One deadline for a call made of several requests (a create that falls back to a get): the
# innermost scope's end, in time.monotonic() seconds, and the deadline it was set from.
_scope: Final[ContextVar[tuple[float, float] | None]] = ContextVar(
    "skiplino_async_deadline", default=None
)


@contextmanager
def shared_deadline(seconds: float | None, *, now: float) -> Iterator[None]:
    """Every request sent inside the block ends by ``now + seconds`` (or an outer scope's end)."""
    outer = _scope.get()
    if seconds is None or (outer is not None and outer[0] <= now + seconds):
        yield
        return
    token = _scope.set((now + seconds, seconds))
    try:
        yield
    finally:
        _scope.reset(token)


@attrs.define
class CallState:
    """The retry state of one call: a pure state machine, the clock passed in.

    The transport asks :meth:`attempt_timeout` before each attempt and :meth:`after` with each
    failure; it does the I/O and the sleeping, nothing else.
    """

    policy: RetryPolicy
    idempotent: bool
    timeout: aiohttp.ClientTimeout
    #: The deadline in seconds (for messages) and its end on the monotonic clock.
    deadline: float | None = None
    deadline_at: float | None = None
    attempts: int = 0
    #: Of ``attempts``, those answered with a throttle: they spend no retry.
    throttled: int = 0
    #: Whether the last attempt's timeout was cut to what was left of the deadline.
    cut_by_deadline: bool = False
    _waits: Iterator[float] | None = None

    @classmethod
    def start(
        cls,
        policy: RetryPolicy,
        *,
        idempotent: bool,
        timeout: aiohttp.ClientTimeout,
        deadline: float | None,
        now: float,
    ) -> CallState:
        deadline_at = now + deadline if deadline is not None else None
        scope = _scope.get()
        if scope is not None and (deadline_at is None or scope[0] < deadline_at):
            deadline_at, deadline = scope
        return cls(policy, idempotent, timeout, deadline, deadline_at)

    def remaining(self, now: float) -> float | None:
        """Seconds left before the deadline (``None``: no deadline)."""
        return None if self.deadline_at is None else self.deadline_at - now

    def attempt_timeout(self, now: float) -> aiohttp.ClientTimeout:
        """Start the next attempt: its timeout, cut to the deadline; past it, raise."""
        remaining = self.remaining(now)
        if remaining is not None and remaining <= 0:
            raise self.deadline_error()
        self.attempts += 1
        timeout = self.timeout
        self.cut_by_deadline = False
        if remaining is not None and (timeout.total is None or remaining < timeout.total):
            timeout = attrs.evolve(timeout, total=remaining)
            self.cut_by_deadline = True
        return timeout

    def deadline_error(self, while_: str = "") -> APITimeoutError:
        """The error of a call whose deadline ran out before (or between) attempts."""
        # A non-idempotent request is only ever retried when the server certainly did not
        # act, so only an idempotent one can have been processed by an earlier attempt.
        return APITimeoutError(
            f"deadline of {self.deadline:g}s exceeded{while_}",
            request_sent=self.attempts > 0 and self.idempotent,
            attempts=self.attempts,
        )

    def after(self, outcome: Outcome, now: float) -> float | None:
        """Seconds to wait before the next attempt, or ``None``: raise the failure now.

        ``None`` when the policy does not retry this failure, or when the wait would end at
        or after the deadline (sleeping only to fail is worse than failing now).
        """
        policy = self.policy
        said = policy.decide(
            outcome, retries_done=self.attempts - 1 - self.throttled, idempotent=self.idempotent
        )
        if said is Verdict.STOP:
            return None
        if said is Verdict.RETRY_NOW:
            delay = outcome.retry_after or 0.0
        else:
            if self._waits is None:
                self._waits = policy.waits()
            delay = policy.delay(self._waits, outcome.retry_after)
        remaining = self.remaining(now)
        if remaining is not None and delay >= remaining:
            return None
        return delay
