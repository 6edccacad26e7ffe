"""Shared fixtures: a fake Skiplino server on 127.0.0.1 and clients talking to it over TCP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from skiplino_async import RetryPolicy, Skiplino
from skiplino_async.testing import FakeSkiplino

#: Retry waits short enough for tests; the policy's logic is the same as in production.
FAST_RETRIES = RetryPolicy(initial_delay=0.001, max_delay=0.01)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSkiplino]:
    async with FakeSkiplino(customers=137) as server:
        yield server


@pytest.fixture
async def client(fake: FakeSkiplino) -> AsyncIterator[Skiplino]:
    async with Skiplino(
        api_key=fake.secret_key, base_url=fake.url, retry_policy=FAST_RETRIES, timeout=10
    ) as c:
        yield c


@pytest.fixture
async def public_client(fake: FakeSkiplino) -> AsyncIterator[Skiplino]:
    async with Skiplino(
        api_key=fake.public_key, base_url=fake.url, retry_policy=FAST_RETRIES, timeout=10
    ) as c:
        yield c
