"""The ``Skiplino`` client over TCP: configuration, session lifetime, path safety, secrecy.

Session identity is observed through aiohttp's public tracing hooks (each hook receives the
session that sent the request), never by patching aiohttp.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import traceback
import warnings
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

import aiohttp
import pytest

from skiplino_async import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    Skiplino,
    UnprocessableEntityError,
    capture_responses,
)
from skiplino_async.testing import FakeSkiplino

FAST_RETRIES = RetryPolicy(initial_delay=0.001, max_delay=0.01)
DEFAULT_BASE_URL = "https://api-dev.skiplino.com/external/v1"
LAYLA_ID = "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"
SEEF = "802b33af66"
CITY = "a3f7c2e915"
WALK_IN = {"service_id": "6fe8fb8b12", "group_of_service_id": "7c1f9a3b2d"}
OPENING = "9c3e1a7b5d"


class SessionSpy:
    """Records, via aiohttp tracing, the session of every request and each new connection."""

    def __init__(self) -> None:
        self.sessions: list[aiohttp.ClientSession] = []
        self.connections_created = 0
        self.connections_reused = 0
        self.config = aiohttp.TraceConfig()
        self.config.on_request_start.append(self._on_request)
        self.config.on_connection_create_end.append(self._on_create)
        self.config.on_connection_reuseconn.append(self._on_reuse)

    async def _on_request(self, session: aiohttp.ClientSession, *_: Any) -> None:
        self.sessions.append(session)

    async def _on_create(self, *_: Any) -> None:
        self.connections_created += 1

    async def _on_reuse(self, *_: Any) -> None:
        self.connections_reused += 1

    def distinct(self) -> int:
        return len({id(s) for s in self.sessions})


def _drop_and_collect(holder: list[Any]) -> None:
    """Drop the last reference held in ``holder`` and run the cycle collector."""
    holder.clear()
    gc.collect()


def make_client(fake: FakeSkiplino, **kwargs: Any) -> Skiplino:
    options: dict[str, Any] = {
        "api_key": fake.secret_key,
        "base_url": fake.url,
        "retry_policy": FAST_RETRIES,
        "timeout": 10,
    }
    options.update(kwargs)
    return Skiplino(**options)


# --- configuration -------------------------------------------------------------------------------


async def test_env_var_defaults(fake: FakeSkiplino, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKIPLINO_API_KEY", fake.secret_key)
    monkeypatch.setenv("SKIPLINO_BASE_URL", fake.url)
    async with Skiplino() as client:
        assert client.base_url == fake.url
        assert len(await client.branches.list()) == 3
        await client.customers.get(id=LAYLA_ID)  # secret-only: the env key is the secret one
    assert fake.requests[0].headers["Authorization"] == f"Bearer {fake.secret_key}"


async def test_explicit_arguments_win_over_env(
    fake: FakeSkiplino, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKIPLINO_API_KEY", "sk_test_from_the_environment")
    monkeypatch.setenv("SKIPLINO_BASE_URL", "https://nowhere.invalid/external/v1")
    async with Skiplino(api_key=fake.public_key, base_url=fake.url) as client:
        assert client.base_url == fake.url
        await client.branches.list()
    assert fake.requests[0].headers["Authorization"] == f"Bearer {fake.public_key}"


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SKIPLINO_BASE_URL", raising=False)
    client = Skiplino(api_key="sk_test_x")
    assert client.base_url == DEFAULT_BASE_URL
    assert client.locale is None
    assert client.max_retries == 2
    assert client.timeout.total == 30.0


@pytest.mark.parametrize("value", [None, ""])
def test_missing_key_is_a_clear_error_at_construction(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("SKIPLINO_API_KEY", raising=False)
    else:
        monkeypatch.setenv("SKIPLINO_API_KEY", value)
    with pytest.raises(ValueError, match="SKIPLINO_API_KEY") as info:
        Skiplino()
    assert "api_key" in str(info.value)
    with pytest.raises(ValueError, match="no API key"):
        Skiplino(api_key="")


def test_key_with_line_break_is_refused_without_echoing_it() -> None:
    key = "sk_test_secret_part\r\nX-Injected: 1"
    with pytest.raises(ValueError, match="single-line") as info:
        Skiplino(api_key=key)
    assert "secret_part" not in str(info.value)


def test_plain_http_base_url_from_env_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKIPLINO_API_KEY", "sk_test_do_not_leak_me")
    monkeypatch.setenv("SKIPLINO_BASE_URL", "http://api-dev.skiplino.com/external/v1")
    with pytest.raises(ValueError, match="plain-http") as info:
        Skiplino()
    assert "do_not_leak_me" not in str(info.value)
    client = Skiplino(allow_insecure_http=True)
    assert client.base_url == "http://api-dev.skiplino.com/external/v1"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": -3}, "timeout"),
        ({"deadline": 0}, "deadline"),
    ],
)
def test_bad_options_are_refused_at_construction(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Skiplino(api_key="sk_test_x", **kwargs)


# --- session lifetime ----------------------------------------------------------------------------


def test_construction_outside_a_loop_creates_no_session() -> None:
    # aiohttp sessions must be created inside a running loop: the client defers it, so
    # building (and dropping) one anywhere is harmless and warns about nothing.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = Skiplino(api_key="sk_test_x", base_url="http://127.0.0.1:9/external/v1")
        del client
        gc.collect()
    assert [w for w in caught if "Skiplino" in str(w.message)] == []


async def test_one_session_and_pool_for_the_whole_life(fake: FakeSkiplino) -> None:
    spy = SessionSpy()
    async with make_client(fake, trace_configs=[spy.config]) as client:
        assert spy.sessions == []  # nothing created or sent yet
        await client.branches.list()
        await client.branches.tree(SEEF)
        await client.tickets.book(**WALK_IN)
        await client.customers.get(id=LAYLA_ID)
        await client.customers.list(limit=5)
        assert spy.connections_created == 1  # sequential calls reuse one keep-alive connection
        assert spy.connections_reused == 4
        await asyncio.gather(*(client.branches.list() for _ in range(10)))
        _ = [c async for c in client.customers.list(limit=50)]
        session = spy.sessions[0]
        assert not session.closed
    assert len(spy.sessions) == 5 + 10 + 3
    assert spy.distinct() == 1
    assert session.closed  # the client owned it and closed it on exit


async def test_aclose_is_idempotent_and_closes_the_owned_session(fake: FakeSkiplino) -> None:
    spy = SessionSpy()
    client = make_client(fake, trace_configs=[spy.config])
    await client.branches.list()
    await client.aclose()
    await client.aclose()
    assert spy.sessions[0].closed
    # Closing a client that never sent anything is fine too.
    unused = make_client(fake)
    await unused.aclose()
    await unused.aclose()


async def test_closed_client_refuses_calls(fake: FakeSkiplino) -> None:
    async with make_client(fake) as client:
        await client.branches.list()
    sent = len(fake.requests)
    with pytest.raises(RuntimeError, match="closed"):
        await client.branches.list()
    with pytest.raises(RuntimeError, match="closed"):
        await client.tickets.book(**WALK_IN)
    with pytest.raises(RuntimeError, match="closed"):
        await client.customers.list()
    with pytest.raises(RuntimeError, match="closed"):
        _ = [c async for c in client.customers.list()]
    assert len(fake.requests) == sent
    assert fake.state.tickets_created == 0


async def test_closed_before_first_use_refuses_calls(fake: FakeSkiplino) -> None:
    client = make_client(fake)
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.branches.list()
    assert fake.requests == []


async def test_caller_owned_session_is_used_and_never_closed(fake: FakeSkiplino) -> None:
    spy = SessionSpy()
    async with aiohttp.ClientSession(trace_configs=[spy.config]) as own:
        async with make_client(fake, session=own) as client:
            await client.branches.list()
            await client.with_options(locale="ar").branches.list()
            await client.aclose()  # explicit close as well as the context exit
        assert not own.closed
        assert spy.distinct() == 1
        assert spy.sessions[0] is own
        # The SDK's client is closed for calls, the session is still the caller's to use.
        with pytest.raises(RuntimeError, match="closed"):
            await client.branches.list()
        headers = {"Authorization": f"Bearer {fake.secret_key}"}
        async with own.get(f"{fake.url}/branches", headers=headers) as resp:
            assert resp.status == 200
        assert len(spy.sessions) == 3
    assert [r.headers.get("X-Locale") for r in fake.requests] == [None, "ar", None]


async def test_resource_warning_when_an_owning_client_is_collected_unclosed(
    fake: FakeSkiplino,
) -> None:
    spy = SessionSpy()
    client = make_client(fake, trace_configs=[spy.config])
    await client.branches.list()
    session = spy.sessions[0]  # kept alive here, so only the client's own warning fires
    holder = [client]
    del client
    with pytest.warns(ResourceWarning, match=r"unclosed Skiplino") as record:
        _drop_and_collect(holder)
    messages = [str(w.message) for w in record if issubclass(w.category, ResourceWarning)]
    assert any("aclose" in m for m in messages)
    assert not any(fake.secret_key in m for m in messages)
    await session.close()


async def test_no_resource_warning_for_closed_unused_or_borrowing_clients(
    fake: FakeSkiplino,
) -> None:
    async with aiohttp.ClientSession() as own:
        closed = make_client(fake)
        await closed.branches.list()
        await closed.aclose()
        unused = make_client(fake)
        borrowing = make_client(fake, session=own)
        await borrowing.branches.list()
        copy = make_client(fake).with_options(locale="ar")  # its parent never opened a session
        gc.collect()  # garbage of earlier tests is collected before the measured block
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del closed, unused, borrowing, copy
            gc.collect()
        assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


async def test_with_options_shares_the_session(fake: FakeSkiplino) -> None:
    spy = SessionSpy()
    client = make_client(fake, trace_configs=[spy.config])
    copy = client.with_options(locale="ar", max_retries=0, timeout=5)
    assert copy.locale == "ar"
    assert copy.max_retries == 0
    assert copy.timeout.total == 5
    assert client.locale is None
    assert client.max_retries == 2
    assert copy.base_url == client.base_url
    arabic = await copy.branches.list()
    english = await client.branches.list()
    assert arabic[0].name == "فرع سيف مول"
    assert english[0].name == "Seef Mall Branch"
    assert spy.distinct() == 1
    assert [r.headers.get("X-Locale") for r in fake.requests] == ["ar", None]
    # Closing the copy leaves the shared session to its owner.
    await copy.aclose()
    await client.branches.list()
    assert not spy.sessions[0].closed
    # Closing the owner closes it for both.
    await client.aclose()
    assert spy.sessions[0].closed
    with pytest.raises(RuntimeError, match="closed"):
        await copy.branches.list()


async def test_per_call_timeout(client: Skiplino, fake: FakeSkiplino) -> None:
    fake.faults.delay(2.0, path="/branches", times=1)
    with pytest.raises(APITimeoutError) as info:
        await client.branches.list(timeout=0.05, max_retries=0)
    assert info.value.request_sent is True
    assert info.value.attempts == 1
    # The client's own timeout (10 s) applies again to the next call.
    assert len(await client.branches.list()) == 3


# --- path ids ------------------------------------------------------------------------------------

HOSTILE_IDS = [
    "a/b",
    "../x",
    "x?y=1",
    "..",
    ".",
    "%2F",
    "x#y",
    "a b",
    "é",
    "../../customers/getAll",
]


@pytest.mark.parametrize("hostile", HOSTILE_IDS)
async def test_path_ids_reach_only_the_intended_route(
    client: Skiplino, fake: FakeSkiplino, hostile: str
) -> None:
    """Each call is answered by its own route's handler, with the id as one segment."""
    with pytest.raises(NotFoundError) as info:
        await client.tickets.get(hostile)
    assert info.value.message == "Ticket not found."  # the ticket handler, not the router

    with pytest.raises(UnprocessableEntityError) as unprocessable:
        await client.tickets.cancel(hostile)
    assert unprocessable.value.field_errors == {"id": "This value does not exist."}

    with pytest.raises(NotFoundError) as info:
        await client.tickets.reschedule(
            hostile, time="2030-01-01T06:00:00.000Z", customer_id=LAYLA_ID
        )
    assert info.value.message == "Ticket not found."

    with pytest.raises(NotFoundError) as info:
        await client.branches.tree(hostile)
    assert info.value.message == "Branch not found."

    with pytest.raises(NotFoundError) as info:
        await client.services.slots(hostile)
    assert info.value.message == "Service not found."

    # What the server saw: one request per call, the id decoded back to itself as exactly
    # the segment of the intended route, and no query string smuggled in.
    seen = [(r.method, r.path, r.query_string) for r in fake.requests]
    assert seen == [
        ("GET", f"/tickets/{hostile}", ""),
        ("POST", f"/tickets/{hostile}/cancel", ""),
        ("POST", f"/tickets/{hostile}/change-time", ""),
        ("GET", f"/branches/{hostile}/tree", ""),
        ("GET", f"/services/{hostile}/slots", ""),
    ]


async def test_path_tricks_never_reach_an_existing_resource(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    ticket = await client.tickets.book(**WALK_IN)
    tid = ticket.id
    for trick in (
        f"../tickets/{tid}",
        f"x/../{tid}",
        f"{tid}?x=1",
        f"{tid}#top",
        f"{tid}/",
        f"./{tid}",
        f"{tid}/cancel",
        f"{tid}%00",
    ):
        with pytest.raises(NotFoundError, match="Ticket not found"):
            await client.tickets.get(trick)
        with pytest.raises(UnprocessableEntityError):
            await client.tickets.cancel(trick)
    # None of the cancels landed on the real ticket.
    assert (await client.tickets.get(tid)).status == "waiting"

    # A branch id cannot walk to another branch's tree.
    with pytest.raises(NotFoundError, match="Branch not found"):
        await client.branches.tree(f"{SEEF}/../{CITY}")
    # A ticket id cannot walk to the branches listing.
    with pytest.raises(NotFoundError, match="Ticket not found"):
        await client.tickets.get("../branches")
    assert not any(r.path == "/branches" for r in fake.requests)


async def test_query_ids_are_encoded_as_values(client: Skiplino, fake: FakeSkiplino) -> None:
    # Customer ids travel in the query: an id with '&' or '=' must stay one value.
    with pytest.raises(UnprocessableEntityError) as info:
        await client.customers.get(id=f"{LAYLA_ID}&externalId=crm-7741")
    assert info.value.field_errors == {"id": "This value does not exist."}
    with pytest.raises(UnprocessableEntityError):
        await client.customers.delete(external_id="crm-7741&id=x")
    assert fake.state.get_customer(id=LAYLA_ID) is not None
    with pytest.raises(NotFoundError):
        await client.customers.tickets(id=f"{LAYLA_ID}#x")


# --- the API key never shows ---------------------------------------------------------------------


def texts_of(exc: BaseException) -> list[str]:
    """Every way an exception is commonly shown or logged."""
    return [
        str(exc),
        repr(exc),
        repr(exc.args),
        "".join(traceback.format_exception(exc)),
        repr(getattr(exc, "__dict__", {})),
    ]


def assert_hidden(key: str, texts: list[str]) -> None:
    secret_part = key.split("_")[-1]
    assert len(secret_part) >= 16
    for text in texts:
        assert key not in text
        assert secret_part not in text


async def _raises(call: Awaitable[object]) -> BaseException:
    try:
        await call
    except Exception as exc:  # noqa: BLE001 - collecting every kind on purpose
        return exc
    raise AssertionError("the call was expected to fail")


async def test_secret_key_in_no_error(client: Skiplino, fake: FakeSkiplino) -> None:
    key = fake.secret_key
    no_retry = client.with_options(max_retries=0)
    booked = await client.tickets.book(**WALK_IN)
    await client.tickets.cancel(booked.id)

    fake.faults.status(429, retry_after="1", path="/branches", times=1)
    fake.faults.html(path="/branches/*", times=1)
    fake.faults.raw(200, b"<html>maintenance</html>", path="/tickets/zz*", times=1)
    fake.faults.drop_before(path="/services/*", times=1)
    fake.faults.truncated(path="/customers/getOne", times=1)
    fake.faults.delay(2.0, path="/customers/getAll", times=1)

    errors: list[BaseException] = [
        await _raises(no_retry.branches.list()),  # 429
        await _raises(no_retry.branches.tree(SEEF)),  # HTML 502
        await _raises(no_retry.tickets.get("zzzzzzzzzz")),  # not JSON
        await _raises(no_retry.services.slots(OPENING)),  # connection dropped
        await _raises(no_retry.customers.get(id=LAYLA_ID)),  # body cut short
        await _raises(no_retry.customers.list(timeout=0.05)),  # timeout
        await _raises(client.tickets.get("nope")),  # 404
        await _raises(client.tickets.cancel(booked.id)),  # 409
        await _raises(client.customers.get(id="0" * 32)),  # 422
        await _raises(
            client.tickets.book(service_id="b41c7e2f90", group_of_service_id="7c1f9a3b2d")
        ),
        await _raises(
            client.tickets.book(**WALK_IN, time=datetime(2030, 1, 1), customer_id=LAYLA_ID)
        ),  # naive datetime
        await _raises(client.customers.update(id=LAYLA_ID, name=5)),  # type: ignore[arg-type]
    ]
    kinds = [type(e) for e in errors]
    assert kinds == [
        RateLimitError,
        InternalServerError,
        APIResponseValidationError,
        APIConnectionError,
        APIConnectionError,
        APITimeoutError,
        NotFoundError,
        ConflictError,
        UnprocessableEntityError,
        BadRequestError,
        ValueError,
        TypeError,
    ]
    for exc in errors:
        assert_hidden(key, texts_of(exc))

    async with FakeSkiplino(customers=1) as gone:
        url = gone.url
    async with make_client(fake, base_url=url, max_retries=0) as refused:
        exc = await _raises(refused.branches.list())
        assert isinstance(exc, APIConnectionError)
        assert exc.request_sent is False
        assert_hidden(key, texts_of(exc))
    await client.aclose()
    exc = await _raises(client.branches.list())
    assert isinstance(exc, RuntimeError)
    assert_hidden(key, texts_of(exc))


async def test_rejected_keys_in_no_error(fake: FakeSkiplino, public_client: Skiplino) -> None:
    wrong = "sk_test_0123456789abcdef0123456789"
    async with make_client(fake, api_key=wrong) as bad:
        exc = await _raises(bad.branches.list())
        assert isinstance(exc, AuthenticationError)
        assert_hidden(wrong, texts_of(exc))
        assert_hidden(wrong, [repr(bad), str(bad)])
    exc = await _raises(public_client.customers.create(name="x"))
    assert isinstance(exc, AuthenticationError)
    assert_hidden(fake.public_key, texts_of(exc))


async def test_secret_key_in_no_repr(client: Skiplino, fake: FakeSkiplino) -> None:
    key = fake.secret_key
    copy = client.with_options(locale="ar")
    shown = [
        repr(client),
        str(client),
        f"{client!r}",
        repr(copy),
        repr(client.tickets),
        repr(client.customers),
        repr(client.customers.list()),
        repr(vars(client)) if hasattr(client, "__dict__") else "",
    ]
    assert_hidden(key, shown)
    assert "sk_***" in repr(client)


async def test_secret_key_in_no_log_line(
    client: Skiplino, fake: FakeSkiplino, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="skiplino_async")
    fake.faults.status(503, path="/branches", times=1)
    await client.branches.list()  # retried once
    await client.tickets.book(**WALK_IN)
    await _raises(client.customers.get(id="0" * 32))
    text = caplog.text + "".join(repr(r.args) for r in caplog.records)
    assert_hidden(fake.secret_key, [text])
    assert "<redacted>" in text  # the debug lines did log the headers, redacted
    assert "/branches" in text


# --- capture_responses ----------------------------------------------------------------------------


async def test_capture_responses_status_request_id_attempts(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    with client.capture_responses() as captured:
        await client.branches.list()
    last = captured.last
    assert last is not None
    assert (last.method, last.path, last.status_code) == ("GET", "/branches", 200)
    assert last.request_id == fake.requests[-1].request_id
    assert last.attempts == 1
    assert last.retries == 0

    fake.faults.status(503, path="/branches", times=1)
    with capture_responses() as captured:
        await client.branches.list()
        await client.tickets.book(**WALK_IN)
    assert len(captured.responses) == 2
    retried, booked = captured.responses
    assert retried.attempts == 2
    assert retried.retries == 1
    assert retried.status_code == 200
    # The request id is the answering attempt's, not the failed one's.
    branch_requests = [r for r in fake.requests if r.path == "/branches"]
    assert [r.status for r in branch_requests[-2:]] == [503, 200]
    assert retried.request_id == branch_requests[-1].request_id
    assert (booked.method, booked.status_code, booked.attempts) == ("POST", 201, 1)


async def test_capture_records_failed_calls_too_inside_the_block(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    await client.branches.list()  # before the block: not recorded
    with capture_responses() as captured:
        with pytest.raises(NotFoundError) as caught:
            await client.tickets.get("zzzzzzzzzz")
        failed = captured.last
        assert failed is not None
        assert (failed.status_code, failed.ok, failed.error) == (404, False, caught.value)
        assert failed.request_id == caught.value.request_id
        await client.customers.get(id=LAYLA_ID)
    await client.branches.list()  # after the block: not recorded
    assert [r.path for r in captured.responses] == ["/tickets/zzzzzzzzzz", "/customers/getOne"]
    assert captured.responses[1].ok


async def test_capture_records_a_call_that_never_got_an_answer(fake: FakeSkiplino) -> None:
    fake.faults.drop_before(times=3)
    async with Skiplino(
        api_key=fake.secret_key, base_url=fake.url, retry_policy=RetryPolicy(initial_delay=0)
    ) as c:
        with capture_responses() as captured, pytest.raises(APIConnectionError):
            await c.branches.list()
    [failed] = captured.responses
    assert (failed.status_code, failed.attempts, dict(failed.headers)) == (None, 3, {})
    assert isinstance(failed.error, APIConnectionError)


async def test_capture_is_per_task(client: Skiplino) -> None:
    async def worker(ticket_count: int) -> list[str]:
        with capture_responses() as captured:
            for _ in range(ticket_count):
                await client.tickets.book(**WALK_IN)
                await asyncio.sleep(0)
        return [r.path for r in captured.responses]

    outside: list[str] = []
    with capture_responses() as mine:
        first, second = await asyncio.gather(worker(2), worker(3))
        outside = [r.path for r in mine.responses]
    assert first == ["/tickets/book"] * 2
    assert second == ["/tickets/book"] * 3
    # gather's tasks copy the context: the outer block sees nothing of the inner captures.
    assert outside == []


async def test_paginated_calls_are_captured_page_by_page(client: Skiplino) -> None:
    with capture_responses() as captured:
        _ = [c async for c in client.customers.list(limit=50)]
    assert [r.status_code for r in captured.responses] == [200, 200, 200]
    assert {r.path for r in captured.responses} == {"/customers/getAll"}
