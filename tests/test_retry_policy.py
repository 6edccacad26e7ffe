"""RetryPolicy on its own: the idempotency rules of the design, Retry-After, and the waits."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import attrs
import backoff
import pytest

from skiplino_async import RetryPolicy
from skiplino_async._protocol import parse_retry_after
from skiplino_async._retry import RETRYABLE_STATUSES, Failure

RETRYABLE = (408, 429, 500, 502, 503, 504)
NOT_RETRYABLE = (301, 302, 400, 401, 403, 404, 405, 409, 410, 422, 501, 505, 599)
AMBIGUOUS_FOR_POST = (408, 500, 502, 504)


def decide(
    policy: RetryPolicy,
    *,
    idempotent: bool,
    failure: Failure,
    status: int | None = None,
    retry_after: float | None = None,
    retries_done: int = 0,
) -> bool:
    return policy.should_retry(
        retries_done=retries_done,
        idempotent=idempotent,
        failure=failure,
        status=status,
        retry_after=retry_after,
    )


policy = RetryPolicy(max_retries=3)


def test_retryable_statuses_are_the_designs() -> None:
    assert frozenset(RETRYABLE) == RETRYABLE_STATUSES


# --- GET / PUT / DELETE (and a create keyed by an external id) ---------------------------


@pytest.mark.parametrize("failure", [Failure.NOT_SENT, Failure.TIMEOUT, Failure.DISCONNECTED])
def test_idempotent_retried_on_every_network_failure(failure: Failure) -> None:
    assert decide(policy, idempotent=True, failure=failure)


@pytest.mark.parametrize("status", RETRYABLE)
@pytest.mark.parametrize("retry_after", [None, 0.0, 1.5])
def test_idempotent_retried_on_transient_statuses(status: int, retry_after: float | None) -> None:
    assert decide(
        policy, idempotent=True, failure=Failure.STATUS, status=status, retry_after=retry_after
    )


@pytest.mark.parametrize("status", NOT_RETRYABLE)
def test_idempotent_not_retried_on_other_statuses(status: int) -> None:
    assert not decide(policy, idempotent=True, failure=Failure.STATUS, status=status)
    # A Retry-After does not make a 4xx client error worth repeating.
    assert not decide(policy, idempotent=True, failure=Failure.STATUS, status=status, retry_after=1)


# --- POST book / cancel / change-time ---------------------------------------------------------


def test_post_retried_when_never_sent() -> None:
    assert decide(policy, idempotent=False, failure=Failure.NOT_SENT)


@pytest.mark.parametrize("failure", [Failure.TIMEOUT, Failure.DISCONNECTED])
def test_post_not_retried_after_ambiguous_network_failure(failure: Failure) -> None:
    assert not decide(policy, idempotent=False, failure=failure)


@pytest.mark.parametrize("retry_after", [None, 0.0, 2.0])
def test_post_retried_on_429(retry_after: float | None) -> None:
    assert decide(
        policy, idempotent=False, failure=Failure.STATUS, status=429, retry_after=retry_after
    )


@pytest.mark.parametrize("retry_after", [0.0, 0.5, 30.0])
def test_post_retried_on_503_with_retry_after(retry_after: float) -> None:
    assert decide(
        policy, idempotent=False, failure=Failure.STATUS, status=503, retry_after=retry_after
    )


def test_post_not_retried_on_503_without_retry_after() -> None:
    assert not decide(policy, idempotent=False, failure=Failure.STATUS, status=503)


@pytest.mark.parametrize("status", AMBIGUOUS_FOR_POST)
@pytest.mark.parametrize("retry_after", [None, 1.0])
def test_post_not_retried_on_ambiguous_statuses(status: int, retry_after: float | None) -> None:
    # The server may have booked before failing: even a Retry-After does not make it safe.
    assert not decide(
        policy, idempotent=False, failure=Failure.STATUS, status=status, retry_after=retry_after
    )


@pytest.mark.parametrize("status", NOT_RETRYABLE)
def test_post_not_retried_on_other_statuses(status: int) -> None:
    assert not decide(policy, idempotent=False, failure=Failure.STATUS, status=status)


# --- budgets: max_retries and the Retry-After cap ---------------------------------------------


@pytest.mark.parametrize("idempotent", [True, False])
def test_max_retries_counts_retries_after_the_first_attempt(idempotent: bool) -> None:
    p = RetryPolicy(max_retries=2)
    assert decide(p, idempotent=idempotent, failure=Failure.NOT_SENT, retries_done=0)
    assert decide(p, idempotent=idempotent, failure=Failure.NOT_SENT, retries_done=1)
    assert not decide(p, idempotent=idempotent, failure=Failure.NOT_SENT, retries_done=2)
    assert not decide(p, idempotent=idempotent, failure=Failure.NOT_SENT, retries_done=7)


@pytest.mark.parametrize(
    ("idempotent", "failure", "status", "retry_after"),
    [
        (True, Failure.NOT_SENT, None, None),
        (True, Failure.TIMEOUT, None, None),
        (True, Failure.DISCONNECTED, None, None),
        (True, Failure.STATUS, 503, None),
        (True, Failure.STATUS, 429, 0.0),
        (False, Failure.NOT_SENT, None, None),
        (False, Failure.STATUS, 429, None),
        (False, Failure.STATUS, 503, 1.0),
    ],
)
def test_max_retries_zero_disables_everything(
    idempotent: bool, failure: Failure, status: int | None, retry_after: float | None
) -> None:
    p = RetryPolicy(max_retries=0)
    assert not decide(
        p, idempotent=idempotent, failure=failure, status=status, retry_after=retry_after
    )
    # The same failure is retried with a budget: max_retries is what stopped it.
    assert decide(
        p.with_max_retries(1),
        idempotent=idempotent,
        failure=failure,
        status=status,
        retry_after=retry_after,
    )


@pytest.mark.parametrize(("idempotent", "status"), [(True, 429), (True, 503), (False, 429)])
def test_retry_after_over_the_cap_ends_retries(idempotent: bool, status: int) -> None:
    p = RetryPolicy(max_retries=5, max_retry_after=10.0)

    def at(retry_after: float) -> bool:
        return decide(
            p, idempotent=idempotent, failure=Failure.STATUS, status=status, retry_after=retry_after
        )

    assert at(10.0)  # exactly the cap is still obeyed
    assert not at(10.001)
    assert not at(3600.0)


def test_with_max_retries_keeps_the_rest() -> None:
    base = RetryPolicy(max_retries=2, initial_delay=0.1, max_delay=3.0, max_retry_after=7.0)
    other = base.with_max_retries(9)
    assert other.max_retries == 9
    assert attrs.evolve(other, max_retries=2) == base
    assert base.max_retries == 2  # frozen: the original is unchanged


@pytest.mark.parametrize(
    "kwargs",
    [{"max_retries": -1}, {"initial_delay": -0.1}, {"max_delay": -1}, {"max_retry_after": -1}],
)
def test_negative_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


# --- the waits ----------------------------------------------------------------------------------


def test_waits_without_jitter_are_backoffs_expo_capped() -> None:
    p = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=None)
    got = list(itertools.islice(p.waits(), 8))
    assert got == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    # The very generator of the backoff library, primed the way backoff primes it.
    gen = backoff.expo(base=2, factor=0.5, max_value=8.0)
    next(gen)
    assert got == list(itertools.islice(gen, 8))


def test_waits_with_full_jitter_stay_under_the_capped_expo() -> None:
    p = RetryPolicy(initial_delay=0.25, max_delay=2.0)
    assert p.jitter is backoff.full_jitter
    ceilings = [0.25, 0.5, 1.0, 2.0] + [2.0] * 36
    samples = [list(itertools.islice(p.waits(), len(ceilings))) for _ in range(50)]
    for run in samples:
        for value, ceiling in zip(run, ceilings, strict=True):
            assert 0.0 <= value <= ceiling
    # Full jitter spreads the waits: values at the cap vary and use most of the range.
    capped = [value for run in samples for value in run[4:]]
    assert min(capped) < 0.5
    assert max(capped) > 1.5
    assert len(set(capped)) > len(capped) // 2


def test_waits_follow_the_random_module_so_they_can_be_seeded() -> None:
    p = RetryPolicy(initial_delay=1.0, max_delay=4.0)
    random.seed(1234)
    first = list(itertools.islice(p.waits(), 6))
    random.seed(1234)
    again = list(itertools.islice(p.waits(), 6))
    assert first == again
    random.seed(1234)
    expected = [random.uniform(0, ceiling) for ceiling in (1.0, 2.0, 4.0, 4.0, 4.0, 4.0)]
    assert first == expected


def test_each_call_gets_a_fresh_sequence() -> None:
    p = RetryPolicy(initial_delay=1.0, max_delay=60.0, jitter=None)
    used = p.waits()
    for _ in range(4):
        next(used)
    assert next(p.waits()) == 1.0


def test_custom_jitter_is_applied() -> None:
    p = RetryPolicy(initial_delay=1.0, max_delay=4.0, jitter=lambda v: v / 10)
    assert list(itertools.islice(p.waits(), 4)) == [0.1, 0.2, 0.4, 0.4]


# --- delay: Retry-After wins, exactly ------------------------------------------------------------


def test_delay_takes_the_next_backoff_wait_without_retry_after() -> None:
    p = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=None)
    waits = p.waits()
    assert [p.delay(waits, None) for _ in range(3)] == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("retry_after", [0.0, 0.3, 1.0, 9.5, 60.0])
def test_retry_after_is_obeyed_exactly_not_jittered(retry_after: float) -> None:
    # Jitter that would shrink any wait to nothing: Retry-After must not go through it.
    p = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=lambda v: 0.0)
    waits = p.waits()
    assert p.delay(waits, retry_after) == retry_after
    # ... and it does not consume a backoff step either.
    assert next(waits) == 0.0
    assert p.delay(p.waits(), None) == 0.0


def test_retry_after_as_http_date_becomes_exact_seconds() -> None:
    now = datetime(2026, 6, 23, 11, 0, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=42), usegmt=True)
    seconds = parse_retry_after(header, now=now.timestamp())
    assert seconds == 42.0
    p = RetryPolicy(max_retry_after=60.0)
    assert p.delay(p.waits(), seconds) == 42.0
    assert decide(p, idempotent=True, failure=Failure.STATUS, status=429, retry_after=seconds)
    later = parse_retry_after(
        format_datetime(now + timedelta(minutes=5), usegmt=True), now=now.timestamp()
    )
    assert later == 300.0
    assert not decide(p, idempotent=True, failure=Failure.STATUS, status=429, retry_after=later)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("0", 0.0),
        ("2", 2.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        ("soon", None),
        ("", None),
        ("nan", None),
    ],
)
def test_retry_after_values(header: str, seconds: float | None) -> None:
    assert parse_retry_after(header, now=0.0) == seconds
