"""The per-call state machine, without a socket: attempt timeouts, the deadline, what to retry.

Tables for the rules, hypothesis for the invariants (any sequence of failures and clock
advances: attempts bounded by ``max_retries + 1``, no wait past the deadline, an ambiguous
POST never sent twice), and over TCP the one deadline that spans a create and its fallback.
"""

from __future__ import annotations

import time

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skiplino_async import APITimeoutError, RetryPolicy, Skiplino
from skiplino_async._retry import CallState, Failure, Outcome, shared_deadline
from skiplino_async.testing import FakeSkiplino

EXACT = RetryPolicy(max_retries=3, initial_delay=1.0, max_delay=4.0, jitter=None)
TIMEOUT = aiohttp.ClientTimeout(total=10.0)


def state(deadline: float | None = None, *, idempotent: bool = True, now: float = 0.0) -> CallState:
    return CallState.start(
        EXACT, idempotent=idempotent, timeout=TIMEOUT, deadline=deadline, now=now
    )


def test_attempt_timeout_is_cut_to_what_is_left_of_the_deadline() -> None:
    s = state(deadline=12.0)
    assert s.attempt_timeout(0.0).total == 10.0
    assert not s.cut_by_deadline
    assert s.attempt_timeout(5.0).total == 7.0
    assert s.cut_by_deadline
    with pytest.raises(APITimeoutError, match="deadline of 12s exceeded") as caught:
        s.attempt_timeout(12.0)
    assert (caught.value.attempts, caught.value.request_sent) == (2, True)


@pytest.mark.parametrize(
    ("outcome", "idempotent", "delay"),
    [
        (Outcome(Failure.NOT_SENT), False, 1.0),
        (Outcome(Failure.TIMEOUT), True, 1.0),
        (Outcome(Failure.TIMEOUT), False, None),  # the booking may exist: never re-sent
        (Outcome(Failure.DISCONNECTED), False, None),
        (Outcome(Failure.STATUS, 500), True, 1.0),
        (Outcome(Failure.STATUS, 500), False, None),
        (Outcome(Failure.STATUS, 429, 2.5), False, 2.5),  # Retry-After obeyed exactly
        (Outcome(Failure.STATUS, 503, 0.0), False, 0.0),
        (Outcome(Failure.STATUS, 503), False, None),
        (Outcome(Failure.STATUS, 429, 61.0), True, None),  # over max_retry_after
        (Outcome(Failure.STATUS, 422), True, None),
        (Outcome(Failure.STALE), True, 0.0),  # a dead pooled connection: again at once
        (Outcome(Failure.STALE), False, None),  # a booking it carried may have arrived
    ],
)
def test_after_table(outcome: Outcome, idempotent: bool, delay: float | None) -> None:
    s = state(idempotent=idempotent)
    s.attempt_timeout(0.0)
    assert s.after(outcome, 0.0) == delay


def test_a_wait_that_would_end_past_the_deadline_ends_the_call() -> None:
    s = state(deadline=1.5)
    s.attempt_timeout(0.0)
    assert s.after(Outcome(Failure.TIMEOUT), 0.4) == 1.0
    s.attempt_timeout(1.4)
    assert s.after(Outcome(Failure.TIMEOUT), 1.45) is None  # 2 s wait > 0.05 s left


def test_a_shared_deadline_binds_every_call_started_inside_it() -> None:
    with shared_deadline(2.0, now=100.0):
        inner = state(deadline=30.0, now=101.0)
        with shared_deadline(10.0, now=101.0):  # an outer, earlier end wins
            nested = state(now=101.0)
    outside = state(deadline=30.0, now=101.0)
    assert (inner.deadline_at, inner.deadline) == (102.0, 2.0)
    assert nested.deadline_at == 102.0
    assert outside.deadline_at == 131.0


FAILURES = st.builds(
    Outcome,
    st.sampled_from(list(Failure)),
    st.sampled_from([None, 408, 422, 429, 500, 502, 503, 504]),
    st.none() | st.floats(0, 120),
)


@given(
    outcomes=st.lists(FAILURES, min_size=1, max_size=10),
    steps=st.lists(st.floats(0, 5), min_size=10, max_size=10),
    deadline=st.none() | st.floats(0.1, 30),
    idempotent=st.booleans(),
)
def test_invariants_for_any_sequence_of_failures(
    outcomes: list[Outcome], steps: list[float], deadline: float | None, idempotent: bool
) -> None:
    s = state(deadline, idempotent=idempotent)
    now = 0.0
    sent_ambiguous = False
    for outcome, step in zip(outcomes, steps, strict=False):
        try:
            timeout = s.attempt_timeout(now)
        except APITimeoutError:
            assert deadline is not None
            assert now >= deadline
            return
        if deadline is not None:
            assert timeout.total is not None
            assert now + timeout.total <= deadline + 1e-9
        # A POST whose first attempt may have been processed is never sent again.
        assert idempotent or not sent_ambiguous
        sent_ambiguous = sent_ambiguous or (
            outcome.failure in (Failure.TIMEOUT, Failure.DISCONNECTED, Failure.STALE)
            or (outcome.failure is Failure.STATUS and outcome.status in (500, 502, 504))
        )
        now += step
        delay = s.after(outcome, now)
        assert s.attempts <= EXACT.max_retries + 1
        if delay is None:
            return
        assert delay >= 0
        if outcome.retry_after is not None:
            assert delay == outcome.retry_after <= EXACT.max_retry_after
        if deadline is not None:
            assert now + delay < deadline
        now += delay


async def test_one_deadline_spans_the_create_fallback(fake: FakeSkiplino) -> None:
    # The first create lands but its answer is lost; the retry meets "already taken"; the
    # fallback get is slow. All of it must end within the call's one deadline.
    await _seed(fake, "crm-deadline")
    fake.faults.drop_after(path="/customers/create", times=1)
    fake.faults.delay(0.5, path="/customers/create")
    fake.faults.delay(2.0, path="/customers/getOne")
    async with Skiplino(
        api_key=fake.secret_key,
        base_url=fake.url,
        retry_policy=RetryPolicy(initial_delay=0.01, max_delay=0.01),
    ) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match=r"deadline of 1\.5s exceeded"):
            await client.customers.create(external_id="crm-deadline", deadline=1.5)
        elapsed = time.monotonic() - started
    assert elapsed < 1.5 + 0.4, elapsed
    assert [r.path.rsplit("/", 1)[-1] for r in fake.requests][:2] == ["create", "create"]


async def _seed(fake: FakeSkiplino, external_id: str) -> None:
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        await client.customers.create(external_id=external_id)
    fake.requests.clear()
