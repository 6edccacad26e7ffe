"""Every customer's tickets, walked concurrently on one client: a bounded number of walks in
flight, deleted customers skipped, any other error raised (never a quiet end)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web

from skiplino_async import InternalServerError, Skiplino
from skiplino_async.dlt._tickets import CONCURRENCY, customer_tickets

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PAGINATION = {"total": 1, "page": 1, "limit": 10, "totalPages": 1}
PAGINATION |= {"hasNextPage": False, "hasPrevPage": False}


class TicketServer:
    """One ticket per customer, after ``delay``; counts the walks in flight at once."""

    def __init__(self, delay: float, gone: frozenset[str] = frozenset(), broken: str = "") -> None:
        self.delay, self.gone, self.broken = delay, gone, broken
        self.in_flight = self.most = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        customer = request.query["id"]
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        if customer in self.gone:
            body = {"message": "Validation failed", "error": {"id": "This value does not exist."}}
            return web.json_response(body, status=422)
        if customer == self.broken:
            return web.json_response({"message": "boom", "error": "boom"}, status=500)
        ticket = {"id": f"t-{customer}", "ticketNumber": "A001", "status": "waiting"}
        return web.json_response({"message": "ok", "data": [ticket], "pagination": PAGINATION})


async def ids(n: int) -> AsyncIterator[str]:
    for i in range(n):
        yield f"c{i}"


async def test_walks_run_concurrently_within_the_bound_and_skip_deleted_customers(
    raw_client: Callable[[Handler], Awaitable[Skiplino]],
) -> None:
    server = TicketServer(delay=0.02, gone=frozenset({"c3", "c7"}))
    client = await raw_client(server.handle)
    batches = [b async for b in customer_tickets(client, ids(40), batch_rows=10)]
    rows = [row for batch in batches for row in batch]
    assert sorted(r["id"] for r in rows) == sorted(f"t-c{i}" for i in range(40) if i not in (3, 7))
    assert all(r["customerId"] == r["id"][2:] for r in rows)
    assert all(len(batch) >= 10 for batch in batches[:-1])
    assert 1 < server.most <= CONCURRENCY


async def test_an_api_error_ends_the_walk_with_that_error_and_leaves_no_task(
    raw_client: Callable[[Handler], Awaitable[Skiplino]],
) -> None:
    client = await raw_client(TicketServer(delay=0.005, broken="c25").handle)
    with pytest.raises(InternalServerError):
        async for _ in customer_tickets(client, ids(200), batch_rows=5):
            pass
    assert not [t for t in asyncio.all_tasks() if _of_tickets(t)]


def _of_tickets(task: asyncio.Task[object]) -> bool:
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and code.co_filename.endswith(("dlt/_tickets.py", "dlt\\_tickets.py"))
