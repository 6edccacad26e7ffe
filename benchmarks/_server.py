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
far, and the throttled answers).

``--rate-limit N`` puts every route but ``/_stats`` behind one token bucket of N requests a
second holding ``--burst`` of them (default: N): beyond it the answer is ``429`` with
``--retry-after`` ``exact`` (seconds to the next token), a number of seconds, or ``none``.
"""

from __future__ import annotations

import argparse
import asyncio
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Final
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
_REASONS: Final = {
    200: b"OK",
    404: b"Not Found",
    422: b"Unprocessable Entity",
    429: b"Too Many Requests",
}
_STATS: Final = (BASE_PATH + "/_stats").encode()
_TOO_MANY: Final = b'{"message":"Too Many Attempts.","error":"Too Many Attempts."}'


class Bucket:
    """``rate`` tokens a second, ``burst`` at most, full at the start."""

    def __init__(self, rate: float, burst: float, retry_after: str) -> None:
        self.rate, self.burst, self.retry_after = rate, burst, retry_after
        self.tokens, self.at = burst, time.monotonic()

    def refuse(self) -> bytes | None:
        """``None``: a token was taken; else the whole 429 response."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        head = b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
        if self.retry_after == "exact":
            head += b"Retry-After: %.3f\r\n" % ((1.0 - self.tokens) / self.rate + 0.0005)
        elif self.retry_after != "none":
            head += b"Retry-After: %s\r\n" % self.retry_after.encode()
        return head + b"Content-Length: %d\r\n\r\n" % len(_TOO_MANY) + _TOO_MANY


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

    def __init__(self, customers: int, one_ids: int, bucket: Bucket | None = None) -> None:
        self.customers = customers
        self.served = 0
        self.page_requests = 0
        self.bucket = bucket
        #: Whether each request behind the bucket was throttled, in arrival order.
        self.throttled: list[bool] = []
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
        if self.bucket is not None and not target.startswith(_STATS):
            refused = self.bucket.refuse()
            self.throttled.append(refused is not None)
            if refused is not None:
                return refused
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
            log = self.throttled
            stats = {
                "served": self.served,
                "pages": self.page_requests,
                "customers": self.customers,
                "limited": len(log),
                "throttled": sum(log),
                # Once settled: the second half of the requests behind the bucket.
                "throttled_late": sum(log[len(log) // 2 :]),
                "late": len(log) - len(log) // 2,
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


async def serve(
    customers: int, latencies: list[float], one_ids: int, bucket: Bucket | None = None
) -> None:
    loop = asyncio.get_running_loop()
    routes = Routes(customers, one_ids, bucket)
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


def launch(*args: str, timeout: float = 120.0) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """This server in its own process with ``args``, and its start-up line (parsed)."""
    proc = subprocess.Popen(
        [sys.executable, __file__, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else b""
    if not line:
        stop(proc)
        raise RuntimeError("the benchmark server did not start")
    info: dict[str, Any] = orjson.loads(line)
    return proc, info


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Close its standard input (it exits), or kill it if it does not within 10 s."""
    if proc.stdin is not None:
        proc.stdin.close()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument(
        "--latency", type=float, action="append", help="seconds; repeat for more listeners"
    )
    parser.add_argument("--one-ids", type=int, default=1000, help="customers served by getOne")
    parser.add_argument("--rate-limit", type=float, help="requests per second, then 429")
    parser.add_argument("--burst", type=float, help="tokens the bucket holds (default: N)")
    parser.add_argument("--retry-after", default="exact", help="exact, none or seconds")
    args = parser.parse_args(argv)
    bucket = None
    if args.rate_limit is not None:
        bucket = Bucket(args.rate_limit, args.burst or args.rate_limit, args.retry_after)
    asyncio.run(serve(args.customers, args.latency or [0.0], args.one_ids, bucket))


if __name__ == "__main__":
    main()
