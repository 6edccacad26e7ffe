"""Every customer's tickets, walked concurrently: a bounded number of walks in flight on one
client (its throttling and retries hold for all of them), rows handed out in batches.

dlt advances an async generator one step per task, so no task group may stay open across a
``yield``: the walks run in a task of their own and hand their batches over a queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable

from .._client import Skiplino
from ..errors import NotFoundError, UnprocessableEntityError
from ._rows import TICKETS_PAGE, Row, ticket_rows

#: Walks in flight at once; the client's adaptive throttling paces them further.
CONCURRENCY = 8
#: Rows per batch handed to dlt (customers have few tickets each: batch them into pages).
BATCH_ROWS = 1_000

_Done = object()


async def customer_tickets(
    client: Skiplino,
    customer_ids: AsyncIterable[str],
    *,
    concurrency: int = CONCURRENCY,
    batch_rows: int = BATCH_ROWS,
) -> AsyncGenerator[list[Row], None]:
    """Batches of ticket rows of every customer in ``customer_ids``, walked concurrently.

    A customer deleted before its walk is skipped (it has no tickets any more); any other
    error ends the walk with that error.
    """
    out: asyncio.Queue[list[Row] | BaseException | object] = asyncio.Queue(maxsize=concurrency)

    async def walk_one(customer_id: str) -> list[Row]:
        try:
            tickets = [
                t async for t in client.customers.tickets(id=customer_id, limit=TICKETS_PAGE)
            ]
        except (NotFoundError, UnprocessableEntityError):
            return []
        return ticket_rows(customer_id, tickets)

    task = asyncio.create_task(_run(customer_ids, walk_one, out, concurrency, batch_rows))
    try:
        while (item := await out.get()) is not _Done:
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, list)
            yield item
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait([task])


async def _run(
    customer_ids: AsyncIterable[str],
    walk_one: Callable[[str], Awaitable[list[Row]]],
    out: asyncio.Queue[list[Row] | BaseException | object],
    concurrency: int,
    batch_rows: int,
) -> None:
    try:
        await _walk_all(customer_ids, walk_one, out, concurrency, batch_rows)
    except asyncio.CancelledError:
        raise
    except BaseExceptionGroup as group:
        await out.put(_first(group))
    except Exception as exc:  # noqa: BLE001 (handed over: the consumer raises it)
        await out.put(exc)
    else:
        await out.put(_Done)


async def _walk_all(
    customer_ids: AsyncIterable[str],
    walk_one: Callable[[str], Awaitable[list[Row]]],
    out: asyncio.Queue[list[Row] | BaseException | object],
    concurrency: int,
    batch_rows: int,
) -> None:
    ids: asyncio.Queue[str | None] = asyncio.Queue(maxsize=concurrency)
    batch: list[Row] = []

    async def produce() -> None:
        async for customer_id in customer_ids:
            await ids.put(customer_id)
        for _ in range(concurrency):
            await ids.put(None)

    async def work() -> None:
        nonlocal batch
        while (customer_id := await ids.get()) is not None:
            batch.extend(await walk_one(customer_id))
            if len(batch) >= batch_rows:
                full, batch = batch, []
                await out.put(full)

    async with asyncio.TaskGroup() as group:
        group.create_task(produce())
        for _ in range(concurrency):
            group.create_task(work())
    if batch:
        await out.put(batch)


def _first(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first error of a task group, unwrapped (nested groups included)."""
    first = group.exceptions[0]
    return _first(first) if isinstance(first, BaseExceptionGroup) else first
