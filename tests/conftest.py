"""Shared fixtures: a fake Skiplino server on 127.0.0.1 and clients talking to it over TCP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from skiplino_async import RetryPolicy, Skiplino
from skiplino_async.testing import FakeSkiplino

#: Retry waits short enough for tests; the policy's logic is the same as in production.
FAST_RETRIES = RetryPolicy(initial_delay=0.001, max_delay=0.01)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSkiplino]:
    async with FakeSkiplino(customers=137) as server:
        yield server


@pytest.fixture
async def client(fake: FakeSkiplino) -> AsyncIterator[Skiplino]:
    async with Skiplino(
        api_key=fake.secret_key, base_url=fake.url, retry_policy=FAST_RETRIES, timeout=10
    ) as c:
        yield c


@pytest.fixture
async def public_client(fake: FakeSkiplino) -> AsyncIterator[Skiplino]:
    async with Skiplino(
        api_key=fake.public_key, base_url=fake.url, retry_policy=FAST_RETRIES, timeout=10
    ) as c:
        yield c


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Start a small aiohttp.web server answering every path with ``handler``; gives its base URL.

    For servers that misbehave in ways the fake does not model (a pagination that lies, a
    documented example body served verbatim). Real TCP on 127.0.0.1, cleaned up afterwards.
    """
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}/external/v1"

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def raw_client(
    serve: Callable[[Handler], Awaitable[str]],
) -> AsyncIterator[Callable[[Handler], Awaitable[Skiplino]]]:
    """A factory: ``await raw_client(handler)`` gives a client talking to such a server."""
    clients: list[Skiplino] = []

    async def make(handler: Handler) -> Skiplino:
        url = await serve(handler)
        c = Skiplino(
            api_key="sk_test_rawserver", base_url=url, retry_policy=FAST_RETRIES, max_retries=0
        )
        clients.append(c)
        return c

    yield make
    for c in clients:
        await c.aclose()
