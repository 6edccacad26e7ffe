"""How far one attempt got: the phase it was in, and whether its bytes went to a connection.

Both are learnt per request, never guessed from the type of the exception that ended the
attempt (a total timeout looks the same in every phase):

* a client middleware, passed with each request so that a borrowed session gets it too, sees
  the ``ClientRequest``. aiohttp gives a request its response object in the step that hands
  its bytes to the connection, so until then nothing was written;
* the connection pool of the session the SDK creates (:mod:`._pool`) finds the attempt's
  progress in :data:`current` and records whether it waited for a free connection and
  whether it took a pooled one. A borrowed session has its own pool: its failures before
  sending are reported without the phase, and a dead pooled connection is not told apart
  from a new one.

(aiohttp's request tracing would tell the phases too, but a trace config makes aiohttp send
every signal of every request: about a quarter of the SDK's CPU per call.)
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Final

import aiohttp

__all__ = ["CONNECTING", "UNKNOWN", "WAITING", "Progress", "current"]

#: The phases an attempt goes through before its bytes are written (as said in messages).
WAITING: Final = "waiting for a free connection"
CONNECTING: Final = "connecting"
#: What is known on a borrowed session, whose pool does not say.
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
        request = self._request
        if self._resent or request is None:
            return self._resent
        # Should an aiohttp release ever drop the attribute, err on the safe side: "sent".
        return getattr(request, "response", True) is not None

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


#: The progress of the attempt the current task is making, for the SDK's connection pool.
current: Final[ContextVar[Progress | None]] = ContextVar("skiplino_async_attempt", default=None)
