"""A discrete-event simulation of clients driven by :class:`Throttle` against a token bucket.

No real time passes: events are ordered on a simulated clock, so a minute of a 1,000 req/s
server runs in well under a second and every run is exact and repeatable.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from skiplino_async._throttle import Throttle

#: ``"1"``: ``Retry-After: 1``; ``"exact"``: seconds to the next token; ``None``: bare 429.
RetryStyle = str | None


@dataclass
class Bucket:
    rate: float
    burst: float
    tokens: float = 0.0
    at: float = 0.0

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self, now: float) -> float | None:
        """``None``: accepted; else the seconds to the next token."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0 - 1e-9:  # a token due now is there (not 2e-16 s away)
            self.tokens = max(0.0, self.tokens - 1.0)
            return None
        return (1.0 - self.tokens) / self.rate


@dataclass
class Log:
    #: (sent, accepted, client) of every request that reached the server.
    sends: list[tuple[float, bool, int]] = field(default_factory=list)
    #: Sends made while their client's not-before window was still open (must stay empty).
    early: list[float] = field(default_factory=list)
    #: How long each single call waited beyond the not-before time (must stay 0).
    foreground_waits: list[float] = field(default_factory=list)

    def accepted_rate(self, start: float, end: float, client: int | None = None) -> float:
        n = sum(1 for t, ok, c in self.sends if ok and start <= t < end and client in (None, c))
        return n / (end - start)

    def throttled_share(self, start: float, end: float) -> float:
        window = [ok for t, ok, _ in self.sends if start <= t < end]
        return 0.0 if not window else 1 - sum(window) / len(window)


def simulate(
    limit: float,
    style: RetryStyle,
    *,
    seconds: float,
    latency: float = 0.02,
    width: int = 8,
    clients: int = 1,
    burst: float | None = None,
    seed: int = 0,
    foreground_every: float | None = None,
    stagger: float = 0.0,
) -> tuple[Log, list[Throttle]]:
    """``clients`` independent walkers of ``width`` requests each against one bucket."""
    rng = random.Random(seed)
    bucket = Bucket(limit, burst if burst is not None else max(1.0, limit))
    throttles = [Throttle() for _ in range(clients)]
    log = Log()
    events: list[tuple[float, int, Callable[[float], None]]] = []
    order = [0]

    def at(when: float, action: Callable[[float], None]) -> None:
        order[0] += 1
        heapq.heappush(events, (when, order[0], action))

    def start(client: int, streak: int, walk: bool = True) -> Callable[[float], None]:
        def go(now: float) -> None:
            throttle = throttles[client]
            when = throttle.reserve(now, walk=walk)
            if not walk:
                log.foreground_waits.append(when - max(now, throttle.not_before))
            at(when, send(client, streak, walk, now))

        return go

    def send(client: int, streak: int, walk: bool, reserved: float) -> Callable[[float], None]:
        def go(now: float) -> None:
            throttle = throttles[client]
            if throttle.expired(reserved, now):
                # Throttled while this one waited for its slot: a new slot after the hold.
                at(throttle.reserve(now, walk=walk), send(client, streak, walk, now))
                return
            if now < throttle.not_before:
                log.early.append(now)
            refused = bucket.take(now + latency / 2)
            log.sends.append((now, refused is None, client))
            at(now + latency, answer(client, streak, walk, reserved, refused))

        return go

    def answer(
        client: int, streak: int, walk: bool, reserved: float, refused: float | None
    ) -> Callable[[float], None]:
        def go(now: float) -> None:
            throttle = throttles[client]
            if refused is None:
                throttle.answered(now)
                if walk:
                    start(client, 0)(now)
                return
            if style == "exact":
                wait = refused
            elif style is None:
                wait = rng.uniform(0, min(8.0, 0.5 * 2**streak))
            else:
                wait = float(style)
            throttle.throttled(now, sent=reserved, wait=wait)
            start(client, streak + 1, walk)(now)

        return go

    for client in range(clients):
        for _ in range(width):
            at(client * stagger + rng.uniform(0, 0.01), start(client, 0))
    if foreground_every is not None:
        t = foreground_every
        while t < seconds:
            at(t, start(0, 0, walk=False))
            t += foreground_every
    # A controller that keeps rescheduling at the same instant would hang the run: fail it.
    last, stuck = -1.0, 0
    while events:
        when, _, action = heapq.heappop(events)
        if when > seconds:
            break
        stuck = stuck + 1 if when <= last else 0
        if stuck > 100_000:
            raise AssertionError(f"the simulation makes no progress at t={when!r}")
        last = max(last, when)
        action(when)
    return log, throttles
