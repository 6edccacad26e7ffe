"""The fake server's rate limit: a token bucket answering 429 over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from skiplino_async.testing import FakeSkiplino
from skiplino_async.testing._bucket import TokenBucket


@pytest.fixture
async def fake() -> AsyncIterator[FakeSkiplino]:
    async with FakeSkiplino(customers=5) as server:
        yield server


async def _statuses(fake: FakeSkiplino, n: int, path: str = "/branches") -> list[tuple[int, str]]:
    headers = {"Authorization": f"Bearer {fake.secret_key}"}
    out = []
    async with aiohttp.ClientSession() as session:
        for _ in range(n):
            async with session.get(fake.url + path, headers=headers) as resp:
                await resp.read()
                out.append((resp.status, resp.headers.get("Retry-After", "")))
    return out


async def test_beyond_the_burst_requests_get_429_with_the_exact_wait(fake: FakeSkiplino) -> None:
    rule = fake.faults.rate_limit(1, burst=3)
    answers = await _statuses(fake, 5)
    assert [status for status, _ in answers] == [200, 200, 200, 429, 429]
    wait = float(answers[3][1])
    assert 0.5 < wait <= 1.0
    assert rule.fired == 2


@pytest.mark.parametrize(("retry_after", "header"), [(1, "1"), (None, ""), ("7", "7")])
async def test_retry_after_styles(fake: FakeSkiplino, retry_after: object, header: str) -> None:
    fake.faults.rate_limit(0.5, burst=1, retry_after=retry_after)  # type: ignore[arg-type]
    answers = await _statuses(fake, 2)
    assert answers == [(200, ""), (429, header)]


async def test_only_matching_requests_take_tokens(fake: FakeSkiplino) -> None:
    fake.faults.rate_limit(0.5, burst=1, path="/customers/*")
    assert [s for s, _ in await _statuses(fake, 3)] == [200, 200, 200]
    answers = await _statuses(fake, 2, "/customers/getAll")
    assert [s for s, _ in answers] == [200, 429]


def test_the_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket(10, burst=2, now=0.0)
    assert [bucket.take(0.0) for _ in range(2)] == [None, None]
    assert bucket.take(0.0) == pytest.approx(0.1)
    assert bucket.take(0.05) == pytest.approx(0.05)
    assert bucket.take(0.1) is None
    assert bucket.take(10.0) is None  # capped at the burst
    assert bucket.take(10.0) is None
    assert bucket.take(10.0) is not None


@pytest.mark.parametrize(
    ("per_second", "burst", "error"),
    [
        (0, None, ValueError),
        (-1, None, ValueError),
        (float("inf"), None, ValueError),
        ("5", None, TypeError),
        (True, None, TypeError),
        (5, 0.5, ValueError),
    ],
)
def test_a_bad_rate_limit_is_refused(per_second: object, burst: object, error: type) -> None:
    with pytest.raises(error):
        FakeSkiplino().faults.rate_limit(per_second, burst=burst)  # type: ignore[arg-type]
