"""``aclose()`` with calls in flight: each call ends with a typed, truthful error.

A call whose request had gone out ends with an ``APIConnectionError(request_sent=True)``; one
that had not ends with ``ClientUsageError``. No ``CancelledError`` reaches a task nobody
cancelled, no ``RuntimeError`` from aiohttp, and no retry starts on a closed client. A raw
server over real TCP counts what arrived.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from raw_support import GROUP, SERVICE, RawServer

from skiplino_async import (
    APIConnectionError,
    ClientUsageError,
    RetryPolicy,
    Skiplino,
    SkiplinoError,
)

KEY = "sk_test_closing"
FAST = RetryPolicy(initial_delay=0.001, max_delay=0.005)


async def until_arrived(server: RawServer, count: int) -> None:
    async with asyncio.timeout(5):
        while len(server.requests) < count:
            server.arrived.clear()
            await server.arrived.wait()


async def book(client: Skiplino) -> Any:
    return await client.tickets.book(service_id=SERVICE, group_of_service_id=GROUP)


async def test_closing_with_calls_in_flight_ends_each_with_a_typed_error() -> None:
    hold = asyncio.Event()
    async with RawServer(hold=hold) as server:
        client = Skiplino(api_key=KEY, base_url=server.url, connection_limit=4, retry_policy=FAST)
        calls = [book(client) for _ in range(4)]
        calls += [client.tickets.get("k7m2p9x4q1") for _ in range(4)]
        tasks = [asyncio.create_task(call) for call in calls]
        await until_arrived(server, 4)  # 4 sent and waiting for answers, 4 waiting for the pool
        await client.aclose()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        arrived = len(server.requests)
    for result in results:
        assert isinstance(result, SkiplinoError), repr(result)
    sent = [r for r in results if isinstance(r, APIConnectionError)]
    assert all(r.request_sent for r in sent)
    assert "closed while this call was in flight" in str(sent[0])
    unsent = [r for r in results if isinstance(r, ClientUsageError)]
    assert "closed while this call was in flight" in str(unsent[0])
    assert (len(sent), len(unsent)) == (4, 4)
    assert arrived == 4  # no retry was started on the closed client


async def test_a_call_waiting_to_retry_does_not_retry_on_a_closed_client() -> None:
    slow = RetryPolicy(initial_delay=0.5, max_delay=0.5, jitter=None)
    async with RawServer(drop=frozenset({1})) as server:
        client = Skiplino(api_key=KEY, base_url=server.url, retry_policy=slow)
        task = asyncio.create_task(client.tickets.get("k7m2p9x4q1"))
        await until_arrived(server, 1)
        await asyncio.sleep(0.1)  # the first attempt failed; the call waits to retry
        await client.aclose()
        try:
            await task
        except ClientUsageError as exc:
            error: BaseException = exc
    assert "closed while this call was in flight" in str(error)
    assert len(server.requests) == 1


async def test_a_call_cancelled_while_its_client_closes_is_still_cancelled() -> None:
    hold = asyncio.Event()
    async with RawServer(hold=hold) as server:
        client = Skiplino(api_key=KEY, base_url=server.url, retry_policy=FAST)
        task = asyncio.create_task(book(client))
        await until_arrived(server, 1)
        task.cancel()
        await client.aclose()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_closing_a_client_on_a_borrowed_session_lets_calls_in_flight_finish() -> None:
    hold = asyncio.Event()
    async with RawServer(hold=hold) as server, aiohttp.ClientSession() as session:
        client = Skiplino(api_key=KEY, base_url=server.url, session=session)
        task = asyncio.create_task(book(client))
        await until_arrived(server, 1)
        await client.aclose()
        hold.set()
        ticket = await task
        with pytest.raises(ClientUsageError, match="closed"):
            await book(client)
    assert ticket.id == "k7m2p9x4q1"
    assert server.count("POST") == 1


async def test_a_call_waiting_out_a_retry_after_ends_when_its_client_closes() -> None:
    # The server asks for 30 s; closing the client must not leave the call sleeping them.
    busy = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\nContent-Length: 0\r\n\r\n"
    async with RawServer(answer=busy) as server:
        client = Skiplino(api_key=KEY, base_url=server.url, retry_policy=FAST)
        task = asyncio.create_task(client.tickets.get("k7m2p9x4q1"))
        await until_arrived(server, 1)
        await asyncio.sleep(0.2)  # the 429 is read: the call sleeps
        await client.aclose()
        with pytest.raises(ClientUsageError, match="closed while this call was in flight"):
            await asyncio.wait_for(task, 5)
    assert len(server.requests) == 1
