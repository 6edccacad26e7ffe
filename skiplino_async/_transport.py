"""HTTP I/O: one aiohttp session, timeouts, the retry loop. No protocol knowledge here.

What a request means (URL rules, envelopes, error classes) is decided by :mod:`._protocol`;
when to retry by :mod:`._retry`. This module only moves bytes and sleeps.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, Final

import aiohttp
import attrs
import orjson
from multidict import CIMultiDictProxy
from yarl import URL

from . import _protocol
from ._logging import logger, redacted_headers
from ._protocol import Envelope
from ._ratelimit import RateLimiter
from ._response import RawResponse, capturing, record
from ._retry import Failure, RetryPolicy
from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
)

#: Responses larger than this are refused rather than buffered (a misbehaving proxy).
MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024


@attrs.frozen
class Request:
    """One API call, fully encoded: what to send and how it may be retried."""

    method: str
    path: str  # already percent-encoded, relative to the base URL
    params: Mapping[str, str | int] | None = None
    json: Any = None
    #: Safe to send twice (GET/PUT/DELETE, or a create keyed by an external id).
    idempotent: bool = True
    #: Shown on 401: the operation needs a secret key.
    secret_only: bool = False


@attrs.frozen
class Settings:
    """Per-call settings: the client's defaults, possibly overridden for one call."""

    timeout: aiohttp.ClientTimeout
    retry: RetryPolicy
    locale: str | None = None
    deadline: float | None = None


def make_timeout(value: float | aiohttp.ClientTimeout) -> aiohttp.ClientTimeout:
    """Seconds per attempt as a ClientTimeout; connecting gets at most 10 s of it."""
    if isinstance(value, aiohttp.ClientTimeout):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {value!r}")
    seconds = float(value)
    return aiohttp.ClientTimeout(total=seconds, sock_connect=min(seconds, 10.0))


_SECRET_HINT: Final = "This operation needs a secret key (sk_...); public keys are read-only."


class Transport:
    """Sends :class:`Request` objects over one lazily created (or borrowed) aiohttp session."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        user_agent: str,
        session: aiohttp.ClientSession | None = None,
        connector_limit: int = 100,
        trace_configs: list[aiohttp.TraceConfig] | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self._base_url = base_url
        self._limiter = rate_limiter
        self._session = session
        self._owns_session = session is None
        self._closed = False
        self._connector_limit = connector_limit
        self._trace_configs = trace_configs
        self._base_headers: Final = {
            "Authorization": f"Bearer {api_key}",
            "Accept": "application/json",
            "User-Agent": user_agent,
        }
        # Header dicts and URLs are built once and reused: nothing per request but lookups.
        self._headers_cache: dict[tuple[str | None, bool], dict[str, str]] = {}
        self._url_cache: dict[str, URL] = {}

    @property
    def owns_session(self) -> bool:
        return self._owns_session

    @property
    def closed(self) -> bool:
        return self._closed

    def session_is_open(self) -> bool:
        return self._session is not None and not self._session.closed

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise RuntimeError("this Skiplino client is closed")
        session = self._session
        if session is None:
            # Created inside the running loop on first use, then kept for the client's life.
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connector_limit),
                trace_configs=self._trace_configs,
            )
            # aiohttp silently re-sends a GET/PUT/DELETE once when the connection closes before
            # the answer. The retry loop here already does that, with backoff, and counts it:
            # one attempt must be one request, or max_retries=0 would not mean "send once".
            # (aiohttp's own test client turns it off the same way.)
            if hasattr(session, "_retry_connection"):
                session._retry_connection = False
            self._session = session
        return session

    async def aclose(self) -> None:
        """Close the session if we created it; a borrowed one is left to its owner."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()

    def _headers(self, locale: str | None, has_body: bool) -> dict[str, str]:
        key = (locale, has_body)
        headers = self._headers_cache.get(key)
        if headers is None:
            headers = dict(self._base_headers)
            if locale:
                headers["X-Locale"] = locale
            if has_body:
                headers["Content-Type"] = "application/json"
            self._headers_cache[key] = headers
        return headers

    def _url(self, path: str) -> URL:
        url = self._url_cache.get(path)
        if url is None:
            # encoded=True: the path is already percent-encoded and must not be normalised.
            url = URL(self._base_url + path, encoded=True)
            if len(self._url_cache) < 256:  # static paths only in practice; ids vary
                self._url_cache[path] = url
        return url

    async def send(self, request: Request, settings: Settings) -> Envelope:
        """Send with retries; return the decoded success envelope or raise a SkiplinoError.

        Every error raised carries ``attempts``. A call with a ``deadline`` never sleeps or
        waits past it: each attempt's timeout is cut to the time left, and a wait that would
        end after it raises the last error at once instead.
        """
        session = self._get_session()
        policy = settings.retry
        url = self._url(request.path)
        body = orjson.dumps(request.json) if request.json is not None else None
        headers = self._headers(settings.locale, body is not None)
        started = time.monotonic()
        deadline_at = started + settings.deadline if settings.deadline is not None else None
        waits = None
        attempt = 0
        while True:
            attempt += 1
            if self._limiter is not None:
                # Before the budget is computed: time queued here counts against the deadline.
                await self._wait_for_limiter(request, settings, deadline_at, attempt)
            timeout = settings.timeout
            cut_by_deadline = False
            if deadline_at is not None:
                remaining = deadline_at - time.monotonic()
                if remaining <= 0:
                    # A non-idempotent request is only ever retried when the server certainly
                    # did not act, so only an idempotent one can have been processed before.
                    raise APITimeoutError(
                        f"deadline of {settings.deadline:g}s exceeded",
                        request_sent=attempt > 1 and request.idempotent,
                        attempts=attempt - 1,
                    )
                if timeout.total is None or remaining < timeout.total:
                    timeout = attrs.evolve(timeout, total=remaining)
                    cut_by_deadline = True
            failure: Failure
            retry_after: float | None = None
            status: int | None = None
            error: Exception
            try:
                status, resp_headers, raw = await self._attempt(
                    session, request, url, body, headers, timeout
                )
            except APIConnectionError as exc:
                exc.attempts = attempt
                if cut_by_deadline and isinstance(exc, APITimeoutError):
                    exc.message = f"deadline of {settings.deadline:g}s exceeded ({exc.message})"
                    exc.args = (exc.message,)
                error = exc
                if not exc.request_sent:
                    failure = Failure.NOT_SENT
                elif isinstance(exc, APITimeoutError):
                    failure = Failure.TIMEOUT
                else:
                    failure = Failure.DISCONNECTED
            except APIResponseValidationError:
                # A body too large to buffer: sending again would only fetch it again.
                self._log_done(request, None, started, attempt)
                raise
            else:
                if 200 <= status < 300:
                    envelope = _protocol.decode_success(status, resp_headers, raw)
                    envelope.attempts = attempt
                    self._log_done(request, status, started, attempt)
                    if capturing():
                        record(
                            RawResponse(
                                method=request.method,
                                path=request.path,
                                status_code=status,
                                headers=resp_headers,
                                attempts=attempt,
                                elapsed=time.monotonic() - started,
                            )
                        )
                    return envelope
                error = _protocol.status_error(
                    status,
                    resp_headers,
                    raw,
                    now=time.time(),
                    hint=_SECRET_HINT if status == 401 and request.secret_only else None,
                    attempts=attempt,
                )
                failure = Failure.STATUS
                retry_after = error.retry_after
            if not policy.should_retry(
                retries_done=attempt - 1,
                idempotent=request.idempotent,
                failure=failure,
                status=status,
                retry_after=retry_after,
            ):
                self._log_done(request, status, started, attempt, error)
                raise error
            if waits is None:
                waits = policy.waits()
            delay = policy.delay(waits, retry_after)
            if deadline_at is not None and time.monotonic() + delay >= deadline_at:
                self._log_done(request, status, started, attempt, error)
                raise error
            # INFO, not WARNING: a library must stay silent unless the application opts in.
            logger.info(
                "%s %s failed (%s); retry %d/%d in %.3fs",
                request.method,
                request.path,
                _describe(error),
                attempt,
                policy.max_retries,
                delay,
            )
            await asyncio.sleep(delay)

    async def _wait_for_limiter(
        self, request: Request, settings: Settings, deadline_at: float | None, attempt: int
    ) -> None:
        assert self._limiter is not None
        if deadline_at is None:
            await self._limiter.acquire()
            return
        try:
            async with asyncio.timeout(max(0.0, deadline_at - time.monotonic())):
                await self._limiter.acquire()
        except TimeoutError:
            raise APITimeoutError(
                f"deadline of {settings.deadline:g}s exceeded waiting for the client's rate limit",
                request_sent=attempt > 1 and request.idempotent,
                attempts=attempt - 1,
            ) from None

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        request: Request,
        url: URL,
        body: bytes | None,
        headers: dict[str, str],
        timeout: aiohttp.ClientTimeout,
    ) -> tuple[int, CIMultiDictProxy[str], bytes]:
        """One HTTP exchange; network failures become APIConnectionError (never CancelledError)."""
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "-> %s %s params=%s headers=%s body=%s",
                request.method,
                url,
                dict(request.params or {}),
                redacted_headers(headers),
                body.decode("utf-8", "replace") if body else "",
            )
        try:
            async with session.request(
                request.method,
                url,
                params=request.params,
                data=body,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            ) as resp:
                raw = await _read_limited(resp)
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug(
                        "<- %s %s body=%s",
                        resp.status,
                        request.path,
                        raw[:2000].decode("utf-8", "replace"),
                    )
                return resp.status, resp.headers, raw
        except aiohttp.ConnectionTimeoutError as exc:
            raise APITimeoutError(f"timed out connecting: {exc}", request_sent=False) from exc
        except TimeoutError as exc:
            raise APITimeoutError(
                f"timed out waiting for the response ({_limits(timeout)})", request_sent=True
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            raise APIConnectionError(f"could not connect: {exc}", request_sent=False) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise APIConnectionError(
                f"connection failed mid-request: {type(exc).__name__}: {exc}", request_sent=True
            ) from exc

    def _log_done(
        self,
        request: Request,
        status: int | None,
        started: float,
        attempts: int,
        error: Exception | None = None,
    ) -> None:
        if not logger.isEnabledFor(logging.INFO):
            return
        elapsed = (time.monotonic() - started) * 1000
        outcome = str(status) if status is not None else _describe(error)
        logger.info(
            "%s %s -> %s in %.1fms (%d attempt%s)",
            request.method,
            request.path,
            outcome,
            elapsed,
            attempts,
            "" if attempts == 1 else "s",
        )


def _limits(timeout: aiohttp.ClientTimeout) -> str:
    """The limits of a ClientTimeout that are set, e.g. ``total=30s, sock_read=5s``."""
    parts = [
        f"{name}={value:g}s"
        for name in ("total", "connect", "sock_connect", "sock_read")
        if (value := getattr(timeout, name)) is not None
    ]
    return ", ".join(parts) or "no limit"


def _describe(error: Exception | None) -> str:
    if isinstance(error, APIStatusError):
        return f"HTTP {error.status_code}"
    return type(error).__name__ if error is not None else "?"


async def _read_limited(resp: aiohttp.ClientResponse) -> bytes:
    length = resp.content_length
    if length is not None and length > MAX_RESPONSE_BYTES:
        raise _too_large(resp)
    if length is not None:
        return await resp.read()
    buf = bytearray()
    async for chunk in resp.content.iter_any():
        buf += chunk
        if len(buf) > MAX_RESPONSE_BYTES:
            raise _too_large(resp)
    return bytes(buf)


def _too_large(resp: aiohttp.ClientResponse) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"response body exceeds {MAX_RESPONSE_BYTES} bytes; refusing to buffer it",
        status_code=resp.status,
        body=b"",
        headers=resp.headers,
    )
