"""Helpers users would otherwise write themselves: tickets.watch, customers.get_or_create, and
model conversion to and from wire-format dicts."""

from __future__ import annotations

import asyncio
import contextlib
import pickle
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime

import orjson
import pytest

import skiplino_async as sk
from skiplino_async.resources import tickets as tickets_module
from skiplino_async.testing import FakeSkiplino

TELLER_GROUP = "7c1f9a3b2d"
CASH_WITHDRAWAL = "6fe8fb8b12"


class Waits:
    """Replaces the watch helper's sleep: records each wait and runs one scripted step instead.

    Each step (a callable or ``None``) changes the fake server's state between two polls, so a
    watch can be driven through its states deterministically and without real waiting.
    """

    def __init__(self, steps: list[Callable[[], object] | None]) -> None:
        self.steps: Iterator[Callable[[], object] | None] = iter(steps)
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        step = next(self.steps, None)
        if step is not None:
            step()
        await asyncio.sleep(0)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Callable[[list[Callable[[], object] | None]], Waits]:
    def install(steps: list[Callable[[], object] | None]) -> Waits:
        fake_sleep = Waits(steps)
        monkeypatch.setattr(tickets_module, "_sleep", fake_sleep)
        return fake_sleep

    return install


async def book(client: sk.Skiplino) -> sk.Ticket:
    return await client.tickets.book_walk_in(
        service_id=CASH_WITHDRAWAL, group_of_service_id=TELLER_GROUP
    )


async def collect(iterator: AsyncIterator[sk.Ticket]) -> list[sk.Ticket]:
    return [t async for t in iterator]


# --- tickets.watch -----------------------------------------------------------------------------


async def test_watch_yields_each_change_and_ends_when_served(
    client: sk.Skiplino, fake: FakeSkiplino, waits: Callable[..., Waits]
) -> None:
    ahead = await book(client)
    mine = await book(client)
    assert mine.queue_size == 1
    state = fake.state
    script = waits(
        [
            None,  # nothing changes: the next poll yields nothing
            lambda: state.set_ticket_status(ahead.id, "served"),  # queue 1 -> 0
            lambda: state.set_ticket_status(mine.id, "serving"),
            None,
            lambda: state.set_ticket_status(mine.id, "served"),
        ]
    )
    seen = await collect(client.tickets.watch(mine.id, interval=1.0))
    assert [(t.status, t.queue_size) for t in seen] == [
        ("waiting", 1),
        ("waiting", 0),
        ("serving", None),
        ("served", None),
    ]
    assert script.delays == [1.0] * 5  # one wait between each of the six polls
    polls = [r for r in fake.requests if r.path == f"/tickets/{mine.id}"]
    assert len(polls) == 6


async def test_watch_ends_when_cancelled_and_floors_the_interval(
    client: sk.Skiplino, fake: FakeSkiplino, waits: Callable[..., Waits]
) -> None:
    mine = await book(client)
    script = waits([None, lambda: fake.state.set_ticket_status(mine.id, "cancelled")])
    seen = await collect(client.tickets.watch(mine.id, interval=0))
    assert [t.status for t in seen] == ["waiting", "cancelled"]
    assert script.delays == [tickets_module.MIN_WATCH_INTERVAL] * 2


async def test_watch_of_a_finished_ticket_yields_it_once(
    client: sk.Skiplino, fake: FakeSkiplino, waits: Callable[..., Waits]
) -> None:
    mine = await book(client)
    await client.tickets.cancel(mine.id)
    script = waits([])
    seen = await collect(client.tickets.watch(mine.id))
    assert [t.status for t in seen] == ["cancelled"]
    assert script.delays == []


async def test_watch_backs_off_on_transient_errors_then_recovers(
    client: sk.Skiplino, fake: FakeSkiplino, waits: Callable[..., Waits]
) -> None:
    mine = await book(client)
    fake.faults.status(503, method="GET", path=f"/tickets/{mine.id}", times=3)
    script = waits([None, None, None, lambda: fake.state.set_ticket_status(mine.id, "served")])
    # max_retries=0: each 503 reaches the watch instead of the client's own retry loop.
    seen = await collect(client.tickets.watch(mine.id, interval=1.0, max_retries=0))
    assert [t.status for t in seen] == ["waiting", "served"]
    assert script.delays == [2.0, 4.0, 8.0, 1.0]  # doubling backoff, then the interval again


async def test_watch_waits_at_least_retry_after_on_429(
    client: sk.Skiplino, fake: FakeSkiplino, waits: Callable[..., Waits]
) -> None:
    mine = await book(client)
    fake.state.set_ticket_status(mine.id, "served")
    fake.faults.status(429, retry_after="30", path=f"/tickets/{mine.id}", times=1)
    script = waits([])
    seen = await collect(client.tickets.watch(mine.id, interval=1.0, max_retries=0))
    assert [t.status for t in seen] == ["served"]
    assert script.delays == [30.0]


async def test_watch_gives_up_after_max_errors_in_a_row(
    client: sk.Skiplino, fake: FakeSkiplino, waits: Callable[..., Waits]
) -> None:
    mine = await book(client)
    fake.faults.status(500, path=f"/tickets/{mine.id}")
    script = waits([])
    with pytest.raises(sk.InternalServerError):
        await collect(client.tickets.watch(mine.id, max_errors=2, max_retries=0))
    assert len(script.delays) == 2


async def test_watch_raises_non_transient_errors_at_once(
    client: sk.Skiplino, waits: Callable[..., Waits]
) -> None:
    script = waits([])
    with pytest.raises(sk.NotFoundError):
        await collect(client.tickets.watch("zzzzzzzzzz"))
    assert script.delays == []


async def test_watch_checks_its_arguments_before_polling(
    client: sk.Skiplino, fake: FakeSkiplino
) -> None:
    with pytest.raises(ValueError, match="ticket_id"):
        await collect(client.tickets.watch(""))
    with pytest.raises(ValueError, match="max_errors"):
        await collect(client.tickets.watch("k7m2p9x4q1", max_errors=-1))
    assert fake.requests == []


async def test_watch_can_be_cancelled_while_waiting(client: sk.Skiplino) -> None:
    # Real waits here: the watch sleeps its (floored) interval and is cancelled meanwhile.
    mine = await book(client)
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in client.tickets.watch(mine.id, interval=0.5):
            first.set()

    task = asyncio.create_task(consume())
    await first.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()


async def test_breaking_out_of_a_watch_closes_it(
    client: sk.Skiplino, fake: FakeSkiplino, waits: Callable[..., Waits]
) -> None:
    mine = await book(client)
    waits([])
    watch = client.tickets.watch(mine.id)
    async with contextlib.aclosing(watch):
        async for ticket in watch:
            assert ticket.status == "waiting"
            break
    with pytest.raises(StopAsyncIteration):
        await anext(watch)


# --- customers.get_or_create -------------------------------------------------------------------


async def test_get_or_create_creates_then_returns_the_same_customer(
    client: sk.Skiplino, fake: FakeSkiplino
) -> None:
    before = fake.state.customer_count
    created = await client.customers.get_or_create(
        external_id="shop-42", name="Mona", metadata={"tier": "gold"}
    )
    assert fake.state.customer_count == before + 1
    assert (created.external_id, created.name, created.metadata) == (
        "shop-42",
        "Mona",
        {"tier": "gold"},
    )
    again = await client.customers.get_or_create(external_id="shop-42", name="Someone Else")
    assert again.id == created.id
    assert again.name == "Mona"  # an existing customer is returned as is, not updated
    assert fake.state.customer_count == before + 1


async def test_get_or_create_returns_an_existing_seed_customer(client: sk.Skiplino) -> None:
    customer = await client.customers.get_or_create(external_id="crm-7741")
    assert customer.id == "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"


async def test_concurrent_get_or_create_ends_with_one_customer(
    client: sk.Skiplino, fake: FakeSkiplino
) -> None:
    before = fake.state.customer_count
    results = await asyncio.gather(
        *(client.customers.get_or_create(external_id="race-1", name=f"w{i}") for i in range(4))
    )
    assert len({c.id for c in results}) == 1
    assert fake.state.customer_count == before + 1
    creates = [r for r in fake.requests if r.path == "/customers/create"]
    assert len(creates) == 4  # every worker tried; three fell back to a fetch


async def test_get_or_create_does_not_hide_other_errors(
    public_client: sk.Skiplino, client: sk.Skiplino
) -> None:
    with pytest.raises(sk.AuthenticationError):
        await public_client.customers.get_or_create(external_id="shop-43")
    with pytest.raises(ValueError, match="external_id"):
        await client.customers.get_or_create(external_id="")


# --- models: wire-format dicts and pickling ----------------------------------------------------


async def test_customer_round_trips_through_wire_dicts_and_pickle(client: sk.Skiplino) -> None:
    customer = await client.customers.get(external_id="crm-7741")
    wire = customer.to_dict()
    assert wire["_id"] == customer.id
    assert "id" not in wire
    assert wire["externalId"] == "crm-7741"
    assert wire["createdAt"] == "2026-06-23T11:00:00.000Z"
    assert sk.Customer.from_dict(wire) == customer
    assert sk.Customer.from_dict(orjson.loads(orjson.dumps(wire))) == customer
    assert pickle.loads(pickle.dumps(customer)) == customer


async def test_ticket_round_trips_with_nested_models(client: sk.Skiplino) -> None:
    ticket = await book(client)
    wire = ticket.to_dict()
    assert wire["groupOfService"] == {"id": TELLER_GROUP, "name": "Teller Services"}
    assert wire["statusAt"].endswith("Z")
    assert wire["queueSize"] == ticket.queue_size
    back = sk.Ticket.from_dict(wire)
    assert back == ticket
    assert back.status_at is not None
    assert back.status_at.tzinfo is not None
    assert pickle.loads(pickle.dumps(ticket)) == ticket


async def test_branch_tree_and_slots_round_trip(client: sk.Skiplino) -> None:
    branches = await client.branches.list()
    tree = await client.branches.tree(branches[0].id)
    for model in [*branches, *tree]:
        assert type(model).from_dict(model.to_dict()) == model
        assert pickle.loads(pickle.dumps(model)) == model
    assert branches[0].to_dict()["branchStatus"] == {"isBranchOpen": branches[0].is_open}


def test_unknown_fields_survive_the_round_trip() -> None:
    wire = {
        "_id": "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b",
        "createdAt": "2026-06-23T11:00:00.000Z",
        "loyaltyPoints": 120,
    }
    customer = sk.Customer.from_dict(wire)
    assert customer.extra == {"loyaltyPoints": 120}
    assert customer.created_at == datetime(2026, 6, 23, 11, tzinfo=UTC)
    assert customer.to_dict() == wire
    assert pickle.loads(pickle.dumps(customer)).extra == {"loyaltyPoints": 120}


def test_from_dict_rejects_the_wrong_shape() -> None:
    with pytest.raises(sk.APIResponseValidationError):
        sk.Customer.from_dict({"name": "no id"})
    with pytest.raises(sk.APIResponseValidationError):
        sk.Ticket.from_dict(["not", "an", "object"])
