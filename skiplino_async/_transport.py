"""HTTP I/O: one aiohttp session, and the I/O around the per-call state machine.

What a request and an answer mean is decided by :mod:`._protocol`, when to retry and how long
each attempt may take by :class:`._retry.CallState`, how a body is decoded under its cap by
:mod:`._decode`. This module only moves bytes, sleeps and logs.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import ssl as _ssl
import time
import urllib.request
from collections.abc import Mapping
from typing import Final, NamedTuple

import aiohttp
from yarl import URL

from . import _protocol
from ._decode import ACCEPT_ENCODING, BodyDecoder, BodyError, BodyTooLarge
from ._logging import logger
from ._protocol import Envelope
from ._ratelimit import RateLimiter
from ._redact import RedactedHeaders, Scrubber, Secret, hide_userinfo, redacted
from ._request import Request, Settings
from ._response import RawResponse, capturing, record
from ._retry import CallState, Failure, Outcome
from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientUsageError,
    SkiplinoError,
)

#: Decoded response bodies larger than this are refused rather than buffered.
MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
#: A call slower than this is logged at INFO (successful calls otherwise only at DEBUG).
SLOW_CALL_SECONDS: Final = 5.0


#: Forks this process came through: a client made before one must not be used after it. A
#: counter moved by the fork itself costs nothing per call, where ``os.getpid()`` is a syscall.
_forks: list[int] = [0]


def _count_fork() -> None:
    _forks[0] += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_count_fork)


class Answer(NamedTuple):
    """One complete HTTP answer: status, headers and the decoded body (key scrubbed)."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class Wire(NamedTuple):
    """A request as it goes on the wire; built once per call, before anything is sent."""

    method: str
    path: str  # as the request named it, for log lines
    url: URL
    headers: RedactedHeaders
    body: bytes | None


class Transport:
    """Sends :class:`Request` objects over one lazily created (or borrowed) aiohttp session."""

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
        self._url_parts = _url_parts(base_url)
        self._limiter = rate_limiter
        self._session = session
        self._owns_session = session is None
        self._closed = False
        self._connector_limit = connector_limit
        self._trace_configs = trace_configs
        self._ssl = ssl
        self._max_bytes = max_response_bytes
        self._proxy, self._proxy_headers = _proxy_for(base_url, proxy)
        self._public_key = api_key.startswith("pk_")
        self._scrub = Scrubber(api_key)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._forks = _forks[0]
        self._base_headers: Final = RedactedHeaders(
            {
                "Authorization": Secret(f"Bearer {api_key}"),
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
                "User-Agent": user_agent,
            }
        )

    @property
    def owns_session(self) -> bool:
        return self._owns_session

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def rate_limiter(self) -> RateLimiter | None:
        return self._limiter

    def session_is_open(self) -> bool:
        return self._session is not None and not self._session.closed

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientUsageError("this Skiplino client is closed")
        self._check_loop()
        session = self._session
        if session is None:
            # Created inside the running loop on first use, then kept for the client's life.
            # No cookie jar: a bearer-key API client has no use for cookies, and a server that
            # sets them would otherwise get an ever-growing Cookie header back.
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connector_limit, ssl=self._ssl_for()),
                trace_configs=self._trace_configs,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            # aiohttp silently re-sends a GET/PUT/DELETE once when the connection closes before
            # the answer. The retry loop here already does that, with backoff, and counts it:
            # one attempt must be one request, or max_retries=0 would not mean "send once".
            if hasattr(session, "_retry_connection"):
                session._retry_connection = False
            self._session = session
        return session

    def _ssl_for(self) -> _ssl.SSLContext | bool:
        if self._ssl is not None:
            return self._ssl
        if not self._base_url.startswith("https:"):
            return True
        # Made here, not at import, so SSL_CERT_FILE / SSL_CERT_DIR set by the program count.
        return _ssl.create_default_context()

    def _check_loop(self) -> None:
        """One client per event loop and process: say so, instead of aiohttp's internals."""
        if _forks[0] != self._forks:
            raise ClientUsageError(
                "this Skiplino client was created in another process (before a fork); its "
                "connections belong to the parent. Create a new client in each worker process"
            )
        loop = asyncio.get_running_loop()
        owner = self._loop
        if owner is None:
            session_loop = getattr(self._session, "_loop", None)
            owner = self._loop = session_loop if session_loop is not None else loop
        if owner is not loop:
            raise ClientUsageError(
                "this Skiplino client is bound to the event loop it was first used in, and "
                "this call runs in another loop (or another thread). Create one client per "
                "event loop, e.g. inside the coroutine that asyncio.run() runs"
            )

    async def aclose(self) -> None:
        """Close the session if we created it; a borrowed one is left to its owner."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()

    # -- one call ------------------------------------------------------------------------------

    async def send(self, request: Request, settings: Settings) -> Envelope:
        """Send with retries; return the decoded success envelope or raise a SkiplinoError.

        Every error raised carries ``attempts``. A call never sleeps or waits past its deadline
        (shared with any fallback request of the same call): each attempt's timeout is cut to
        the time left, and a wait that would end after it raises the last error at once.
        """
        session = self._get_session()
        wire = self.wire(request, settings)
        started = time.monotonic()
        state = CallState.start(
            settings.retry,
            idempotent=request.idempotent,
            timeout=settings.timeout,
            deadline=settings.deadline,
            now=started,
        )
        while True:
            if self._limiter is not None:
                # Before the attempt's budget is computed: queueing counts against the deadline.
                await self._wait_for_limiter(state)
            timeout = state.attempt_timeout(time.monotonic())
            result = await self._exchange(session, wire, timeout, state)
            if isinstance(result, Answer):
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
                    self._done(request, state, started, exc, result)
                    raise
                if isinstance(answer, Envelope):
                    self._done(request, state, started, None, result)
                    return answer
                error: SkiplinoError = answer
                outcome = Outcome(Failure.STATUS, answer.status_code, answer.retry_after)
            elif isinstance(result, APIResponseValidationError):
                # A body over the cap or undecodable: sending again would fetch it again.
                self._done(request, state, started, result, None)
                raise result
            else:
                error = result
                outcome = Outcome(_failure(result))
            delay = state.after(outcome, time.monotonic())
            if delay is None:
                self._done(request, state, started, error, result)
                raise error
            logger.info(
                "%s %s failed (%s); retry %d/%d in %.3fs",
                request.method,
                request.path,
                _describe(error),
                state.attempts,
                state.policy.max_retries,
                delay,
            )
            await asyncio.sleep(delay)

    def wire(self, request: Request, settings: Settings) -> Wire:
        """The exact bytes to send; ValueError for anything that cannot be sent as given."""
        params = request.params
        if settings.extra_query:
            params = {**(params or {}), **settings.extra_query}
        query = _protocol.encode_query(params)
        url = self._url(request.path, query)
        payload = request.json
        if settings.extra_body:
            if payload is None and request.method in ("GET", "DELETE", "HEAD"):
                raise ValueError(f"extra_body= does not apply to a {request.method} request")
            if payload is not None and not isinstance(payload, Mapping):
                raise ValueError("extra_body= needs a request whose body is a JSON object")
            payload = {**(payload or {}), **settings.extra_body}
        body = _protocol.encode_json(payload) if payload is not None else None
        headers = self._base_headers
        if settings.locale or body is not None or settings.extra_headers:
            # Only then a copy: aiohttp copies what it is given, so the plain case shares one.
            headers = RedactedHeaders(headers)
            if settings.locale:
                headers["X-Locale"] = settings.locale
            if body is not None:
                headers["Content-Type"] = "application/json"
            if settings.extra_headers:
                headers.update(settings.extra_headers)
        return Wire(request.method, request.path, url, headers, body)

    def _url(self, path: str, query: str) -> URL:
        """``base_url + path + ?query``, all already percent-encoded, sent as they are."""
        parts = self._url_parts
        if parts is None:
            return URL(self._base_url + path + (f"?{query}" if query else ""), encoded=True)
        scheme, authority, base_path = parts
        # From parts, not from one string: yarl then has nothing to parse (a few µs a call).
        return URL.build(
            scheme=scheme,
            authority=authority,
            path=base_path + path,
            query_string=query,
            encoded=True,
        )

    async def _wait_for_limiter(self, state: CallState) -> None:
        assert self._limiter is not None
        remaining = state.remaining(time.monotonic())
        if remaining is None:
            await self._limiter.acquire()
            return
        try:
            async with asyncio.timeout(max(0.0, remaining)):
                await self._limiter.acquire()
        except TimeoutError:
            error = state.deadline_error(" waiting for the client's rate limit")
        else:
            return
        raise error

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        wire: Wire,
        timeout: aiohttp.ClientTimeout,
        state: CallState,
    ) -> Answer | APIConnectionError | APIResponseValidationError:
        """One HTTP exchange. Failures are returned, built outside ``except`` blocks so that no
        aiohttp exception (whose ``request_info`` holds the request headers) is chained."""
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "-> %s %s headers=%s body=%s",
                wire.method,
                wire.url,
                redacted(wire.headers),
                wire.body.decode() if wire.body else "",
            )
        message: str
        try:
            return await self._roundtrip(session, wire, timeout)
        except _BodyRefused as refused:
            return refused.error
        except aiohttp.ConnectionTimeoutError as exc:
            message, sent, timed_out = f"timed out connecting: {exc}", False, True
        except TimeoutError:
            message, sent, timed_out = (
                f"timed out waiting for the response ({_limits(timeout)})",
                True,
                True,
            )
        except aiohttp.ClientConnectorCertificateError as exc:
            message, sent, timed_out = (
                f"could not connect: the server's TLS certificate is not trusted ({exc}). For a "
                "company CA pass ssl=ssl.create_default_context(cafile=...) or set SSL_CERT_FILE",
                False,
                False,
            )
        except aiohttp.ClientConnectorError as exc:
            message, sent, timed_out = f"could not connect: {exc}", False, False
        except (aiohttp.ClientError, OSError) as exc:
            message, sent, timed_out = (
                f"connection failed mid-request: {type(exc).__name__}: {_short(exc)}",
                True,
                False,
            )
        message = self._scrub.text(message)
        if timed_out and state.cut_by_deadline:
            message = f"deadline of {state.deadline:g}s exceeded ({message})"
        cls = APITimeoutError if timed_out else APIConnectionError
        return cls(message, request_sent=sent, attempts=state.attempts)

    async def _roundtrip(
        self, session: aiohttp.ClientSession, wire: Wire, timeout: aiohttp.ClientTimeout
    ) -> Answer:
        async with session.request(
            wire.method,
            wire.url,
            data=wire.body,
            headers=wire.headers,
            timeout=timeout,
            allow_redirects=False,
            auto_decompress=False,
            proxy=self._proxy,
            proxy_headers=self._proxy_headers,
        ) as resp:
            headers = self._scrub.headers(resp.headers)
            encoding = resp.headers.get("Content-Encoding")
            # The raw bytes of an encoded body, for the error should it not decode.
            raw = bytearray()
            try:
                length = resp.content_length
                if length is not None and length > self._max_bytes:
                    raise BodyTooLarge(f"Content-Length {length} exceeds {self._max_bytes} bytes")
                if length is not None and not encoding:
                    # The common case, bounded by the check above: aiohttp's own read is cheapest.
                    body = await resp.read()
                else:
                    decoder = BodyDecoder(encoding, self._max_bytes)
                    async for chunk in resp.content.iter_any():
                        if encoding and len(raw) + len(chunk) <= self._max_bytes:
                            raw += chunk
                        decoder.feed(chunk)
                    body = decoder.finish()
                body = self._scrub.bytes(body)
            except BodyError as exc:
                too_large = isinstance(exc, BodyTooLarge)
                raise _BodyRefused(
                    APIResponseValidationError(
                        f"HTTP {resp.status} response body: {exc}; "
                        + ("refusing to buffer it" if too_large else "it cannot be decoded"),
                        status_code=resp.status,
                        body=b"" if too_large else self._scrub.bytes(bytes(raw)),
                        headers=headers,
                    )
                ) from None
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "<- %s %s body=%s",
                    resp.status,
                    wire.path,
                    body[:2000].decode("utf-8", "replace"),
                )
            return Answer(resp.status, headers, body)

    def _done(
        self,
        request: Request,
        state: CallState,
        started: float,
        error: SkiplinoError | None,
        result: Answer | SkiplinoError | None,
    ) -> None:
        """Log the call's end and record it for ``capture_responses()``."""
        elapsed = time.monotonic() - started
        answer = result if isinstance(result, Answer) else None
        if capturing():
            record(
                RawResponse(
                    method=request.method,
                    path=request.path,
                    status_code=answer.status if answer is not None else None,
                    headers=answer.headers if answer is not None else {},
                    attempts=state.attempts,
                    elapsed=elapsed,
                    error=error,
                )
            )
        # Failures and slow calls at INFO; every call at DEBUG.
        level = logging.INFO if error is not None or elapsed >= SLOW_CALL_SECONDS else logging.DEBUG
        if not logger.isEnabledFor(level):
            return
        outcome = str(answer.status) if answer is not None else _describe(error)
        logger.log(
            level,
            "%s %s -> %s in %.1fms (%d attempt%s)",
            request.method,
            request.path,
            outcome,
            elapsed * 1000,
            state.attempts,
            "" if state.attempts == 1 else "s",
        )


class _BodyRefused(Exception):
    """Carries the validation error of a body out of the response context."""

    def __init__(self, error: APIResponseValidationError) -> None:
        self.error = error


def _url_parts(base_url: str) -> tuple[str, str, str] | None:
    """``(scheme, authority, path)`` of the base URL, or ``None`` if building a URL from them
    would not give back exactly ``base_url`` (then each URL is parsed from its string)."""
    url = URL(base_url, encoded=True)
    parts = (url.scheme, url.raw_authority, url.raw_path.rstrip("/"))
    built = URL.build(scheme=parts[0], authority=parts[1], path=parts[2], encoded=True)
    return parts if str(built) == base_url else None


def _failure(error: APIConnectionError) -> Failure:
    if not error.request_sent:
        return Failure.NOT_SENT
    return Failure.TIMEOUT if isinstance(error, APITimeoutError) else Failure.DISCONNECTED


def _proxy_for(base_url: str, proxy: str | None) -> tuple[str | None, RedactedHeaders | None]:
    """The proxy for the API host: the explicit one, else ``HTTPS_PROXY``/``HTTP_PROXY``
    unless ``NO_PROXY`` names the host. Credentials in its URL become a Proxy-Authorization
    header (kept as a :class:`Secret`).

    Resolved here rather than with aiohttp's ``trust_env``, which would also read ``~/.netrc``
    and could replace the bearer key with a netrc password.
    """
    if proxy is None:
        url = URL(base_url)
        bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
        if url.host is None or bypass(url.host):
            return None, None
        proxy = urllib.request.getproxies_environment().get(url.scheme)
        if not proxy:
            return None, None
    parsed = URL(proxy)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"proxy must be an http(s):// URL, got {hide_userinfo(proxy)!r}")
    headers = None
    if parsed.user is not None:
        token = base64.b64encode(f"{parsed.user}:{parsed.password or ''}".encode()).decode()
        headers = RedactedHeaders({"Proxy-Authorization": Secret(f"Basic {token}")})
        parsed = parsed.with_user(None)
    return str(parsed), headers


def _short(exc: BaseException) -> str:
    """An aiohttp error's text without its request details (headers hold the key)."""
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"{exc.status}, message={exc.message!r}"
    return str(exc)


def _limits(timeout: aiohttp.ClientTimeout) -> str:
    """The limits of a ClientTimeout that are set, e.g. ``total=30s, sock_read=5s``."""
    parts = [
        f"{name}={value:g}s"
        for name in ("total", "connect", "sock_connect", "sock_read")
        if (value := getattr(timeout, name)) is not None
    ]
    return ", ".join(parts) or "no limit"


def _describe(error: BaseException | None) -> str:
    if isinstance(error, APIStatusError):
        return f"HTTP {error.status_code}"
    return type(error).__name__ if error is not None else "?"


__all__ = ["MAX_RESPONSE_BYTES", "Transport"]
