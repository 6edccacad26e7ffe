"""Every wait a server can influence follows the retry policy's caps.

A ``Retry-After`` is obeyed exactly up to ``max_retry_after`` and never slept on beyond it, in
a call's retries as in ``tickets.watch``; seconds and HTTP dates alike.
"""

from __future__ import annotations

import asyncio
import email.utils
import time

import pytest

from skiplino_async import RateLimitError, RetryPolicy, Skiplino
from skiplino_async.testing import FakeSkiplino

WALK_IN = {"service_id": "6fe8fb8b12", "group_of_service_id": "7c1f9a3b2d"}


def _far(seconds: float) -> str:
    return email.utils.formatdate(time.time() + seconds, usegmt=True)


@pytest.mark.parametrize("retry_after", ["86400", _far(86400)], ids=["seconds", "date"])
async def test_watch_does_not_sleep_a_day_because_a_server_said_so(
    client: Skiplino, fake: FakeSkiplino, retry_after: str
) -> None:
    ticket = await client.tickets.book_walk_in(**WALK_IN)
    fake.faults.status(429, retry_after=retry_after, path=f"/tickets/{ticket.id}")
    async with asyncio.timeout(5):
        with pytest.raises(RateLimitError) as caught:
            async for _ in client.tickets.watch(ticket.id, interval=0.5):
                pass
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 60


@pytest.mark.parametrize("retry_after", ["86400", _far(86400)], ids=["seconds", "date"])
async def test_a_call_raises_a_retry_after_over_the_cap_at_once(
    fake: FakeSkiplino, retry_after: str
) -> None:
    fake.faults.status(429, retry_after=retry_after, path="/branches")
    async with Skiplino(
        api_key=fake.secret_key, base_url=fake.url, retry_policy=RetryPolicy(max_retry_after=5)
    ) as c:
        async with asyncio.timeout(5):
            with pytest.raises(RateLimitError):
                await c.branches.list()
    assert len(fake.requests) == 1


async def test_watch_obeys_a_retry_after_within_the_cap(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    ticket = await client.tickets.book_walk_in(**WALK_IN)
    fake.faults.status(429, retry_after="0", path=f"/tickets/{ticket.id}", times=1)
    async with asyncio.timeout(10):
        async for seen in client.tickets.watch(ticket.id, interval=0.5):
            assert seen.id == ticket.id
            break
