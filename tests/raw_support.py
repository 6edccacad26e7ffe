"""A raw HTTP/1.1 server on 127.0.0.1 for the connection-level tests: it counts what arrived.

Each connection reads requests (head and ``Content-Length`` body) and answers them with a
ticket envelope, keeping the connection alive. ``hold`` makes it sit on a request without
answering until the event is set; ``idle_close`` closes a connection that stays idle that
long, after sending ``idle_bytes`` (a ``408``, say) first.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

from skiplino_async.testing._openapi import TICKET_EXAMPLE

SERVICE, GROUP = "6fe8fb8b12", "7c1f9a3b2d"
TICKET: Final[dict[str, Any]] = {**TICKET_EXAMPLE, "customer": None}
BODY: Final = json.dumps({"message": "ok", "data": TICKET}).encode()
ANSWER: Final = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(BODY)).encode()
    + b"\r\n\r\n"
    + BODY
)
PROXY_REFUSAL: Final = (
    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
    b'Proxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n'
)
REQUEST_TIMEOUT: Final = (
    b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
)


def answer(extra_headers: bytes) -> bytes:
    """The ticket answer with one more header line."""
    head, body = ANSWER.split(b"\r\n\r\n", 1)
    return head + b"\r\n" + extra_headers + b"\r\n\r\n" + body


@contextmanager
def in_thread(server: RawServer) -> Iterator[RawServer]:
    """Run ``server`` in a thread of its own, so it acts while the test's loop is blocked."""
    ready = threading.Event()
    box: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def main() -> None:
        stop = asyncio.Event()
        async with server:
            box.append((asyncio.get_running_loop(), stop))
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(10), "the server thread did not start"
    try:
        yield server
    finally:
        loop, stop = box[0]
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)


class RawServer:
    """Counts the requests that arrived (``requests``: method and path) and the connections."""

    def __init__(
        self,
        *,
        hold: asyncio.Event | None = None,
        idle_close: float | None = None,
        idle_bytes: bytes = b"",
        idle_keep_open: bool = False,
        answer: bytes = ANSWER,
        drop: frozenset[int] = frozenset(),
    ) -> None:
        self.requests: list[tuple[str, str]] = []
        #: The body of each request, in the order they arrived.
        self.bodies: list[bytes] = []
        self.connections = 0
        #: Set once a request has arrived.
        self.arrived = asyncio.Event()
        self._hold = hold
        self._idle_close = idle_close
        self._idle_bytes = idle_bytes
        self._idle_keep_open = idle_keep_open
        #: The requests (counted from 1) whose connection is closed instead of answered.
        self._drop = drop
        self._answer = answer
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        if self._hold is not None:
            self._hold.set()
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    @property
    def url(self) -> str:
        return f"{self.origin}/external/v1"

    def count(self, method: str) -> int:
        return sum(1 for m, _ in self.requests if m == method)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        idle_close = self._idle_close
        try:
            while True:
                try:
                    async with asyncio.timeout(idle_close):
                        head = await reader.readuntil(b"\r\n\r\n")
                except TimeoutError:
                    writer.write(self._idle_bytes)
                    if not self._idle_keep_open:
                        return
                    idle_close = None  # said once; the connection stays open
                    continue
                method, path = head.split(b" ", 2)[:2]
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                self.bodies.append(await reader.readexactly(length))
                self.requests.append((method.decode(), path.decode()))
                self.arrived.set()
                if len(self.requests) in self._drop:
                    return
                if self._hold is not None:
                    await self._hold.wait()
                writer.write(self._answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
