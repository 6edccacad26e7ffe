"""Drift: customers added and deleted while a walk is under way (changed via ``fake.state``)."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from skiplino_async import Page, Skiplino, export
from skiplino_async.pagination import DriftError, DriftEvent
from skiplino_async.testing import FakeSkiplino, FakeState


def server_order(state: FakeState) -> list[str]:
    return [c.id for c in state.iter_customers()]


def at_page(actions: dict[int, Callable[[], object]]) -> Callable[[Page[Any]], None]:
    """An ``on_page`` callback running ``actions[n]`` when page ``n`` is taken."""

    def on_page(page: Page[Any]) -> None:
        action = actions.get(page.pagination.page or 0)
        if action is not None:
            action()

    return on_page


def insert(state: FakeState, n: int) -> Callable[[], None]:
    return lambda: [state.add_customer(name=f"Newcomer {i}") for i in range(n)] and None


def delete(state: FakeState, ids: list[str]) -> Callable[[], None]:
    return lambda: [state.delete_customer(i) for i in ids] and None


@pytest.fixture
async def fake500() -> Any:
    async with FakeSkiplino(customers=500) as server:
        yield server


@pytest.fixture
async def client500(fake500: FakeSkiplino) -> Any:
    async with Skiplino(api_key=fake500.secret_key, base_url=fake500.url) as c:
        yield c


async def test_inserts_push_rows_onto_later_pages_and_are_dropped(
    fake500: FakeSkiplino, client500: Skiplino
) -> None:
    state = fake500.state
    original = server_order(state)
    drift: list[DriftEvent] = []
    paginator = client500.customers.list(
        limit=50,
        prefetch=1,
        on_page=at_page({3: insert(state, 7), 5: insert(state, 60)}),  # 60: more than a page
        on_drift=drift.append,
    )
    ids = [c.id async for c in paginator]
    # Insertions only push rows down: nothing is skipped, the repeats are dropped.
    assert ids == original
    stats = paginator.stats
    assert stats.duplicates_dropped == 7 + 60
    assert stats.drift_events == 2
    assert [(e.page, e.previous_total, e.total) for e in drift] == [(4, 500, 507), (6, 507, 567)]
    assert stats.pages_fetched == 12  # 567 rows at the end: 12 pages, nothing read twice


async def test_deletions_above_the_position_are_recovered(
    fake500: FakeSkiplino, client500: Skiplino
) -> None:
    state = fake500.state
    original = server_order(state)
    already_yielded = [original[i] for i in (3, 40, 41, 120)]
    not_yet = [original[i] for i in (180, 499)]
    drift: list[DriftEvent] = []
    paginator = client500.customers.list(
        limit=50,
        prefetch=1,
        on_page=at_page({3: delete(state, already_yielded + not_yet)}),
        on_drift=drift.append,
    )
    ids = [c.id async for c in paginator]
    # Rows 150-153 slid back onto page 3 (read already); a second look at page 3 found them.
    assert ids == [i for i in original if i not in not_yet]
    assert len(drift) == 1
    assert (drift[0].previous_total, drift[0].total, drift[0].recovered) == (500, 494, 4)
    assert paginator.stats.duplicates_dropped == 0


async def test_without_recovery_the_deletions_would_skip_rows(
    fake500: FakeSkiplino, client500: Skiplino
) -> None:
    """The control experiment: plain page/limit reads of the same scenario lose rows."""
    state = fake500.state
    original = server_order(state)
    got: list[str] = []
    for number in range(1, 11):
        page = await client500.customers.list(limit=50, page=number)
        got += [c.id for c in page]
        if number == 3:
            delete(state, [original[i] for i in (3, 40, 41, 120)])()
    assert set(original[150:154]).isdisjoint(got)


async def test_mixed_inserts_and_deletes_with_sequential_pages_lose_nothing(
    fake500: FakeSkiplino, client500: Skiplino
) -> None:
    state = fake500.state
    original = server_order(state)
    rng = random.Random(7)
    deleted: set[str] = set()

    def churn(page: Page[Any]) -> None:
        for _ in range(rng.randint(0, 4)):
            state.add_customer(name="Churn")
        live = server_order(state)
        for victim in rng.sample(live, rng.randint(0, 4)):
            state.delete_customer(victim)
            deleted.add(victim)

    paginator = client500.customers.list(limit=25, prefetch=1, on_page=churn)
    ids = [c.id async for c in paginator]
    assert len(ids) == len(set(ids))
    # Every customer that lived through the whole walk is there, in list order.
    survivors = [i for i in original if i not in deleted]
    assert [i for i in ids if i in set(survivors)] == survivors
    assert paginator.stats.drift_events > 0


async def test_export_with_prefetch_8_under_churn_has_no_duplicate_and_reports_drift(
    tmp_path: Path,
) -> None:
    async with FakeSkiplino(customers=3_000) as fake:
        state = fake.state
        original = set(server_order(state))
        inserted: set[str] = set()
        rng = random.Random(11)

        def churn() -> None:
            for _ in range(rng.randint(0, 6)):
                inserted.add(state.add_customer(name="During export").id)
            for victim in rng.sample(server_order(state)[:1500], rng.randint(0, 3)):
                state.delete_customer(victim)

        output = tmp_path / "customers.jsonl"
        async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
            result = await export.customers(
                client, output, prefetch=8, limit=100, on_progress=lambda _: churn()
            )
    rows = [orjson.loads(line) for line in output.read_bytes().splitlines()]
    ids = [row["_id"] for row in rows]
    assert len(ids) == len(set(ids)) == result.rows
    assert set(ids) <= original | inserted
    assert result.complete
    assert result.drift
    assert result.stats.drift_events == len(result.drift)


async def test_strict_mode_raises_with_a_checkpoint_to_go_on_from(
    fake500: FakeSkiplino, client500: Skiplino
) -> None:
    state = fake500.state
    original = server_order(state)
    paginator = client500.customers.list(
        limit=50, strict=True, on_page=at_page({2: insert(state, 3)})
    )
    got: list[str] = []

    async def walk() -> None:
        async for customer in paginator:
            got.append(customer.id)

    with pytest.raises(DriftError, match="total went from 500 to 503") as info:
        await walk()
    error = info.value
    assert got == original[:100]
    assert (error.event.page, error.event.delta) == (3, 3)
    assert error.checkpoint["next_page"] == 3
    assert error.checkpoint["offset"] == 0
    assert error.checkpoint["total_last"] == 500  # the total of the rows yielded so far
    resumed = client500.customers.list(resume_from=error.checkpoint)
    rest = [c.id async for c in resumed]
    # The anchor (last row of page 2) is found three rows into page 3: no repeat.
    assert got + rest == original
    assert resumed.stats.duplicates_dropped == 3
    assert resumed.stats.drift_events == 2  # the one raised, and the same change seen again


async def test_ticket_walk_drops_tickets_pushed_down_by_new_bookings(
    fake: FakeSkiplino, client: Skiplino
) -> None:
    state = fake.state
    customer = state.add_customer(external_id="drift-tickets")
    for _ in range(23):
        state.book_ticket("6fe8fb8b12", customer_id=customer.id)
    original = [t.id for t in state.customer_tickets(customer.id)]

    def book_two() -> None:
        for _ in range(2):
            state.book_ticket("6fe8fb8b12", customer_id=customer.id)

    paginator = client.customers.tickets(
        external_id="drift-tickets", limit=5, on_page=at_page({2: book_two})
    )
    ids = [t.id async for t in paginator]
    assert ids == original
    assert paginator.stats.duplicates_dropped == 2
    assert paginator.stats.drift_events == 1
