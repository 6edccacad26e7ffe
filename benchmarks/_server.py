"""The benchmark server: pre-rendered Skiplino responses on 127.0.0.1, in its own process.

Every response (status line, headers and body) is rendered once at start-up, so answering a
request costs the same few microseconds whichever client asks: find the end of the request
head, look its target up in a dict, write one ``bytes`` object. It is a bare
``asyncio.Protocol`` speaking just enough HTTP/1.1 (keep-alive, ``Content-Length`` request
bodies, ``Connection: close``) for aiohttp and httpx.

One listener per ``--latency`` value (seconds added before each answer is written). Once
listening it prints one JSON line ``{"ports": {"<latency>": port, ...}, ...}`` and then serves
until its standard input closes (so it never outlives the benchmark that started it) or it
receives SIGTERM.

Routes under ``/external/v1``: ``/branches`` (the small response), ``/customers/getAll``
(``page``/``limit=100`` pages of ``--customers`` customers), ``/customers/getOne?id=...``
(the first ``--one-ids`` customers) and ``/_stats`` (requests and page requests served so
far).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Final
from urllib.parse import parse_qsl, urlsplit

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _payloads import (
    BASE_PATH,
    BRANCHES_BODY,
    PAGE_LIMIT,
    customer_body,
    customer_id,
    customers_page,
    pages,
)

_PAGES_PREFIX: Final = (BASE_PATH + "/customers/getAll").encode()
_REASONS: Final = {200: b"OK", 404: b"Not Found", 422: b"Unprocessable Entity"}


def _response(status: int, body: bytes, *, close: bool = False) -> bytes:
    head = b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n" % (
        status,
        _REASONS[status],
        len(body),
    )
    if close:
        head += b"Connection: close\r\n"
    return head + b"\r\n" + body


class Routes:
    """Request target -> full pre-rendered response."""

    def __init__(self, customers: int, one_ids: int) -> None:
        self.customers = customers
        self.served = 0
        self.page_requests = 0
        # Canonical key: (path, sorted query pairs). Exact targets are cached on first sight,
        # so the parse below runs once per distinct target, never per request.
        self._canonical: dict[tuple[str, tuple[tuple[str, str], ...]], bytes] = {}
        self._exact: dict[bytes, bytes] = {}
        self._add("/branches", (), BRANCHES_BODY)
        for page in range(1, pages(customers) + 1):
            body = orjson.dumps(customers_page(page, customers))
            self._add("/customers/getAll", (("limit", str(PAGE_LIMIT)), ("page", str(page))), body)
        for i in range(min(one_ids, customers)):
            self._add("/customers/getOne", (("id", customer_id(i)),), customer_body(i))
        self._missing = _response(
            422, orjson.dumps({"message": "The given data was invalid.", "error": {"id": "?"}})
        )
        self._not_found = _response(404, orjson.dumps({"message": "Not found.", "error": None}))

    def _add(self, path: str, query: tuple[tuple[str, str], ...], body: bytes) -> None:
        self._canonical[(BASE_PATH + path, query)] = _response(200, body)

    def lookup(self, target: bytes) -> bytes:
        self.served += 1
        if target.startswith(_PAGES_PREFIX):
            # Page requests received so far: the harness reads it to see how many pages a
            # client requests ahead of the one it is handing out.
            self.page_requests += 1
        hit = self._exact.get(target)
        if hit is not None:
            return hit
        parts = urlsplit(target.decode("latin-1"))
        if parts.path == BASE_PATH + "/_stats":
            stats = {
                "served": self.served,
                "pages": self.page_requests,
                "customers": self.customers,
            }
            return _response(200, orjson.dumps(stats))
        query = tuple(sorted(parse_qsl(parts.query)))
        found = self._canonical.get((parts.path, query))
        if found is None:
            return self._missing if parts.path.endswith("/getOne") else self._not_found
        if len(self._exact) < 100_000:
            self._exact[target] = found
        return found


class HttpProtocol(asyncio.Protocol):
    """One client connection: parse request heads, answer from the route table."""

    def __init__(self, routes: Routes, latency: float) -> None:
        self._routes = routes
        self._latency = latency
        self._buf = b""
        self._transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def data_received(self, data: bytes) -> None:
        buf = self._buf + data if self._buf else data
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buf[:end]
            first = head.find(b"\r\n")
            request_line = head if first < 0 else head[:first]
            try:
                _method, target, _version = request_line.split(b" ", 2)
            except ValueError:
                self._send(_response(404, b"{}", close=True), close=True)
                self._buf = b""
                return
            lower = head.lower()
            length = 0
            at = lower.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = lower.find(b"\r\n", at + 2)
                length = int(lower[at + 17 : stop if stop >= 0 else len(lower)])
            total = end + 4 + length
            if len(buf) < total:
                break
            buf = buf[total:]
            close = b"\r\nconnection: close" in lower
            self._send(self._routes.lookup(target), close=close)
        self._buf = buf

    def _send(self, response: bytes, *, close: bool = False) -> None:
        if self._latency > 0:
            self._loop.call_later(self._latency, self._write, response, close)
        else:
            self._write(response, close)

    def _write(self, response: bytes, close: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        transport.write(response)
        if close:
            transport.close()


async def serve(customers: int, latencies: list[float], one_ids: int) -> None:
    loop = asyncio.get_running_loop()
    routes = Routes(customers, one_ids)
    servers = []
    ports: dict[str, int] = {}
    for latency in latencies:
        server = await loop.create_server(
            lambda latency=latency: HttpProtocol(routes, latency), "127.0.0.1", 0, backlog=1024
        )
        servers.append(server)
        ports[repr(latency)] = server.sockets[0].getsockname()[1]
    print(orjson.dumps({"ports": ports, "customers": customers}).decode(), flush=True)

    done = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, done.set)
    loop.add_signal_handler(signal.SIGINT, done.set)

    def on_stdin() -> None:
        if not sys.stdin.buffer.read1(4096):  # EOF: the benchmark is gone
            loop.remove_reader(sys.stdin.fileno())
            done.set()

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    try:
        await done.wait()
    finally:
        for server in servers:
            server.close()  # not wait_closed(): idle keep-alive clients must not hold us up


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument(
        "--latency", type=float, action="append", help="seconds; repeat for more listeners"
    )
    parser.add_argument("--one-ids", type=int, default=1000, help="customers served by getOne")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.customers, args.latency or [0.0], args.one_ids))


if __name__ == "__main__":
    main()
