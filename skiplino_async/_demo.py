"""``skiplino demo``: the main flows in a few readable lines.

Against the embedded fake server by default; against a real API (read-only calls only) when
``SKIPLINO_API_KEY`` and ``SKIPLINO_BASE_URL`` are both set.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta

from ._client import Skiplino
from .errors import SkiplinoError
from .models import Branch, BranchTreeGroup, Service


def say(text: str) -> None:
    print(text, flush=True)


async def run_demo(*, customers: int = 250) -> int:
    if os.environ.get("SKIPLINO_API_KEY") and os.environ.get("SKIPLINO_BASE_URL"):
        say(f"Using the API at {os.environ['SKIPLINO_BASE_URL']} (read-only calls).")
        try:
            async with Skiplino() as client:
                await read_only_tour(client)
        except SkiplinoError as exc:
            say(f"error: {type(exc).__name__}: {exc}")
            return 1
        return 0

    from .testing import FakeSkiplino

    async with FakeSkiplino(customers=customers) as fake:
        say(f"Fake Skiplino server on {fake.url} with {customers} seed customers.\n")
        async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
            _branch, walk_in, appointment = await read_only_tour(client)
            await booking_tour(client, walk_in, appointment)
            await customer_tour(client)
    say("\nDone. Run `skiplino serve` to explore the fake server yourself.")
    return 0


Choice = tuple[BranchTreeGroup, Service] | None


async def read_only_tour(client: Skiplino) -> tuple[Branch, Choice, Choice]:
    branches = await client.branches.list()
    say(f"1. {len(branches)} active branches:")
    for b in branches:
        say(f"     {b.id}  {b.name:<28} {'open' if b.is_open else 'closed'}")
    branch = next((b for b in branches if b.is_open), branches[0])

    tree = await client.branches.tree(branch.id)
    say(f"2. Service tree of {branch.name}:")
    for g in tree:
        for s in g.services:
            kind = "appointments" if s.is_appointment else "walk-in"
            say(f"     {g.name} / {s.name:<24} {kind:<12} {'open' if s.is_open else 'closed'}")
    arabic = await client.branches.list(locale="ar")
    say(f"   (the same branch with X-Locale: ar -> {arabic[0].name})")

    pairs = [(g, s) for g in tree for s in g.services]
    walk_in = next(((g, s) for g, s in pairs if s.is_open and not s.is_appointment), None)
    appt = next(((g, s) for g, s in pairs if s.is_appointment), None)
    if appt is not None:
        tomorrow = date.today() + timedelta(days=1)
        slots = await client.services.slots(appt[1].id, date=tomorrow)
        free = [s for s in slots if s.remaining]
        first = f"first at {free[0].time:%H:%M}Z" if free else "none free"
        say(f"3. {len(free)} free slots for {appt[1].name} on {tomorrow}; {first}")
    return branch, walk_in, appt


async def booking_tour(client: Skiplino, walk_in: Choice, appointment: Choice) -> None:
    if walk_in is not None:
        group, service = walk_in
        ticket = await client.tickets.book_walk_in(
            service_id=service.id, group_of_service_id=group.id
        )
        say(
            f"4. Walk-in ticket {ticket.ticket_number}: {ticket.status}, "
            f"{ticket.queue_size} ahead, about {ticket.waiting_time} min"
        )
        fetched = await client.tickets.get(ticket.id)
        cancelled = await client.tickets.cancel(fetched.id)
        say(f"   fetched again ({fetched.status}) and cancelled -> {cancelled.status}")
    if appointment is not None:
        group, service = appointment
        customer = await client.customers.get_or_create(
            external_id="demo-0001", name="Demo Customer", email="demo@example.com"
        )
        slots = await client.services.slots(service.id, date=date.today() + timedelta(days=1))
        free = [s for s in slots if s.remaining]
        ticket = await client.tickets.book_appointment(
            service_id=service.id,
            group_of_service_id=group.id,
            time=free[0].time,
            customer_external_id=customer.external_id,
        )
        when = f"{ticket.time:%Y-%m-%d %H:%M}Z" if ticket.time else "?"
        say(f"5. Appointment {ticket.ticket_number} for {customer.name} at {when}")
        moved = await client.tickets.reschedule(
            ticket.id, time=free[-1].time, customer_id=customer.id
        )
        say(f"   rescheduled to {moved.time:%H:%M}Z, status {moved.status}")


async def customer_tour(client: Skiplino) -> None:
    created = await client.customers.create(
        external_id=f"demo-{int(time.time())}", name="Layla Example", metadata={"tier": "gold"}
    )
    updated = await client.customers.update(id=created.id, metadata={"tier": "platinum"})
    say(f"6. Created customer {created.id[:8]}..., metadata now {updated.metadata}")
    started = time.perf_counter()
    count = 0
    async for _customer in client.customers.list(limit=100):
        count += 1
    elapsed = time.perf_counter() - started
    say(f"7. Auto-paginated all {count} customers in {elapsed:.2f}s")
    await client.customers.delete(id=created.id)


if __name__ == "__main__":  # pragma: no cover
    import asyncio

    sys.exit(asyncio.run(run_demo()))
