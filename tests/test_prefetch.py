"""Concurrent page prefetch: order, bounds, and prompt cancellation, over real TCP."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

from skiplino_async import Page, RetryPolicy, Skiplino
from skiplino_async.testing import FakeSkiplino

FAST_RETRIES = RetryPolicy(initial_delay=0.001, max_delay=0.01)


class RequestWatch:
    """Counts page requests the client starts and how many overlap (aiohttp trace hooks)."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.max_in_flight = 0
        self.pages: list[int] = []
        self.config = aiohttp.TraceConfig()
        self.config.on_request_start.append(self._start)
        self.config.on_request_end.append(self._end)
        self.config.on_request_exception.append(self._end)

    async def _start(self, session: Any, ctx: SimpleNamespace, params: Any) -> None:
        page = params.url.query.get("page")
        if page is not None:
            self.pages.append(int(page))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    async def _end(self, session: Any, ctx: SimpleNamespace, params: Any) -> None:
        self.in_flight -= 1


async def until(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` (bounded: a broken paginator fails the test instead of hanging it)."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


def page_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("skiplino page")]


@contextmanager
def loop_errors() -> Iterator[list[dict[str, Any]]]:
    """Collect what the event loop would log ("Task exception was never retrieved" ...)."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, ctx: errors.append(ctx))
    try:
        yield errors
    finally:
        loop.set_exception_handler(previous)


@pytest.fixture
async def watch() -> RequestWatch:
    return RequestWatch()


@pytest.fixture
async def big_fake() -> AsyncIterator[FakeSkiplino]:
    async with FakeSkiplino(customers=25_000) as server:
        yield server


async def test_25000_customers_with_prefetch_8_equal_the_server_set_in_order(
    big_fake: FakeSkiplino, watch: RequestWatch
) -> None:
    expected = [record.id for record in big_fake.state.iter_customers()]
    assert len(expected) == 25_000
    async with Skiplino(
        api_key=big_fake.secret_key,
        base_url=big_fake.url,
        retry_policy=FAST_RETRIES,
        trace_configs=[watch.config],
    ) as client:
        paginator = client.customers.list(limit=100, prefetch=8)
        got = [customer.id async for customer in paginator]
    assert got == expected
    assert paginator.stats.items_yielded == 25_000
    assert paginator.stats.pages_fetched == 250
    assert paginator.stats.duplicates_dropped == 0
    assert paginator.stats.drift_events == 0
    # Each page requested once, never past totalPages, and 8 at a time at most.
    assert sorted(watch.pages) == list(range(1, 251))
    assert 1 < watch.max_in_flight <= 8
    assert paginator.checkpoint()["done"] is True


async def test_prefetch_keeps_k_requests_in_flight_once_total_pages_is_known(
    watch: RequestWatch,
) -> None:
    # Latency makes the overlap observable: all k requests start before any answers.
    async with (
        FakeSkiplino(customers=2_000, latency=0.05) as fake,
        Skiplino(
            api_key=fake.secret_key, base_url=fake.url, trace_configs=[watch.config]
        ) as client,
    ):
        ids = [c.id async for c in client.customers.list(limit=100, prefetch=5)]
        assert ids == [r.id for r in fake.state.iter_customers()]
    assert watch.max_in_flight == 5
    assert sorted(watch.pages) == list(range(1, 21))


async def test_prefetch_1_fetches_the_next_page_while_the_current_one_is_consumed(
    fake: FakeSkiplino, watch: RequestWatch
) -> None:
    async with Skiplino(
        api_key=fake.secret_key, base_url=fake.url, trace_configs=[watch.config]
    ) as client:
        paginator = client.customers.list(limit=50, prefetch=1)  # 137 customers: pages 1-3
        iterator = aiter(paginator)
        await anext(iterator)
        # The consumer holds one item of page 1: page 2 is already on its way, page 3 not.
        await until(lambda: 2 in watch.pages, "the request for page 2")
        assert watch.pages == [1, 2]
        rest = [c.id async for c in iterator]
    assert len(rest) == 136
    assert watch.pages == [1, 2, 3]  # never past hasNextPage
    assert watch.max_in_flight == 1


async def test_prefetch_never_requests_past_the_last_page(
    fake: FakeSkiplino, watch: RequestWatch
) -> None:
    async with Skiplino(
        api_key=fake.secret_key, base_url=fake.url, trace_configs=[watch.config]
    ) as client:
        ids = [c.id async for c in client.customers.list(limit=50, prefetch=8)]
    assert len(ids) == 137 == len(set(ids))
    assert sorted(watch.pages) == [1, 2, 3]


async def test_prefetch_works_for_customer_tickets(fake: FakeSkiplino, client: Skiplino) -> None:
    state = fake.state
    customer = next(state.iter_customers())
    service = next(s for s in state.services.values() if state.find_service(s.id))
    state.set_branch_open(state.branch_of(service).id, True)
    state.set_service_open(service.id, True)
    for _ in range(47):
        state.book_ticket(service.id, customer_id=customer.id)
    expected = [t.id for t in state.customer_tickets(customer.id)]
    paginator = client.customers.tickets(id=customer.id, limit=10, prefetch=4)
    got = [t.id async for t in paginator]
    assert got == expected
    assert paginator.stats.pages_fetched == 5


async def test_break_cancels_requests_in_flight_at_once() -> None:
    async with FakeSkiplino(customers=1_000) as fake:

        def stall_later_pages(page: Page[Any]) -> None:
            if page.pagination.page == 1:
                fake.faults.delay(60, path="/customers/getAll")

        async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
            with loop_errors() as errors:
                seen = 0
                async for _ in client.customers.list(
                    limit=10, prefetch=6, on_page=stall_later_pages
                ):
                    seen += 1
                    if seen == 5:
                        # Pages 2-7 are being answered, slowly, by the server.
                        await until(lambda: fake.faults.fired == 6, "6 stalled requests")
                        break
                # Cancelled synchronously by the break itself, before any await.
                tasks = page_tasks()
                assert len(tasks) == 6
                assert all(t.cancelling() or t.done() for t in tasks)
                for _ in range(100):
                    if not page_tasks():
                        break
                    await asyncio.sleep(0)
                assert page_tasks() == []
            assert errors == []


async def test_an_exception_in_the_loop_body_cancels_the_prefetch() -> None:
    async with FakeSkiplino(customers=1_000) as fake:

        def stall_later_pages(page: Page[Any]) -> None:
            if page.pagination.page == 1:
                fake.faults.delay(60, path="/customers/getAll")

        async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
            paginator = client.customers.list(limit=10, prefetch=4, on_page=stall_later_pages)

            async def fail_in_the_body() -> None:
                async for _ in paginator:
                    await until(lambda: fake.faults.fired == 4, "4 stalled requests")
                    raise LookupError("boom")

            with pytest.raises(LookupError, match="boom"):
                await fail_in_the_body()
            assert all(t.cancelling() or t.done() for t in page_tasks())
            for _ in range(100):
                if not page_tasks():
                    break
                await asyncio.sleep(0)
            assert page_tasks() == []


async def test_cancelling_the_consumer_cancels_and_awaits_the_prefetch() -> None:
    async with FakeSkiplino(customers=1_000) as fake:

        def stall_later_pages(page: Page[Any]) -> None:
            if page.pagination.page == 1:
                fake.faults.delay(60, path="/customers/getAll")

        async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
            got: list[str] = []
            pending_at_exit: list[asyncio.Task[Any]] = []

            async def consume() -> None:
                try:
                    async for customer in client.customers.list(
                        limit=10, prefetch=8, on_page=stall_later_pages
                    ):
                        got.append(customer.id)
                finally:
                    pending_at_exit.extend(t for t in page_tasks() if not t.done())

            with loop_errors() as errors:
                consumer = asyncio.create_task(consume())
                await until(lambda: fake.faults.fired == 8, "8 stalled requests")
                assert len(got) == 10  # page 1 consumed, the consumer waits on page 2
                consumer.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await consumer
                # The walk waited for its cancelled requests before letting go of the caller.
                assert pending_at_exit == []
                assert page_tasks() == []
            assert errors == []


async def test_a_failed_prefetched_page_left_unread_logs_nothing(
    fake: FakeSkiplino, client: Skiplino
) -> None:
    with loop_errors() as errors:

        def fail_later_pages(page: Page[Any]) -> None:
            if page.pagination.page == 1:
                fake.faults.status(400, path="/customers/getAll")

        async for _ in client.customers.list(limit=10, prefetch=4, on_page=fail_later_pages):
            await asyncio.wait(page_tasks())  # all prefetched pages failed
            break
        for _ in range(100):
            if not page_tasks():
                break
            await asyncio.sleep(0)
    assert errors == []


async def test_a_paginator_is_single_pass(client: Skiplino) -> None:
    paginator = client.customers.list(limit=100)
    assert len([c async for c in paginator]) == 137
    with pytest.raises(RuntimeError, match="once"):
        async for _ in paginator:
            pass


async def test_bad_prefetch_is_a_value_error(client: Skiplino) -> None:
    with pytest.raises(ValueError, match="prefetch"):
        client.customers.list(prefetch=0)
    with pytest.raises(ValueError, match="max_items"):
        client.customers.list(max_items=-1)


async def test_concurrent_calls_share_the_client_rate_limit() -> None:
    rate = 40.0
    async with (
        FakeSkiplino(customers=300) as fake,
        Skiplino(api_key=fake.secret_key, base_url=fake.url, rate_limit=rate) as client,
    ):
        limiter = client._transport._limiter
        assert limiter is not None
        granted: list[float] = []
        original = limiter.acquire

        async def recording_acquire() -> None:
            await original()
            granted.append(asyncio.get_running_loop().time())

        limiter.acquire = recording_acquire  # type: ignore[method-assign]
        other = client.with_options(timeout=20)  # a copy shares the same limit
        before = len(fake.requests)

        async def walk(c: Skiplino) -> int:
            return len([x async for x in c.customers.list(limit=50, prefetch=3)])

        counts = await asyncio.gather(walk(client), walk(other), client.branches.list())
    assert counts[:2] == [300, 300]
    requests = len(fake.requests) - before
    assert requests == 6 + 6 + 1
    # Every request of the three concurrent calls went through the one limiter, one at a
    # time: no two grants closer than the rate allows (a lower bound, not a speed check).
    assert len(granted) == requests
    gaps = [b - a for a, b in itertools.pairwise(granted)]
    assert min(gaps) >= 0.9 / rate
