"""The send path: the retry loop around the pure per-call state machine.

What a request and an answer mean is decided by :mod:`._protocol`, when to retry and how long
each attempt may take by :class:`._retry.CallState`, how one exchange goes over aiohttp by
:mod:`._backend`, what a failure is called by :mod:`._failures`, what is logged by
:mod:`._calllog`. This module only strings them together, waits and sleeps.

Each attempt passes :meth:`Transport._before_attempt` (where a call may be held back: the
rate limit) and :meth:`Transport._after_attempt` (where its result is seen, answer or failure).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl as _ssl
import time
from typing import Final

import aiohttp

from . import _calllog, _protocol, _telemetry
from ._backend import MAX_RESPONSE_BYTES, Answer, Backend, Broken
from ._failures import closed_error, closed_in_flight, connection_error
from ._protocol import Envelope
from ._pushback import CallPushback
from ._ratelimit import RateLimiter
from ._redact import Scrubber, Secret
from ._request import Request, Settings
from ._retry import CallState, Failure, Outcome
from ._throttle import Throttle
from ._wire import Wire, WireFormat
from .errors import APIResponseValidationError, SkiplinoError

__all__ = ["MAX_RESPONSE_BYTES", "Transport"]

#: What one attempt came to: an answer, a failed exchange, or a body that could not be read.
Result = Answer | Broken | APIResponseValidationError


class Transport:
    """Sends :class:`Request` objects with retries over one :class:`Backend`."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: Secret,
        user_agent: str,
        session: aiohttp.ClientSession | None = None,
        connector_limit: int = 100,
        trace_configs: list[aiohttp.TraceConfig] | None = None,
        rate_limiter: RateLimiter | None = None,
        proxy: str | None = None,
        ssl: _ssl.SSLContext | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self._base_url = base_url
        self._public_key = api_key.startswith("pk_")
        self._scrub: Final = Scrubber(api_key)
        self._format: Final = WireFormat(base_url, api_key, user_agent)
        self._limiter = rate_limiter
        #: The server's pushback, shared by every call on this base URL.
        self.throttle: Final = Throttle()
        self.backend: Final = Backend(
            base_url=base_url,
            scrub=self._scrub,
            session=session,
            connector_limit=connector_limit,
            trace_configs=trace_configs,
            proxy=proxy,
            ssl=ssl,
            max_response_bytes=max_response_bytes,
        )

    @property
    def owns_session(self) -> bool:
        return self.backend.owns_session

    @property
    def closed(self) -> bool:
        return self.backend.closed

    @property
    def rate_limiter(self) -> RateLimiter | None:
        return self._limiter

    def session_is_open(self) -> bool:
        return self.backend.session_is_open()

    async def aclose(self) -> None:
        await self.backend.aclose()

    def wire(self, request: Request, settings: Settings) -> Wire:
        """The exact bytes to send; ValueError for anything that cannot be sent as given."""
        return self._format.build(request, settings)

    async def send(self, request: Request, settings: Settings) -> Envelope:
        """Send with retries; return the decoded success envelope or raise a SkiplinoError.

        Every error raised carries ``attempts``. A call never sleeps or waits past its deadline
        (shared with any fallback request of the same call): each attempt's timeout is cut to
        the time left, and a wait that would end after it raises the last error at once.
        """
        session = self.backend.session()
        wire = self.wire(request, settings)
        started = time.monotonic()
        state = CallState.start(
            settings.retry,
            idempotent=request.idempotent,
            timeout=settings.timeout,
            deadline=settings.deadline,
            now=started,
        )
        pushback = CallPushback(self.throttle, settings.max_throttle_wait, settings.retry)
        while True:
            await self._before_attempt(state, pushback)
            timeout = state.attempt_timeout(time.monotonic())
            with _telemetry.attempt(wire) as attempt:
                result = await self.backend.exchange(session, wire, timeout)
                attempt.ended(result)
            self._after_attempt(state, result, pushback)
            judged = self._judge(request, state, timeout, result)
            answer = (result.status, result.headers) if isinstance(result, Answer) else None
            if isinstance(judged, Envelope):
                _calllog.call_ended(request, state, started, None, answer)
                return judged
            error, outcome = judged
            if outcome is not None and pushback.again(error, state):
                # Throttled: free of max_retries; the wait comes before the next attempt.
                state.throttled += 1
                _calllog.retrying(request, error, state, self.throttle.wait(time.monotonic()))
                continue
            delay = self._retry_delay(state, outcome)
            if delay is None:
                _calllog.call_ended(request, state, started, error, answer)
                raise error
            _calllog.retrying(request, error, state, delay)
            _telemetry.waited("retry", delay)
            await self._pause(delay)

    def _retry_delay(self, state: CallState, outcome: Outcome | None) -> float | None:
        """Seconds until the next attempt, or ``None``: none (never on a closed client)."""
        if outcome is None or self.backend.closed:
            return None
        return state.after(outcome, time.monotonic())

    async def _pause(self, delay: float) -> bool:
        """A wait before an attempt, cut short when the client is closed meanwhile (the next
        attempt then refuses to start); whether it was."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await self.backend.closing.wait()
        return self.backend.closing.is_set()

    async def _before_attempt(self, state: CallState, pushback: CallPushback) -> None:
        """Hold the attempt back until it may go out (the client's rate limit, the server's
        throttling); refuse it on a client closed meanwhile.

        Before the attempt's budget is computed: waiting here counts against the deadline.
        """
        began = time.monotonic()
        if self._limiter is not None:
            await self._wait_for_limiter(self._limiter, state)
        await pushback.before(state, self._pause)
        _telemetry.waited("throttle", time.monotonic() - began)
        if self.backend.closed:
            raise closed_in_flight()

    def _after_attempt(self, state: CallState, result: Result, pushback: CallPushback) -> None:
        """Each attempt's result, answer or failure, before it is judged."""
        if isinstance(result, Answer):
            pushback.after(result.status, result.headers)

    def _judge(
        self, request: Request, state: CallState, timeout: aiohttp.ClientTimeout, result: Result
    ) -> Envelope | tuple[SkiplinoError, Outcome | None]:
        """A success envelope, or the error with what it means for retrying (``None``: not
        worth another attempt whatever the policy)."""
        if isinstance(result, APIResponseValidationError):
            # A body over the cap or undecodable: sending again would fetch it again.
            return result, None
        if isinstance(result, Broken):
            if self.backend.closed and self.backend.owns_session:
                # The close broke it (a borrowed session stays open and fails on its own).
                return closed_error(result.progress, state.attempts), None
            error, failure = connection_error(
                result.exc, result.progress, timeout=timeout, state=state, scrub=self._scrub
            )
            return error, Outcome(failure)
        hint = None
        if result.status >= 400:
            hint = _protocol.status_hint(
                result.status,
                secret_only=request.secret_only,
                public_key=self._public_key,
                base_url=self._base_url,
            )
        try:
            answer = _protocol.interpret(
                result.status,
                result.headers,
                result.body,
                now=time.time(),
                hint=hint,
                attempts=state.attempts,
            )
        except APIResponseValidationError as exc:
            return exc, None
        if isinstance(answer, Envelope):
            return answer
        return answer, Outcome(Failure.STATUS, answer.status_code, answer.retry_after)

    @staticmethod
    async def _wait_for_limiter(limiter: RateLimiter, state: CallState) -> None:
        remaining = state.remaining(time.monotonic())
        if remaining is None:
            await limiter.acquire()
            return
        try:
            async with asyncio.timeout(max(0.0, remaining)):
                await limiter.acquire()
        except TimeoutError:
            error = state.deadline_error(" waiting for the client's rate limit")
        else:
            return
        raise error
