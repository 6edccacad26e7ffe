"""The server pushing back, over real HTTP: the fake's token bucket and raw servers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from conftest import FAST_RETRIES, Handler

from skiplino_async import RateLimitError, Skiplino
from skiplino_async.testing import FakeSkiplino

SERVICE, GROUP = "6fe8fb8b12", "7c1f9a3b2d"  # Cash Withdrawal, open for walk-ins


def statuses(fake: FakeSkiplino, path: str) -> list[int | None]:
    return [r.status for r in fake.requests if r.path == path]


@pytest.mark.parametrize("retry_after", ["exact", 1, None])
async def test_a_walk_against_a_rate_limit_finishes_without_failing(
    retry_after: str | int | None,
) -> None:
    async with FakeSkiplino(customers=600, request_log_size=None) as fake:
        fake.faults.rate_limit(40, burst=5, retry_after=retry_after)
        async with Skiplino(
            api_key=fake.secret_key, base_url=fake.url, retry_policy=FAST_RETRIES
        ) as client:
            ids = [c.id async for c in client.customers.list(limit=10)]
    assert len(ids) == len(set(ids)) == 600
    answered = statuses(fake, "/customers/getAll")
    assert answered.count(200) == 60  # every page once
    assert 429 in answered  # the server did push back


async def test_throttled_answers_spend_no_retries_posts_included(
    fake: FakeSkiplino, client: Skiplino
) -> None:
    fake.faults.status(429, retry_after=0.01, method="POST", path="/tickets/book", times=3)
    ticket = await client.tickets.book(service_id=SERVICE, group_of_service_id=GROUP, max_retries=1)
    assert ticket.id
    assert fake.state.tickets_created == 1
    assert statuses(fake, "/tickets/book") == [429, 429, 429, 201]


async def test_a_503_with_retry_after_is_a_throttle(fake: FakeSkiplino, client: Skiplino) -> None:
    fake.faults.status(503, retry_after=0, path="/branches", times=4)
    assert await client.branches.list(max_retries=1)
    assert statuses(fake, "/branches") == [503, 503, 503, 503, 200]


async def test_max_throttle_wait_ends_the_call_with_retry_after(fake: FakeSkiplino) -> None:
    fake.faults.status(429, retry_after=1, path="/branches")
    async with Skiplino(
        api_key=fake.secret_key,
        base_url=fake.url,
        retry_policy=FAST_RETRIES,
        max_throttle_wait=0.5,
    ) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.branches.list()
        assert caught.value.retry_after == 1.0
        # Per call: this one may wait, and gets through once the fault is gone.
        fake.faults.clear()
        assert await client.branches.list(max_throttle_wait=5)
    assert statuses(fake, "/branches") == [429, 200]


async def test_the_deadline_bounds_throttle_waits(fake: FakeSkiplino, client: Skiplino) -> None:
    fake.faults.status(429, retry_after=30, path="/branches")
    with pytest.raises(RateLimitError) as caught:
        await client.branches.list(deadline=1)
    assert caught.value.retry_after == 30.0
    assert statuses(fake, "/branches") == [429]


@pytest.mark.parametrize("value", [-1, float("nan"), "5", True])
def test_a_bad_max_throttle_wait_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="max_throttle_wait"):
        Skiplino(api_key="sk_test_x", max_throttle_wait=value)  # type: ignore[arg-type]


Serve = Callable[[Handler], Awaitable[str]]


async def test_one_throttle_holds_every_call_of_the_client(serve: Serve) -> None:
    arrivals: list[tuple[str, float]] = []
    first_in = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        arrivals.append((request.path, time.monotonic()))
        first_in.set()
        if request.path.endswith("/branches") and len(arrivals) == 1:
            return web.json_response(
                {"message": "slow down"}, status=429, headers={"Retry-After": "0.3"}
            )
        return web.json_response({"message": "ok", "data": []})

    url = await serve(handler)
    async with Skiplino(api_key="sk_test_x", base_url=url, retry_policy=FAST_RETRIES) as client:
        first = asyncio.create_task(client.branches.list())
        await first_in.wait()
        await asyncio.sleep(0.05)  # the 429 is in
        await client.request("GET", "/other")
        await first
    throttled_at = arrivals[0][1]
    assert [path.rsplit("/", 1)[-1] for path, _ in arrivals[1:]].count("branches") == 1
    # Nothing went out inside the window the server named, whichever call sent it.
    assert all(at >= throttled_at + 0.3 - 0.01 for _, at in arrivals[1:])


@pytest.mark.parametrize(
    "headers",
    [
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0.4"},
        {"RateLimit-Remaining": "0", "RateLimit-Reset": "0.4"},
        {"RateLimit": '"default";r=0;t=0.4', "RateLimit-Policy": '"default";q=10;w=1'},
    ],
)
async def test_rate_headers_pace_before_any_429(serve: Serve, headers: dict[str, str]) -> None:
    arrivals: list[float] = []

    async def handler(request: web.Request) -> web.Response:
        arrivals.append(time.monotonic())
        return web.json_response({"message": "ok", "data": []}, headers=headers)

    url = await serve(handler)
    async with Skiplino(api_key="sk_test_x", base_url=url) as client:
        await client.branches.list()
        await client.branches.list()
    assert arrivals[1] - arrivals[0] >= 0.4 - 0.01
