"""The throttle controller: tables, and properties over a simulated token bucket."""

from __future__ import annotations

from typing import Final

import pytest
from _throttle_sim import simulate
from hypothesis import given, settings
from hypothesis import strategies as st

from skiplino_async._ratehints import RateHint, parse_rate_hint
from skiplino_async._throttle import Throttle


def test_nothing_is_paced_until_the_server_pushes_back() -> None:
    throttle = Throttle()
    for i in range(1000):
        now = i * 0.001
        assert throttle.reserve(now, walk=True) == now
        throttle.answered(now)
    assert throttle.rate is None


def test_nothing_measured_nothing_paced_only_held() -> None:
    # A client starting on a drained limit has no accepted answers to measure a rate from.
    throttle = Throttle()
    throttle.throttled(0.0, sent=0.0, wait=0.5)
    assert throttle.rate is None
    assert throttle.reserve(0.0, walk=True) == 0.5


def test_a_throttle_holds_every_request_until_retry_after() -> None:
    throttle = Throttle()
    throttle.answered(0.5)
    throttle.throttled(1.0, sent=0.9, wait=2.0)
    assert throttle.not_before == 3.0
    assert throttle.reserve(1.5, walk=True) >= 3.0
    assert throttle.reserve(1.5, walk=False) == 3.0
    assert throttle.wait(2.0) == 1.0


def test_the_rate_is_cut_once_per_round() -> None:
    throttle = Throttle()
    for i in range(100):
        throttle.answered(i * 0.01)  # 100 accepted answers/s
    throttle.throttled(1.0, sent=0.99, wait=0.0)
    first = throttle.rate
    assert first is not None
    assert 80 <= first <= 100
    # Answers to requests sent before the cut say nothing about the new rate.
    throttle.throttled(1.01, sent=0.995, wait=0.0)
    assert throttle.rate == first
    throttle.throttled(1.2, sent=1.1, wait=0.0)
    assert throttle.rate is not None
    assert throttle.rate < first


def test_clean_answers_raise_the_rate_step_by_step_then_lift_the_pacing() -> None:
    throttle = Throttle()
    for i in range(10):
        throttle.answered(i * 0.1)
    throttle.throttled(1.0, sent=1.0, wait=0.0)
    rates = []
    now = 1.0
    while throttle.rate is not None and now < 120:
        now = throttle.reserve(now, walk=True)
        throttle.answered(now)
        rates.append(throttle.rate)
    numbers = [r for r in rates if r is not None]
    assert numbers == sorted(numbers)
    assert numbers[-1] > numbers[0]
    assert throttle.rate is None  # lifted after a long clean run


def test_a_single_call_jumps_the_walks_queue() -> None:
    throttle = Throttle()
    for i in range(10):
        throttle.answered(i * 0.1)
    throttle.throttled(1.0, sent=1.0, wait=0.0)
    slots = [throttle.reserve(1.0, walk=True) for _ in range(8)]
    assert slots == sorted(slots)
    assert slots[-1] > 1.5
    assert throttle.reserve(1.0, walk=False) == 1.0
    # ... and the walk's next slot moved back to make room for it.
    assert throttle.reserve(1.0, walk=True) > slots[-1] + (slots[1] - slots[0]) * 1.5


@pytest.mark.parametrize(
    ("headers", "hint"),
    [
        (
            {"RateLimit": '"default";r=5;t=10', "RateLimit-Policy": '"default";q=100;w=60'},
            RateHint(5, 10.0, 100),
        ),
        ({"RateLimit": "limit=100, remaining=0, reset=3"}, RateHint(0, 3.0, 100)),
        ({"RateLimit-Remaining": "7", "RateLimit-Reset": "2"}, RateHint(7, 2.0, None)),
        (
            {
                "X-RateLimit-Remaining": "1",
                "X-RateLimit-Reset": "1700000060",
                "X-RateLimit-Limit": "60",
            },
            RateHint(1, 60.0, 60),
        ),
        ({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "30"}, RateHint(3, 30.0, None)),
        ({"X-RateLimit-Remaining": "lots", "X-RateLimit-Reset": "30"}, None),
        ({"X-RateLimit-Remaining": "3"}, None),
        ({"RateLimit": "garbage"}, None),
        ({}, None),
    ],
)
def test_rate_headers(headers: dict[str, str], hint: RateHint | None) -> None:
    assert parse_rate_hint(headers, now=1_700_000_000.0) == hint


def test_rate_headers_pace_before_any_429() -> None:
    throttle = Throttle()
    throttle.hinted(0.0, RateHint(90, 10.0, 100))  # plenty left: nothing paced
    assert throttle.reserve(0.0, walk=True) == 0.0
    throttle.hinted(0.0, RateHint(10, 10.0, 100))  # one a second for what is left
    first = throttle.reserve(0.0, walk=True)
    assert throttle.reserve(0.0, walk=True) - first == pytest.approx(1.0)
    throttle.hinted(0.0, RateHint(0, 4.0, 100))  # none left: hold until the reset
    assert throttle.reserve(0.0, walk=False) == 4.0


STYLES = st.sampled_from(["1", "exact", None])


@settings(max_examples=25, deadline=None)
@given(
    limit=st.integers(1, 1000),
    style=STYLES,
    latency=st.sampled_from([0.0, 0.02, 0.04]),
    seed=st.integers(0, 2**16),
)
def test_it_settles_for_any_limit_and_retry_after_style(
    limit: int, style: str | None, latency: float, seed: int
) -> None:
    # Bounded in steps: a slow limit gets the time of a fixed number of its requests.
    seconds = max(40.0, 400 / limit)
    width = 32
    log, _ = simulate(limit, style, seconds=seconds, latency=latency, width=width, seed=seed)
    assert log.early == []  # no request sent inside a not-before window
    permitted = min(limit, width / latency if latency else limit)
    half = seconds / 2
    rate = log.accepted_rate(half, seconds) / permitted
    share = log.throttled_share(half, seconds)
    if limit >= 5:
        assert rate >= 0.9, (rate, share)
        assert share < 0.1, (rate, share)
    else:
        assert rate >= 0.55, (rate, share)
        assert share < 0.3, (rate, share)


@settings(max_examples=10, deadline=None)
@given(style=STYLES, seed=st.integers(0, 2**16))
def test_single_calls_wait_only_for_the_not_before_time(style: str | None, seed: int) -> None:
    log, _ = simulate(50, style, seconds=20, foreground_every=0.25, seed=seed)
    assert log.foreground_waits
    assert max(log.foreground_waits) == 0.0
    assert log.early == []


# Derandomized: a search over seeds finds Retry-After: 1 runs where one client gets as little
# as a quarter of its share in the second half (about 1 run in 10; the total stays at the
# limit); the other styles stay near half at worst. The bounds below are those measured floors,
# so that a change that makes sharing worse fails here, not at random.
_FAIR_FLOOR: Final = {"1": 0.2, "exact": 0.45, None: 0.45}


@settings(max_examples=10, deadline=None, derandomize=True)
@given(style=STYLES, seed=st.integers(0, 2**16), stagger=st.sampled_from([0.0, 0.7]))
def test_clients_sharing_a_limit_get_fair_shares(
    style: str | None, seed: int, stagger: float
) -> None:
    # Started together, or each 0.7 s after the last (on a limit the others drained).
    seconds = 90.0
    log, _ = simulate(50, style, seconds=seconds, clients=3, seed=seed, stagger=stagger)
    start = seconds / 2
    assert log.accepted_rate(start, seconds) >= 0.85 * 50
    for client in range(3):
        assert log.accepted_rate(start, seconds, client) >= _FAIR_FLOOR[style] * 50 / 3
