"""Deterministic, scriptable fault injection for the fake server.

A test adds :class:`FaultRule` objects through :class:`Faults`; each request is matched against
them (method and path relative to the API base), and the first firing rule decides how the
response is broken. Latency rules are the exception: every firing latency rule adds its delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Literal, TypedDict, Unpack, get_args

from aiohttp import web

from ._bucket import TokenBucket
from ._fault_answers import fault_response, retry_after_header, seconds_header

FaultKind = Literal[
    "latency",
    "status",
    "drop_before",
    "drop_after",
    "truncated",
    "html",
    "wrong_content_type",
    "stall",
    "raw",
    "rate_limit",
]
PathPattern = str | re.Pattern[str]
#: A ``Retry-After`` value: seconds as a number, an aware datetime, or the header text itself.
RetryAfter = str | int | float | datetime
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_KINDS = frozenset(get_args(FaultKind))


class Match(TypedDict, total=False):
    """Which requests a rule applies to and how often it fires (see :class:`FaultRule`)."""

    method: str | None
    path: PathPattern | None
    times: int | None
    probability: float | None
    seed: int


@dataclass(eq=False)
class FaultRule:
    """One fault: what to break (``kind`` and its parameters) and for which requests.

    Matching: ``method`` (case-insensitive) and ``path``, a glob (``fnmatch``, e.g.
    ``"/customers/*"``) or a compiled regex (``re.search``) on the path relative to the API base
    (``"/customers/getAll"``); ``None`` matches everything. Firing: for the next ``times``
    matching requests, or for a ``probability`` fraction of them drawn from a ``random.Random``
    seeded with ``seed`` (both may be combined), or always when neither is given.

    Parameters by kind: ``seconds`` (latency delay, stall duration); ``status``,
    ``retry_after``, ``message``, ``error``, ``headers`` (status); ``status``, ``body``,
    ``headers`` (raw); ``status`` (html); ``bucket`` and ``retry_after`` (rate_limit: it
    fires only when the bucket has no token for the request). ``process=True`` makes
    status/html/raw run the real operation first (state changes, e.g. a ticket is booked)
    and then answer with the fault.
    """

    kind: FaultKind
    method: str | None = None
    path: PathPattern | None = None
    times: int | None = None
    probability: float | None = None
    seed: int = 0
    seconds: float = 0.0
    status: int = 500
    retry_after: RetryAfter | None = None
    message: str | None = None
    error: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    process: bool = False
    bucket: TokenBucket | None = None
    #: How many times this rule has fired.
    fired: int = field(default=0, init=False)
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be >= 1 (or None for no limit)")
        if self.probability is not None and not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if self.seconds < 0:
            raise ValueError("seconds must be >= 0")
        if self.kind == "rate_limit" and self.bucket is None:
            raise ValueError("a rate_limit rule needs its bucket")
        if self.retry_after is not None and self.retry_after != "exact":
            self.retry_after = retry_after_header(self.retry_after)
        self._rng = random.Random(self.seed)

    @property
    def remaining(self) -> int | None:
        """How many more times the rule can fire (``None``: unlimited)."""
        return None if self.times is None else self.times - self.fired

    def matches(self, method: str, path: str) -> bool:
        """Whether a request with this method and relative path is subject to the rule."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path is None:
            return True
        if isinstance(self.path, re.Pattern):
            return self.path.search(path) is not None
        return fnmatchcase(path, self.path)

    def try_fire(self) -> bool:
        """Decide (and count) whether the rule fires for one matching request."""
        if self.times is not None and self.fired >= self.times:
            return False
        if self.probability is not None and self._rng.random() >= self.probability:
            return False
        self.fired += 1
        return True


class Faults:
    """The fault rules of one fake server, plus a global ``latency`` (seconds per request).

    Every helper returns the added :class:`FaultRule` (inspect ``rule.fired``) and accepts the
    matching keywords ``method``, ``path``, ``times``, ``probability`` and ``seed``.
    """

    def __init__(self, latency: float = 0.0) -> None:
        #: Delay added to every request, in seconds.
        self.latency = latency
        self.rules: list[FaultRule] = []
        self._fired = 0
        self._closing = asyncio.Event()

    @property
    def fired(self) -> int:
        """Total number of faults fired so far (not reset by :meth:`clear`)."""
        return self._fired

    def add(self, rule: FaultRule) -> FaultRule:
        """Add a rule; earlier rules take precedence."""
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule (the global ``latency`` stays)."""
        self.rules.clear()

    def delay(self, seconds: float, **match: Unpack[Match]) -> FaultRule:
        """Add ``seconds`` of latency before the request is processed."""
        return self.add(FaultRule("latency", seconds=seconds, **match))

    def status(
        self,
        status: int,
        *,
        retry_after: RetryAfter | None = None,
        message: str | None = None,
        error: str | None = None,
        headers: Mapping[str, str] | None = None,
        process: bool = False,
        **match: Unpack[Match],
    ) -> FaultRule:
        """Answer with ``status`` and the normal error envelope, optionally ``Retry-After``.

        ``retry_after`` is seconds (``120`` or ``1.5``), an aware ``datetime`` (sent as an HTTP
        date) or a string sent verbatim (``"2"``, an HTTP date, or something hostile).
        """
        return self.add(
            FaultRule(
                "status",
                status=status,
                retry_after=retry_after,
                message=message,
                error=error,
                headers=dict(headers or {}),
                process=process,
                **match,
            )
        )

    def drop_before(self, **match: Unpack[Match]) -> FaultRule:
        """Close the connection without processing the request (state is unchanged)."""
        return self.add(FaultRule("drop_before", **match))

    def drop_after(self, **match: Unpack[Match]) -> FaultRule:
        """Process the request fully, then close the connection without answering."""
        return self.add(FaultRule("drop_after", **match))

    def truncated(self, **match: Unpack[Match]) -> FaultRule:
        """Process the request, send status, headers and half the body, then close."""
        return self.add(FaultRule("truncated", **match))

    def html(
        self, *, status: int = 502, process: bool = False, **match: Unpack[Match]
    ) -> FaultRule:
        """Answer with a proxy's HTML error page (``text/html``)."""
        return self.add(FaultRule("html", status=status, process=process, **match))

    def wrong_content_type(self, **match: Unpack[Match]) -> FaultRule:
        """Process the request and send the correct JSON body as ``text/plain``."""
        return self.add(FaultRule("wrong_content_type", **match))

    def stall(self, seconds: float, **match: Unpack[Match]) -> FaultRule:
        """Process the request, send headers and half the body, wait ``seconds``, finish."""
        return self.add(FaultRule("stall", seconds=seconds, **match))

    def raw(
        self,
        status: int,
        body: bytes = b"",
        *,
        headers: Mapping[str, str] | None = None,
        process: bool = False,
        **match: Unpack[Match],
    ) -> FaultRule:
        """Answer with exactly this status, headers and body bytes (hostile responses)."""
        return self.add(
            FaultRule(
                "raw",
                status=status,
                body=body,
                headers=dict(headers or {}),
                process=process,
                **match,
            )
        )

    def rate_limit(
        self,
        per_second: float,
        *,
        burst: float | None = None,
        retry_after: RetryAfter | None = "exact",
        **match: Unpack[Match],
    ) -> FaultRule:
        """Answer ``429`` beyond ``per_second`` requests a second (a token bucket).

        The bucket holds ``burst`` tokens (default: one second's worth) and starts full; a
        request that finds it empty is answered ``429`` and takes nothing. ``retry_after`` is
        ``"exact"`` (the seconds until the next token, e.g. ``0.02``), a fixed value sent as
        :meth:`status` sends it, or ``None`` for a bare ``429``. ``times`` counts 429s.
        """
        bucket = TokenBucket(per_second, burst, now=time.monotonic())
        return self.add(
            FaultRule("rate_limit", status=429, retry_after=retry_after, bucket=bucket, **match)
        )

    # -- server side ----------------------------------------------------------------------------

    def open(self) -> None:
        """Arm the faults for a (re)started server; a fresh event binds to the running loop."""
        self._closing = asyncio.Event()

    def close(self) -> None:
        """Wake every pending delay or stall so that shutdown is quick."""
        self._closing.set()

    async def sleep(self, seconds: float) -> None:
        """Sleep, but return early when the server shuts down."""
        if seconds <= 0 or self._closing.is_set():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._closing.wait()

    def _select(self, method: str, path: str) -> tuple[float, FaultRule | None, str | None]:
        """The delay, the rule that answers (if any) and its ``Retry-After`` header."""
        delay = self.latency
        chosen: FaultRule | None = None
        header: str | None = None
        for rule in self.rules:
            if not rule.matches(method, path):
                continue
            if rule.kind == "latency":
                if rule.try_fire():
                    self._fired += 1
                    delay += rule.seconds
            elif chosen is None and rule.kind == "rate_limit":
                assert rule.bucket is not None
                wait = rule.bucket.take(time.monotonic())
                if wait is not None and rule.try_fire():
                    self._fired += 1
                    chosen = rule
                    header = seconds_header(wait) if rule.retry_after == "exact" else None
            elif chosen is None and rule.try_fire():
                self._fired += 1
                chosen = rule
        if chosen is not None and header is None and chosen.retry_after is not None:
            header = str(chosen.retry_after)
        return delay, chosen, header

    async def run(
        self,
        request: web.Request,
        handler: Handler,
        path: str,
        headers: Mapping[str, str],
    ) -> web.StreamResponse:
        """Handle ``request`` through the faults; ``headers`` go on responses sent from here."""
        delay, rule, retry_after = self._select(request.method, path)
        await self.sleep(delay)
        if rule is None:
            return await handler(request)
        if rule.kind == "drop_before":
            _drop(request)
            # aiohttp fails to write this to the closed transport and ignores that quietly.
            return web.Response(status=204)
        if rule.kind in ("status", "html", "raw", "rate_limit"):
            if rule.process:
                await handler(request)  # the operation happens; its answer is replaced
            return fault_response(rule, retry_after)
        response = await handler(request)
        if rule.kind == "drop_after":
            _drop(request)
            return response
        if rule.kind == "wrong_content_type":
            response.content_type = "text/plain"
            return response
        return await self._send_partial(request, response, rule, headers)

    async def _send_partial(
        self,
        request: web.Request,
        response: web.StreamResponse,
        rule: FaultRule,
        headers: Mapping[str, str],
    ) -> web.StreamResponse:
        """Send the real response's head and half its body, then close (or stall and finish)."""
        body = response.body if isinstance(response, web.Response) else None
        payload = body if isinstance(body, bytes) else b""
        stream = web.StreamResponse(status=response.status, reason=response.reason)
        stream.headers.update(response.headers)
        stream.headers.update(headers)
        stream.content_length = len(payload)  # promises the full body
        half = len(payload) // 2
        try:
            await stream.prepare(request)
            await stream.write(payload[:half])
            if rule.kind == "truncated":
                _drop(request)
                return stream
            await self.sleep(rule.seconds)
            if self._closing.is_set():
                _drop(request)
                return stream
            await stream.write(payload[half:])
        except ConnectionError:
            # The client gave up (e.g. its read timeout fired during the stall): nothing to do.
            pass
        return stream


def _drop(request: web.Request) -> None:
    """Close the connection; buffered bytes are flushed first, nothing more is sent."""
    transport = request.transport
    if transport is not None:
        transport.close()
