"""How far one attempt got: the phase it was in, and whether its bytes went to a connection.

Both are learnt per request through aiohttp's public hooks, never guessed from the type of
the exception that ended the attempt (a total timeout looks the same in every phase):

* a client middleware, passed with each request so that a borrowed session gets it too, sees
  the ``ClientRequest``. aiohttp gives a request its response object in the step that hands
  its bytes to the connection, so until then nothing was written;
* on the session the SDK creates, a ``TraceConfig`` names the phase (waiting for a pool
  slot, resolving the host, connecting) and tells whether a pooled connection was reused. A
  borrowed session cannot be given trace configs: its failures before sending are reported
  without the phase, and a dead pooled connection is not told apart from a new one.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Final

import aiohttp

__all__ = ["CONNECTING", "RESOLVING", "UNKNOWN", "WAITING", "Progress", "trace_config"]

#: The phases an attempt goes through before its bytes are written (as said in messages).
WAITING: Final = "waiting for a free connection"
RESOLVING: Final = "resolving the host name"
CONNECTING: Final = "connecting"
SENDING: Final = "sending the request"
#: What is known on a borrowed session, where no trace tells the phase.
UNKNOWN: Final = "before the request was sent"


class Progress:
    """The progress of one attempt; given to aiohttp with the request it watches."""

    __slots__ = ("_request", "_resent", "answered", "phase", "reused")

    def __init__(self, phase: str = UNKNOWN) -> None:
        self.phase = phase
        #: Whether the attempt went out on a pooled connection (known on the SDK's session).
        self.reused = False
        #: Whether the answer's status line and headers arrived.
        self.answered = False
        self._request: aiohttp.ClientRequest | None = None
        self._resent = False

    @property
    def sent(self) -> bool:
        """Whether the request's bytes were handed to a connection (in this attempt)."""
        return self._resent or (self._request is not None and self._request.response is not None)

    async def middleware(
        self, request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        # A borrowed session may send a GET twice in one call to it (aiohttp's own retry of
        # a dropped connection): once the first went out, the attempt counts as sent.
        self._resent = self.sent
        self._request = request
        response = await handler(request)
        self.answered = True
        return response


def trace_config() -> aiohttp.TraceConfig:
    """The trace config of the SDK's own session; it reads the :class:`Progress` passed as
    ``trace_request_ctx`` and ignores requests that carry none."""
    config = aiohttp.TraceConfig()
    config.on_connection_queued_start.append(_phase(WAITING))
    config.on_connection_queued_end.append(_phase(CONNECTING))
    config.on_dns_resolvehost_start.append(_phase(RESOLVING))
    config.on_dns_resolvehost_end.append(_phase(CONNECTING))
    config.on_connection_create_start.append(_phase(CONNECTING))
    config.on_request_headers_sent.append(_phase(SENDING))
    config.on_connection_reuseconn.append(_reused)
    return config


def _phase(phase: str) -> Any:
    async def enter(session: object, context: SimpleNamespace, params: object) -> None:
        progress = context.trace_request_ctx
        if isinstance(progress, Progress):
            progress.phase = phase

    return enter


async def _reused(session: object, context: SimpleNamespace, params: object) -> None:
    progress = context.trace_request_ctx
    if isinstance(progress, Progress):
        progress.reused = True
