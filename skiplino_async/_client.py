"""The ``Skiplino`` client: configuration, session lifetime and the resource namespaces."""

from __future__ import annotations

import os
import platform
import warnings
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Final, Self

import aiohttp
import attrs

from . import _protocol
from ._protocol import Envelope
from ._ratelimit import RateLimiter
from ._response import ResponseCapture, capture_responses
from ._retry import RetryPolicy
from ._transport import Request, Settings, Transport, make_timeout
from ._types import CallOptions
from ._version import __version__
from .resources.branches import Branches
from .resources.customers import Customers
from .resources.services import Services
from .resources.tickets import Tickets

__all__ = ["Skiplino"]

USER_AGENT: Final = (
    f"skiplino-async/{__version__} aiohttp/{aiohttp.__version__} python/{platform.python_version()}"
)


class Skiplino:
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
        retry_policy: a :class:`RetryPolicy` for finer control of waits; an explicit
            ``max_retries`` overrides its own.
        trace_configs: aiohttp trace configs for the session the SDK creates.
        connection_limit: size of the connection pool the SDK creates.
        rate_limit: at most this many requests per second, shared by all concurrent calls
            of this client (and of its ``with_options`` copies).
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
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("SKIPLINO_API_KEY")
        if not key:
            raise ValueError(
                "no API key: pass api_key=... or set the SKIPLINO_API_KEY environment variable"
            )
        if not isinstance(key, str) or any(c in key for c in "\r\n"):
            raise ValueError("api_key must be a single-line string")
        if session is not None and trace_configs:
            raise ValueError(
                "trace_configs only apply to a session the SDK creates; "
                "pass them to your own aiohttp.ClientSession instead"
            )
        url = base_url or os.environ.get("SKIPLINO_BASE_URL") or _protocol.DEFAULT_BASE_URL
        self._base_url = _protocol.check_base_url(url, allow_insecure_http=allow_insecure_http)
        self._key_hint = _protocol.redact(key)
        policy = retry_policy if retry_policy is not None else RetryPolicy()
        if max_retries is not None:
            policy = policy.with_max_retries(_check_retries(max_retries))
        self._settings = Settings(
            timeout=make_timeout(timeout),
            retry=policy,
            locale=locale or None,
            deadline=_check_deadline(deadline),
        )
        self._transport = Transport(
            base_url=self._base_url,
            api_key=key,
            user_agent=USER_AGENT,
            session=session,
            connector_limit=connection_limit,
            trace_configs=trace_configs,
            rate_limiter=RateLimiter(rate_limit) if rate_limit is not None else None,
        )
        self._owner = True
        self._init_resources()

    def _init_resources(self) -> None:
        self.branches = Branches(self)
        self.services = Services(self)
        self.tickets = Tickets(self)
        self.customers = Customers(self)

    @property
    def base_url(self) -> str:
        """The API base URL every path is joined to (no trailing slash)."""
        return self._base_url

    @property
    def locale(self) -> str | None:
        """The default ``X-Locale`` of this client, or ``None`` when none is sent."""
        return self._settings.locale

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt of each call."""
        return self._settings.retry.max_retries

    @property
    def timeout(self) -> aiohttp.ClientTimeout:
        """The per-attempt timeout."""
        return self._settings.timeout

    def with_options(
        self,
        *,
        timeout: float | aiohttp.ClientTimeout | None = None,
        max_retries: int | None = None,
        locale: str | None = None,
        deadline: float | None = None,
    ) -> Skiplino:
        """A cheap copy with other defaults that shares this client's session and pool.

        Closing the copy does nothing; the original owns the session.
        """
        clone = object.__new__(Skiplino)
        clone._base_url = self._base_url
        clone._key_hint = self._key_hint
        clone._transport = self._transport
        clone._owner = False
        clone._settings = self._resolve(
            _drop_none(timeout=timeout, max_retries=max_retries, locale=locale, deadline=deadline)
        )
        clone._init_resources()
        return clone

    def _resolve(self, options: CallOptions) -> Settings:
        if not options:
            return self._settings
        settings = self._settings
        changes: dict[str, Any] = {}
        for name, value in options.items():
            if name == "timeout":
                changes["timeout"] = make_timeout(value)  # type: ignore[arg-type]
            elif name == "max_retries":
                changes["retry"] = settings.retry.with_max_retries(_check_retries(value))
            elif name == "locale":
                changes["locale"] = value or None
            elif name == "deadline":
                changes["deadline"] = _check_deadline(value)
            else:
                raise TypeError(f"unexpected option {name!r}")
        return attrs.evolve(settings, **changes)

    def capture_responses(self) -> AbstractContextManager[ResponseCapture]:
        """Record status, headers, request id and retries of the calls made in the block.

        >>> with client.capture_responses() as captured:
        ...     await client.tickets.get(ticket_id)
        >>> captured.last.request_id, captured.last.retries
        """
        return capture_responses()

    async def _send(self, request: Request, options: CallOptions) -> Envelope:
        return await self._transport.send(request, self._resolve(options))

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
        return f"Skiplino(base_url={self._base_url!r}, api_key={self._key_hint!r})"

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


def _check_retries(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"max_retries must be an int >= 0, got {value!r}")
    return value


def _check_deadline(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"deadline must be a positive number of seconds, got {value!r}")
    return float(value)


def _drop_none(**kwargs: Any) -> CallOptions:
    return {k: v for k, v in kwargs.items() if v is not None}  # type: ignore[return-value]
