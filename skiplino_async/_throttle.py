"""The server pushing back: one base URL's throttle, a pure controller with the clock passed in.

A ``429`` (or a ``503`` with ``Retry-After``) is a signal for the whole client, not one
request's failure. :class:`Throttle` keeps

- one "not before" time, set from ``Retry-After`` (or the policy's jittered wait when the
  server sends none), that holds every new request;
- a request rate (AIMD, as TCP does with its window): unpaced until the server first pushes
  back, then cut at once to a fraction of the rate the server actually accepted, and raised
  step by step while answers come back clean; a long clean run lifts the pacing again;
- pacing from standard rate headers (:mod:`._ratehints`) before any ``429``.

Walk requests (a paginator's prefetch) are paced; single calls wait only for the "not before"
time, and the slot they take pushes the walk's next one back instead of queueing behind it.
The transport asks :meth:`Throttle.reserve` before each attempt and reports each answer.
"""

from __future__ import annotations

from collections import deque
from contextvars import ContextVar
from typing import Final

from ._ratehints import RateHint

__all__ = ["Throttle", "WalkMark", "walk_request"]


class WalkMark:
    """Marks one page request of a walk (paced; single calls go ahead of it); ``paced`` says
    whether it waited for its paced slot (then its wait says nothing about the link),
    ``throttles`` how many throttled answers it met."""

    __slots__ = ("paced", "throttles")

    def __init__(self) -> None:
        self.paced = False
        self.throttles = 0


#: Set in the task of each page request of a walk.
walk_request: Final[ContextVar[WalkMark | None]] = ContextVar("skiplino_async_walk", default=None)

#: A cut sets the rate to this fraction of what the server accepted since the last cut.
DECREASE: Final = 0.9
#: A client cuts at most once in this many seconds. Throttled answers land on whoever asks
#: while the server's bucket is empty, so a slow client sharing a limit meets about as many
#: as a fast one: cutting at each would leave it ever slower. One round of the same length
#: for every client keeps the decrease multiplicative (each loses the same fraction).
ROUND: Final = 1.0
#: While clean and in use, the rate grows by this many requests per second, each second:
#: the same step for every client, so clients sharing one limit converge to equal shares
#: (additive increase, multiplicative decrease) ...
GROWTH: Final = 1.0
#: ... but by no more than this fraction of the rate per second (a slow limit is found in
#: small steps).
MAX_GROWTH: Final = 0.25
#: The slowest the pacing goes (requests per second).
MIN_RATE: Final = 0.1
#: After this many seconds without pushback the pacing is lifted altogether.
UNPACE_AFTER: Final = 60.0
#: Accepted answers are counted in buckets of this many seconds ...
BUCKET: Final = 0.25
#: ... over the last this many seconds, or the time of this many requests at the current
#: rate if longer (a slow rate is measured over enough answers to mean something) ...
LOOKBACK: Final = 1.0
LOOKBACK_REQUESTS: Final = 20
#: ... but never longer than this (a bounded meter, whatever the rate).
MAX_LOOKBACK: Final = 60.0
#: Fewer accepted answers than this in the lookback measure nothing.
MIN_MEASURED: Final = 4
#: The shortest span a delivered rate is divided by (a second: the start-up burst a bucket
#: allows is not its rate).
MIN_SPAN: Final = 1.0
#: Holds remembered by the meter (older ones fall out: a lower, safer measure).
MAX_HOLDS: Final = 64


class _Meter:
    """Accepted answers per bucket of :data:`BUCKET` seconds, as far back as
    :data:`MAX_LOOKBACK` (bounded, whatever the rate), and the times the client was held."""

    __slots__ = ("_counts", "_first", "_holds")

    def __init__(self) -> None:
        self._counts: deque[tuple[int, int]] = deque(maxlen=int(MAX_LOOKBACK / BUCKET) + 1)
        self._first: float | None = None
        self._holds: deque[tuple[float, float]] = deque(maxlen=MAX_HOLDS)

    def add(self, now: float) -> None:
        if self._first is None:
            self._first = now
        slot = int(now / BUCKET)
        counts = self._counts
        if counts and counts[-1][0] == slot:
            counts[-1] = (slot, counts[-1][1] + 1)
        else:
            counts.append((slot, 1))

    def held(self, start: float, end: float) -> None:
        """The client sent nothing from ``start`` to ``end`` (a ``Retry-After``)."""
        holds = self._holds
        if holds and start <= holds[-1][1]:
            start = min(start, holds[-1][0])
            end = max(end, holds[-1][1])
            holds.pop()
        holds.append((start, end))

    def _count(self, start: float) -> int:
        first = int(start / BUCKET)
        return sum(n for slot, n in self._counts if slot >= first)

    def _held_since(self, start: float, now: float) -> float:
        held = 0.0
        for begin, end in reversed(self._holds):  # in time order, apart from each other
            if end <= start:
                break
            held += max(0.0, min(end, now) - max(begin, start))
        return held

    def rate(self, now: float, lookback: float) -> float | None:
        """Accepted answers per second over the last ``lookback`` seconds, the time the client
        was held left out: a client held by a coarse ``Retry-After`` did not ask for more,
        and another client on the same limit may have taken what it left."""
        if self._first is None:
            return None
        start = max(self._first, now - min(lookback, MAX_LOOKBACK))
        count = self._count(start)
        if count < MIN_MEASURED:
            # Too few to measure (a slow limit): as far back as the meter reaches.
            start = max(self._first, now - MAX_LOOKBACK)
            count = self._count(start)
            if count < MIN_MEASURED:
                return None
        span = max(now - start, MIN_SPAN) - self._held_since(start, now)
        return count / max(span, BUCKET)


class Throttle:
    """What the server's pushback allows on one base URL; every time is ``time.monotonic()``.

    ``rate`` is ``None`` while nothing is paced. ``throttled_answers`` counts the throttled
    answers seen, ``not_before`` is the earliest a new request may go.
    """

    def __init__(self) -> None:
        self.rate: float | None = None
        self.not_before = 0.0
        self.throttled_answers = 0
        self.accepted = 0
        self._next = 0.0  # the next walk request's slot
        self._cut_at = float("-inf")  # requests sent before this were answered about the old rate
        self._clean_since = 0.0
        self._grown_at = 0.0
        self._meter = _Meter()
        self._hint_rate: float | None = None
        self._hint_until = 0.0

    # -- before a request ------------------------------------------------------------------------

    def reserve(self, now: float, *, walk: bool) -> float:
        """The time this request may be sent (``>= now``); its slot is taken.

        A walk request gets the next paced slot; a single call goes at the "not before" time
        and pushes the walk's next slot back by one interval.
        """
        self._grow(now)
        start = max(now, self.not_before)
        interval = self._interval(now)
        if interval == 0.0:
            return start
        if walk:
            start = max(start, self._next)
            self._next = start + interval
        else:
            self._next = max(self._next, now) + interval
        return start

    def wait(self, now: float) -> float:
        """Seconds still to wait before sending (a throttle may have come in meanwhile)."""
        return max(0.0, self.not_before - now)

    def expired(self, reserved: float, now: float) -> bool:
        """Whether a slot reserved at ``reserved`` no longer holds at ``now``: a throttle
        came in since (a hold, or a cut that spaces slots wider): reserve again."""
        return now < self.not_before or reserved < self._cut_at

    def _interval(self, now: float) -> float:
        rate = self.rate
        if self._hint_rate is not None and now < self._hint_until:
            rate = self._hint_rate if rate is None else min(rate, self._hint_rate)
        return 0.0 if rate is None else 1.0 / rate

    # -- after an answer -------------------------------------------------------------------------

    def answered(self, now: float) -> None:
        """A clean answer (any status but a throttle)."""
        self.accepted += 1
        self._meter.add(now)
        self._grow(now)

    def throttled(self, now: float, *, sent: float, wait: float) -> None:
        """A throttled answer to a request whose slot was reserved at ``sent``: hold every
        request ``wait`` seconds (the server's ``Retry-After``, or the policy's jittered
        wait), and cut the rate once per round (answers to requests given their slot before
        the last cut, at the old rate, change nothing)."""
        self.throttled_answers += 1
        until = now + max(0.0, wait)
        if until > self.not_before:
            self.not_before = until
        self._clean_since = self.not_before
        if until > now:
            self._meter.held(now, until)
        if sent < self._cut_at or now < self._cut_at + ROUND:
            return
        delivered = self._meter.rate(now, self._lookback())
        current = self.rate
        if delivered is None:
            # Nothing accepted yet to measure (a client starting on a drained limit): the
            # hold alone, until answers come back to measure the rate from.
            target = current
        else:
            target = delivered if current is None else min(current, delivered)
        if target is None:
            return
        self.rate = max(MIN_RATE, target * DECREASE)
        self._cut_at = now
        self._grown_at = self.not_before
        # Slots reserved at the old rate are reserved again (see ``expired``), from one new
        # interval on: the throttled request just used a slot.
        self._next = max(self.not_before, now + 1.0 / self.rate)

    def hinted(self, now: float, hint: RateHint) -> None:
        """Standard rate headers: pace so that what remains lasts until the reset."""
        if hint.remaining <= 0:
            self.not_before = max(self.not_before, now + hint.reset)
            return
        if hint.limit is not None and hint.remaining * 2 > hint.limit:
            # Half the quota or more left: no pushback yet, nothing is paced.
            self._hint_rate = None
            return
        self._hint_rate = hint.remaining / max(hint.reset, BUCKET)
        self._hint_until = now + hint.reset

    def _lookback(self) -> float:
        rate = self.rate
        return LOOKBACK if rate is None else max(LOOKBACK, LOOKBACK_REQUESTS / rate)

    def _grow(self, now: float) -> None:
        """Raise the rate for the clean time since the last step (only while it is in use)."""
        rate = self.rate
        if rate is None or now <= self._grown_at:
            return
        elapsed = now - self._grown_at
        self._grown_at = now
        if now - self._clean_since >= UNPACE_AFTER:
            self.rate = None
            return
        used = self._meter.rate(now, self._lookback())
        if used is not None and used < rate * 0.8:
            return  # not limited by the pacing: growing it would only allow a burst later
        self.rate = rate + min(GROWTH, rate * MAX_GROWTH) * elapsed
