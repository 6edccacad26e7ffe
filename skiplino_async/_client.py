"""The ``Skiplino`` client: configuration, session lifetime and the resource namespaces."""

from __future__ import annotations

import os
import platform
import ssl as _ssl
import time
import warnings
from collections.abc import Coroutine, Mapping
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Final, Self, TypeVar, Unpack, overload

import aiohttp

from . import _protocol
from ._advice import AdvisedValueError
from ._apikey import check_api_key, read_key
from ._checks import check_count
from ._converter import structure
from ._defaults import ClientDefaults
from ._help import with_namespaces
from ._options import initial_settings, resolve
from ._protocol import Envelope
from ._ratelimit import RateLimiter
from ._redact import key_hint
from ._request import Request, Settings
from ._response import ResponseCapture, capture_responses
from ._retry import RetryPolicy, shared_deadline
from ._telemetry import traced
from ._transport import Transport
from ._types import CallOptions
from ._version import __version__
from .errors import JSON
from .resources.branches import Branches
from .resources.customers import Customers
from .resources.services import Services
from .resources.tickets import Tickets

__all__ = ["Skiplino", "check_api_key"]

T = TypeVar("T")
_IDEMPOTENT_METHODS: Final = frozenset({"GET", "PUT", "DELETE"})

USER_AGENT: Final = (
    f"skiplino-async/{__version__} aiohttp/{aiohttp.__version__} python/{platform.python_version()}"
)


class Skiplino(ClientDefaults):
    """Async client for the Skiplino external API v1.

    Use it as ``async with Skiplino(...) as client:`` or call :meth:`aclose` when done. One
    aiohttp session (and connection pool) serves the client's whole life; it is created on the
    first request inside the running event loop. A ``session`` you pass in is used as is and
    never closed by the SDK.

    Args:
        api_key: the API key; defaults to ``$SKIPLINO_API_KEY``. Secret keys (``sk_...``) can do
            everything; public keys are read-only.
        base_url: defaults to ``$SKIPLINO_BASE_URL``, else the documented ``api-dev`` host.
            Plain ``http://`` is refused for hosts other than loopback unless
            ``allow_insecure_http=True``.
        locale: sent as ``X-Locale`` on every request (override per call with ``locale=``).
        timeout: seconds per attempt, or an ``aiohttp.ClientTimeout``.
        max_retries: retries after the first attempt (default 2, or the ``retry_policy``'s);
            see the README on idempotency: an ambiguous booking is never re-sent.
        deadline: seconds for a whole call including retries and waits (``None``: no limit
            beyond ``timeout`` times attempts).
        session: an ``aiohttp.ClientSession`` you own. Note that aiohttp itself re-sends a
            GET/PUT/DELETE once when a pooled connection drops; the SDK turns that off on the
            sessions it creates (so ``attempts`` counts every request) but not on yours.
            ``request_sent`` is known on yours too; the check of pooled connections before
            use, the idle limit and the phase named in a failure before sending are those of
            the SDK's own pool only.
        retry_policy: a :class:`RetryPolicy` for finer control of waits; an explicit
            ``max_retries`` overrides its own.
        trace_configs: aiohttp trace configs for the session the SDK creates.
        connection_limit: size of the connection pool the SDK creates (at least 1). Idle
            connections in it are kept 4 s, or less when the server's ``Keep-Alive`` says so.
        rate_limit: at most this many requests per second, shared by all concurrent calls
            of this client (and of its ``with_options`` copies).
        max_throttle_wait: seconds one call (a walk: each page) may spend waiting while the
            server throttles (429, or 503 with ``Retry-After``); past it the
            :class:`RateLimitError` is raised. Throttled answers spend no ``max_retries``.
        proxy: an ``http(s)://[user:pass@]host:port`` proxy for every request. Without it,
            ``HTTPS_PROXY``/``HTTP_PROXY`` are honoured unless ``NO_PROXY`` names the API host.
            Its credentials are never shown.
        ssl: an ``ssl.SSLContext`` to verify the server with (a company CA bundle, say).
            Without it certificates are verified against the system store, which honours
            ``SSL_CERT_FILE`` and ``SSL_CERT_DIR``.
    """

    branches: Branches
    services: Services
    tickets: Tickets
    customers: Customers

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        locale: str | None = None,
        timeout: float | aiohttp.ClientTimeout = 30.0,
        max_retries: int | None = None,
        deadline: float | None = None,
        session: aiohttp.ClientSession | None = None,
        allow_insecure_http: bool = False,
        retry_policy: RetryPolicy | None = None,
        trace_configs: list[aiohttp.TraceConfig] | None = None,
        connection_limit: int = 100,
        rate_limit: float | None = None,
        proxy: str | None = None,
        ssl: _ssl.SSLContext | None = None,
        max_throttle_wait: float = 600.0,
    ) -> None:
        # The key leaves this frame's locals at once: traceback reporters that capture locals
        # (loguru, Sentry, capture_locals=True) would print it from any error raised below.
        key, problem = read_key(api_key)
        del api_key
        if key is None:
            raise AdvisedValueError(problem)
        if ssl is not None and not isinstance(ssl, _ssl.SSLContext):
            raise TypeError("ssl must be an ssl.SSLContext")
        if session is not None and trace_configs:
            raise ValueError(
                "trace_configs only apply to a session the SDK creates; "
                "pass them to your own aiohttp.ClientSession instead"
            )
        url = base_url or os.environ.get("SKIPLINO_BASE_URL") or _protocol.DEFAULT_BASE_URL
        base = _protocol.check_base_url(url, allow_insecure_http=allow_insecure_http)
        settings = initial_settings(
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            locale=locale,
            deadline=deadline,
            max_throttle_wait=max_throttle_wait,
        )
        transport = Transport(
            base_url=base,
            api_key=key,
            user_agent=USER_AGENT,
            session=session,
            connector_limit=check_count(connection_limit, "connection_limit", low=1),
            trace_configs=trace_configs,
            rate_limiter=RateLimiter(rate_limit) if rate_limit is not None else None,
            proxy=proxy,
            ssl=ssl,
        )
        self._setup(base, key_hint(key), transport, settings, owner=True)

    def _setup(
        self, base_url: str, hint: str, transport: Transport, settings: Settings, *, owner: bool
    ) -> None:
        """The one place a client (or a ``with_options`` copy) gets its state."""
        self._base_url = base_url
        self._key_hint = hint
        self._transport = transport
        self._settings = settings
        self._owner = owner
        self.branches = Branches(self)
        self.services = Services(self)
        self.tickets = Tickets(self)
        self.customers = Customers(self)

    def _copy(self, options: CallOptions) -> Self:
        clone = object.__new__(type(self))
        settings = self._resolve(options)
        clone._setup(self._base_url, self._key_hint, self._transport, settings, owner=False)
        return clone

    def _resolve(self, options: CallOptions) -> Settings:
        return resolve(self._settings, options)

    def capture_responses(self) -> AbstractContextManager[ResponseCapture]:
        """Record status, headers, request id and retries of the calls made in the block.

        >>> with client.capture_responses() as captured:
        ...     await client.tickets.get(ticket_id)
        >>> captured.last.request_id, captured.last.retries
        """
        return capture_responses()

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        cast_to: type[T],
        **call: Unpack[CallOptions],
    ) -> T: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        cast_to: None = None,
        **call: Unpack[CallOptions],
    ) -> JSON: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        cast_to: type[T] | None = None,
        **call: Unpack[CallOptions],
    ) -> T | JSON:
        """Call an endpoint the SDK does not cover yet, under the same rules as every call.

        ``path`` is relative to the base URL (``"/branches"``) and already percent-encoded;
        ``params`` become the query string, ``json`` the body. Auth, retries, the deadline,
        errors, logging and redaction are those of the typed methods. GET, PUT and DELETE are
        retried like any idempotent call; any other method (POST, PATCH) only when the server
        certainly did not act. Returns the envelope's ``data`` structured as ``cast_to`` (a
        model class, or e.g. ``list[Customer]``), or the raw JSON ``data`` without it.
        """
        verb = _protocol.check_method(method)
        request = Request(
            verb,
            _protocol.check_path(path),
            params=params,
            json=json,
            idempotent=verb in _IDEMPOTENT_METHODS,
        )
        env = await self._send(request, call)
        if cast_to is None:
            data: JSON = env.data
            return data
        return structure(env.data, cast_to, status=env.status, body=env.body, headers=env.headers)

    def _send(self, request: Request, options: CallOptions) -> Coroutine[Any, Any, Envelope]:
        # The transport's own coroutine: one frame less on every resumption of every request.
        return self._transport.send(request, self._resolve(options))

    def _deadline_scope(self, options: CallOptions) -> AbstractContextManager[None]:
        """One deadline for every request a call makes (a create and its fallback get)."""
        return shared_deadline(self._resolve(options).deadline, now=time.monotonic())

    async def aclose(self) -> None:
        """Close the SDK-owned session (idempotent). A borrowed session stays open."""
        if self._owner:
            await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        # Safe on a half-built client: reporters repr the locals of a failing __init__.
        base_url, hint = getattr(self, "_base_url", None), getattr(self, "_key_hint", "***")
        return f"Skiplino(base_url={base_url!r}, api_key={hint!r})"

    def __del__(self, _warn: Any = warnings.warn) -> None:
        transport = getattr(self, "_transport", None)
        if (
            getattr(self, "_owner", False)
            and transport is not None
            and transport.owns_session
            and transport.session_is_open()
        ):
            _warn(
                f"unclosed {self!r}: use 'async with Skiplino(...)' or 'await client.aclose()'",
                ResourceWarning,
                source=self,
            )


with_namespaces(Skiplino)
Skiplino.request = traced("request", Skiplino.request)  # type: ignore[method-assign]
