"""The SDK's own requests, checked against the OpenAPI document.

Each test drives the SDK against a fake server over TCP with typical and edge arguments; then
every request that reached the server must be one the document allows (operation, query
parameters and their types and ranges, headers, body schema, no undocumented fields).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from openapi_check import Document

from skiplino_async import APIStatusError, RetryPolicy, Skiplino
from skiplino_async._operations import OPERATIONS
from skiplino_async.testing import FakeSkiplino

LAYLA_ID = "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"
LAYLA_EXT = "crm-7741"
SEEF = "802b33af66"
TELLER = "7c1f9a3b2d"
WITHDRAWAL = "6fe8fb8b12"  # walk-in service
OPENING = "9c3e1a7b5d"  # appointment service of SEEF
CUSTOMER_SERVICE = "5e2a8c4f1b"  # OPENING's group
COMPANY_TZ = timezone(timedelta(hours=3))
NOW = datetime(2026, 7, 1, 7, 10, tzinfo=UTC)
DOC = Document()


@dataclass
class Harness:
    client: Skiplino
    fake: FakeSkiplino

    def slot(self, days: int = 1, index: int = 0) -> datetime:
        """A bookable slot time, ``days`` from the fake's today (09:00 company time + 30 min)."""
        day = self.fake.state.today() + timedelta(days=days)
        start = datetime.combine(day, time(9, 0), COMPANY_TZ)
        return (start + timedelta(minutes=30 * index)).astimezone(UTC)

    async def tolerate(self, call: Awaitable[object]) -> None:
        """Run a call whose answer may be a documented error: only the request matters."""
        with contextlib.suppress(APIStatusError):
            await call

    def assert_allowed(self) -> None:
        """Every request the fake received is one the document allows."""
        assert self.fake.requests, "nothing was sent"
        problems = {
            f"{r.method} {r.raw_path}?{r.query_string}": found
            for r in self.fake.requests
            if (found := DOC.recorded_problems(r))
        }
        assert problems == {}


@pytest.fixture
async def sdk() -> AsyncIterator[Harness]:
    """An SDK client against a fake (``assert_allowed()`` checks what it sent)."""
    async with (
        FakeSkiplino(customers=25, clock=lambda: NOW) as fake,
        Skiplino(
            api_key=fake.secret_key,
            base_url=fake.url,
            retry_policy=RetryPolicy(initial_delay=0.001, max_delay=0.01),
        ) as client,
    ):
        yield Harness(client, fake)


def operations(fake: FakeSkiplino) -> set[str]:
    found = (DOC.find(r.method, r.path) for r in fake.requests)
    return {op.spec["operationId"] for op in found if op is not None}


Scenario = Callable[[Harness], Awaitable[None]]
SCENARIOS: dict[str, tuple[set[str], Scenario]] = {}


def scenario(*operation_ids: str) -> Callable[[Scenario], Scenario]:
    def register(func: Scenario) -> Scenario:
        SCENARIOS[func.__name__] = (set(operation_ids), func)
        return func

    return register


@scenario("listBranches", "getBranchTree")
async def branches_and_trees(h: Harness) -> None:
    await h.client.branches.list()
    await h.client.branches.list(locale="ar")
    await h.client.branches.tree(SEEF, locale="fr")
    await h.tolerate(h.client.branches.tree("no such/branch ?#%"))  # escaped path segment


@scenario("getServiceSlots")
async def slots(h: Harness) -> None:
    await h.client.services.slots(OPENING)
    await h.client.services.slots(OPENING, date=h.fake.state.today() + timedelta(days=1))
    await h.client.services.slots(OPENING, date="2026-07-05")
    await h.client.services.slots(OPENING, date=date(2027, 12, 31))
    await h.tolerate(h.client.services.slots(WITHDRAWAL))  # no appointments: a 422


@scenario("bookTicket")
async def walk_ins(h: Harness) -> None:
    walk_in = {"service_id": WITHDRAWAL, "group_of_service_id": TELLER}
    await h.client.tickets.book_walk_in(**walk_in)
    await h.client.tickets.book_walk_in(**walk_in, customer_id=LAYLA_ID)
    await h.client.tickets.book_walk_in(**walk_in, customer_external_id=LAYLA_EXT)
    await h.client.tickets.book(
        **walk_in, options={"accountType": "savings", "n": [1]}, location=(26.2361, 50.5436)
    )
    await h.client.tickets.book_walk_in(**walk_in, location={"lat": -90, "lng": 180})


@scenario("bookTicket", "getServiceSlots")
async def appointments(h: Harness) -> None:
    appointment = {"service_id": OPENING, "group_of_service_id": CUSTOMER_SERVICE}
    await h.client.tickets.book_appointment(
        **appointment, time=h.slot(index=1), customer_id=LAYLA_ID
    )
    local = h.slot(index=2).astimezone(COMPANY_TZ)  # aware, not UTC: sent in UTC with Z
    await h.client.tickets.book_appointment(
        **appointment, time=local, customer_external_id=LAYLA_EXT
    )
    [first, *_] = await h.client.services.slots(OPENING, date=h.slot(days=2).date())
    raw = first.time.strftime("%Y-%m-%dT%H:%M:%SZ")  # a slot string without milliseconds
    await h.client.tickets.book(**appointment, time=raw, customer_id=LAYLA_ID)
    await h.tolerate(
        h.client.tickets.book_appointment(
            **appointment, time=h.slot(days=3), customer_id=LAYLA_ID, options={}
        )
    )


@scenario("bookTicket", "getTicket", "cancelTicket", "changeTicketTime")
async def ticket_lifecycle(h: Harness) -> None:
    appointment = {"service_id": OPENING, "group_of_service_id": CUSTOMER_SERVICE}
    booked = await h.client.tickets.book_appointment(
        **appointment, time=h.slot(index=3), customer_id=LAYLA_ID
    )
    await h.client.tickets.get(booked.id)
    await h.client.tickets.reschedule(booked.id, time=h.slot(index=4), customer_id=LAYLA_ID)
    await h.client.tickets.reschedule(
        booked.id, time=h.slot(index=5), customer_external_id=LAYLA_EXT
    )
    await h.client.tickets.cancel(booked.id)
    await h.tolerate(h.client.tickets.cancel(booked.id))  # a 409 the second time
    await h.tolerate(h.client.tickets.get("k7m2p9x4q1"))


@scenario("createCustomer", "getCustomer", "deleteCustomer")
async def customer_create_get_delete(h: Harness) -> None:
    await h.client.customers.create()
    made = await h.client.customers.create(
        external_id="crm-9001",
        name="Yusuf Al-Amin",
        email="yusuf@example.com",
        mobile="+97333000111",
        metadata={"tier": "silver", "nested": {"a": 1}},
    )
    await h.client.customers.get_or_create(external_id="crm-9001", name="Yusuf")
    await h.client.customers.get(id=made.id)
    await h.client.customers.get(external_id="crm-9001")
    await h.client.customers.get(id=made.id, external_id="crm-9001")
    await h.tolerate(h.client.customers.get(id="0" * 32))
    await h.client.customers.delete(external_id="crm-9001")
    await h.tolerate(h.client.customers.delete(id=made.id))


@scenario("updateCustomer")
async def customer_updates(h: Harness) -> None:
    await h.client.customers.update(id=LAYLA_ID, name="Layla A. Hassan")
    await h.client.customers.update(id=LAYLA_ID, external_id="crm-7742", metadata={"t": "p"})
    await h.client.customers.update(external_id="crm-7742", email=None, mobile=None)
    await h.client.customers.update(id=LAYLA_ID, metadata=None, name=None)
    await h.tolerate(h.client.customers.update(external_id="nobody", name="x"))


@scenario("listCustomers")
async def customer_pages(h: Harness) -> None:
    async for _ in h.client.customers.list(limit=7, prefetch=3):
        pass
    await h.client.customers.list(limit=1)
    await h.client.customers.list(limit=100, page=2)
    paginator = h.client.customers.list(limit=5, max_items=8)
    async for _ in paginator:
        pass
    async for _ in h.client.customers.list(resume_from=paginator.checkpoint()):
        pass


@scenario("listCustomerTickets", "bookTicket")
async def customer_ticket_pages(h: Harness) -> None:
    for _ in range(3):
        await h.client.tickets.book_walk_in(
            service_id=WITHDRAWAL, group_of_service_id=TELLER, customer_id=LAYLA_ID
        )
    async for _ in h.client.customers.tickets(id=LAYLA_ID, limit=2):
        pass
    await h.client.customers.tickets(external_id=LAYLA_EXT)
    await h.client.customers.tickets(external_id=LAYLA_EXT, limit=10, page=3)
    await h.tolerate(h.client.customers.tickets(id="0" * 32))


@pytest.mark.parametrize("offset", ["+03:00", "+00:00", ""])
async def test_time_strings_with_an_offset_or_none_are_sent_in_utc_with_z(
    sdk: Harness, offset: str
) -> None:
    appointment = {"service_id": OPENING, "group_of_service_id": CUSTOMER_SERVICE}
    when = sdk.slot(index=6).astimezone(COMPANY_TZ if offset == "+03:00" else UTC)
    text = when.replace(tzinfo=None).isoformat() + offset
    try:
        booking = sdk.client.tickets.book_appointment(
            **appointment, time=text, customer_id=LAYLA_ID
        )
        await sdk.tolerate(booking)  # the fake refuses such a time with a 422
    except ValueError:
        assert not offset  # refusing a naive string before sending is right too
        return
    sdk.assert_allowed()


def test_the_scenarios_cover_every_operation() -> None:
    covered = set().union(*(ids for ids, _ in SCENARIOS.values()))
    assert covered == {op.spec["operationId"] for op in DOC.operations}
    assert covered == {op.operation_id for op in OPERATIONS}


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_sdk_requests_are_allowed_by_the_document(sdk: Harness, name: str) -> None:
    expected, run = SCENARIOS[name]
    await run(sdk)
    assert operations(sdk.fake) == expected
    sdk.assert_allowed()


@pytest.mark.parametrize(
    ("method", "path", "query", "body", "problem"),
    [
        ("GET", "/customers/getAll", "page=0", b"", "page='0'"),
        ("GET", "/customers/tickets", "id=x&limit=11", b"", "limit='11'"),
        ("GET", "/customers/getAll", "limit=abc", b"", "limit='abc'"),
        ("GET", "/customers/getAll", "sort=name", b"", "undocumented query parameter"),
        ("GET", "/customers/getOne", "id=", b"", "id=''"),
        ("GET", "/customers/getOne", "id=a&id=b", b"", "sent 2 times"),
        ("POST", "/customers/create", "", b"", "missing the required JSON body"),
        ("POST", "/tickets/book", "", b'{"serviceId": "s"}', "groupOfServiceId"),
        (
            "POST",
            "/tickets/book",
            "",
            b'{"serviceId": "s", "groupOfServiceId": "g", "time": "2026-07-01T09:30:00+03:00",'
            b' "customerId": "c"}',
            "body time",
        ),
        (
            "POST",
            "/tickets/book",
            "",
            b'{"serviceId": "s", "groupOfServiceId": "g", "customerId": "c",'
            b' "customerExternalId": "e"}',
            "body (root)",
        ),
        ("POST", "/tickets/k7m2p9x4q1/change-time", "", b'{"when": "now"}', "undocumented"),
        ("PUT", "/customers/update", "", b'{"name": "x"}', "body (root)"),
        ("GET", "/tickets/k7m2p9x4q1", "", b"{}", "a body on an operation that takes none"),
        ("PATCH", "/customers/update", "", b"{}", "no documented operation"),
        ("GET", "/tickets/book", "", b"", "no documented operation"),
    ],
)
def test_the_check_rejects_what_the_document_does_not_allow(
    method: str, path: str, query: str, body: bytes, problem: str
) -> None:
    headers = {"Authorization": "Bearer sk_x", "Content-Type": "application/json"}
    problems = DOC.request_problems(method, path, query, headers, body)
    assert any(problem in p for p in problems), problems


def test_the_check_wants_a_bearer_key() -> None:
    problems = DOC.request_problems("GET", "/branches", "", {}, b"")
    assert problems == ["no Authorization: Bearer <key> header"]
    assert DOC.request_problems("GET", "/branches", "", {"Authorization": "Bearer k"}, b"") == []
