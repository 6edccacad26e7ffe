"""``SyncSkiplino``: the async client driven from blocking code, on a loop of its own."""

from __future__ import annotations

import ssl as _ssl
import warnings
from collections.abc import Mapping
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Self, TypeVar, Unpack, overload

import aiohttp

from .._client import Skiplino
from .._defaults import ClientDefaults
from .._help import with_namespaces
from .._response import ResponseCapture, capture_responses
from .._retry import RetryPolicy
from .._types import CallOptions
from ..errors import JSON
from ..resources._base import Resource
from ._mirror import Runner, mirror_namespace
from ._namespaces import SyncBranches, SyncCustomers, SyncServices, SyncTickets

T = TypeVar("T")

__all__ = ["SyncSkiplino"]


class SyncSkiplino(ClientDefaults):
    """Blocking client for the Skiplino external API v1 (Django, Flask, Celery, scripts).

    Takes the arguments of :class:`Skiplino` (but ``session``) and has its namespaces and
    methods, blocking: ``with SyncSkiplino() as client: client.tickets.get(ticket_id)``. The
    async client runs on an event loop in a daemon thread of this client's own: one
    connection pool for the client's life, shared by every thread that calls it (calls from
    several threads run concurrently). List calls return a :class:`SyncPaginator`, whose
    ``for`` loop still prefetches pages on that loop. Errors are the async client's, raised in
    the calling thread. Close it with :meth:`close` or ``with``; a closed client raises
    :class:`ClientUsageError`.
    """

    branches: SyncBranches
    services: SyncServices
    tickets: SyncTickets
    customers: SyncCustomers

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        locale: str | None = None,
        timeout: float | aiohttp.ClientTimeout = 30.0,
        max_retries: int | None = None,
        deadline: float | None = None,
        allow_insecure_http: bool = False,
        retry_policy: RetryPolicy | None = None,
        trace_configs: list[aiohttp.TraceConfig] | None = None,
        connection_limit: int = 100,
        rate_limit: float | None = None,
        proxy: str | None = None,
        ssl: _ssl.SSLContext | None = None,
        max_throttle_wait: float = 600.0,
    ) -> None:
        runner = Runner("skiplino-sync")
        options = {k: v for k, v in locals().items() if k not in ("self", "runner", "api_key")}
        try:
            # The key goes straight into the async client (see Skiplino.__init__ on locals).
            client = runner.run(_build(api_key, options))
        except BaseException:
            runner.close()
            raise
        finally:
            del api_key
        runner.on_close(client.aclose)
        self._setup(client, runner, owner=True)

    def _setup(self, client: Skiplino, runner: Runner, *, owner: bool) -> None:
        self._client = client
        self._base_url, self._settings = client.base_url, client._settings
        self._runner = runner
        self._owner = owner
        for name, target in vars(client).items():
            if isinstance(target, Resource):
                setattr(self, name, mirror_namespace(target)(target, runner))

    def _copy(self, options: CallOptions) -> Self:
        clone = object.__new__(type(self))
        clone._setup(self._client._copy(options), self._runner, owner=False)
        return clone

    def capture_responses(self) -> AbstractContextManager[ResponseCapture]:
        """Record status, headers, request id and retries of the calls made in the block.

        Only this thread's calls are recorded.
        """
        return capture_responses()

    @overload
    def request(
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
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        cast_to: None = None,
        **call: Unpack[CallOptions],
    ) -> JSON: ...

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call an endpoint the SDK does not cover yet; see :meth:`Skiplino.request`."""
        return self._runner.run_sync(self._client.request, (method, path), kwargs)

    def close(self) -> None:
        """Stop the calls in flight, close the connection pool and end the loop (idempotent).

        Calls still running in other threads raise :class:`ClientUsageError`. A
        ``with_options`` copy does not close anything.
        """
        if self._owner:
            self._runner.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        client = getattr(self, "_client", None)
        return f"Sync{client!r}" if client is not None else "SyncSkiplino()"

    def __del__(self, _warn: Any = warnings.warn) -> None:
        runner = getattr(self, "_runner", None)
        if getattr(self, "_owner", False) and runner is not None and not runner.closed:
            runner.close(wait=False)  # first: the warning may be raised as an error
            _warn(
                f"unclosed {self!r}: use 'with SyncSkiplino(...)' or 'client.close()'",
                ResourceWarning,
                source=self,
            )


with_namespaces(SyncSkiplino)


async def _build(api_key: str | None, options: dict[str, Any]) -> Skiplino:
    return Skiplino(api_key, **options)
