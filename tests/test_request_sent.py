"""``request_sent`` is a fact: ``True`` only once the request's bytes went to a connection.

Every failure before that (waiting for a pool slot, DNS, TCP connect, TLS handshake, the
proxy's tunnel) is ``request_sent=False``, names its phase and is retried like any request
that never left, bookings included, within the deadline. Raw servers over real TCP count what
arrived: a booking the SDK calls unsent never reached the server.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from raw_support import GROUP, PROXY_REFUSAL, SERVICE, RawServer

from skiplino_async import APIConnectionError, APITimeoutError, RetryPolicy, Skiplino, Ticket

KEY = "sk_test_requestsent"
FAST = RetryPolicy(initial_delay=0.001, max_delay=0.005)


async def book(client: Skiplino, **call: Any) -> Ticket:
    return await client.tickets.book(service_id=SERVICE, group_of_service_id=GROUP, **call)


@contextmanager
def unanswered_port() -> Iterator[int]:
    """A loopback port whose accept queue is full: a new TCP connect is never answered."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    try:
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """Accepts TCP connections and never says a word (a TLS handshake that never ends)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield int(server.sockets[0].getsockname()[1])
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


class NeverResolver(AbstractResolver):
    """A resolver that never answers."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def close(self) -> None:
        pass


# --- one test per situation: nothing left, and the error says so -------------------------------


async def test_waiting_for_the_only_pooled_connection_is_not_sent() -> None:
    hold = asyncio.Event()
    async with (
        RawServer(hold=hold) as server,
        Skiplino(
            api_key=KEY, base_url=server.url, connection_limit=1, timeout=1, max_retries=0
        ) as client,
    ):
        busy = asyncio.create_task(client.tickets.get("k7m2p9x4q1", timeout=30))
        await asyncio.wait_for(server.arrived.wait(), 5)
        with pytest.raises(APITimeoutError) as caught:
            await book(client)
        hold.set()
        await busy
    assert caught.value.request_sent is False
    assert "waiting for a free connection" in str(caught.value)
    assert server.count("POST") == 0


async def test_a_booking_waiting_for_the_pool_is_retried_and_sent_once() -> None:
    hold = asyncio.Event()
    async with (
        RawServer(hold=hold) as server,
        Skiplino(api_key=KEY, base_url=server.url, connection_limit=1, retry_policy=FAST) as client,
    ):
        busy = asyncio.create_task(client.tickets.get("k7m2p9x4q1", timeout=30))
        await asyncio.wait_for(server.arrived.wait(), 5)
        asyncio.get_running_loop().call_later(0.5, hold.set)
        with client.capture_responses() as captured:
            ticket = await book(client, timeout=0.2, max_retries=20, deadline=10)
        await busy
    assert ticket.id == "k7m2p9x4q1"
    assert captured.last is not None
    assert captured.last.attempts > 1
    assert server.count("POST") == 1


@pytest.mark.parametrize("limit", [{"deadline": 0.5}, {"timeout": 0.5}])
async def test_a_tcp_connect_never_answered_is_not_sent(limit: dict[str, float]) -> None:
    with unanswered_port() as port:
        async with Skiplino(
            api_key=KEY, base_url=f"http://127.0.0.1:{port}/external/v1", max_retries=0
        ) as client:
            with pytest.raises(APITimeoutError) as caught:
                await book(client, **limit)
    assert caught.value.request_sent is False
    assert "timed out connecting" in str(caught.value)


async def test_an_unanswered_connect_is_retried_for_a_booking_within_the_deadline() -> None:
    with unanswered_port() as port:
        async with Skiplino(
            api_key=KEY,
            base_url=f"http://127.0.0.1:{port}/external/v1",
            retry_policy=FAST,
            max_retries=10,
        ) as client:
            with pytest.raises(APITimeoutError) as caught:
                await book(client, timeout=0.2, deadline=1.0)
    assert caught.value.request_sent is False
    assert caught.value.attempts > 1


async def test_a_tls_handshake_never_answered_is_not_sent(silent_port: int) -> None:
    async with Skiplino(
        api_key=KEY, base_url=f"https://127.0.0.1:{silent_port}/external/v1", max_retries=0
    ) as client:
        with pytest.raises(APITimeoutError) as caught:
            await book(client, timeout=0.5)
    assert caught.value.request_sent is False
    assert "timed out connecting" in str(caught.value)


async def test_dns_never_answering_is_not_sent_on_a_borrowed_session() -> None:
    connector = aiohttp.TCPConnector(resolver=NeverResolver())
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        Skiplino(
            api_key=KEY,
            base_url="http://api.skiplino.test/external/v1",
            session=session,
            allow_insecure_http=True,
            max_retries=0,
        ) as client,
    ):
        with pytest.raises(APITimeoutError) as caught:
            await book(client, timeout=0.5)
    assert caught.value.request_sent is False
    assert "before the request was sent" in str(caught.value)


async def test_a_borrowed_session_waiting_for_its_pool_is_not_sent() -> None:
    hold = asyncio.Event()
    async with (
        RawServer(hold=hold) as server,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session,
        Skiplino(api_key=KEY, base_url=server.url, session=session, max_retries=0) as client,
    ):
        busy = asyncio.create_task(client.tickets.get("k7m2p9x4q1", timeout=30))
        await asyncio.wait_for(server.arrived.wait(), 5)
        with pytest.raises(APITimeoutError) as caught:
            await book(client, timeout=0.5)
        hold.set()
        await busy
    assert caught.value.request_sent is False
    assert server.count("POST") == 0


async def test_a_proxy_refusing_the_tunnel_is_not_sent() -> None:
    async with (
        RawServer(answer=PROXY_REFUSAL) as proxy,
        Skiplino(
            api_key=KEY,
            base_url="https://api.skiplino.test/external/v1",
            proxy=proxy.origin,
            ssl=ssl.create_default_context(),
            max_retries=0,
        ) as client,
    ):
        with pytest.raises(APIConnectionError) as caught:
            await book(client)
    assert caught.value.request_sent is False
    assert "the proxy refused the tunnel: 407" in str(caught.value)
    assert proxy.requests == [("CONNECT", "api.skiplino.test:443")]


async def test_an_answer_that_timed_out_after_sending_is_still_sent() -> None:
    hold = asyncio.Event()
    async with (
        RawServer(hold=hold) as server,
        Skiplino(api_key=KEY, base_url=server.url, max_retries=3, retry_policy=FAST) as client,
    ):
        with pytest.raises(APITimeoutError) as caught:
            await book(client, timeout=0.3)
    assert caught.value.request_sent is True
    assert "timed out waiting for the response" in str(caught.value)
    assert server.count("POST") == 1


async def test_a_borrowed_sessions_own_middlewares_still_run() -> None:
    seen: list[str] = []

    async def tag(
        request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        seen.append(request.method)
        return await handler(request)

    async with (
        RawServer() as server,
        aiohttp.ClientSession(middlewares=(tag,)) as session,
        Skiplino(api_key=KEY, base_url=server.url, session=session) as client,
    ):
        await book(client)
    assert seen == ["POST"]
    assert server.count("POST") == 1
