"""Adaptive prefetch (the default) against the fake server over TCP: behaviour, not timings.

The default walk starts with two requests in flight, widens while it waits on the network,
narrows again once answers wait for it instead, halves at once after a throttled (retried)
page, never exceeds the client's ``rate_limit`` nor 32, and never asks for a page
``totalPages`` says does not exist. Requests in flight are counted with aiohttp trace
hooks, from the moment a request starts until its answer ends. The width decisions
themselves are a table.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_prefetch import RequestWatch

from skiplino_async import Page, RetryPolicy, Skiplino
from skiplino_async.pagination._fetcher import Width
from skiplino_async.testing import FakeSkiplino

FAST = RetryPolicy(initial_delay=0.001, max_delay=0.01)


def _apply(width: Width, events: str) -> list[int]:
    """``w``: the walk waited; ``p``: it waited for a paced request; a digit: the page was
    ready with that many answers waiting beyond it; ``t``: a throttled answer. The width
    after each event."""
    out = []
    for event in events:
        if event in "wp":
            width.waited(paced=event == "p")
        elif event == "t":
            width.throttled()
        else:
            width.ready(lambda n=int(event): n)
        out.append(width.current)
    return out


@pytest.mark.parametrize(
    ("width", "events", "expected"),
    [
        # Doubles per wait (nothing measured) until it first narrows, up to the cap.
        (Width.adaptive(), "w" * 6, [4, 8, 16, 32, 32, 32]),
        (Width.adaptive(24), "w" * 5, [4, 8, 16, 24, 24]),
        # ... then by one.
        (Width(8, 1, 32, growing=False), "www", [9, 10, 11]),
        # Waiting for a paced request (the server throttles) widens nothing.
        (Width.adaptive(), "p" * 5 + "w", [2] * 5 + [4]),
        # Latency-bound at 8: bursts of answers, a wait every 8 pages; it stays at 8.
        (Width(8, 1, 8), "w7777777" * 4, [8] * 32),
        # 16 pages in a row without a wait, the next answer there: half as wide, then again.
        (Width(8, 1, 8), "3" * 32, [8] * 15 + [4] + [4] * 7 + [2] + [2] * 8),
        # Ready pages with nothing waiting behind them are no reason to narrow.
        (Width(8, 1, 8), "0" * 40, [8] * 40),
        # A wait restarts the count.
        (Width(8, 1, 8), "3" * 15 + "w" + "3" * 16, [8] * 15 + [8] + [8] * 15 + [4]),
        # One wait after 2 x width pages without any is a stall, not latency; the next one
        # widens.
        (Width(4, 1, 8), "0" * 8 + "w" + "0" * 3 + "w", [4] * 12 + [8]),
        # A wait soon after narrowing widens again at once (by one: the width was found).
        (Width(5, 1, 8), "1" * 10 + "0w", [5] * 9 + [2, 2, 3]),
        # Never below the start ...
        (Width(3, 1, 8), "2" * 48, [3] * 5 + [2] * 43),
        # ... but a throttled answer still halves to 1, and narrowing does not undo that.
        (Width(2, 1, 8), "t" + "2" * 20, [1] * 21),
        # A fixed width never moves.
        (Width.fixed(4), "w" + "3" * 40 + "t", [4] * 42),
        # A rate limit of one request per second: one in flight, whatever happens.
        (Width.adaptive(1), "w" + "2" * 10, [1] * 11),
    ],
)
def test_width_decisions(width: Width, events: str, expected: list[int]) -> None:
    assert _apply(width, events) == expected


def test_a_wait_widens_by_the_pages_the_walk_could_have_taken_meanwhile() -> None:
    # The link's bandwidth times its delay, as soon as the walk has measured its own pace.
    slow_link = Width.adaptive()
    slow_link.waited()  # the first page: nothing measured yet, it doubles
    assert slow_link.current == 4
    slow_link.waited(idle=0.039, busy=0.001)  # 40 ms waits, a millisecond a page: the cap
    assert slow_link.current == 32
    fast_link = Width.adaptive()
    fast_link.waited(idle=0.0005, busy=0.001)  # it could not even have taken one more
    assert fast_link.current == 3
    fast_link.waited(idle=0.0025, busy=0.001)
    assert fast_link.current == 6
    found = Width(8, 1, 32, growing=False)  # narrowed once: by one, however long the wait
    found.waited(idle=0.039, busy=0.001)
    assert found.current == 9


@given(high=st.integers(1, 32), events=st.text(alphabet="wpt03", max_size=300))
def test_the_window_never_leaves_its_bounds(high: int, events: str) -> None:
    assert all(1 <= w <= high for w in _apply(Width.adaptive(high), events))


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
    assert paginator.prefetch == 32
    assert 2 < watch.max_in_flight <= 32  # widened past the start, never beyond the cap
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
    # The throttled page (one of those in flight, or the next: the width may have doubled
    # meanwhile) halves the width at once ...
    assert any(w <= max([before, *after[:i]]) // 2 for i, w in enumerate(after)), after
    # (Then the client paces the walk at the rate it found: a wait for a paced request
    # widens nothing, so the walk widens again only where the width, not the pace, holds it.)


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


async def test_the_default_narrows_again_once_answers_wait_for_the_walk() -> None:
    # 20 ms per request for the first pages (the walk widens), then none while the walk
    # spends 3 ms on each page: answers pile up, and the requests beyond them only hold
    # memory.
    watch = RequestWatch()
    widths: list[tuple[int, int]] = []
    async with (
        FakeSkiplino(customers=20_000, latency=0.02) as fake,
        Skiplino(
            api_key=fake.secret_key, base_url=fake.url, trace_configs=[watch.config]
        ) as client,
    ):

        async def on_page(page: Page[Any]) -> None:
            number = page.pagination.page or 0
            widths.append((number, paginator._fetcher.width.current))
            if number == 20:
                fake.faults.latency = 0.0
            if number == 150:
                watch.max_in_flight = watch.in_flight
            if number > 20:
                await asyncio.sleep(0.003)

        paginator = client.customers.list(limit=100, on_page=on_page)
        ids = [c.id async for c in paginator]
        assert ids == [r.id for r in fake.state.iter_customers()]
    assert dict(widths)[20] > 4  # it widened while the network was the bottleneck
    late = [w for n, w in widths if n > 150]
    assert max(late) <= 3
    assert watch.max_in_flight <= 3  # requests in flight, not only the width decided
