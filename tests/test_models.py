"""Models and the converter: every documented JSON example, leniency, wrong shapes, round trips.

Each documented response example of ``skiplino-api.md`` is checked twice: structured directly
with ``Model.from_dict`` and served verbatim over TCP to the SDK call that receives it.
"""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import orjson
import pytest
from aiohttp import web

from skiplino_async import (
    APIResponseValidationError,
    Branch,
    BranchStatus,
    BranchTreeGroup,
    Customer,
    Page,
    Pagination,
    Ref,
    Service,
    Skiplino,
    Slot,
    Ticket,
    TicketStatus,
    TicketType,
)
from skiplino_async._converter import structure
from skiplino_async._wiretime import format_wire_time
from skiplino_async.models import _Model
from skiplino_async.testing import _openapi_data as docs

RawClient = Callable[[Callable[[web.Request], Awaitable[web.StreamResponse]]], Awaitable[Skiplino]]

LAYLA_ID = "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"

# --- the documented examples of skiplino-api.md (the OpenAPI document's) ------------------------

#: 1.4: GET /customers/getAll?page=1&limit=10
DOC_GET_ALL = docs.CUSTOMERS_PAGE
#: 2.4: the 201 answer to an appointment booking.
DOC_BOOK_201 = docs.BOOKED_APPOINTMENT
#: 2.5: GET /tickets/{id} for a waiting walk-in.
DOC_FETCH_200 = docs.FETCHED_WALK_IN
#: 2.7: the 200 answer to a reschedule.
DOC_RESCHEDULE_200 = docs.RESCHEDULED
#: 2.8: the 201 answer to create-customer.
DOC_CREATE_201 = docs.CUSTOMER_CREATED
#: 4.5: the Ticket schema example (a waiting appointment).
DOC_TICKET_SCHEMA = docs.TICKET_EXAMPLE
#: 4.6: the Customer schema example.
DOC_CUSTOMER_SCHEMA = docs.CUSTOMER_EXAMPLE


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


SEEF = Ref(id="802b33af66", name="Seef Mall Branch")
TELLER = Ref(id="7c1f9a3b2d", name="Teller Services")
LAYLA_REF = Ref(id=LAYLA_ID, name="Layla Hassan")

EXPECTED_LAYLA_GOLD = Customer(
    id=LAYLA_ID,
    external_id="crm-7741",
    company_id="cmp_5f3a91",
    name="Layla Hassan",
    email="layla.hassan@example.com",
    mobile="+97333445566",
    metadata={"tier": "gold"},
    created_at=utc(2026, 6, 23, 11, 0),
    updated_at=utc(2026, 6, 23, 11, 0),
)
EXPECTED_LAYLA_APP = Customer(
    id=LAYLA_ID,
    external_id="crm-7741",
    company_id="cmp_5f3a91",
    name="Layla Hassan",
    email="layla.hassan@example.com",
    mobile="+97333445566",
    metadata={"tier": "gold", "source": "mobile-app"},
    created_at=utc(2026, 6, 23, 11, 0),
    updated_at=utc(2026, 6, 23, 11, 0),
)
EXPECTED_PAGINATION = Pagination(
    total=137, page=1, limit=10, total_pages=14, has_next_page=True, has_prev_page=False
)
EXPECTED_BOOKED = Ticket(
    id="k7m2p9x4q1",
    ticket_number="A042",
    status="upcoming",
    status_at=utc(2026, 6, 23, 11, 5, 22),
    type="appointment",
    time=utc(2026, 7, 1, 9, 30),
    branch=SEEF,
    service=Ref(id="802b33af66", name="Account Opening"),
    group_of_service=TELLER,
    customer=LAYLA_REF,
    booked_at=utc(2026, 6, 23, 11, 5, 22),
    queue_size=None,
    waiting_time=None,
)
EXPECTED_FETCHED = Ticket(
    id="k7m2p9x4q1",
    ticket_number="Q017",
    status="waiting",
    status_at=utc(2026, 6, 23, 11, 10),
    type="sequential",
    time=None,
    branch=SEEF,
    service=Ref(id="6fe8fb8b12", name="Cash Withdrawal"),
    group_of_service=TELLER,
    customer=LAYLA_REF,
    booked_at=utc(2026, 6, 23, 11, 8, 41),
    queue_size=6,
    waiting_time=18,
)
EXPECTED_RESCHEDULED = Ticket(
    id="k7m2p9x4q1",
    ticket_number="A042",
    status="waiting",
    status_at=utc(2026, 6, 23, 11, 25),
    type="appointment",
    time=utc(2026, 7, 2, 13, 0),
    branch=SEEF,
    service=Ref(id="802b33af66", name="Account Opening"),
    group_of_service=TELLER,
    customer=LAYLA_REF,
    booked_at=utc(2026, 6, 23, 11, 5, 22),
)
EXPECTED_TICKET_SCHEMA = Ticket(
    id="k7m2p9x4q1",
    ticket_number="A042",
    status="waiting",
    status_at=utc(2026, 6, 23, 11, 10),
    type="appointment",
    time=utc(2026, 7, 1, 9, 30),
    branch=SEEF,
    service=Ref(id="802b33af66", name="Account Opening"),
    group_of_service=TELLER,
    customer=LAYLA_REF,
    booked_at=utc(2026, 6, 23, 11, 8, 41),
    queue_size=6,
    waiting_time=18,
)


def assert_utc(value: datetime | None) -> None:
    assert value is not None
    assert value.tzinfo is not None
    assert value.utcoffset() is not None
    assert value.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def assert_ticket_fields(ticket: Ticket, expected: Ticket) -> None:
    """Attribute by attribute (clearer failures than one ``==``), then the whole model."""
    for name in (
        "id",
        "ticket_number",
        "status",
        "status_at",
        "type",
        "time",
        "branch",
        "service",
        "group_of_service",
        "customer",
        "booked_at",
        "queue_size",
        "waiting_time",
    ):
        assert getattr(ticket, name) == getattr(expected, name), name
    for name in ("status_at", "booked_at"):
        assert_utc(getattr(ticket, name))
    assert ticket.extra == {}
    assert ticket == expected


def assert_customer_fields(customer: Customer, expected: Customer) -> None:
    for name in (
        "id",
        "external_id",
        "company_id",
        "name",
        "email",
        "mobile",
        "metadata",
        "created_at",
        "updated_at",
    ):
        assert getattr(customer, name) == getattr(expected, name), name
    assert_utc(customer.created_at)
    assert_utc(customer.updated_at)
    assert customer.extra == {}
    assert customer == expected


def json_handler(
    status: int, payload: Any, *, seen: list[web.Request] | None = None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)

    async def handler(request: web.Request) -> web.Response:
        if seen is not None:
            await request.read()
            seen.append(request)
        return web.Response(status=status, body=body, content_type="application/json")

    return handler


# --- documented examples, structured directly ----------------------------------------------------


def test_doc_get_all_customer_and_pagination() -> None:
    customer = Customer.from_dict(DOC_GET_ALL["data"][0])
    assert_customer_fields(customer, EXPECTED_LAYLA_GOLD)
    pagination = Pagination.from_dict(DOC_GET_ALL["pagination"])
    assert pagination.total == 137
    assert pagination.page == 1
    assert pagination.limit == 10
    assert pagination.total_pages == 14
    assert pagination.has_next_page is True
    assert pagination.has_prev_page is False
    assert pagination.extra == {}
    assert pagination == EXPECTED_PAGINATION


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (DOC_BOOK_201["data"], EXPECTED_BOOKED),
        (DOC_FETCH_200["data"], EXPECTED_FETCHED),
        (DOC_RESCHEDULE_200["data"], EXPECTED_RESCHEDULED),
        (DOC_TICKET_SCHEMA, EXPECTED_TICKET_SCHEMA),
    ],
    ids=["book-201", "fetch-200", "reschedule-200", "ticket-schema"],
)
def test_doc_ticket_examples(data: dict[str, Any], expected: Ticket) -> None:
    ticket = Ticket.from_dict(data)
    assert_ticket_fields(ticket, expected)


@pytest.mark.parametrize(
    "data", [DOC_CREATE_201["data"], DOC_CUSTOMER_SCHEMA], ids=["create-201", "customer-schema"]
)
def test_doc_customer_examples(data: dict[str, Any]) -> None:
    assert_customer_fields(Customer.from_dict(data), EXPECTED_LAYLA_APP)


def test_doc_ticket_enums_are_plain_strings_matching_known_values() -> None:
    fetched = Ticket.from_dict(DOC_FETCH_200["data"])
    assert type(fetched.status) is str
    assert fetched.status == TicketStatus.WAITING
    assert fetched.type == TicketType.SEQUENTIAL
    booked = Ticket.from_dict(DOC_BOOK_201["data"])
    assert booked.status == TicketStatus.UPCOMING
    assert booked.type == TicketType.APPOINTMENT


def test_structuring_does_not_mutate_input() -> None:
    data = copy.deepcopy(DOC_TICKET_SCHEMA)
    data["priority"] = 3
    before = copy.deepcopy(data)
    Ticket.from_dict(data)
    assert data == before


# --- documented examples, served over TCP to the call that receives them ----------------------


async def test_doc_get_all_over_http(raw_client: RawClient) -> None:
    seen: list[web.Request] = []
    client = await raw_client(json_handler(200, DOC_GET_ALL, seen=seen))
    page = await client.customers.list(limit=10)
    assert isinstance(page, Page)
    assert len(page) == 1
    assert_customer_fields(page.items[0], EXPECTED_LAYLA_GOLD)
    assert list(page) == page.items
    assert page.pagination == EXPECTED_PAGINATION
    assert seen[0].method == "GET"
    assert seen[0].path == "/external/v1/customers/getAll"
    assert dict(seen[0].query) == {"page": "1", "limit": "10"}


async def test_doc_book_201_over_http(raw_client: RawClient) -> None:
    client = await raw_client(json_handler(201, DOC_BOOK_201))
    ticket = await client.tickets.book(
        service_id="802b33af66",
        group_of_service_id="7c1f9a3b2d",
        time="2026-07-01T09:30:00.000Z",
        customer_id=LAYLA_ID,
    )
    assert_ticket_fields(ticket, EXPECTED_BOOKED)


async def test_doc_fetch_200_over_http(raw_client: RawClient) -> None:
    client = await raw_client(json_handler(200, DOC_FETCH_200))
    assert_ticket_fields(await client.tickets.get("k7m2p9x4q1"), EXPECTED_FETCHED)


async def test_doc_reschedule_200_over_http(raw_client: RawClient) -> None:
    client = await raw_client(json_handler(200, DOC_RESCHEDULE_200))
    ticket = await client.tickets.reschedule(
        "k7m2p9x4q1", time="2026-07-02T13:00:00.000Z", customer_id=LAYLA_ID
    )
    assert_ticket_fields(ticket, EXPECTED_RESCHEDULED)


async def test_doc_ticket_schema_over_http(raw_client: RawClient) -> None:
    envelope = {"message": "Ticket fetched successfully.", "data": DOC_TICKET_SCHEMA}
    client = await raw_client(json_handler(200, envelope))
    assert_ticket_fields(await client.tickets.get("k7m2p9x4q1"), EXPECTED_TICKET_SCHEMA)


async def test_doc_create_201_over_http(raw_client: RawClient) -> None:
    client = await raw_client(json_handler(201, DOC_CREATE_201))
    customer = await client.customers.create(
        external_id="crm-7741",
        name="Layla Hassan",
        email="layla.hassan@example.com",
        mobile="+97333445566",
        metadata={"tier": "gold", "source": "mobile-app"},
    )
    assert_customer_fields(customer, EXPECTED_LAYLA_APP)


async def test_doc_customer_schema_over_http(raw_client: RawClient) -> None:
    envelope = {"message": "Customer fetched successfully.", "data": DOC_CUSTOMER_SCHEMA}
    client = await raw_client(json_handler(200, envelope))
    assert_customer_fields(await client.customers.get(id=LAYLA_ID), EXPECTED_LAYLA_APP)


async def test_undocumented_shapes_over_http(raw_client: RawClient) -> None:
    """Branch, tree and slot shapes have no documented example; these are the inferred ones."""
    branches = {
        "message": "ok",
        "data": [
            {
                "id": "802b33af66",
                "name": "Seef Mall Branch",
                "branchStatus": {"isBranchOpen": True},
            },
            {"id": "5d2e8f1a7c", "name": "Riffa Branch", "branchStatus": {"isBranchOpen": False}},
            {"id": "0000000000", "name": "No status"},
        ],
    }
    client = await raw_client(json_handler(200, branches))
    got = await client.branches.list()
    assert got == [
        Branch("802b33af66", "Seef Mall Branch", BranchStatus(is_branch_open=True)),
        Branch("5d2e8f1a7c", "Riffa Branch", BranchStatus(is_branch_open=False)),
        Branch("0000000000", "No status", None),
    ]
    assert [b.is_open for b in got] == [True, False, False]

    tree = {
        "message": "ok",
        "data": [
            {
                "id": "7c1f9a3b2d",
                "name": "Teller Services",
                "services": [
                    {
                        "id": "6fe8fb8b12",
                        "name": "Cash Withdrawal",
                        "isOpen": True,
                        "isAppointment": False,
                    }
                ],
            }
        ],
    }
    client = await raw_client(json_handler(200, tree))
    assert await client.branches.tree("802b33af66") == [
        BranchTreeGroup(
            "7c1f9a3b2d",
            "Teller Services",
            [Service("6fe8fb8b12", "Cash Withdrawal", is_open=True, is_appointment=False)],
        )
    ]

    slots = {
        "message": "ok",
        "data": [
            {"time": "2026-07-01T06:00:00.000Z", "remaining": 2},
            {"time": "2026-07-01T06:30:00.000Z", "remaining": 0},
        ],
    }
    client = await raw_client(json_handler(200, slots))
    got_slots = await client.services.slots("9c3e1a7b5d", date="2026-07-01")
    assert got_slots == [Slot(utc(2026, 7, 1, 6, 0), 2), Slot(utc(2026, 7, 1, 6, 30), 0)]
    for slot in got_slots:
        assert_utc(slot.time)


# --- forward compatibility --------------------------------------------------------------------


def test_unknown_fields_are_kept_in_extra() -> None:
    data = {
        **DOC_TICKET_SCHEMA,
        "priority": 3,
        "counter": {"id": "c1", "label": "Counter 4"},
        "branch": {"id": "802b33af66", "name": "Seef Mall Branch", "address": "Seef"},
    }
    ticket = Ticket.from_dict(data)
    assert ticket.extra == {"priority": 3, "counter": {"id": "c1", "label": "Counter 4"}}
    assert ticket.branch is not None
    assert ticket.branch.extra == {"address": "Seef"}
    assert ticket.branch.id == "802b33af66"
    # Known fields are unaffected by the extras.
    assert ticket.queue_size == 6
    assert ticket.service == Ref(id="802b33af66", name="Account Opening")

    customer = Customer.from_dict({**DOC_CUSTOMER_SCHEMA, "loyaltyPoints": 120, "tags": ["vip"]})
    assert customer.extra == {"loyaltyPoints": 120, "tags": ["vip"]}
    pagination = Pagination.from_dict({**DOC_GET_ALL["pagination"], "nextCursor": "abc"})
    assert pagination.extra == {"nextCursor": "abc"}
    branch = Branch.from_dict(
        {"id": "b", "name": "n", "branchStatus": {"isBranchOpen": True, "closesAt": "17:00"}}
    )
    assert branch.branch_status is not None
    assert branch.branch_status.extra == {"closesAt": "17:00"}
    service = Service.from_dict({"id": "s", "isOpen": True, "kind": "teller"})
    assert service.extra == {"kind": "teller"}
    slot = Slot.from_dict({"time": "2026-07-01T06:00:00.000Z", "remaining": 1, "capacity": 2})
    assert slot.extra == {"capacity": 2}


async def test_unknown_fields_survive_the_http_path(raw_client: RawClient) -> None:
    envelope = {
        "message": "Ticket fetched successfully.",
        "data": {**DOC_FETCH_200["data"], "estimatedCallAt": "2026-06-23T11:30:00.000Z"},
        "requestId": "r-1",
    }
    client = await raw_client(json_handler(200, envelope))
    ticket = await client.tickets.get("k7m2p9x4q1")
    assert ticket.extra == {"estimatedCallAt": "2026-06-23T11:30:00.000Z"}
    assert ticket.queue_size == 6


def test_id_key_aliases() -> None:
    # The reference leaves open whether branch/service/group ids travel as ``id`` or ``_id``.
    assert Branch.from_dict({"_id": "802b33af66"}).id == "802b33af66"
    assert Branch.from_dict({"_id": "802b33af66"}).extra == {}
    assert Service.from_dict({"_id": "6fe8fb8b12"}).id == "6fe8fb8b12"
    assert BranchTreeGroup.from_dict({"_id": "7c1f9a3b2d", "services": []}).id == "7c1f9a3b2d"
    # And a customer sent with a plain ``id``.
    assert Customer.from_dict({"id": LAYLA_ID}).id == LAYLA_ID
    assert Customer.from_dict({"id": LAYLA_ID}).extra == {}


@pytest.mark.parametrize("status", ["on_hold", "transferred", "WAITING", ""])
def test_unknown_status_values_are_kept_as_strings(status: str) -> None:
    ticket = Ticket.from_dict({**DOC_TICKET_SCHEMA, "status": status, "type": "virtual-queue"})
    assert ticket.status == status
    assert type(ticket.status) is str
    assert ticket.type == "virtual-queue"


def test_optional_fields_absent_or_null_become_none() -> None:
    customer = Customer.from_dict({"_id": LAYLA_ID, "companyId": "cmp_5f3a91"})
    assert customer == Customer(id=LAYLA_ID, company_id="cmp_5f3a91")
    for name in ("external_id", "name", "email", "mobile", "metadata", "created_at", "updated_at"):
        assert getattr(customer, name) is None, name

    walk_in = Ticket.from_dict(
        {
            "id": "k7m2p9x4q1",
            "ticketNumber": "Q018",
            "status": "served",
            "type": "sequential",
            "time": None,
            "customer": None,
            "branch": {"id": "802b33af66"},
        }
    )
    assert walk_in.time is None
    assert walk_in.customer is None
    assert walk_in.queue_size is None
    assert walk_in.waiting_time is None
    assert walk_in.status_at is None
    assert walk_in.branch == Ref(id="802b33af66", name=None)
    assert Ticket.from_dict({"id": "x"}) == Ticket(id="x")
    assert Pagination.from_dict({}) == Pagination()
    assert Slot.from_dict({"time": "2026-07-01T06:00:00Z"}).remaining is None
    assert BranchTreeGroup.from_dict({"id": "g"}).services == []


@pytest.mark.parametrize(
    "text",
    [
        "2026-06-23T11:00:00.000Z",
        "2026-06-23T11:00:00Z",
        "2026-06-23T11:00:00.000+00:00",
        "2026-06-23T14:00:00.000+03:00",
        "2026-06-23T14:00:00+03:00",
        "2026-06-23T06:00:00-05:00",
        "2026-06-24T00:00:00+13:00",
        "2026-06-23T11:00:00",  # no offset at all: the API's zone is UTC
    ],
)
def test_timestamps_become_aware_utc(text: str) -> None:
    customer = Customer.from_dict({"_id": "x", "createdAt": text, "updatedAt": text})
    assert customer.created_at == utc(2026, 6, 23, 11, 0)
    assert customer.created_at is not None
    assert customer.created_at.tzinfo is UTC
    assert customer.created_at.hour == 11  # the UTC wall clock, not the offset's


def test_timestamp_milliseconds_are_kept() -> None:
    ticket = Ticket.from_dict({"id": "x", "bookedAt": "2026-06-23T11:08:41.123Z"})
    assert ticket.booked_at == datetime(2026, 6, 23, 11, 8, 41, 123_000, tzinfo=UTC)


# --- wrong shapes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "data", "where"),
    [
        (Ticket, "k7m2p9x4q1", "expected an object"),
        (Ticket, None, ""),
        (Ticket, [DOC_TICKET_SCHEMA], ""),
        (Ticket, {"ticketNumber": "A042"}, "required field missing"),
        (Ticket, {"id": None}, "expected a string"),
        (Ticket, {"id": 7}, "expected a string"),
        (Ticket, {"id": "x", "queueSize": "6"}, "expected an integer"),
        (Ticket, {"id": "x", "queueSize": 6.5}, "expected an integer"),
        (Ticket, {"id": "x", "branch": "802b33af66"}, "expected an object"),
        (Ticket, {"id": "x", "branch": {"name": "no id"}}, "required field missing"),
        (Ticket, {"id": "x", "statusAt": "yesterday"}, "not an ISO-8601"),
        (Ticket, {"id": "x", "statusAt": 1782000000}, "expected an ISO-8601 string"),
        (Ticket, {"id": "x", "status": 3}, "expected a string"),
        (Customer, {"_id": LAYLA_ID, "metadata": ["tier", "gold"]}, "expected an object"),
        (Customer, {"companyId": "cmp_5f3a91"}, "required field missing"),
        (Customer, {"_id": LAYLA_ID, "createdAt": "2026-13-45T00:00:00Z"}, "not an ISO-8601"),
        (Branch, {"id": "b", "branchStatus": "open"}, "expected an object"),
        (Branch, {"id": "b", "branchStatus": {"isBranchOpen": "true"}}, "expected a boolean"),
        (BranchTreeGroup, {"id": "g", "services": {"id": "s"}}, ""),
        (BranchTreeGroup, {"id": "g", "services": [{"id": "s", "isOpen": 1}]}, "boolean"),
        (Slot, {"remaining": 1}, "required field missing"),
        (Slot, {"time": "09:30", "remaining": 1}, "not an ISO-8601"),
        (Pagination, {"total": "137"}, "expected an integer"),
        (Pagination, {"hasNextPage": "yes"}, "expected a boolean"),
        (Pagination, "garbage", "expected an object"),
    ],
)
def test_wrong_shapes_raise_validation_error(cls: type[Any], data: Any, where: str) -> None:
    with pytest.raises(APIResponseValidationError) as info:
        cls.from_dict(data)
    exc = info.value
    assert f"not a valid {cls.__name__}" in exc.message
    assert where in exc.message
    assert not isinstance(exc, KeyError | TypeError | ValueError)
    # The converter's internal failure is not chained: the message says it all.
    assert exc.__cause__ is None
    assert exc.__suppress_context__


def _shape_cases() -> list[Any]:
    """(call, status, served data) triples whose data is not the documented shape."""

    def env(data: Any, **more: Any) -> dict[str, Any]:
        return {"message": "ok", "data": data, **more}

    async def branches(c: Skiplino) -> object:
        return await c.branches.list()

    async def tree(c: Skiplino) -> object:
        return await c.branches.tree("802b33af66")

    async def slots(c: Skiplino) -> object:
        return await c.services.slots("9c3e1a7b5d")

    async def book(c: Skiplino) -> object:
        return await c.tickets.book(service_id="6fe8fb8b12", group_of_service_id="7c1f9a3b2d")

    async def get_ticket(c: Skiplino) -> object:
        return await c.tickets.get("k7m2p9x4q1")

    async def cancel(c: Skiplino) -> object:
        return await c.tickets.cancel("k7m2p9x4q1")

    async def get_customer(c: Skiplino) -> object:
        return await c.customers.get(id=LAYLA_ID)

    async def create(c: Skiplino) -> object:
        return await c.customers.create(name="x")

    async def update(c: Skiplino) -> object:
        return await c.customers.update(id=LAYLA_ID, name="x")

    async def list_page(c: Skiplino) -> object:
        return await c.customers.list()

    async def list_all(c: Skiplino) -> object:
        return [x async for x in c.customers.list()]

    async def tickets_page(c: Skiplino) -> object:
        return await c.customers.tickets(id=LAYLA_ID)

    pagination = DOC_GET_ALL["pagination"]
    return [
        pytest.param(branches, 200, env("oops"), id="branches-string"),
        pytest.param(branches, 200, env({"id": "802b33af66"}), id="branches-object"),
        pytest.param(branches, 200, env([1, 2]), id="branches-ints"),
        pytest.param(branches, 200, env([{"name": "no id"}]), id="branches-no-id"),
        pytest.param(branches, 200, env(None), id="branches-null"),
        pytest.param(tree, 200, env([{"id": "g", "services": "none"}]), id="tree-services"),
        pytest.param(slots, 200, env([{"time": "tomorrow", "remaining": 1}]), id="slots-time"),
        pytest.param(book, 201, env({"ticketNumber": "Q001"}), id="book-no-id"),
        pytest.param(get_ticket, 200, env(None), id="ticket-null"),
        pytest.param(get_ticket, 200, env([]), id="ticket-list"),
        pytest.param(get_ticket, 200, env({"id": "x", "queueSize": "6"}), id="ticket-queue"),
        pytest.param(cancel, 200, env({"id": "x", "customer": "Layla"}), id="cancel-customer"),
        pytest.param(get_customer, 200, env({"_id": 5}), id="customer-id-int"),
        pytest.param(create, 201, env("created"), id="create-string"),
        pytest.param(update, 200, env({"_id": "x", "metadata": "gold"}), id="update-metadata"),
        pytest.param(list_page, 200, env({"_id": "x"}, pagination=pagination), id="list-object"),
        pytest.param(list_all, 200, env([{"name": "x"}], pagination=pagination), id="list-iter"),
        pytest.param(tickets_page, 200, env(["k7m2p9x4q1"], pagination=pagination), id="tickets"),
    ]


@pytest.mark.parametrize(("call", "status", "payload"), _shape_cases())
async def test_wrong_shapes_over_http_keep_status_and_raw_body(
    raw_client: RawClient,
    call: Callable[[Skiplino], Awaitable[object]],
    status: int,
    payload: Any,
) -> None:
    body = orjson.dumps(payload)
    client = await raw_client(json_handler(status, body))
    with pytest.raises(APIResponseValidationError) as info:
        await call(client)
    exc = info.value
    assert exc.status_code == status
    assert exc.body == body
    assert exc.headers["Content-Type"].startswith("application/json")
    assert "not a valid" in exc.message


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Maintenance</body></html>", b'{"message": "no data member"}', b"", b"[]"],
)
async def test_non_envelope_success_bodies(raw_client: RawClient, body: bytes) -> None:
    client = await raw_client(json_handler(200, body))
    with pytest.raises(APIResponseValidationError) as info:
        await client.branches.list()
    assert info.value.status_code == 200
    assert info.value.body == body


@pytest.mark.parametrize(
    "pagination", ["garbage", {"total": "137"}, {"hasNextPage": "yes"}], ids=["str", "int", "bool"]
)
async def test_wrong_pagination_block_keeps_status_and_raw_body(
    raw_client: RawClient, pagination: Any
) -> None:
    payload = {"message": "ok", "data": DOC_GET_ALL["data"], "pagination": pagination}
    body = orjson.dumps(payload)
    client = await raw_client(json_handler(200, body))
    with pytest.raises(APIResponseValidationError, match="not a valid Pagination") as info:
        await client.customers.list()
    assert info.value.body == body
    assert info.value.headers.get("Content-Type", "").startswith("application/json")


# --- to_dict / from_dict and pickling ---------------------------------------------------------

ALL_EXAMPLES = [
    pytest.param(Customer, DOC_GET_ALL["data"][0], id="get-all-customer"),
    pytest.param(Pagination, DOC_GET_ALL["pagination"], id="pagination"),
    pytest.param(Ticket, DOC_BOOK_201["data"], id="book-201"),
    pytest.param(Ticket, DOC_FETCH_200["data"], id="fetch-200"),
    pytest.param(Ticket, DOC_RESCHEDULE_200["data"], id="reschedule-200"),
    pytest.param(Ticket, DOC_TICKET_SCHEMA, id="ticket-schema"),
    pytest.param(Customer, DOC_CREATE_201["data"], id="create-201"),
    pytest.param(Customer, DOC_CUSTOMER_SCHEMA, id="customer-schema"),
]


@pytest.mark.parametrize(("cls", "data"), ALL_EXAMPLES)
def test_to_dict_from_dict_round_trip(cls: type[Any], data: dict[str, Any]) -> None:
    model = cls.from_dict(data)
    wire = model.to_dict()
    assert cls.from_dict(wire) == model
    # The wire form is the API's: same keys and values, minus members that were null.
    assert wire == {k: v for k, v in data.items() if v is not None}
    # And it is JSON-serialisable as is.
    assert orjson.loads(orjson.dumps(wire)) == wire


def test_to_dict_uses_wire_names_and_formats() -> None:
    wire = Customer(
        id=LAYLA_ID,
        external_id="crm-1",
        created_at=datetime(2026, 6, 23, 14, 0, 0, 250_000, tzinfo=UTC),
    ).to_dict()
    assert wire["_id"] == LAYLA_ID
    assert wire["externalId"] == "crm-1"
    assert wire["createdAt"] == "2026-06-23T14:00:00.250Z"
    assert "id" not in wire
    assert "external_id" not in wire
    assert "extra" not in wire


def test_to_dict_keeps_extras_and_round_trips_them() -> None:
    data = {**DOC_TICKET_SCHEMA, "priority": 3, "branch": {**SEEF.to_dict(), "floor": 2}}
    ticket = Ticket.from_dict(data)
    wire = ticket.to_dict()
    assert wire["priority"] == 3
    assert wire["branch"] == {"id": "802b33af66", "name": "Seef Mall Branch", "floor": 2}
    again = Ticket.from_dict(wire)
    assert again == ticket
    assert again.extra == {"priority": 3}
    assert again.branch is not None
    assert again.branch.extra == {"floor": 2}


@pytest.mark.parametrize(("cls", "data"), ALL_EXAMPLES)
def test_models_pickle(cls: type[Any], data: dict[str, Any]) -> None:
    model = cls.from_dict({**data, "futureField": {"nested": [1, 2]}})
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        clone = pickle.loads(pickle.dumps(model, protocol=protocol))
        assert clone == model
        assert clone.extra == {"futureField": {"nested": [1, 2]}}
        assert type(clone) is cls


def test_page_pickles_and_iterates() -> None:
    page = Page(
        [Customer.from_dict(DOC_CUSTOMER_SCHEMA), Customer.from_dict({"_id": "a" * 32})],
        Pagination.from_dict(DOC_GET_ALL["pagination"]),
    )
    clone = pickle.loads(pickle.dumps(page))
    assert clone == page
    assert [c.id for c in clone] == [LAYLA_ID, "a" * 32]
    assert len(clone) == 2


def test_branch_is_open_shortcut() -> None:
    assert Branch("b", branch_status=BranchStatus(is_branch_open=True)).is_open is True
    assert Branch("b", branch_status=BranchStatus(is_branch_open=False)).is_open is False
    assert Branch("b", branch_status=BranchStatus()).is_open is False
    assert Branch("b").is_open is False


# --- to_json, self-registering models, one wire-time format ------------------------------------


@pytest.mark.parametrize(("cls", "data"), ALL_EXAMPLES)
def test_to_json_is_to_dict_as_json(cls: type[Any], data: dict[str, Any]) -> None:
    model = cls.from_dict({**data, "futureField": [1, {"a": None}]})
    as_bytes = model.to_json()
    as_str = model.to_json(as_str=True)
    assert isinstance(as_bytes, bytes)
    assert isinstance(as_str, str)
    assert as_bytes.decode() == as_str
    assert json.loads(as_bytes) == model.to_dict()
    assert cls.from_dict(json.loads(as_str)) == model


def test_to_json_writes_times_as_the_api_does() -> None:
    customer = Customer(
        id=LAYLA_ID,
        created_at=datetime(2026, 6, 23, 17, 0, 0, 250_999, tzinfo=timezone(timedelta(hours=3))),
    )
    assert customer.to_json() == (
        b'{"_id":"9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b","createdAt":"2026-06-23T14:00:00.250Z"}'
    )


WIRE_TIMES = [
    (datetime(2026, 6, 23, 14, 0, 0, 250_999, tzinfo=UTC), "2026-06-23T14:00:00.250Z"),
    (datetime(2026, 6, 24, 1, 30, tzinfo=timezone(timedelta(hours=3))), "2026-06-23T22:30:00.000Z"),
    (datetime(2026, 6, 23, 14, 0), "2026-06-23T14:00:00.000Z"),  # naive: read as UTC
    # strftime's %Y writes "999" here on Linux, which no ISO-8601 parser reads back.
    (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), "0999-01-02T03:04:05.000Z"),
]


def test_one_wire_time_format_for_models() -> None:
    for value, wire in WIRE_TIMES:
        assert format_wire_time(value) == wire
        assert Slot(time=value).to_dict()["time"] == wire


def test_an_early_year_survives_a_round_trip() -> None:
    slot = Slot(time=datetime(99, 1, 1, tzinfo=UTC))
    assert Slot.from_dict(slot.to_dict()) == slot


@attrs.define(slots=True)
class Visit(_Model):
    """A model the SDK has never heard of: subclassing the base is all it takes."""

    id: str
    seen_at: datetime | None = None
    ticket: Ticket | None = None
    visitors: list[Ref] = attrs.field(factory=list)
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)


def test_a_new_model_registers_itself() -> None:
    wire = {
        "id": "v1",
        "seenAt": "2026-06-23T14:00:00+03:00",
        "ticket": {"id": "k7", "statusAt": "2026-06-23T11:00:00.000Z"},
        "visitors": [{"id": "r1", "name": "Layla"}],
        "mood": "fine",
    }
    visit = Visit.from_dict(wire)
    assert visit.seen_at == datetime(2026, 6, 23, 11, tzinfo=UTC)
    assert visit.ticket is not None
    assert visit.ticket.status_at == datetime(2026, 6, 23, 11, tzinfo=UTC)
    assert visit.visitors == [Ref("r1", "Layla")]
    assert visit.extra == {"mood": "fine"}
    assert visit.to_dict() == {**wire, "seenAt": "2026-06-23T11:00:00.000Z"}
    assert structure([wire, wire], list[Visit]) == [visit, visit]
    with pytest.raises(APIResponseValidationError, match=r"@ data\[1\]\.visitors\[0\]\.id"):
        structure([wire, {**wire, "visitors": [{"name": "no id"}]}], list[Visit])
