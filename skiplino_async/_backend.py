"""The aiohttp side: one session and its connections, and one HTTP exchange over them.

The session is created lazily in the running loop (or borrowed), guarded against use from
another loop or a forked child, and carries the proxy and TLS settings. :meth:`Backend.exchange`
sends one request and reads its answer under the body cap; what a failure means is decided by
:mod:`._failures`, when to try again by :mod:`._retry`.
"""

from __future__ import annotations

import asyncio
import os
import ssl as _ssl
from collections.abc import Mapping
from typing import Final, NamedTuple

import aiohttp

from . import _calllog
from ._decode import BodyDecoder, BodyError, BodyTooLarge
from ._failures import body_error
from ._pool import FreshConnector
from ._progress import CONNECTING, UNKNOWN, Progress, current
from ._proxy import proxy_for
from ._redact import Scrubber
from ._wire import Wire
from .errors import APIResponseValidationError, ClientUsageError

__all__ = ["MAX_RESPONSE_BYTES", "Answer", "Backend", "Broken"]

#: Decoded response bodies larger than this are refused rather than buffered.
MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024

#: Forks this process came through: a client made before one must not be used after it. A
#: counter moved by the fork itself costs nothing per call, where ``os.getpid()`` is a syscall.
_forks: list[int] = [0]


def _count_fork() -> None:
    _forks[0] += 1


def forks() -> int:
    """How many forks this process came through (compare to tell a child from its parent)."""
    return _forks[0]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_count_fork)


class Answer(NamedTuple):
    """One complete HTTP answer: status, headers and the decoded body (key scrubbed)."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class Broken(NamedTuple):
    """An exchange that ended without a complete answer: what was raised, and how far the
    attempt had got (see :mod:`._progress`)."""

    exc: BaseException
    progress: Progress


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is None or task.cancelling() > 0


class Backend:
    """One lazily created (or borrowed) aiohttp session, and exchanges over it."""

    def __init__(
        self,
        *,
        base_url: str,
        scrub: Scrubber,
        session: aiohttp.ClientSession | None = None,
        connector_limit: int = 100,
        trace_configs: list[aiohttp.TraceConfig] | None = None,
        proxy: str | None = None,
        ssl: _ssl.SSLContext | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self._https = base_url.startswith("https:")
        self._scrub = scrub
        self._session = session
        self._owns_session = session is None
        self._closed = False
        #: Set by aclose(): a call waiting to retry stops waiting.
        self.closing: Final = asyncio.Event()
        self._connector_limit = connector_limit
        self._trace_configs = trace_configs
        self._ssl = ssl
        self._max_bytes = max_response_bytes
        self._proxy, self._proxy_headers = proxy_for(base_url, proxy)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._forks = _forks[0]

    @property
    def owns_session(self) -> bool:
        return self._owns_session

    @property
    def closed(self) -> bool:
        return self._closed

    def session_is_open(self) -> bool:
        return self._session is not None and not self._session.closed

    def session(self) -> aiohttp.ClientSession:
        """The session for this call: created on first use; refused when closed or misused."""
        if self._closed:
            raise ClientUsageError("this Skiplino client is closed")
        self._check_loop()
        session = self._session
        if session is None:
            # Created inside the running loop on first use, then kept for the client's life.
            # No cookie jar: a bearer-key API client has no use for cookies, and a server that
            # sets them would otherwise get an ever-growing Cookie header back.
            session = aiohttp.ClientSession(
                connector=FreshConnector(limit=self._connector_limit, ssl=self._ssl_for()),
                trace_configs=self._trace_configs,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            # aiohttp silently re-sends a GET/PUT/DELETE once when the connection closes before
            # the answer. The retry loop already does that, with backoff, and counts it: one
            # attempt must be one request, or max_retries=0 would not mean "send once".
            if hasattr(session, "_retry_connection"):
                session._retry_connection = False
            self._session = session
        return session

    def _ssl_for(self) -> _ssl.SSLContext | bool:
        if self._ssl is not None:
            return self._ssl
        if not self._https:
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
        self.closing.set()
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()

    async def exchange(
        self, session: aiohttp.ClientSession, wire: Wire, timeout: aiohttp.ClientTimeout
    ) -> Answer | Broken | APIResponseValidationError:
        """One HTTP exchange. A failure is returned, not raised (see :mod:`._failures`)."""
        _calllog.sending(wire)
        progress = Progress(CONNECTING if self._owns_session else UNKNOWN)
        token = current.set(progress)
        try:
            return await self._roundtrip(session, wire, timeout, progress)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return Broken(exc, progress)
        except (asyncio.CancelledError, RuntimeError) as exc:
            # Closing the session ends the calls in flight with aiohttp's "Session is closed"
            # or a cancelled internal future: not a cancellation of this task, which would
            # show in its cancelling() count and is never swallowed.
            if not self._closed or _cancelling():
                raise
            return Broken(exc, progress)
        finally:
            current.reset(token)

    async def _roundtrip(
        self,
        session: aiohttp.ClientSession,
        wire: Wire,
        timeout: aiohttp.ClientTimeout,
        progress: Progress,
    ) -> Answer | APIResponseValidationError:
        # Per request, so that a borrowed session's own middlewares are kept (aiohttp uses
        # the request's list instead of the session's) and ours watches this attempt only.
        middlewares = (*getattr(session, "_middlewares", ()), progress.middleware)
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
            middlewares=middlewares,
        ) as resp:
            keep_alive = resp.headers.get("Keep-Alive")
            if keep_alive is not None and isinstance(session.connector, FreshConnector):
                session.connector.note_keep_alive(keep_alive)
            headers = self._scrub.headers(resp.headers)
            body = await self._read_body(resp, headers)
            if isinstance(body, APIResponseValidationError):
                return body
            _calllog.answered(wire, resp.status, body, headers)
            return Answer(resp.status, headers, body)

    async def _read_body(
        self, resp: aiohttp.ClientResponse, headers: Mapping[str, str]
    ) -> bytes | APIResponseValidationError:
        """The decoded body under the cap (key scrubbed), or why it cannot be had."""
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
        except BodyError as exc:
            return body_error(resp.status, exc, bytes(raw), headers, self._scrub)
        return self._scrub.bytes(body)
