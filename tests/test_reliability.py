"""Retries, timeouts and idempotency over real TCP, with the fake server's injected faults."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import aiohttp
import pytest

from skiplino_async import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
    Skiplino,
    SkiplinoError,
    Ticket,
    UnprocessableEntityError,
)
from skiplino_async.testing import FakeSkiplino

SERVICE, GROUP = "6fe8fb8b12", "7c1f9a3b2d"  # Cash Withdrawal, open for walk-ins
APPOINTMENT_SERVICE, APPOINTMENT_GROUP = "9c3e1a7b5d", "5e2a8c4f1b"  # Account Opening
CUSTOMER_ID, CUSTOMER_EXTERNAL_ID = "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b", "crm-7741"
#: Waits of a millisecond or so: the decisions are production's, only the clock is faster.
FAST = RetryPolicy(initial_delay=0.001, max_delay=0.005)
TRANSIENT = (408, 429, 500, 502, 503, 504)
AMBIGUOUS = (500, 502, 504)


async def book(client: Skiplino, **call: Any) -> Ticket:
    return await client.tickets.book(service_id=SERVICE, group_of_service_id=GROUP, **call)


def requests_to(fake: FakeSkiplino, method: str, path: str) -> int:
    return sum(1 for r in fake.requests if r.method == method and r.path == path)


def closed_port() -> int:
    """A loopback port nobody listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def key_records(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="skiplino_async")
    return caplog


# --- GET / PUT / DELETE are retried on every transient failure ---------------------------------


@pytest.mark.parametrize("status", TRANSIENT)
async def test_get_retried_on_transient_status(
    fake: FakeSkiplino, client: Skiplino, status: int
) -> None:
    rule = fake.faults.status(status, method="GET", path="/branches", times=2)
    with client.capture_responses() as captured:
        branches = await client.branches.list()
    assert any(b.id == "802b33af66" for b in branches)
    assert rule.fired == 2
    assert captured.last is not None
    assert captured.last.retries == 2
    assert captured.last.attempts == 3
    assert requests_to(fake, "GET", "/branches") == 3


@pytest.mark.parametrize("status", TRANSIENT)
async def test_put_retried_on_transient_status_even_when_processed(
    fake: FakeSkiplino, client: Skiplino, status: int
) -> None:
    # process=True: the update was applied before the error; applying it again is harmless.
    fake.faults.status(status, method="PUT", path="/customers/update", times=1, process=True)
    with client.capture_responses() as captured:
        customer = await client.customers.update(id=CUSTOMER_ID, name="Layla H.")
    assert customer.name == "Layla H."
    assert captured.last is not None
    assert captured.last.retries == 1
    record = fake.state.get_customer(id=CUSTOMER_ID)
    assert record is not None
    assert record.name == "Layla H."


@pytest.mark.parametrize("status", TRANSIENT)
async def test_delete_retried_on_transient_status(
    fake: FakeSkiplino, client: Skiplino, status: int
) -> None:
    fake.faults.status(status, method="DELETE", path="/customers/delete", times=1)
    before = fake.state.customer_count
    with client.capture_responses() as captured:
        await client.customers.delete(id=CUSTOMER_ID)
    assert captured.last is not None
    assert captured.last.retries == 1
    assert fake.state.customer_count == before - 1
    assert fake.state.get_customer(id=CUSTOMER_ID) is None


@pytest.mark.parametrize("fault", ["drop_before", "drop_after", "truncated"])
async def test_get_retried_after_dropped_connection(
    fake: FakeSkiplino, client: Skiplino, fault: str
) -> None:
    rule = getattr(fake.faults, fault)(method="GET", path="/customers/getOne", times=2)
    with client.capture_responses() as captured:
        customer = await client.customers.get(external_id=CUSTOMER_EXTERNAL_ID)
    assert customer.id == CUSTOMER_ID
    assert rule.fired == 2
    assert captured.last is not None
    assert captured.last.retries == 2


async def test_put_retried_after_drop_after(fake: FakeSkiplino, client: Skiplino) -> None:
    fake.faults.drop_after(method="PUT", path="/customers/update", times=1)
    with client.capture_responses() as captured:
        customer = await client.customers.update(id=CUSTOMER_ID, metadata={"tier": "platinum"})
    assert customer.metadata == {"tier": "platinum"}
    assert captured.last is not None
    assert captured.last.retries == 1
    assert requests_to(fake, "PUT", "/customers/update") == 2


async def test_get_retried_after_timeout(fake: FakeSkiplino, client: Skiplino) -> None:
    rule = fake.faults.delay(30.0, method="GET", path="/branches", times=1)
    with client.capture_responses() as captured:
        branches = await client.branches.list(timeout=0.5)
    assert branches
    assert rule.fired == 1
    assert captured.last is not None
    assert captured.last.retries == 1


async def test_get_retried_after_stalled_body(fake: FakeSkiplino, client: Skiplino) -> None:
    rule = fake.faults.stall(30.0, method="GET", path="/customers/getAll", times=1)
    with client.capture_responses() as captured:
        page = await client.customers.list(limit=5, timeout=0.5)
    assert len(page.items) == 5
    assert rule.fired == 1
    assert captured.last is not None
    assert captured.last.retries == 1


# --- every fault kind, once, without retries: the right typed error -------------------------

FaultSetup = Callable[[FakeSkiplino], object]

FAULT_ERRORS: list[tuple[str, FaultSetup, type[SkiplinoError]]] = [
    ("status 500", lambda f: f.faults.status(500, path="/branches"), InternalServerError),
    ("status 429", lambda f: f.faults.status(429, path="/branches"), RateLimitError),
    ("drop_before", lambda f: f.faults.drop_before(path="/branches"), APIConnectionError),
    ("drop_after", lambda f: f.faults.drop_after(path="/branches"), APIConnectionError),
    ("truncated", lambda f: f.faults.truncated(path="/branches"), APIConnectionError),
    ("html 502", lambda f: f.faults.html(path="/branches"), InternalServerError),
    ("stall", lambda f: f.faults.stall(30.0, path="/branches"), APITimeoutError),
    ("latency", lambda f: f.faults.delay(30.0, path="/branches"), APITimeoutError),
    (
        "raw not json",
        lambda f: f.faults.raw(200, b"<html>", path="/branches"),
        APIResponseValidationError,
    ),
]


@pytest.mark.parametrize(
    ("setup", "error"), [(s, e) for _, s, e in FAULT_ERRORS], ids=[n for n, _, _ in FAULT_ERRORS]
)
async def test_each_fault_kind_is_a_typed_error(
    fake: FakeSkiplino, client: Skiplino, setup: FaultSetup, error: type[SkiplinoError]
) -> None:
    setup(fake)
    with pytest.raises(SkiplinoError) as caught:
        await client.branches.list(max_retries=0, timeout=0.5)
    assert type(caught.value) is error
    exc = caught.value
    if isinstance(exc, APIConnectionError):
        # Each of these broke after the request went out: the server may have acted.
        assert exc.request_sent is True
        assert exc.attempts == 1
    if isinstance(exc, InternalServerError | RateLimitError):
        assert exc.attempts == 1


async def test_html_gateway_page_keeps_status_and_raw_body(
    fake: FakeSkiplino, client: Skiplino
) -> None:
    fake.faults.html(status=502, path="/branches")
    with pytest.raises(InternalServerError) as caught:
        await client.branches.list()
    assert caught.value.status_code == 502
    assert isinstance(caught.value.body, bytes)
    assert b"502 Bad Gateway" in caught.value.body
    assert "<html>" not in caught.value.message
    assert caught.value.attempts == 3  # 502 is transient for a GET: retried twice


async def test_wrong_content_type_with_a_json_body_is_still_read(
    fake: FakeSkiplino, client: Skiplino
) -> None:
    fake.faults.wrong_content_type(path="/branches")
    with client.capture_responses() as captured:
        branches = await client.branches.list()
    assert branches
    assert captured.last is not None
    assert captured.last.retries == 0


@pytest.mark.parametrize(
    ("name", "setup"),
    [(n, s) for n, s, _ in FAULT_ERRORS if n not in ("status 429", "raw not json")],
)
async def test_each_transient_fault_kind_recovers_on_retry(
    fake: FakeSkiplino, client: Skiplino, name: str, setup: FaultSetup
) -> None:
    rule = setup(fake)
    rule.times = 1  # type: ignore[attr-defined]
    with client.capture_responses() as captured:
        branches = await client.branches.list(timeout=0.5)
    assert branches, name
    assert captured.last is not None
    assert captured.last.retries == 1


# --- POST book / cancel / change-time: never retried after an ambiguous failure --------------


async def test_book_not_retried_after_drop_after(fake: FakeSkiplino, client: Skiplino) -> None:
    fake.faults.drop_after(method="POST", path="/tickets/book", times=1)
    with pytest.raises(APIConnectionError) as caught:
        await book(client)
    assert caught.value.request_sent is True
    assert caught.value.attempts == 1
    # The booking exists although the client never heard back; a retry would have doubled it.
    assert fake.state.tickets_created == 1
    assert requests_to(fake, "POST", "/tickets/book") == 1


async def test_book_not_retried_after_drop_before(fake: FakeSkiplino, client: Skiplino) -> None:
    # The client cannot tell this from drop_after, so it must not retry either.
    fake.faults.drop_before(method="POST", path="/tickets/book", times=1)
    with pytest.raises(APIConnectionError) as caught:
        await book(client)
    assert caught.value.request_sent is True
    assert caught.value.attempts == 1
    assert fake.state.tickets_created == 0


async def test_book_not_retried_after_timeout_once_sent(
    fake: FakeSkiplino, client: Skiplino
) -> None:
    fake.faults.delay(0.4, method="POST", path="/tickets/book", times=1)
    with pytest.raises(APITimeoutError) as caught:
        await book(client, timeout=0.1)
    assert caught.value.request_sent is True
    assert caught.value.attempts == 1
    # The server goes on and books after the client gave up: the ambiguity is real.
    for _ in range(100):
        if fake.state.tickets_created:
            break
        await asyncio.sleep(0.01)
    assert fake.state.tickets_created == 1


async def test_book_not_retried_after_stalled_body(fake: FakeSkiplino, client: Skiplino) -> None:
    fake.faults.stall(30.0, method="POST", path="/tickets/book", times=1)
    with pytest.raises(APITimeoutError) as caught:
        await book(client, timeout=0.2)
    assert caught.value.request_sent is True
    assert caught.value.attempts == 1
    assert fake.state.tickets_created == 1


@pytest.mark.parametrize("status", AMBIGUOUS)
@pytest.mark.parametrize("process", [False, True])
async def test_book_not_retried_after_ambiguous_status(
    fake: FakeSkiplino, client: Skiplino, status: int, process: bool
) -> None:
    rule = fake.faults.status(
        status, method="POST", path="/tickets/book", times=1, process=process, retry_after="0"
    )
    with pytest.raises(InternalServerError) as caught:
        await book(client)
    assert caught.value.status_code == status
    assert caught.value.attempts == 1
    assert rule.fired == 1
    assert requests_to(fake, "POST", "/tickets/book") == 1
    assert fake.state.tickets_created == (1 if process else 0)


async def test_book_truncated_answer_is_not_retried(fake: FakeSkiplino, client: Skiplino) -> None:
    fake.faults.truncated(method="POST", path="/tickets/book", times=1)
    with pytest.raises(APIConnectionError) as caught:
        await book(client)
    assert caught.value.request_sent is True
    assert fake.state.tickets_created == 1


async def test_book_retried_on_429(fake: FakeSkiplino, client: Skiplino) -> None:
    fake.faults.status(429, method="POST", path="/tickets/book", times=2)
    with client.capture_responses() as captured:
        ticket = await book(client)
    assert ticket.status == "waiting"
    assert captured.last is not None
    assert captured.last.retries == 2
    assert fake.state.tickets_created == 1


async def test_book_retried_on_503_with_retry_after(fake: FakeSkiplino, client: Skiplino) -> None:
    fake.faults.status(503, retry_after="0", method="POST", path="/tickets/book", times=2)
    with client.capture_responses() as captured:
        await book(client)
    assert captured.last is not None
    assert captured.last.retries == 2
    assert fake.state.tickets_created == 1


async def test_book_not_retried_on_503_without_retry_after(
    fake: FakeSkiplino, client: Skiplino
) -> None:
    fake.faults.status(503, method="POST", path="/tickets/book", times=1)
    with pytest.raises(InternalServerError) as caught:
        await book(client)
    assert caught.value.attempts == 1
    assert fake.state.tickets_created == 0


async def test_book_retried_when_the_connection_is_refused(fake: FakeSkiplino) -> None:
    async with Skiplino(
        api_key=fake.secret_key,
        base_url=f"http://127.0.0.1:{closed_port()}/external/v1",
        retry_policy=FAST,
    ) as client:
        with pytest.raises(APIConnectionError) as caught:
            await book(client)
    assert type(caught.value) is APIConnectionError
    assert caught.value.request_sent is False
    assert caught.value.attempts == 3  # refused three times: nothing can have been booked


async def test_book_succeeds_when_the_server_comes_up_during_the_backoff() -> None:
    port = closed_port()
    server = FakeSkiplino(port=port)
    refused = asyncio.Event()

    async def on_exception(*_: object) -> None:
        refused.set()

    trace = aiohttp.TraceConfig()
    trace.on_request_exception.append(on_exception)
    policy = RetryPolicy(initial_delay=0.2, max_delay=0.2, jitter=None)
    async with Skiplino(
        api_key=server.secret_key,
        base_url=f"http://127.0.0.1:{port}/external/v1",
        retry_policy=policy,
        max_retries=10,
        trace_configs=[trace],
    ) as client:
        with client.capture_responses() as captured:
            task = asyncio.create_task(book(client))
            await refused.wait()
            async with server:
                ticket = await task
    assert ticket.service is not None
    assert ticket.service.id == SERVICE
    assert captured.last is not None
    assert captured.last.retries >= 1
    assert server.state.tickets_created == 1


async def test_cancel_not_retried_after_ambiguous_502(fake: FakeSkiplino, client: Skiplino) -> None:
    ticket = await book(client)
    fake.faults.status(502, method="POST", path="/tickets/*/cancel", process=True)
    with pytest.raises(InternalServerError) as caught:
        await client.tickets.cancel(ticket.id)
    # Had it been retried, the second cancel would have met a 409 instead.
    assert caught.value.status_code == 502
    assert caught.value.attempts == 1
    assert requests_to(fake, "POST", f"/tickets/{ticket.id}/cancel") == 1
    assert (await client.tickets.get(ticket.id)).status == "cancelled"


async def test_cancel_not_retried_after_drop_after(fake: FakeSkiplino, client: Skiplino) -> None:
    ticket = await book(client)
    fake.faults.drop_after(method="POST", path="/tickets/*/cancel", times=1)
    with pytest.raises(APIConnectionError) as caught:
        await client.tickets.cancel(ticket.id)
    assert caught.value.request_sent is True
    assert caught.value.attempts == 1
    assert requests_to(fake, "POST", f"/tickets/{ticket.id}/cancel") == 1


async def test_cancel_retried_on_429(fake: FakeSkiplino, client: Skiplino) -> None:
    ticket = await book(client)
    fake.faults.status(429, retry_after="0", method="POST", path="/tickets/*/cancel", times=1)
    with client.capture_responses() as captured:
        cancelled = await client.tickets.cancel(ticket.id)
    assert cancelled.status == "cancelled"
    assert captured.last is not None
    assert captured.last.retries == 1


async def _appointment(client: Skiplino) -> tuple[Ticket, list[datetime | str]]:
    tomorrow = date.today() + timedelta(days=2)
    slots = await client.services.slots(APPOINTMENT_SERVICE, date=tomorrow)
    times: list[datetime | str] = [s.time for s in slots if s.remaining]
    ticket = await client.tickets.book(
        service_id=APPOINTMENT_SERVICE,
        group_of_service_id=APPOINTMENT_GROUP,
        time=times[0],
        customer_id=CUSTOMER_ID,
    )
    return ticket, times[1:]


@pytest.mark.parametrize("fault", ["drop_after", "drop_before", "status 504"])
async def test_change_time_not_retried_after_ambiguous_failure(
    fake: FakeSkiplino, client: Skiplino, fault: str
) -> None:
    ticket, later = await _appointment(client)
    path = "/tickets/*/change-time"
    if fault == "status 504":
        fake.faults.status(504, method="POST", path=path, times=1, process=True)
    else:
        getattr(fake.faults, fault)(method="POST", path=path, times=1)
    with pytest.raises(SkiplinoError) as caught:
        await client.tickets.reschedule(ticket.id, time=later[0], customer_id=CUSTOMER_ID)
    exc = caught.value
    assert isinstance(exc, APIConnectionError | InternalServerError)
    assert exc.attempts == 1
    if isinstance(exc, APIConnectionError):
        assert exc.request_sent is True
    assert requests_to(fake, "POST", f"/tickets/{ticket.id}/change-time") == 1


async def test_change_time_retried_on_503_with_retry_after(
    fake: FakeSkiplino, client: Skiplino
) -> None:
    ticket, later = await _appointment(client)
    fake.faults.status(503, retry_after="0", method="POST", path="/tickets/*/change-time", times=1)
    with client.capture_responses() as captured:
        moved = await client.tickets.reschedule(ticket.id, time=later[0], customer_id=CUSTOMER_ID)
    assert moved.id == ticket.id
    assert moved.time != ticket.time
    assert captured.last is not None
    assert captured.last.retries == 1


# --- customer create: safe with an external id, not without ---------------------------------


@pytest.mark.parametrize(
    "fault", ["drop_after", "status 500 processed", "status 502 processed", "truncated"]
)
async def test_create_with_external_id_recovers_after_an_ambiguous_failure(
    fake: FakeSkiplino, client: Skiplino, fault: str
) -> None:
    match: dict[str, Any] = {"method": "POST", "path": "/customers/create", "times": 1}
    if fault.startswith("status"):
        fake.faults.status(int(fault.split()[1]), process=True, **match)
    else:
        getattr(fake.faults, fault)(**match)
    before = fake.state.customer_count
    customer = await client.customers.create(external_id="crm-9000", name="Omar")
    assert customer.external_id == "crm-9000"
    assert customer.name == "Omar"
    assert fake.state.customer_count == before + 1
    stored = fake.state.get_customer(external_id="crm-9000")
    assert stored is not None
    assert stored.id == customer.id
    # First attempt created it, the retry met "already taken", then it was fetched.
    assert requests_to(fake, "POST", "/customers/create") == 2
    assert requests_to(fake, "GET", "/customers/getOne") == 1


async def test_create_with_a_taken_external_id_on_the_first_attempt_still_fails(
    client: Skiplino,
) -> None:
    # Only a retry may conclude "that was my own first attempt"; a first 422 is real.
    with pytest.raises(UnprocessableEntityError) as caught:
        await client.customers.create(external_id=CUSTOMER_EXTERNAL_ID, name="Someone else")
    assert "externalId" in caught.value.field_errors


async def test_create_without_external_id_is_not_retried(
    fake: FakeSkiplino, client: Skiplino
) -> None:
    fake.faults.drop_after(method="POST", path="/customers/create", times=1)
    before = fake.state.customer_count
    with pytest.raises(APIConnectionError) as caught:
        await client.customers.create(name="Walk-in without id")
    assert caught.value.request_sent is True
    assert caught.value.attempts == 1
    assert fake.state.customer_count == before + 1


# --- per-call overrides --------------------------------------------------------------------


async def test_max_retries_per_call(fake: FakeSkiplino, client: Skiplino) -> None:
    rule = fake.faults.status(503, path="/branches")
    with pytest.raises(InternalServerError) as caught:
        await client.branches.list(max_retries=0)
    assert caught.value.attempts == 1
    assert rule.fired == 1
    with pytest.raises(InternalServerError) as caught:
        await client.branches.list(max_retries=5)
    assert caught.value.attempts == 6
    assert rule.fired == 7
    with pytest.raises(InternalServerError) as caught:
        await client.branches.list()  # the client's default: 2
    assert caught.value.attempts == 3


async def test_max_retries_per_client(fake: FakeSkiplino) -> None:
    rule = fake.faults.status(500, path="/branches")
    async with Skiplino(
        api_key=fake.secret_key, base_url=fake.url, retry_policy=FAST, max_retries=0
    ) as client:
        with pytest.raises(InternalServerError) as caught:
            await client.branches.list()
        assert caught.value.attempts == 1
        with pytest.raises(InternalServerError) as caught:
            await client.with_options(max_retries=3).branches.list()
        assert caught.value.attempts == 4
    assert rule.fired == 5


async def test_timeout_per_call(fake: FakeSkiplino, client: Skiplino) -> None:
    fake.faults.delay(0.5, path="/branches", times=1)
    with pytest.raises(APITimeoutError) as caught:
        await client.branches.list(timeout=0.1, max_retries=0)
    assert caught.value.request_sent is True
    assert caught.value.attempts == 1
    # The client default (10 s) is untouched by the override: the same delay is waited out.
    fake.faults.delay(0.3, path="/branches", times=1)
    assert await client.branches.list(max_retries=0)


async def test_timeout_as_client_timeout_without_total(
    fake: FakeSkiplino, client: Skiplino
) -> None:
    fake.faults.stall(30.0, path="/branches")
    with pytest.raises(APITimeoutError, match=r"sock_read=0\.1s"):
        await client.branches.list(timeout=aiohttp.ClientTimeout(sock_read=0.1), max_retries=0)


# --- Retry-After -----------------------------------------------------------------------------


async def test_retry_after_is_obeyed_exactly(
    fake: FakeSkiplino, client: Skiplino, key_records: pytest.LogCaptureFixture
) -> None:
    fake.faults.status(429, retry_after="0.3", path="/branches", times=1)
    started = time.monotonic()
    with client.capture_responses() as captured:
        await client.branches.list()
    # Not jittered down (FAST would otherwise wait at most 5 ms).
    assert time.monotonic() - started >= 0.29
    assert captured.last is not None
    assert captured.last.retries == 1
    assert any("retry 1/2 in 0.300s" in r.getMessage() for r in key_records.records)


async def test_retry_after_as_an_http_date(fake: FakeSkiplino, client: Skiplino) -> None:
    past = format_datetime(datetime.now(UTC) - timedelta(minutes=1), usegmt=True)
    fake.faults.status(503, retry_after=past, method="POST", path="/tickets/book", times=1)
    with client.capture_responses() as captured:
        await book(client)  # a date in the past: retry now (and a 503 with it is safe for POST)
    assert captured.last is not None
    assert captured.last.retries == 1
    future = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    fake.faults.status(429, retry_after=future, path="/branches", times=1)
    with pytest.raises(RateLimitError) as caught:
        await client.branches.list()
    assert caught.value.retry_after is not None
    assert 3500 < caught.value.retry_after <= 3600
    assert caught.value.attempts == 1


@pytest.mark.parametrize("idempotent", [True, False])
async def test_retry_after_beyond_the_cap_raises_at_once(
    fake: FakeSkiplino, client: Skiplino, idempotent: bool
) -> None:
    method, path = ("GET", "/branches") if idempotent else ("POST", "/tickets/book")
    rule = fake.faults.status(429, retry_after="120", method=method, path=path, times=1)
    call = client.branches.list() if idempotent else book(client)
    with pytest.raises(RateLimitError) as caught:
        await call
    assert caught.value.retry_after == 120.0
    assert caught.value.attempts == 1
    assert rule.fired == 1
    assert requests_to(fake, method, path) == 1


async def test_retry_after_cap_is_configurable(fake: FakeSkiplino) -> None:
    fake.faults.status(503, retry_after="5", path="/branches", times=1)
    policy = RetryPolicy(max_retry_after=2.0)
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url, retry_policy=policy) as c:
        with pytest.raises(InternalServerError) as caught:
            await c.branches.list()
    assert caught.value.retry_after == 5.0
    assert caught.value.attempts == 1


# --- counting and logging ---------------------------------------------------------------------


async def test_exhausted_retries_are_counted_on_the_error(
    fake: FakeSkiplino, client: Skiplino
) -> None:
    fake.faults.drop_before(path="/customers/getOne")
    with pytest.raises(APIConnectionError) as caught:
        await client.customers.get(id=CUSTOMER_ID, max_retries=4)
    assert caught.value.attempts == 5
    assert requests_to(fake, "GET", "/customers/getOne") == 5


async def test_capture_records_retries_per_call(fake: FakeSkiplino, client: Skiplino) -> None:
    fake.faults.status(502, path="/branches", times=1)
    with client.capture_responses() as captured:
        await client.branches.list()
        await client.branches.list()
    assert [r.retries for r in captured.responses] == [1, 0]
    assert [r.attempts for r in captured.responses] == [2, 1]


async def test_retry_is_logged_without_the_key(
    fake: FakeSkiplino, client: Skiplino, key_records: pytest.LogCaptureFixture
) -> None:
    fake.faults.status(503, path="/branches", times=1)
    fake.faults.drop_after(path="/customers/getAll", times=1)
    await client.branches.list()
    await client.customers.list(limit=3)
    retries = [r for r in key_records.records if "retry" in r.getMessage()]
    assert len(retries) == 2
    assert all(r.name == "skiplino_async" for r in retries)
    assert all(r.levelno == logging.INFO for r in retries)
    assert "GET /branches failed (HTTP 503); retry 1/2" in retries[0].getMessage()
    assert "GET /customers/getAll failed (APIConnectionError); retry 1/2" in (
        retries[1].getMessage()
    )
    # Debug logging is on too: headers are logged, but never the key.
    assert key_records.text
    secret = fake.secret_key
    assert secret not in key_records.text
    assert all(secret not in r.getMessage() for r in key_records.records)
    assert any("<redacted>" in r.getMessage() for r in key_records.records)
