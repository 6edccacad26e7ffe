"""Adaptive prefetch (the default) against the fake server over TCP: behaviour, not timings.

The default walk starts with two requests in flight, widens while it waits on the network,
halves at once after a throttled (retried) page, never exceeds the client's ``rate_limit``
nor 8, and never asks for a page ``totalPages`` says does not exist. Requests in flight are
counted with aiohttp trace hooks, from the moment a request starts until its answer ends.
"""

from __future__ import annotations

from typing import Any

from test_prefetch import RequestWatch

from skiplino_async import Page, RetryPolicy, Skiplino
from skiplino_async.testing import FakeSkiplino

FAST = RetryPolicy(initial_delay=0.001, max_delay=0.01)


async def test_the_default_widens_while_the_walk_waits_and_stops_at_total_pages() -> None:
    watch = RequestWatch()
    async with (
        FakeSkiplino(customers=3_000, latency=0.02) as fake,
        Skiplino(
            api_key=fake.secret_key, base_url=fake.url, trace_configs=[watch.config]
        ) as client,
    ):
        paginator = client.customers.list(limit=100)
        ids = [c.id async for c in paginator]
        assert ids == [r.id for r in fake.state.iter_customers()]
    assert paginator.prefetch == 8
    assert 2 < watch.max_in_flight <= 8  # widened past the start, never beyond the cap
    assert sorted(watch.pages) == list(range(1, 31))  # each page once, none past totalPages


async def test_a_throttled_page_halves_the_requests_in_flight_at_once() -> None:
    watch = RequestWatch()
    widths: list[tuple[int, int]] = []
    async with (
        FakeSkiplino(customers=4_000, latency=0.02) as fake,
        Skiplino(
            api_key=fake.secret_key,
            base_url=fake.url,
            retry_policy=FAST,
            trace_configs=[watch.config],
        ) as client,
    ):

        def on_page(page: Page[Any]) -> None:
            number = page.pagination.page or 0
            widths.append((number, paginator._fetcher.width.current))
            if number == 12:
                # The next request answered gets a 429 (Retry-After: 0), then succeeds.
                fake.faults.status(429, retry_after="0", path="/customers/getAll", times=1)

        paginator = client.customers.list(limit=100, on_page=on_page)
        ids = [c.id async for c in paginator]
        assert ids == [r.id for r in fake.state.iter_customers()]
    assert paginator.stats.retries == 1
    before = dict(widths)[12]
    assert before > 2  # it had widened by then
    after = [w for n, w in widths if n > 12]
    # The throttled page (one of those in flight, or the next) halves the width at once ...
    lowest = after.index(min(after))
    assert after[lowest] <= max(before, *after[:lowest]) // 2
    # ... and the walk widens again afterwards while it waits.
    assert after[-1] > after[lowest]


async def test_never_more_in_flight_than_the_rate_limit_allows() -> None:
    watch = RequestWatch()
    async with (
        FakeSkiplino(customers=600, latency=0.02) as fake,
        Skiplino(
            api_key=fake.secret_key,
            base_url=fake.url,
            rate_limit=3,
            trace_configs=[watch.config],
        ) as client,
    ):
        paginator = client.customers.list(limit=100)
        assert paginator.prefetch == 3
        assert len([c async for c in paginator]) == 600
    assert watch.max_in_flight <= 3
    assert sorted(watch.pages) == list(range(1, 7))


async def test_an_explicit_prefetch_is_a_fixed_maximum() -> None:
    watch = RequestWatch()
    async with (
        FakeSkiplino(customers=2_000, latency=0.02) as fake,
        Skiplino(
            api_key=fake.secret_key, base_url=fake.url, trace_configs=[watch.config]
        ) as client,
    ):
        sequential = client.customers.list(limit=100, prefetch=1)
        assert len([c async for c in sequential]) == 2_000
        assert watch.max_in_flight == 1
        watch.max_in_flight = 0
        three = client.customers.list(limit=100, prefetch=3)
        assert len([c async for c in three]) == 2_000
        assert watch.max_in_flight == 3
