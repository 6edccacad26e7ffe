"""The API key is unreachable from anything a user or a reporter can print.

Not in any error's ``repr``/``str``/``vars`` along the whole ``__cause__``/``__context__`` chain,
not in the locals that traceback reporters capture (``capture_locals=True``, loguru, Sentry),
not in logs or messages even when a server echoes it back; and no cookie is ever replayed.
Each case is a real server on 127.0.0.1 sending exactly the bytes that provoke it.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web

from skiplino_async import (
    APIConnectionError,
    AuthenticationError,
    RetryPolicy,
    Skiplino,
    SkiplinoError,
)
from skiplino_async.testing import FakeSkiplino

KEY = "sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
FAST = RetryPolicy(initial_delay=0.001, max_delay=0.002)


def chain(error: BaseException) -> Iterator[BaseException]:
    """The error, its causes and contexts, and any exception held in their attributes."""
    seen: set[int] = set()
    todo = [error]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        todo.extend(v for v in vars(current).values() if isinstance(v, BaseException))


def assert_key_unreachable(error: BaseException, key: str = KEY) -> None:
    for link in chain(error):
        for shown in (repr(link), str(link), repr(vars(link)), repr(link.args)):
            assert key not in shown, f"{type(link).__name__} shows the key: {shown[:300]}"
    report = "".join(
        traceback.TracebackException(
            type(error), error, error.__traceback__, capture_locals=True
        ).format()
    )
    assert key not in report, report


async def _raw_server(reply: bytes) -> tuple[asyncio.Server, str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(reply)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/external/v1"


BROKEN_ANSWERS = {
    "bad status line": b"HTTP/1.1 abc\r\n\r\n",
    "not http at all": b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
    "oversize header": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
    "malformed header": b"HTTP/1.1 200 OK\r\nNo colon here\r\nContent-Length: 2\r\n\r\n{}",
    "body cut short": b'HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{"data": ',
}


@pytest.mark.parametrize("reply", BROKEN_ANSWERS.values(), ids=BROKEN_ANSWERS.keys())
async def test_connection_errors_chain_nothing_that_holds_the_key(reply: bytes) -> None:
    server, url = await _raw_server(reply)
    try:
        async with Skiplino(api_key=KEY, base_url=url, max_retries=1, retry_policy=FAST) as c:
            with pytest.raises(APIConnectionError) as caught:
                await c.customers.get(id="64b7f0c2a1d3e5f7a9b1c3d5")
    finally:
        server.close()
        await server.wait_closed()
    assert_key_unreachable(caught.value)


async def test_status_timeout_and_refused_errors_do_not_show_the_key(fake: FakeSkiplino) -> None:
    errors: list[BaseException] = []
    async with Skiplino(api_key=KEY, base_url=fake.url, retry_policy=FAST) as c:
        for call in (
            lambda: c.customers.get(id="0" * 24),  # 401: the fake does not know this key
            lambda: c.customers.list().__aiter__().__anext__(),
        ):
            with pytest.raises(SkiplinoError) as caught:
                await call()
            errors.append(caught.value)
    fake.faults.delay(1.0)
    async with Skiplino(api_key=KEY, base_url=fake.url, timeout=0.05, max_retries=0) as c:
        with pytest.raises(SkiplinoError) as caught:
            await c.branches.list()
        errors.append(caught.value)
    async with Skiplino(api_key=KEY, base_url="http://127.0.0.1:9/external/v1") as c:
        with pytest.raises(SkiplinoError) as caught:
            await c.branches.list(max_retries=0)
        errors.append(caught.value)
    for error in errors:
        assert_key_unreachable(error)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_url": "http://api.example.com/external/v1"},  # insecure URL refused
        {"base_url": "ftp://x"},
        {"timeout": -1},
        {"max_retries": -1},
        {"locale": "a\nb"},
    ],
)
def test_construction_errors_do_not_capture_the_key_in_locals(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r".") as caught:
        Skiplino(api_key=KEY, **kwargs)
    assert_key_unreachable(caught.value)


def test_a_multi_line_key_is_refused_without_showing_it() -> None:
    with pytest.raises(ValueError, match="single-line") as caught:
        Skiplino(api_key=KEY + "\r\nX-Injected: 1")
    assert_key_unreachable(caught.value)


@pytest.fixture
async def echoing(
    serve: Callable[[Any], Awaitable[str]],
) -> str:
    """A server that echoes the Authorization header back, in the body and in a header."""

    async def handler(request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        return web.json_response(
            {"message": f"Invalid key {auth}", "error": f"you sent {auth}"},
            status=401,
            headers={"X-Echo": auth},
        )

    return await serve(handler)


async def test_a_server_echoing_the_key_gets_it_scrubbed_from_errors_and_logs(
    echoing: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="skiplino_async")
    async with Skiplino(api_key=KEY, base_url=echoing, max_retries=0) as c:
        with pytest.raises(AuthenticationError) as caught:
            await c.branches.list()
    error = caught.value
    assert_key_unreachable(error)
    assert KEY not in repr(error.body)
    assert KEY not in repr(dict(error.headers))
    assert "sk_***" in str(error)  # the echo is still visible, as the key's kind only
    assert caplog.records
    assert KEY not in caplog.text


async def test_no_cookie_is_stored_or_replayed(
    serve: Callable[[Any], Awaitable[str]],
) -> None:
    cookies_seen: list[str | None] = []

    async def handler(request: web.Request) -> web.Response:
        cookies_seen.append(request.headers.get("Cookie"))
        response = web.json_response({"message": "ok", "data": []})
        response.set_cookie(f"c{len(cookies_seen)}", "x" * 200)
        return response

    # A host name: aiohttp's default jar keeps no cookies for bare IP addresses.
    url = (await serve(handler)).replace("127.0.0.1", "localhost")
    async with Skiplino(api_key=KEY, base_url=url) as c:
        for _ in range(20):
            await c.branches.list()
    assert cookies_seen == [None] * 20
