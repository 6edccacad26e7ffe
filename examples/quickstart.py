"""Quick start: list branches, book a walk-in ticket, look a customer up.

Run it as is: without ``SKIPLINO_BASE_URL`` it starts the embedded fake Skiplino server and
points the client at it. With ``SKIPLINO_API_KEY`` and ``SKIPLINO_BASE_URL`` set it talks to
that API instead (and books a real ticket: use a test company).

    python examples/quickstart.py
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import skiplino_async as sk


async def main() -> None:
    async with sk.Skiplino() as client:  # SKIPLINO_API_KEY, SKIPLINO_BASE_URL
        branches = await client.branches.list()
        branch = next(b for b in branches if b.is_open)
        print(f"{len(branches)} branches; booking at {branch.name}")

        tree = await client.branches.tree(branch.id)
        group, service = next(
            (g, s) for g in tree for s in g.services if s.is_open and not s.is_appointment
        )
        ticket = await client.tickets.book_walk_in(
            service_id=service.id, group_of_service_id=group.id
        )
        print(
            f"ticket {ticket.ticket_number}: {ticket.queue_size} ahead, ~{ticket.waiting_time} min"
        )

        try:
            customer = await client.customers.get(external_id="crm-7741")
            print(f"customer crm-7741 is {customer.name}")
        except sk.UnprocessableEntityError as exc:  # unknown customers are a 422, not a 404
            print(f"no customer crm-7741: {exc.field_errors}")

        await client.tickets.cancel(ticket.id)


@asynccontextmanager
async def skiplino_api() -> AsyncIterator[None]:
    """Use the API from the environment, or start the embedded fake server and point at it."""
    if os.environ.get("SKIPLINO_BASE_URL"):
        yield
        return
    from skiplino_async.testing import FakeSkiplino

    async with FakeSkiplino() as fake:
        os.environ["SKIPLINO_API_KEY"] = fake.secret_key
        os.environ["SKIPLINO_BASE_URL"] = fake.url
        print(f"(embedded fake Skiplino server on {fake.url})")
        yield


async def run() -> None:
    async with skiplino_api():
        await main()


if __name__ == "__main__":
    try:
        asyncio.run(run())
    except sk.SkiplinoError as exc:
        sys.exit(f"error: {type(exc).__name__}: {exc}")
