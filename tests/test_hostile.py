"""Hostile responses: whatever a server or a proxy sends back, the caller gets a SkiplinoError.

Never a bare ``KeyError``, ``TypeError``, ``ValueError`` or aiohttp exception. Cases the fake
server's ``raw`` fault can express go through it; the rest (streamed bodies, lying headers) go
through a tiny aiohttp.web app whose next answer each test sets.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from skiplino_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    Branch,
    Customer,
    InternalServerError,
    Page,
    RateLimitError,
    RetryPolicy,
    Skiplino,
    SkiplinoError,
    Slot,
    Ticket,
    UnprocessableEntityError,
)
from skiplino_async._transport import MAX_RESPONSE_BYTES
from skiplino_async.testing import FakeSkiplino

CUSTOMER_ID = "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"
TICKET_ID = "k7m2p9x4q1"
BASE = "/external/v1"

CUSTOMER: dict[str, Any] = {
    "_id": CUSTOMER_ID,
    "externalId": "crm-7741",
    "companyId": "cmp_5f3a91",
    "name": "Layla Hassan",
    "email": "layla.hassan@example.com",
    "mobile": "+97333445566",
    "metadata": {"tier": "gold"},
    "createdAt": "2026-06-23T11:00:00.000Z",
    "updatedAt": "2026-06-23T11:00:00.000Z",
}
TICKET: dict[str, Any] = {
    "id": TICKET_ID,
    "ticketNumber": "Q017",
    "status": "waiting",
    "statusAt": "2026-06-23T11:10:00.000Z",
    "type": "sequential",
    "time": None,
    "branch": {"id": "802b33af66", "name": "Seef Mall Branch"},
    "service": {"id": "6fe8fb8b12", "name": "Cash Withdrawal"},
    "groupOfService": {"id": "7c1f9a3b2d", "name": "Teller Services"},
    "customer": {"id": CUSTOMER_ID, "name": "Layla Hassan"},
    "bookedAt": "2026-06-23T11:08:41.000Z",
    "queueSize": 6,
    "waitingTime": 18,
}
BRANCH: dict[str, Any] = {
    "id": "802b33af66",
    "name": "Seef Mall Branch",
    "branchStatus": {"isBranchOpen": True},
}
SLOT: dict[str, Any] = {"time": "2026-07-01T09:30:00.000Z", "remaining": 2}
PAGINATION: dict[str, Any] = {
    "total": 1,
    "page": 1,
    "limit": 10,
    "totalPages": 1,
    "hasNextPage": False,
    "hasPrevPage": False,
}

Call = Callable[[Skiplino], Awaitable[Any]]


async def _walk_customers(client: Skiplino) -> list[Customer]:
    out: list[Customer] = []
    async for customer in client.customers.list(limit=10):
        out.append(customer)
        if len(out) > 1000:  # a server repeating itself forever must not hang the test
            break
    return out


async def _book(client: Skiplino) -> Ticket:
    return await client.tickets.book(service_id="6fe8fb8b12", group_of_service_id="7c1f9a3b2d")


#: name -> (path the call requests, the call, a valid ``data`` for it, what a success returns)
OPERATIONS: dict[str, tuple[str, Call, Any, Any]] = {
    "branches.list": ("/branches", lambda c: c.branches.list(), [BRANCH], list),
    "customers.get": (
        "/customers/getOne",
        lambda c: c.customers.get(id=CUSTOMER_ID),
        CUSTOMER,
        Customer,
    ),
    "tickets.get": (f"/tickets/{TICKET_ID}", lambda c: c.tickets.get(TICKET_ID), TICKET, Ticket),
    "tickets.book": ("/tickets/book", _book, TICKET, Ticket),
    "services.slots": (
        "/services/6fe8fb8b12/slots",
        lambda c: c.services.slots("6fe8fb8b12"),
        [SLOT],
        list,
    ),
    "customers.list": (
        "/customers/getAll",
        lambda c: c.customers.list(limit=10),
        [CUSTOMER],
        Page,
    ),
    "customers.list (walk)": ("/customers/getAll", _walk_customers, [CUSTOMER], list),
    "customers.delete": (
        "/customers/delete",
        lambda c: c.customers.delete(id=CUSTOMER_ID),
        None,
        type(None),
    ),
}
ITEM_TYPES: dict[str, type] = {
    "branches.list": Branch,
    "services.slots": Slot,
    "customers.list (walk)": Customer,
}


def envelope(data: Any, **extra: Any) -> bytes:
    return json.dumps({"message": "OK.", "data": data, **extra}).encode()


# --- a tiny server that answers whatever the test says --------------------------------------


@dataclass
class Canned:
    """The next answer of the hostile server (every request gets it)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: Instead of ``body``: a handler writing the response itself.
    custom: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None


@dataclass
class Hostile:
    url: str
    canned: Canned
    hits: list[str]

    def answer(self, status: int = 200, body: bytes = b"", **headers: str) -> None:
        self.canned = Canned(status, body, {k.replace("_", "-"): v for k, v in headers.items()})


@pytest.fixture
async def hostile() -> AsyncIterator[Hostile]:
    state = Hostile(url="", canned=Canned(), hits=[])

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        state.hits.append(request.path)
        canned = state.canned
        if canned.custom is not None:
            return await canned.custom(request)
        return web.Response(status=canned.status, body=canned.body, headers=canned.headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.url = f"http://127.0.0.1:{port}{BASE}"
    try:
        yield state
    finally:
        await runner.cleanup()


@pytest.fixture
async def hostile_client(hostile: Hostile) -> AsyncIterator[Skiplino]:
    policy = RetryPolicy(initial_delay=0.0, max_delay=0.001, max_retry_after=0.01)
    async with Skiplino(
        api_key="sk_test_hostile", base_url=hostile.url, retry_policy=policy, max_retries=1
    ) as client:
        yield client


async def outcome(call: Call, client: Skiplino) -> Any:
    """Run one call; return its result or the SkiplinoError it raised. Anything else fails."""
    try:
        return await call(client)
    except SkiplinoError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - this is the assertion itself
        pytest.fail(f"{type(exc).__module__}.{type(exc).__name__} escaped: {exc!r}")


# --- the corpus, through the fake server's raw fault ----------------------------------------

CORPUS: list[tuple[str, int, bytes, dict[str, str], type[SkiplinoError]]] = [
    (
        "truncated JSON",
        200,
        b'{"message": "OK.", "data": {"_id": "9f2c',
        {},
        APIResponseValidationError,
    ),
    ("empty body", 200, b"", {}, APIResponseValidationError),
    ("whitespace body", 200, b"  \r\n ", {}, APIResponseValidationError),
    ("plain text", 200, b"OK", {"Content-Type": "text/plain"}, APIResponseValidationError),
    (
        "html login page",
        200,
        b"<!doctype html><html><body>Sign in</body></html>",
        {"Content-Type": "text/html"},
        APIResponseValidationError,
    ),
    (
        "invalid UTF-8",
        200,
        b'{"message": "OK.", "data": {"name": "\xff\xfe"}}',
        {},
        APIResponseValidationError,
    ),
    (
        "UTF-16 JSON",
        200,
        envelope(CUSTOMER).decode().encode("utf-16"),
        {},
        APIResponseValidationError,
    ),
    (
        "lone surrogate escape",
        200,
        b'{"message": "OK.", "data": "\\ud800"}',
        {},
        APIResponseValidationError,
    ),
    ("NaN literal", 200, b'{"message": "OK.", "data": NaN}', {}, APIResponseValidationError),
    ("deeply nested", 200, b"[" * 100_000 + b"]" * 100_000, {}, APIResponseValidationError),
    ("top-level list", 200, json.dumps([CUSTOMER]).encode(), {}, APIResponseValidationError),
    ("top-level string", 200, b'"OK"', {}, APIResponseValidationError),
    ("top-level null", 200, b"null", {}, APIResponseValidationError),
    ("top-level number", 200, b"42", {}, APIResponseValidationError),
    ("no data member", 200, b'{"message": "OK."}', {}, APIResponseValidationError),
    ("empty object", 200, b"{}", {}, APIResponseValidationError),
    (
        "data a string",
        200,
        envelope("9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"),
        {},
        APIResponseValidationError,
    ),
    ("data a list", 200, envelope([CUSTOMER]), {}, APIResponseValidationError),
    ("data null", 200, envelope(None), {}, APIResponseValidationError),
    ("data a number", 200, envelope(1), {}, APIResponseValidationError),
    (
        "id missing",
        200,
        envelope({k: v for k, v in CUSTOMER.items() if k != "_id"}),
        {},
        APIResponseValidationError,
    ),
    ("id a number", 200, envelope({**CUSTOMER, "_id": 7741}), {}, APIResponseValidationError),
    (
        "id an object",
        200,
        envelope({**CUSTOMER, "_id": {"$oid": CUSTOMER_ID}}),
        {},
        APIResponseValidationError,
    ),
    (
        "name an object",
        200,
        envelope({**CUSTOMER, "name": {"en": "Layla"}}),
        {},
        APIResponseValidationError,
    ),
    (
        "metadata a list",
        200,
        envelope({**CUSTOMER, "metadata": ["gold"]}),
        {},
        APIResponseValidationError,
    ),
    (
        "createdAt garbage",
        200,
        envelope({**CUSTOMER, "createdAt": "yesterday"}),
        {},
        APIResponseValidationError,
    ),
    (
        "createdAt a number",
        200,
        envelope({**CUSTOMER, "createdAt": 1719140400}),
        {},
        APIResponseValidationError,
    ),
    ("error status, invalid UTF-8", 500, b"\xff\xfe\x00oops", {}, InternalServerError),
    ("error status, empty", 503, b"", {}, InternalServerError),
    ("error status, JSON list", 500, b"[1, 2]", {}, InternalServerError),
    (
        "error status, error a list",
        422,
        b'{"message": "bad", "error": ["x"]}',
        {},
        UnprocessableEntityError,
    ),
    (
        "error status, error a number",
        422,
        b'{"message": 5, "error": 7}',
        {},
        UnprocessableEntityError,
    ),
    ("429 garbage Retry-After", 429, b"{}", {"Retry-After": "soon-ish"}, RateLimitError),
    ("429 overflowing Retry-After", 429, b"{}", {"Retry-After": "1e999"}, RateLimitError),
    (
        "429 absurd date",
        429,
        b"{}",
        {"Retry-After": "Mon, 01 Jan 99999 00:00:00 GMT"},
        RateLimitError,
    ),
    ("unknown status", 418, b'{"message": "I am a teapot."}', {}, APIStatusError),
    ("status 599", 599, b"", {}, InternalServerError),
    (
        "bad gzip",
        200,
        b"not gzip at all",
        {"Content-Encoding": "gzip"},
        APIResponseValidationError,
    ),
]


@pytest.mark.parametrize(
    ("status", "body", "headers", "error"),
    [c[1:] for c in CORPUS],
    ids=[c[0] for c in CORPUS],
)
async def test_corpus_through_the_fake_server(
    fake: FakeSkiplino,
    client: Skiplino,
    status: int,
    body: bytes,
    headers: dict[str, str],
    error: type[SkiplinoError],
) -> None:
    fake.faults.raw(status, body, headers=headers, path="/customers/getOne")
    result = await outcome(lambda c: c.customers.get(id=CUSTOMER_ID, max_retries=0), client)
    assert isinstance(result, error), result
    if isinstance(result, APIStatusError):
        assert result.status_code == status
        assert isinstance(result.message, str)
        assert str(result)  # formatting never trips over the body
    if isinstance(result, APIResponseValidationError):
        assert result.status_code == status
        assert result.body == body  # the raw bytes, for diagnosis


async def test_every_level_of_a_ticket_checked(fake: FakeSkiplino, client: Skiplino) -> None:
    """Each member of a ticket replaced by a value of the wrong kind: a validation error."""
    bad_values: list[Any] = [{"x": 1}, ["x"], 3.5, True, "x"]
    checked = 0
    for key in TICKET:
        for bad in bad_values:
            data = {**TICKET, key: bad}
            fake.faults.clear()
            fake.faults.raw(200, envelope(data), path=f"/tickets/{TICKET_ID}")
            result = await outcome(lambda c: c.tickets.get(TICKET_ID, max_retries=0), client)
            if isinstance(result, Ticket):
                # Accepted only where any string will do (ids, numbers, open enums).
                assert key in ("id", "ticketNumber", "status", "type"), (key, bad)
                assert bad == "x", (key, bad)
            else:
                assert isinstance(result, APIResponseValidationError), (key, bad, result)
                checked += 1
    for ref in ("branch", "service", "groupOfService"):
        for broken in ({"name": "no id"}, {"id": 5, "name": "x"}, {"id": "x", "name": ["y"]}):
            fake.faults.clear()
            fake.faults.raw(200, envelope({**TICKET, ref: broken}), path=f"/tickets/{TICKET_ID}")
            result = await outcome(lambda c: c.tickets.get(TICKET_ID, max_retries=0), client)
            assert isinstance(result, APIResponseValidationError), (ref, broken, result)
            checked += 1
    assert checked > 50


@pytest.mark.parametrize(
    ("name", "data", "pagination"),
    [
        ("items not objects", [1, 2], PAGINATION),
        ("one bad item", [CUSTOMER, {**CUSTOMER, "_id": None}], PAGINATION),
        ("pagination a string", [CUSTOMER], "page 1 of 1"),
        ("pagination a list", [CUSTOMER], [1, 1]),
        ("hasNextPage a string", [CUSTOMER], {**PAGINATION, "hasNextPage": "yes"}),
        ("total a float", [CUSTOMER], {**PAGINATION, "total": 1.5}),
        ("data an object", {"items": [CUSTOMER]}, PAGINATION),
    ],
)
async def test_wrong_shapes_of_a_page(
    fake: FakeSkiplino, client: Skiplino, name: str, data: Any, pagination: Any
) -> None:
    fake.faults.raw(200, envelope(data, pagination=pagination), path="/customers/getAll")
    result = await outcome(lambda c: c.customers.list(limit=10, max_retries=0), client)
    assert isinstance(result, APIResponseValidationError), (name, result)
    result = await outcome(_walk_customers, client)
    assert isinstance(result, APIResponseValidationError), (name, result)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("branches an object", {"id": "802b33af66"}),
        ("branchStatus a list", [{**BRANCH, "branchStatus": [True]}]),
        ("isBranchOpen a string", [{**BRANCH, "branchStatus": {"isBranchOpen": "yes"}}]),
        ("branch a string", ["802b33af66"]),
    ],
)
async def test_wrong_shapes_of_branches(
    fake: FakeSkiplino, client: Skiplino, name: str, data: Any
) -> None:
    fake.faults.raw(200, envelope(data), path="/branches")
    result = await outcome(lambda c: c.branches.list(max_retries=0), client)
    assert isinstance(result, APIResponseValidationError), (name, result)


async def test_missing_message_and_unknown_members_are_fine(
    fake: FakeSkiplino, client: Skiplino
) -> None:
    body = json.dumps({"data": {**CUSTOMER, "loyalty": {"points": 3}}, "trace": "x"}).encode()
    fake.faults.raw(200, body, path="/customers/getOne")
    customer = await client.customers.get(id=CUSTOMER_ID)
    assert customer.id == CUSTOMER_ID
    assert customer.extra == {"loyalty": {"points": 3}}


async def test_a_large_valid_body_is_read(fake: FakeSkiplino, client: Skiplino) -> None:
    big = {**CUSTOMER, "metadata": {"blob": "x" * 8_000_000}}
    fake.faults.raw(200, envelope(big), path="/customers/getOne")
    customer = await client.customers.get(id=CUSTOMER_ID)
    assert customer.metadata is not None
    assert len(customer.metadata["blob"]) == 8_000_000


async def test_json_with_a_wrong_content_type_is_read(fake: FakeSkiplino, client: Skiplino) -> None:
    for ctype in ("text/html", "text/plain; charset=latin-1", "application/octet-stream"):
        fake.faults.clear()
        fake.faults.raw(200, envelope(CUSTOMER), headers={"Content-Type": ctype})
        assert (await client.customers.get(id=CUSTOMER_ID)).id == CUSTOMER_ID


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirect_is_not_followed(fake: FakeSkiplino, client: Skiplino, status: int) -> None:
    # The target is a real route of the same server: following it would have "worked".
    target = f"{fake.url}/branches"
    fake.faults.raw(status, b"", headers={"Location": target}, path="/customers/getOne")
    result = await outcome(lambda c: c.customers.get(id=CUSTOMER_ID), client)
    assert type(result) is APIStatusError, result
    assert result.status_code == status
    assert target in result.message
    assert result.headers["Location"] == target
    assert result.attempts == 1
    assert [r.path for r in fake.requests] == ["/customers/getOne"]


async def test_redirect_without_location(fake: FakeSkiplino, client: Skiplino) -> None:
    fake.faults.raw(302, b"moved", path="/branches")
    result = await outcome(lambda c: c.branches.list(), client)
    assert type(result) is APIStatusError
    assert "no Location" in result.message


# --- through the hostile app: what the fake server cannot say -------------------------------


async def test_declared_huge_body_is_refused_unread(
    hostile: Hostile, hostile_client: Skiplino
) -> None:
    async def liar(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        response.content_length = MAX_RESPONSE_BYTES + 1
        response.content_type = "application/json"
        await response.prepare(request)
        await response.write(b'{"data": ')
        return response  # never sends the rest: the client must not wait for it

    hostile.canned = Canned(custom=liar)
    result = await outcome(lambda c: c.customers.get(id=CUSTOMER_ID), hostile_client)
    assert isinstance(result, APIResponseValidationError)
    assert "exceeds" in result.message
    assert len(hostile.hits) == 1  # not retried: the answer would be as large again


async def test_streamed_huge_body_is_cut_off(hostile: Hostile, hostile_client: Skiplino) -> None:
    chunk = b"[" * (1024 * 1024)

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)  # chunked: no length announced
        await response.prepare(request)
        try:
            for _ in range(MAX_RESPONSE_BYTES // len(chunk) + 8):
                await response.write(chunk)
        except ConnectionError:
            pass  # the client hung up, as it should
        return response

    hostile.canned = Canned(custom=endless)
    result = await outcome(lambda c: c.customers.get(id=CUSTOMER_ID), hostile_client)
    assert isinstance(result, APIResponseValidationError)
    assert "exceeds" in result.message


async def test_body_shorter_than_its_content_length(
    hostile: Hostile, hostile_client: Skiplino
) -> None:
    async def short(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        response.content_length = 1000
        await response.prepare(request)
        await response.write(b'{"message": "OK.", "data": {')
        assert request.transport is not None
        request.transport.close()
        return response

    hostile.canned = Canned(custom=short)
    result = await outcome(lambda c: c.customers.get(id=CUSTOMER_ID), hostile_client)
    assert isinstance(result, APIConnectionError)
    assert result.request_sent is True
    assert len(hostile.hits) == 2  # a GET: retried once (max_retries=1), then raised


async def test_garbage_instead_of_http(hostile: Hostile, hostile_client: Skiplino) -> None:
    async def garbage(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        request.transport.close()
        return web.Response()

    hostile.canned = Canned(custom=garbage)
    result = await outcome(_book, hostile_client)
    assert isinstance(result, APIConnectionError)
    assert result.request_sent is True
    assert len(hostile.hits) == 1  # a booking: never retried after sending


# --- property: random statuses and bodies through a real server -----------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_trees = st.recursive(
    json_scalars,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4)
    ),
    max_leaves=16,
)


@st.composite
def mutated(draw: st.DrawFn, valid: Any) -> Any:
    """A valid ``data`` with one member (at any depth) removed or replaced by a random tree."""
    value = copy.deepcopy(valid)
    holder: Any = value
    if isinstance(holder, list) and holder:
        holder = holder[0]
    while isinstance(holder, dict) and holder:
        key = draw(st.sampled_from(sorted(holder)))
        child = holder[key]
        if isinstance(child, dict) and child and draw(st.booleans()):
            holder = child
            continue
        if draw(st.booleans()):
            del holder[key]
        else:
            holder[key] = draw(json_trees)
        break
    return value


@st.composite
def bodies(draw: st.DrawFn, valid: Any) -> bytes:
    kind = draw(st.sampled_from(["bytes", "tree", "envelope", "valid", "error"] + ["mutated"] * 3))
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    if kind == "tree":
        return json.dumps(draw(json_trees)).encode()
    if kind == "envelope":
        doc = {"message": draw(json_trees), "data": draw(json_trees)}
        if draw(st.booleans()):
            doc["pagination"] = draw(json_trees | st.just(PAGINATION))
        return json.dumps(doc).encode()
    if kind in ("mutated", "valid"):
        doc = {"message": "OK.", "data": draw(mutated(valid)) if kind == "mutated" else valid}
        if isinstance(valid, list):
            doc["pagination"] = draw(mutated(PAGINATION) | st.just(PAGINATION))
        return json.dumps(doc).encode()
    return json.dumps({"message": draw(json_trees), "error": draw(json_trees)}).encode()


@st.composite
def answers(draw: st.DrawFn) -> tuple[str, Canned]:
    name = draw(st.sampled_from(sorted(OPERATIONS)))
    valid = OPERATIONS[name][2]
    # Mostly successes: that is where the shape checks are; the rest spans every status.
    status = draw(st.just(200) | st.just(201) | st.integers(min_value=200, max_value=599))
    headers: dict[str, str] = {}
    ctype = draw(st.sampled_from([None, "application/json", "text/html", "text/plain"]))
    if ctype is not None:
        headers["Content-Type"] = ctype
    if draw(st.booleans()):
        headers["Retry-After"] = draw(
            st.sampled_from(
                ["0", "1", "120", "-1", "1e999", "nan", "Wed, 21 Oct 2015 07:28:00 GMT"]
            )
            | st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
        )
    if 300 <= status < 400 and draw(st.booleans()):
        headers["Location"] = "https://elsewhere.example/x"
    body = b"" if status in (204, 304) else draw(bodies(valid))
    return name, Canned(status, body, headers)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answer=answers())
async def test_random_answers_give_a_model_or_a_skiplino_error(
    hostile: Hostile, hostile_client: Skiplino, answer: tuple[str, Canned]
) -> None:
    name, canned = answer
    _, call, _, result_type = OPERATIONS[name]
    hostile.canned = canned
    result = await outcome(call, hostile_client)
    event(f"{name}: {type(result).__name__}")
    status = canned.status
    if isinstance(result, SkiplinoError):
        if isinstance(result, APIStatusError):
            assert result.status_code == status
            assert isinstance(result.message, str)
            assert str(result)
        if not 200 <= status < 300:
            # An error status is never mistaken for data nor for a broken connection.
            assert isinstance(result, APIStatusError), (status, result)
        return
    assert 200 <= status < 300, (status, result)
    assert isinstance(result, result_type)
    item_type = ITEM_TYPES.get(name)
    if item_type is not None:
        assert all(isinstance(item, item_type) for item in result)
    if isinstance(result, Page):
        assert all(isinstance(item, Customer) for item in result.items)
