"""A pooled connection the server has closed is never used for a request.

Servers drop idle keep-alive connections (Node after 5 s), some with a ``408`` first. When
that happens while the application's loop is busy, the close is still unread when the next
request takes the connection from the pool: the request dies with it, and a booking that way
fails for nothing. Raw servers over real TCP, in a thread of their own so that they act while
the test's loop is blocked, count the bookings that arrived: exactly one per booking.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter

import pytest
from raw_support import GROUP, REQUEST_TIMEOUT, SERVICE, RawServer, answer, in_thread

from skiplino_async import APIConnectionError, RetryPolicy, Skiplino, SkiplinoError
from skiplino_async._pool import idle_limit

KEY = "sk_test_staleconns"
BOOKINGS = 5
RACES = 100
FAST = RetryPolicy(initial_delay=0.001, max_delay=0.005)


async def book_through_stalls(client: Skiplino, stall: float) -> int:
    """Book once, then ``BOOKINGS`` times, each after the loop was blocked; the failures."""
    await client.tickets.book(service_id=SERVICE, group_of_service_id=GROUP)
    failures = 0
    for _ in range(BOOKINGS):
        # The point of the test: the loop is busy, so the server's close is not read yet.
        time.sleep(stall)  # noqa: ASYNC251
        try:
            await client.tickets.book(service_id=SERVICE, group_of_service_id=GROUP)
        except SkiplinoError:
            failures += 1
    return failures


@pytest.mark.parametrize("idle_bytes", [b"", REQUEST_TIMEOUT], ids=["closed", "408 then closed"])
async def test_a_connection_closed_while_the_loop_was_busy_is_not_used(
    idle_bytes: bytes,
) -> None:
    with in_thread(RawServer(idle_close=0.1, idle_bytes=idle_bytes)) as server:
        async with Skiplino(api_key=KEY, base_url=server.url, max_retries=0) as client:
            failures = await book_through_stalls(client, 0.5)
    assert failures == 0
    assert server.count("POST") == BOOKINGS + 1


async def test_an_unsolicited_answer_on_an_idle_connection_is_never_taken_as_the_answer() -> None:
    # The 408 is read (the loop is free) but the connection stays open: the next booking must
    # not be answered by it.
    no_close = REQUEST_TIMEOUT.replace(b"Connection: close\r\n", b"")
    with in_thread(RawServer(idle_close=0.1, idle_bytes=no_close, idle_keep_open=True)) as server:
        async with Skiplino(api_key=KEY, base_url=server.url, max_retries=0) as client:
            await client.tickets.book(service_id=SERVICE, group_of_service_id=GROUP)
            await asyncio.sleep(0.4)
            ticket = await client.tickets.book(service_id=SERVICE, group_of_service_id=GROUP)
    assert ticket.id == "k7m2p9x4q1"
    assert server.count("POST") == 2


async def test_keep_alive_timeout_of_the_server_is_honoured() -> None:
    server = RawServer(answer=answer(b"Keep-Alive: timeout=2"))
    async with server, Skiplino(api_key=KEY, base_url=server.url) as client:
        await client.tickets.get("k7m2p9x4q1")
        await client.tickets.get("k7m2p9x4q1")
        assert server.connections == 1  # reused while the server keeps it
        await asyncio.sleep(1.3)  # past what the header leaves the client (timeout - 1 s)
        await client.tickets.get("k7m2p9x4q1")
    assert server.connections == 2


async def test_a_get_meeting_a_dead_connection_is_retried_at_once() -> None:
    # The second request's connection dies without an answer; the backoff wait (30 s) would
    # not fit in the deadline, so only an immediate retry can succeed.
    slow = RetryPolicy(initial_delay=30.0, max_delay=30.0, jitter=None, max_retries=1)
    server = RawServer(drop=frozenset({2}))
    async with (
        server,
        Skiplino(api_key=KEY, base_url=server.url, retry_policy=slow, deadline=5) as client,
    ):
        await client.tickets.get("k7m2p9x4q1")
        with client.capture_responses() as captured:
            ticket = await client.tickets.get("k7m2p9x4q1")
    assert ticket.id == "k7m2p9x4q1"
    assert captured.last is not None
    assert captured.last.attempts == 2
    assert server.connections == 2


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("timeout=5", 4.0),
        ("timeout=5, max=100", 4.0),
        ("max=100, timeout=60", 59.0),
        ("timeout=1", 0.5),
        ("timeout=0", 0.0),
        ("timeout=abc", None),
        ("timeout=-3", None),
        ("timeout=1e400", None),
        ("max=5", None),
    ],
)
def test_idle_limit_from_a_keep_alive_header(header: str | None, expected: float | None) -> None:
    assert idle_limit(header) == expected


async def test_keep_alive_races_never_deliver_a_booking_twice() -> None:
    # The server drops idle connections after 20 ms and the bookings come 0-40 ms apart, so
    # a close often races a reuse. Whatever happens, each booking arrives at most once, and
    # one the SDK calls unsent never arrived.
    rng = random.Random(17)
    server = RawServer(idle_close=0.02)
    unsent: list[int] = []
    async with server, Skiplino(api_key=KEY, base_url=server.url, retry_policy=FAST) as client:
        for n in range(RACES):
            await asyncio.sleep(rng.uniform(0.0, 0.04))
            try:
                await client.tickets.book(
                    service_id=SERVICE, group_of_service_id=GROUP, extra_body={"n": n}
                )
            except APIConnectionError as exc:
                if not exc.request_sent:
                    unsent.append(n)
    arrived = Counter(json.loads(body)["n"] for body in server.bodies)
    assert max(arrived.values()) == 1
    assert not set(unsent) & set(arrived)
