"""The throttle controller: tables, and properties over a simulated token bucket."""

from __future__ import annotations

import pytest
from _throttle_sim import simulate
from hypothesis import example, given, settings
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
    # Nor, within a round, answers to requests sent after it ...
    throttle.throttled(1.2, sent=1.1, wait=0.0)
    assert throttle.rate == first
    # ... the next round cuts again.
    throttle.throttled(2.1, sent=2.05, wait=0.0)
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


def _paced(throttle: Throttle, start: float, end: float) -> float:
    """Clean answers in the paced slots from ``start`` to ``end``; the time after the last."""
    now = start
    while True:
        now = throttle.reserve(now, walk=True)
        if now >= end:
            return now
        throttle.answered(now)


def _settled_at_20_per_second() -> Throttle:
    throttle = Throttle()
    for i in range(40):
        throttle.answered(i * 0.05)  # 20 accepted answers/s for 2 s
    throttle.throttled(2.0, sent=2.0, wait=1.0)  # Retry-After: 1
    assert throttle.rate == pytest.approx(18, abs=1)
    return throttle


def test_a_hold_is_not_counted_as_a_slow_rate() -> None:
    # Another client on the same limit takes the tokens while this one is held: the next
    # throttle right after the hold cuts from the rate sent at, not from one averaged over
    # the hold (which cut a shared client to a third in one step).
    throttle = _settled_at_20_per_second()
    before = throttle.rate
    assert before is not None
    now = _paced(throttle, 3.0, 3.4)
    throttle.throttled(now, sent=now, wait=1.0)
    assert throttle.rate is not None
    assert 0.8 * before <= throttle.rate < before


def test_clean_answers_after_a_hold_raise_the_rate_at_once() -> None:
    throttle = _settled_at_20_per_second()
    before = throttle.rate
    assert before is not None
    _paced(throttle, 3.0, 3.5)
    assert throttle.rate is not None
    assert throttle.rate > before


def test_a_client_cuts_at_most_once_a_round() -> None:
    # A slow client sharing a limit meets throttled answers about as often as a fast one.
    throttle = Throttle()
    for i in range(50):
        throttle.answered(i * 0.1)  # 10 accepted answers/s
    rates = []
    for now in (5.0, 5.3, 5.6, 5.9, 6.1):
        throttle.throttled(now, sent=now, wait=0.01)  # each sent after the last cut
        rates.append(throttle.rate)
    assert rates[0] == rates[1] == rates[2] == rates[3]
    assert rates[4] is not None
    assert rates[0] is not None
    assert rates[4] < rates[0]


# Runs where the controller before rounds and hold-free measures left one of three clients
# with 0.43 - 0.49 of its fair share (Retry-After: 1; other seeds went down to 0.22).
@pytest.mark.parametrize(
    ("seed", "stagger"), [(4, 0.0), (0, 0.7), (10, 0.7), (12, 0.7), (30, 0.7), (35, 0.7)]
)
def test_a_client_held_by_retry_after_1_keeps_its_share(seed: int, stagger: float) -> None:
    log, _ = simulate(50, "1", seconds=90.0, clients=3, seed=seed, stagger=stagger)
    for client in range(3):
        assert log.accepted_rate(45.0, 90.0, client) >= 0.5 * 50 / 3


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
@example(limit=1, style="exact", latency=0.0, seed=0)  # a token due now, not 2e-16 s away
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


@settings(max_examples=10, deadline=None)
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
        # None gets less than half its fair share.
        assert log.accepted_rate(start, seconds, client) >= 0.5 * 50 / 3
