"""Checkpoints: exact resume mid-page and at boundaries, errors that carry one, stats."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from skiplino_async import (
    InternalServerError,
    Page,
    RetryPolicy,
    Skiplino,
    SkiplinoError,
)
from skiplino_async.pagination import DriftEvent
from skiplino_async.testing import FakeSkiplino

FAST_RETRIES = RetryPolicy(initial_delay=0.001, max_delay=0.01)


def server_order(fake: FakeSkiplino) -> list[str]:
    return [c.id for c in fake.state.iter_customers()]


def page_requests(fake: FakeSkiplino) -> list[str]:
    return [r.query_string for r in fake.requests if r.path == "/customers/getAll"]


async def collect(paginator: Any, into: list[str]) -> None:
    """Append every id the paginator yields to ``into`` (kept when it raises)."""
    async for item in paginator:
        into.append(item.id)


async def take(paginator: Any, n: int) -> list[str]:
    """The ids of the first ``n`` items; the caller then takes a checkpoint."""
    got: list[str] = []
    if n == 0:
        return got
    async for item in paginator:
        got.append(item.id)
        if len(got) == n:
            break
    return got


def roundtrip(checkpoint: dict[str, Any]) -> dict[str, Any]:
    """Through JSON text, as a job would store it."""
    result: dict[str, Any] = json.loads(json.dumps(checkpoint))
    return result


@pytest.mark.parametrize("cut", [0, 1, 49, 50, 51, 99, 100, 136])
@pytest.mark.parametrize("prefetch", [1, 3, None])
async def test_resume_continues_exactly_after_the_last_item(
    client: Skiplino, fake: FakeSkiplino, cut: int, prefetch: int
) -> None:
    expected = server_order(fake)  # 137 customers, limit 50: pages of 50, 50, 37
    first = client.customers.list(limit=50, prefetch=prefetch)
    head = await take(first, cut)
    checkpoint = roundtrip(first.checkpoint())
    assert checkpoint["items_yielded"] == cut
    assert checkpoint["params"] == {"limit": 50}
    resumed = client.customers.list(resume_from=checkpoint, prefetch=prefetch)
    tail = [c.id async for c in resumed]
    assert head + tail == expected
    assert resumed.stats.items_yielded == 137
    assert resumed.stats.items_resumed == cut
    assert resumed.checkpoint()["done"] is True


async def test_checkpoint_fields(client: Skiplino) -> None:
    paginator = client.customers.list(limit=50)
    await take(paginator, 60)
    checkpoint = paginator.checkpoint()
    assert json.loads(json.dumps(checkpoint)) == checkpoint
    assert checkpoint["operation"] == "customers.list"
    assert checkpoint["params"] == {"limit": 50}
    assert checkpoint["page_size"] == 50
    assert checkpoint["next_page"] == 2
    assert checkpoint["offset"] == 10  # position inside page 2
    assert checkpoint["items_yielded"] == 60
    assert checkpoint["total_first"] == checkpoint["total_last"] == 137
    assert checkpoint["done"] is False
    assert isinstance(checkpoint["last_id"], str)


async def test_a_checkpoint_at_a_page_boundary_points_at_the_next_page(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    paginator = client.customers.list(limit=50)
    head = await take(paginator, 50)
    checkpoint = paginator.checkpoint()
    assert (checkpoint["next_page"], checkpoint["offset"]) == (2, 0)
    assert checkpoint["last_id"] == head[-1]
    # A fresh client, so that the first walk's cancelled prefetch is not counted.
    pages: list[str] = []
    trace = aiohttp.TraceConfig()

    async def record(session: Any, ctx: Any, params: aiohttp.TraceRequestStartParams) -> None:
        pages.append(params.url.query_string)

    trace.on_request_start.append(record)
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url, trace_configs=[trace]) as other:
        tail = [c.id async for c in other.customers.list(resume_from=checkpoint)]
    assert head + tail == server_order(fake)
    assert pages == ["page=2&limit=50", "page=3&limit=50"]


async def test_resuming_a_finished_walk_sends_nothing(client: Skiplino, fake: FakeSkiplino) -> None:
    paginator = client.customers.list(limit=100)
    assert len([c async for c in paginator]) == 137
    checkpoint = paginator.checkpoint()
    assert checkpoint["done"] is True
    fake.requests.clear()
    assert [c async for c in client.customers.list(resume_from=checkpoint)] == []
    assert fake.requests == []


async def test_a_checkpoint_before_iteration_is_the_start(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    checkpoint = client.customers.list(limit=20, page=3).checkpoint()
    assert (checkpoint["next_page"], checkpoint["offset"]) == (3, 0)
    ids = [c.id async for c in client.customers.list(resume_from=checkpoint)]
    assert ids == server_order(fake)[40:]


async def test_resume_from_is_checked(client: Skiplino) -> None:
    paginator = client.customers.list(limit=50)
    await take(paginator, 3)
    checkpoint = paginator.checkpoint()
    with pytest.raises(ValueError, match="conflicts"):
        client.customers.list(limit=20, resume_from=checkpoint)
    with pytest.raises(ValueError, match="page"):
        client.customers.list(page=2, resume_from=checkpoint)
    with pytest.raises(ValueError, match=r"customers\.list"):
        client.customers.tickets(id="x", resume_from=checkpoint)
    with pytest.raises(ValueError, match="version"):
        client.customers.list(resume_from={**checkpoint, "version": 99})
    with pytest.raises(ValueError, match="offset"):
        client.customers.list(resume_from={**checkpoint, "offset": -1})
    # The same limit as the checkpoint's, or the default, is fine.
    client.customers.list(limit=50, resume_from=checkpoint)


async def test_tickets_checkpoint_restores_the_customer(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    state = fake.state
    customer = state.add_customer(external_id="cp-tickets", name="Resumer")
    for _ in range(17):
        state.book_ticket("6fe8fb8b12", customer_id=customer.id)
    expected = [t.id for t in state.customer_tickets(customer.id)]
    first = client.customers.tickets(external_id="cp-tickets", limit=5, prefetch=2)
    head = await take(first, 7)
    checkpoint = roundtrip(first.checkpoint())
    assert checkpoint["operation"] == "customers.tickets"
    assert checkpoint["params"] == {"external_id": "cp-tickets", "limit": 5}
    resumed = client.customers.tickets(resume_from=checkpoint)
    assert head + [t.id async for t in resumed] == expected
    with pytest.raises(ValueError, match="conflicts"):
        client.customers.tickets(external_id="other", resume_from=checkpoint)


async def test_a_page_failing_after_all_retries_carries_the_checkpoint(fake: FakeSkiplino) -> None:
    expected = server_order(fake)

    def fail_page_after_two(page: Page[Any]) -> None:
        if page.pagination.page == 2:
            # Page 3 is requested next: its first attempt and its one retry both fail.
            fake.faults.status(500, path="/customers/getAll", times=2)

    async with Skiplino(
        api_key=fake.secret_key, base_url=fake.url, max_retries=1, retry_policy=FAST_RETRIES
    ) as client:
        paginator = client.customers.list(limit=20, prefetch=1, on_page=fail_page_after_two)
        got: list[str] = []
        with pytest.raises(InternalServerError) as info:
            await collect(paginator, got)
        checkpoint = info.value.checkpoint  # type: ignore[attr-defined]
        assert got == expected[:40]  # pages 1 and 2 were yielded in full
        assert checkpoint == paginator.checkpoint()
        assert (checkpoint["next_page"], checkpoint["offset"]) == (3, 0)
        assert checkpoint["items_yielded"] == 40
        assert paginator.stats.retries == 1
        rest = [c.id async for c in client.customers.list(resume_from=roundtrip(checkpoint))]
    assert got + rest == expected


async def test_a_failed_prefetched_page_surfaces_in_order(fake: FakeSkiplino) -> None:
    expected = server_order(fake)

    def fail_one_later_page(page: Page[Any]) -> None:
        if page.pagination.page == 1:
            fake.faults.status(502, path="/customers/getAll", times=1)

    async with Skiplino(api_key=fake.secret_key, base_url=fake.url, max_retries=0) as client:
        paginator = client.customers.list(limit=10, prefetch=5, on_page=fail_one_later_page)
        got: list[str] = []
        with pytest.raises(SkiplinoError) as info:
            await collect(paginator, got)
        checkpoint = info.value.checkpoint  # type: ignore[attr-defined]
        # Whichever prefetched page failed, everything before it was yielded first.
        assert len(got) in (10, 20, 30, 40, 50)
        assert got == expected[: len(got)]
        assert checkpoint["next_page"] == len(got) // 10 + 1
        rest = [c.id async for c in client.customers.list(resume_from=checkpoint, prefetch=5)]
    assert got + rest == expected


async def test_resume_mid_page_finds_its_item_after_inserts_and_deletes(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    expected = server_order(fake)
    first = client.customers.list(limit=50)
    head = await take(first, 70)
    checkpoint = roundtrip(first.checkpoint())
    state = fake.state
    # Three new customers push every row down; two deleted earlier rows pull them up.
    for n in range(3):
        state.add_customer(name=f"New {n}")
    state.delete_customer(head[5])
    state.delete_customer(head[60])
    drift: list[DriftEvent] = []
    resumed = client.customers.list(resume_from=checkpoint, on_drift=drift.append)
    tail = [c.id async for c in resumed]
    assert tail == expected[70:]
    assert resumed.stats.drift_events == len(drift) == 1
    assert drift[0].previous_total == 137
    assert drift[0].total == 138


async def test_resume_at_a_boundary_recovers_rows_that_slid_back(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    expected = server_order(fake)
    first = client.customers.list(limit=50)
    head = await take(first, 50)
    checkpoint = first.checkpoint()
    assert checkpoint["offset"] == 0
    for customer_id in head[10:14]:  # four rows above the position disappear
        fake.state.delete_customer(customer_id)
    drift: list[DriftEvent] = []
    tail = [
        c.id async for c in client.customers.list(resume_from=checkpoint, on_drift=drift.append)
    ]
    # Without a second look at page 1, the four rows now on it would be skipped.
    assert tail == expected[50:]
    assert [(e.previous_total, e.total, e.recovered) for e in drift] == [(137, 133, 4)]


async def test_resume_reports_a_lost_anchor(client: Skiplino, fake: FakeSkiplino) -> None:
    expected = server_order(fake)
    first = client.customers.list(limit=50)
    head = await take(first, 20)
    fake.state.delete_customer(head[-1])  # the resume anchor itself
    drift: list[DriftEvent] = []
    resumed = client.customers.list(resume_from=first.checkpoint(), on_drift=drift.append)
    tail = [c.id async for c in resumed]
    assert len(drift) == 1
    assert drift[0].anchor_lost
    # The fallback is the recorded offset moved by the change in total (-1): exact here.
    assert tail == expected[20:]


async def test_max_items_stops_early_and_resumes(client: Skiplino, fake: FakeSkiplino) -> None:
    expected = server_order(fake)
    first = client.customers.list(limit=50, prefetch=4, max_items=30)
    assert len([c async for c in first]) == 30
    assert page_requests(fake) == ["page=1&limit=50"]  # nothing fetched beyond the budget
    second = client.customers.list(resume_from=first.checkpoint(), prefetch=4, max_items=60)
    batch = [c.id async for c in second]
    assert batch == expected[30:90]
    assert len(page_requests(fake)) == 3  # page 1 again, then page 2 only
    third = client.customers.list(resume_from=second.checkpoint())
    assert [c.id async for c in third] == expected[90:]


async def test_pages_walk_checkpoints_at_page_boundaries(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    expected = server_order(fake)
    paginator = client.customers.list(limit=40)
    pages = paginator.pages()
    first_page = await anext(pages)
    checkpoint = paginator.checkpoint()
    assert (checkpoint["next_page"], checkpoint["offset"]) == (2, 0)
    rest = [c.id async for c in client.customers.list(resume_from=checkpoint)]
    assert [c.id for c in first_page] + rest == expected
    await pages.aclose()  # type: ignore[attr-defined]


async def test_stats_and_on_page(fake: FakeSkiplino) -> None:
    seen: list[tuple[int | None, int]] = []

    async def on_page(page: Page[Any]) -> None:  # async callbacks are awaited
        seen.append((page.pagination.page, len(page)))

    fake.faults.status(503, path="/customers/getAll", times=1)
    async with Skiplino(
        api_key=fake.secret_key, base_url=fake.url, retry_policy=FAST_RETRIES
    ) as client:
        paginator = client.customers.list(limit=50, on_page=on_page, prefetch=2)
        count = len([c async for c in paginator])
    assert count == 137
    assert seen == [(1, 50), (2, 50), (3, 37)]
    stats = paginator.stats
    assert stats.pages_fetched == 3
    assert stats.items_yielded == 137
    assert stats.retries == 1  # the 503 on page 1, retried once
    assert stats.duplicates_dropped == 0
    assert stats.drift_events == 0
    assert stats.total == 137
    assert stats.total_pages == 3
    assert stats.elapsed > 0
    assert json.loads(json.dumps(stats.as_dict()))["items_yielded"] == 137


async def test_a_resumed_walk_keeps_the_throttled_count(fake: FakeSkiplino) -> None:
    fake.faults.status(429, retry_after=0.01, path="/customers/getAll", times=2)
    async with Skiplino(
        api_key=fake.secret_key, base_url=fake.url, retry_policy=FAST_RETRIES
    ) as client:
        paginator = client.customers.list(limit=50, prefetch=1)
        await take(paginator, 60)
        checkpoint = roundtrip(paginator.checkpoint())
        assert paginator.stats.throttled == 2
        assert checkpoint["stats"]["throttled"] == 2
        resumed = client.customers.list(limit=50, resume_from=checkpoint)
        assert len([c async for c in resumed]) == 137 - 60
    assert resumed.stats.throttled == 2
    assert resumed.stats.retries == paginator.stats.retries


async def test_a_checkpoint_without_the_throttled_count_loads_with_zero(
    client: Skiplino,
) -> None:
    paginator = client.customers.list(limit=50)
    await take(paginator, 10)
    checkpoint = roundtrip(paginator.checkpoint())
    checkpoint["stats"].pop("throttled", None)  # written before the count was kept
    resumed = client.customers.list(limit=50, resume_from=checkpoint)
    assert len([c async for c in resumed]) == 137 - 10
    assert resumed.stats.throttled == 0
