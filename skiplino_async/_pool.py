"""The SDK's connection pool: aiohttp's, minus the connections a server has already closed.

A server closes an idle keep-alive connection after its own timeout (Node: 5 s), sometimes
with an unsolicited ``408`` first. When that arrives while the application's event loop is
busy, aiohttp has not read it when the next request takes the connection from the pool: the
request is written into a dead connection and fails, having reached nobody. So, as urllib3 and
httpx do, a pooled connection is checked just before it carries a request: one that is
readable while idle (the server's EOF, or an answer nobody asked for) is dropped and another
is used. Idle connections are also kept no longer than common servers keep them: 4 s, or
less when the server's ``Keep-Alive: timeout=N`` says so.

The pool also tells the attempt's :class:`._progress.Progress` whether it waited for a free
connection and whether it took a pooled one. This is the pool of the session the SDK
creates; a session you pass in keeps its own rules.
"""

from __future__ import annotations

import math
import select
from typing import TYPE_CHECKING, Final

import aiohttp

from ._progress import CONNECTING, WAITING, current

if TYPE_CHECKING:
    from ssl import SSLContext

    from aiohttp.client_proto import ResponseHandler
    from aiohttp.client_reqrep import ConnectionKey
    from aiohttp.connector import Connection
    from aiohttp.tracing import Trace

__all__ = ["IDLE_SECONDS", "FreshConnector", "idle_limit"]

#: How long an idle connection is kept: under Node's and Apache's default of 5 s.
IDLE_SECONDS: Final = 4.0


class FreshConnector(aiohttp.TCPConnector):
    """A ``TCPConnector`` that never hands out a pooled connection the server has closed."""

    def __init__(self, *, limit: int, ssl: SSLContext | bool) -> None:
        super().__init__(limit=limit, ssl=ssl, keepalive_timeout=IDLE_SECONDS)

    def note_keep_alive(self, header: str) -> None:
        """A server's ``Keep-Alive`` header: keep idle connections no longer than it says.

        One client talks to one API host, so what one answer says holds for the pool.
        """
        seconds = idle_limit(header)
        if seconds is not None and seconds < (self._keepalive_timeout or IDLE_SECONDS):
            # aiohttp's own idle limit, checked when a connection is taken from the pool.
            self._keepalive_timeout = max(seconds, 0.001)

    async def _get(self, key: ConnectionKey, traces: list[Trace]) -> Connection | None:
        # aiohttp's pool lookup, which only knows what the loop has already read: each
        # connection it offers is checked first, and a dead one closed (freeing its slot).
        progress = current.get()
        while (conn := await super()._get(key, traces)) is not None:
            protocol = conn.protocol
            if protocol is not None and self._usable(protocol):
                if progress is not None:
                    progress.reused = True
                return conn
            conn.close()
        if progress is not None:
            # Next, aiohttp waits for a slot if none is free, then looks here again.
            full = self._available_connections(key) <= 0
            progress.phase = WAITING if full else CONNECTING
        return None

    @staticmethod
    def _usable(protocol: ResponseHandler) -> bool:
        # Bytes already read but not asked for, or a close already announced.
        if protocol.should_close:
            return False
        transport = protocol.transport
        sock = transport.get_extra_info("socket") if transport is not None else None
        return sock is None or not _readable(sock.fileno())


def _readable(fd: int) -> bool:
    """Whether ``fd`` has something to read now: on an idle connection, EOF or stray bytes."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([fd], [], [], 0)  # pragma: no cover - Windows
    return bool(readable)


def idle_limit(header: str | None) -> float | None:
    """How long a connection may stay idle after an answer carrying ``Keep-Alive: header``.

    The server's ``timeout=N`` less a second (half of it below 2 s) for the time the close
    takes to arrive; ``None`` when the header says nothing usable.
    """
    if not header:
        return None
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() != "timeout":
            continue
        try:
            seconds = float(value.strip())
        except ValueError:
            return None
        if not math.isfinite(seconds) or seconds < 0:
            return None
        return seconds - 1.0 if seconds >= 2 else seconds / 2
    return None
