"""Cancellation and connection hygiene: CancelledError goes through at once, nothing leaks.

The client borrows a session created here so that its connector can be inspected: aiohttp has
no public count of the connections in use, so ``connector._acquired`` is read directly.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from skiplino_async import (
    APITimeoutError,
    Customer,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
    Skiplino,
    SkiplinoError,
)
from skiplino_async.testing import FakeSkiplino, FaultRule

FAST = RetryPolicy(initial_delay=0.001, max_delay=0.005)
CUSTOMER_ID = "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"
#: Bound on "promptly": generous, since only a hang (or a swallowed cancel) can exceed it.
PROMPT = 2.0


def in_use(session: aiohttp.ClientSession) -> int:
    connector = session.connector
    assert isinstance(connector, aiohttp.TCPConnector)
    return len(connector._acquired)


async def wait_until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.005)
    pytest.fail("condition not reached in 5 s")


async def cancel_promptly(task: asyncio.Task[Any]) -> None:
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=PROMPT)
    assert task in done, "the call did not end after being cancelled"
    assert task.cancelled()  # CancelledError came out, not swallowed nor wrapped


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def borrowing(fake: FakeSkiplino, session: aiohttp.ClientSession) -> AsyncIterator[Skiplino]:
    async with Skiplino(
        api_key=fake.secret_key, base_url=fake.url, session=session, retry_policy=FAST
    ) as client:
        yield client


async def test_cancel_while_waiting_for_the_answer(
    fake: FakeSkiplino, session: aiohttp.ClientSession, borrowing: Skiplino
) -> None:
    rule = fake.faults.delay(60.0, path="/branches", times=1)
    task = asyncio.create_task(borrowing.branches.list())
    await wait_until(lambda: rule.fired == 1)
    assert in_use(session) == 1
    await cancel_promptly(task)
    assert in_use(session) == 0
    # Nothing was retried after the cancel, and the client still works.
    assert rule.fired == 1
    assert await borrowing.customers.get(id=CUSTOMER_ID)
    assert in_use(session) == 0


async def test_cancel_while_reading_a_stalled_body(
    fake: FakeSkiplino, session: aiohttp.ClientSession, borrowing: Skiplino
) -> None:
    rule = fake.faults.stall(60.0, path="/customers/getAll", times=1)

    async def first_page() -> object:
        return await borrowing.customers.list(limit=20)

    task = asyncio.create_task(first_page())
    await wait_until(lambda: rule.fired == 1)
    await asyncio.sleep(0.05)  # let the headers and half the body arrive
    await cancel_promptly(task)
    assert in_use(session) == 0
    page = await borrowing.customers.list(limit=20)
    assert len(page.items) == 20


async def test_cancel_during_the_backoff_sleep(
    fake: FakeSkiplino,
    session: aiohttp.ClientSession,
    borrowing: Skiplino,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="skiplino_async")
    rule = fake.faults.status(503, retry_after="30", path="/branches")
    task = asyncio.create_task(borrowing.branches.list())
    # The retry is logged right before the sleep: from then on the call is sleeping.
    await wait_until(lambda: any("retry 1/2 in 30" in r.getMessage() for r in caplog.records))
    assert in_use(session) == 0  # the 503's connection went back before the sleep
    await cancel_promptly(task)
    assert rule.fired == 1  # the second attempt never happened
    assert in_use(session) == 0


async def test_cancel_a_booking_in_flight_is_not_retried(
    fake: FakeSkiplino, session: aiohttp.ClientSession, borrowing: Skiplino
) -> None:
    rule = fake.faults.delay(60.0, method="POST", path="/tickets/book", times=1)
    task = asyncio.create_task(
        borrowing.tickets.book(service_id="6fe8fb8b12", group_of_service_id="7c1f9a3b2d")
    )
    await wait_until(lambda: rule.fired == 1)
    await cancel_promptly(task)
    assert in_use(session) == 0
    assert sum(r.path == "/tickets/book" for r in fake.requests) <= 1


async def test_asyncio_timeout_sees_its_own_cancellation(
    fake: FakeSkiplino, session: aiohttp.ClientSession, borrowing: Skiplino
) -> None:
    # asyncio.timeout turns the CancelledError it caused into TimeoutError; had the SDK
    # caught or wrapped it, this would be an APITimeoutError, or no error at all.
    fake.faults.delay(60.0, path="/branches", times=1)
    with pytest.raises(TimeoutError) as caught:
        async with asyncio.timeout(0.2):
            await borrowing.branches.list()
    assert type(caught.value) is TimeoutError
    assert in_use(session) == 0


async def test_sdk_owned_session_is_left_clean(fake: FakeSkiplino) -> None:
    rule = fake.faults.status(429, retry_after="30", path="/branches")
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        task = asyncio.create_task(client.branches.list())
        await wait_until(lambda: rule.fired == 1)
        await cancel_promptly(task)
    # Leaving the block closed the SDK's own session: no unclosed-session warning follows
    # (warnings are errors in this suite).


async def test_fault_storm_leaks_no_connection(
    fake: FakeSkiplino, session: aiohttp.ClientSession, borrowing: Skiplino
) -> None:
    f = fake.faults
    storm: list[Callable[..., FaultRule]] = [
        f.drop_before,
        f.drop_after,
        f.truncated,
        lambda **m: f.stall(0.5, **m),
        lambda **m: f.delay(0.5, **m),
        f.html,
        lambda **m: f.status(500, **m),
        lambda **m: f.status(429, retry_after="0", **m),
        lambda **m: f.raw(200, b'{"data": ', **m),
    ]
    for seed, add in enumerate(storm, start=1):
        add(probability=0.07, seed=seed)
    rng = random.Random(7)

    async def one(i: int) -> object:
        kind = i % 4
        if kind == 0:
            return await borrowing.branches.list(timeout=0.2)
        if kind == 1:
            return await borrowing.customers.get(id=CUSTOMER_ID, timeout=0.2)
        if kind == 2:
            return await borrowing.customers.list(limit=50, timeout=0.2)
        return await borrowing.tickets.book(
            service_id="6fe8fb8b12", group_of_service_id="7c1f9a3b2d", timeout=0.2
        )

    tasks = [asyncio.create_task(one(i)) for i in range(300)]
    await asyncio.sleep(0.05)
    victims = rng.sample(tasks, 40)
    for task in victims:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    outcomes: dict[str, int] = {}
    for task, result in zip(tasks, results, strict=True):
        name = type(result).__name__
        outcomes[name] = outcomes.get(name, 0) + 1
        if isinstance(result, BaseException):
            if isinstance(result, asyncio.CancelledError):
                assert task in victims
            else:
                assert isinstance(result, SkiplinoError), repr(result)
    assert fake.faults.fired > 20
    assert outcomes.get("CancelledError", 0) > 0
    assert sum(n for k, n in outcomes.items() if k not in ("CancelledError",)) > 200
    assert in_use(session) == 0
    connector = session.connector
    assert isinstance(connector, aiohttp.TCPConnector)
    # The pool still serves requests, and every one of them returns its connection.
    fake.faults.clear()
    customers = await asyncio.gather(*(borrowing.customers.get(id=CUSTOMER_ID) for _ in range(50)))
    assert all(isinstance(c, Customer) for c in customers)
    assert in_use(session) == 0


# --- the deadline option (its 2 s timing proof is in test_proofs.py) ------------------------


async def test_deadline_shorter_than_retry_after_raises_without_sleeping(
    fake: FakeSkiplino, borrowing: Skiplino
) -> None:
    rule = fake.faults.status(429, retry_after="1", path="/branches")
    with pytest.raises(RateLimitError) as caught:
        await borrowing.branches.list(deadline=0.5)
    assert caught.value.retry_after == 1.0
    assert caught.value.attempts == 1
    assert rule.fired == 1


async def test_deadline_cuts_a_stalled_attempt(
    fake: FakeSkiplino, session: aiohttp.ClientSession, borrowing: Skiplino
) -> None:
    fake.faults.stall(60.0, path="/branches")
    with pytest.raises(APITimeoutError, match=r"deadline of 0\.3s") as caught:
        await borrowing.branches.list(deadline=0.3)  # the attempt timeout alone is 30 s
    assert caught.value.attempts == 1
    assert caught.value.request_sent is True
    assert in_use(session) == 0


async def test_deadline_ends_retries_whatever_max_retries(
    fake: FakeSkiplino, borrowing: Skiplino
) -> None:
    fake.faults.delay(0.02, path="/branches")
    fake.faults.status(500, path="/branches")
    with pytest.raises((InternalServerError, APITimeoutError)) as caught:
        await borrowing.branches.list(deadline=0.3, max_retries=10_000)
    assert 1 < getattr(caught.value, "attempts", 0) < 10_000


async def test_deadline_per_client_and_per_call(fake: FakeSkiplino) -> None:
    fake.faults.status(503, retry_after="5", path="/branches")
    async with Skiplino(
        api_key=fake.secret_key, base_url=fake.url, retry_policy=FAST, deadline=3.0
    ) as client:
        with pytest.raises(InternalServerError) as caught:
            await client.branches.list()  # Retry-After 5 s cannot fit in the client's 3 s
        assert caught.value.attempts == 1
        # The server's 5 s hold every call of the client: this one is not even sent.
        with pytest.raises(RateLimitError) as held:
            await client.branches.list(deadline=0.05)
        assert held.value.retry_after is not None
        assert held.value.retry_after > 4
        assert fake.faults.fired == 1
    async with Skiplino(
        api_key=fake.secret_key, base_url=fake.url, retry_policy=FAST, deadline=3.0
    ) as client:
        fake.faults.clear()
        rule = fake.faults.status(503, retry_after="0.1", path="/branches")
        with pytest.raises(InternalServerError) as caught:
            await client.branches.list(deadline=0.05)  # nor 0.1 s in a per-call 0.05 s
        assert caught.value.attempts == 1
        await asyncio.sleep(0.1)  # the hold it set is over
        with pytest.raises(InternalServerError) as caught:
            await client.with_options(deadline=0.05).branches.list()
        assert caught.value.attempts == 1
        assert rule.fired == 2
        await asyncio.sleep(0.1)
        rule.times = 3  # one more 503, then the route answers again
        with client.capture_responses() as captured:
            assert await client.branches.list()  # 0.1 s fits in 3 s
        assert captured.last is not None
        assert captured.last.retries == 1


async def test_deadline_counts_the_wait_for_the_rate_limit(fake: FakeSkiplino) -> None:
    async with Skiplino(
        api_key=fake.secret_key, base_url=fake.url, retry_policy=FAST, rate_limit=0.5
    ) as client:
        assert await client.branches.list()  # takes the one token; the next comes in 2 s
        with pytest.raises(APITimeoutError, match="rate limit") as caught:
            await client.branches.list(deadline=0.1)
    assert caught.value.attempts == 0
    assert caught.value.request_sent is False
    assert sum(r.path == "/branches" for r in fake.requests) == 1
