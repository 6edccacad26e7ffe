"""Every number a client, a call, a walk, ``watch`` or a ``RetryPolicy`` takes is checked before
anything is sent: non-finite, negative, zero where it means nothing, or the wrong type is a
``ValueError`` naming the setting, never an ``OverflowError`` on every call or a call that
hangs. A server counting requests proves nothing left.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skiplino_async import RetryPolicy, Skiplino
from skiplino_async._checks import check_seconds, check_timeout
from skiplino_async.testing import FakeSkiplino

BAD_SECONDS = [math.inf, -math.inf, math.nan, -1, 0, 10**400, True, "5"]
BAD_TIMEOUTS = [
    *BAD_SECONDS,
    aiohttp.ClientTimeout(total=math.inf),
    aiohttp.ClientTimeout(total=-1),
    aiohttp.ClientTimeout(total=0),
    aiohttp.ClientTimeout(total=5, sock_read=math.nan),
    aiohttp.ClientTimeout(total=5, connect=-2),
    aiohttp.ClientTimeout(total=5, sock_connect=math.inf),
]
BAD_COUNTS = [-1, 1.5, True, math.inf, math.nan, "2"]


CLIENT_SETTINGS = {
    "timeout": BAD_TIMEOUTS,
    "deadline": BAD_SECONDS,
    "connection_limit": [*BAD_COUNTS, 0],
    "max_retries": BAD_COUNTS,
    "rate_limit": BAD_SECONDS,
}


@pytest.mark.parametrize(
    ("name", "value"),
    [(name, value) for name, values in CLIENT_SETTINGS.items() for value in values],
    ids=repr,
)
def test_client_settings(fake: FakeSkiplino, name: str, value: object) -> None:
    with pytest.raises(ValueError, match=name):
        Skiplino(api_key=fake.secret_key, base_url=fake.url, **{name: value})


@pytest.mark.parametrize("name", ["initial_delay", "max_delay", "max_retry_after"])
@pytest.mark.parametrize("value", [math.inf, math.nan, -1, 10**400, True, "1"], ids=repr)
def test_retry_policy_seconds(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=name):
        RetryPolicy(**{name: value})


@pytest.mark.parametrize("value", BAD_COUNTS, ids=repr)
def test_retry_policy_max_retries(value: object) -> None:
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=value)  # type: ignore[arg-type]


def test_zero_waits_are_meaningful_in_a_policy() -> None:
    assert RetryPolicy(initial_delay=0, max_delay=0, max_retry_after=0).max_delay == 0


Call = Callable[[Skiplino, dict[str, Any]], Any]
CALLS: dict[str, Call] = {
    "get": lambda c, o: c.tickets.get("k7m2p9x4q1", **o),
    "with_options": lambda c, o: c.with_options(**o).branches.list(),
    "walk": lambda c, o: c.customers.list(**o),
    "request": lambda c, o: c.request("GET", "/branches", **o),
}


@pytest.mark.parametrize("call", CALLS, ids=str)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("timeout", math.inf),
        ("timeout", math.nan),
        ("timeout", -1),
        ("timeout", aiohttp.ClientTimeout(total=math.inf)),
        ("deadline", math.inf),
        ("deadline", math.nan),
        ("deadline", 0),
        ("max_retries", -1),
        ("max_retries", 2.5),
    ],
    ids=repr,
)
async def test_call_options_are_checked_before_sending(
    fake: FakeSkiplino, client: Skiplino, call: str, name: str, value: object
) -> None:
    before = len(fake.requests)
    with pytest.raises(ValueError, match=name):
        await _run(CALLS[call](client, {name: value}))
    assert len(fake.requests) == before


async def _run(result: Any) -> None:
    """Await a call; a walk is started by iterating it."""
    if hasattr(result, "__await__"):
        await result
    else:
        async for _ in result:
            break


@pytest.mark.parametrize("value", [math.inf, math.nan, -1, -math.inf, 10**400], ids=repr)
async def test_watch_interval(fake: FakeSkiplino, client: Skiplino, value: float) -> None:
    before = len(fake.requests)
    with pytest.raises(ValueError, match="interval"):
        await _run(client.tickets.watch("k7m2p9x4q1", interval=value))
    assert len(fake.requests) == before


def _positive_finite(value: float) -> bool:
    try:
        return math.isfinite(float(value)) and value > 0
    except OverflowError:
        return False


@given(st.one_of(st.floats(), st.integers(), st.integers(min_value=10**300)))
def test_seconds_are_taken_exactly_when_positive_and_finite(value: float) -> None:
    if _positive_finite(value):
        assert check_seconds(value, "timeout") == float(value)
        assert check_timeout(value).total == float(value)
    else:
        with pytest.raises(ValueError, match="timeout"):
            check_seconds(value, "timeout")
