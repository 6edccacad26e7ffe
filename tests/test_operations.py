"""All 13 operations over TCP against the fake server: success paths and documented errors.

Besides the SDK's return values, the tests read what reached the server (``fake.requests``:
method, path, query, headers, body) so that the wire format is checked, not just round trips.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

import pytest

from skiplino_async import (
    AuthenticationError,
    BadRequestError,
    Branch,
    BranchStatus,
    BranchTreeGroup,
    ConflictError,
    Customer,
    NotFoundError,
    Page,
    Ref,
    Service,
    Skiplino,
    Ticket,
    TicketStatus,
    TicketType,
    UnprocessableEntityError,
    __version__,
    capture_responses,
)
from skiplino_async.testing import FakeSkiplino, RecordedRequest

LAYLA_ID = "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"
LAYLA_EXT = "crm-7741"
SEEF = "802b33af66"  # open branch
CITY = "a3f7c2e915"  # open branch
RIFFA = "5d2e8f1a7c"  # closed branch
MUHARRAQ = "e9c4a1d7b3"  # inactive branch
TELLER = "7c1f9a3b2d"  # group of SEEF
WITHDRAWAL = "6fe8fb8b12"  # walk-in service, open, prefix Q
DEPOSIT = "3a9d5e7c21"  # walk-in service, open, prefix D
CHEQUES = "b41c7e2f90"  # walk-in service, closed
CUSTOMER_SERVICE = "5e2a8c4f1b"  # group of SEEF
OPENING = "9c3e1a7b5d"  # appointment service, 2 places per slot
CARDS = "e7f2c9a4b8"  # appointment service without a French name
APPOINTMENTS = "6d9c2a5f8b"  # group of CITY
MORTGAGE = "c8d1f5a2e7"  # appointment service, 1 place per slot
RIFFA_TELLER = "3b7f1d9e4c"
RIFFA_WITHDRAWAL = "2e8c4a7f1b"  # open service in a closed branch

COMPANY_TZ = timezone(timedelta(hours=3))
SECRET_HINT = "secret key"
DOES_NOT_EXIST = "This value does not exist."
ALREADY_TAKEN = "This value is already taken."

WALK_IN: dict[str, Any] = {"service_id": WITHDRAWAL, "group_of_service_id": TELLER}
APPOINTMENT: dict[str, Any] = {"service_id": OPENING, "group_of_service_id": CUSTOMER_SERVICE}


def sent(
    fake: FakeSkiplino, method: str | None = None, path: str | None = None
) -> list[RecordedRequest]:
    """Requests the server handled, optionally filtered by method and relative path."""
    return [
        r
        for r in fake.requests
        if (method is None or r.method == method) and (path is None or r.path == path)
    ]


def query(record: RecordedRequest) -> dict[str, list[str]]:
    return parse_qs(record.query_string, keep_blank_values=True)


def tomorrow(fake: FakeSkiplino) -> date:
    """A day whose slots all lie in the future, whatever the time of day now."""
    return fake.state.today() + timedelta(days=1)


def slot_grid(day: date) -> list[datetime]:
    """The fake's slots: every 30 minutes from 09:00 to 16:30, company time (UTC+3)."""
    local = [time(9 + k // 2, 30 * (k % 2)) for k in range(16)]
    return [datetime.combine(day, t, COMPANY_TZ).astimezone(UTC) for t in local]


def wire_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


async def new_customer(client: Skiplino, external_id: str, name: str = "Test Person") -> Customer:
    return await client.customers.create(external_id=external_id, name=name)


# --- GET /branches -------------------------------------------------------------------------------


async def test_branches_list(client: Skiplino, fake: FakeSkiplino) -> None:
    branches = await client.branches.list()
    assert branches == [
        Branch(SEEF, "Seef Mall Branch", BranchStatus(is_branch_open=True)),
        Branch(CITY, "City Centre Branch", BranchStatus(is_branch_open=True)),
        Branch(RIFFA, "Riffa Branch", BranchStatus(is_branch_open=False)),
    ]
    assert [b.is_open for b in branches] == [True, True, False]
    assert MUHARRAQ not in {b.id for b in branches}  # inactive branches are never listed
    [record] = sent(fake)
    assert (record.method, record.path, record.query_string, record.body) == (
        "GET",
        "/branches",
        "",
        b"",
    )


async def test_branches_list_reflects_live_open_state(client: Skiplino, fake: FakeSkiplino) -> None:
    fake.state.set_branch_open(SEEF, False)
    fake.state.set_branch_open(RIFFA, True)
    by_id = {b.id: b.is_open for b in await client.branches.list()}
    assert by_id == {SEEF: False, CITY: True, RIFFA: True}


async def test_branches_list_with_public_key(public_client: Skiplino) -> None:
    assert len(await public_client.branches.list()) == 3


async def test_invalid_key_is_authentication_error(fake: FakeSkiplino) -> None:
    async with Skiplino(api_key="sk_test_not_a_real_key", base_url=fake.url) as bad:
        with pytest.raises(AuthenticationError) as info:
            await bad.branches.list()
    exc = info.value
    assert exc.status_code == 401
    assert exc.error == "Invalid or missing API key."
    # Branches take public keys: no "needs a secret key" hint here.
    assert SECRET_HINT not in exc.message
    assert len(sent(fake)) == 1  # a 401 is not retried


# --- GET /branches/{id}/tree ---------------------------------------------------------------------


async def test_branch_tree(client: Skiplino, fake: FakeSkiplino) -> None:
    tree = await client.branches.tree(SEEF)
    assert tree == [
        BranchTreeGroup(
            TELLER,
            "Teller Services",
            [
                Service(WITHDRAWAL, "Cash Withdrawal", is_open=True, is_appointment=False),
                Service(DEPOSIT, "Cash Deposit", is_open=True, is_appointment=False),
                Service(CHEQUES, "Cheque Deposit", is_open=False, is_appointment=False),
            ],
        ),
        BranchTreeGroup(
            CUSTOMER_SERVICE,
            "Customer Service",
            [
                Service(OPENING, "Account Opening", is_open=True, is_appointment=True),
                Service(CARDS, "Card Services", is_open=True, is_appointment=True),
            ],
        ),
    ]
    assert [r.path for r in sent(fake)] == [f"/branches/{SEEF}/tree"]


async def test_branch_tree_of_closed_branch_has_closed_services(client: Skiplino) -> None:
    tree = await client.branches.tree(RIFFA)
    services = [s for group in tree for s in group.services]
    assert services
    assert not any(s.is_open for s in services)


@pytest.mark.parametrize("branch_id", ["0000000000", MUHARRAQ])
async def test_branch_tree_unknown_or_inactive_branch(client: Skiplino, branch_id: str) -> None:
    with pytest.raises(NotFoundError) as info:
        await client.branches.tree(branch_id)
    assert info.value.status_code == 404
    assert info.value.message == "Branch not found."


async def test_branch_tree_checks_argument_before_sending(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    with pytest.raises(ValueError, match="branch_id must not be empty"):
        await client.branches.tree("")
    with pytest.raises(TypeError, match="branch_id must be a string"):
        await client.branches.tree(802)  # type: ignore[arg-type]
    assert fake.requests == []


# --- GET /services/{id}/slots --------------------------------------------------------------------


async def test_slots_of_a_day(client: Skiplino, fake: FakeSkiplino) -> None:
    day = tomorrow(fake)
    slots = await client.services.slots(OPENING, date=day)
    assert [s.time for s in slots] == slot_grid(day)
    assert {s.remaining for s in slots} == {2}
    for slot in slots:
        assert slot.time.utcoffset() == timedelta(0)
    [record] = sent(fake)
    assert record.path == f"/services/{OPENING}/slots"
    assert query(record) == {"date": [day.isoformat()]}


async def test_slots_date_as_string_and_default(client: Skiplino, fake: FakeSkiplino) -> None:
    day = tomorrow(fake)
    by_string = await client.services.slots(OPENING, date=day.isoformat())
    assert [s.time for s in by_string] == slot_grid(day)
    today = await client.services.slots(OPENING)
    # Today: only the slots still ahead, all of them on today's grid.
    assert {s.time for s in today} <= set(slot_grid(fake.state.today()))
    assert query(fake.requests[-1]) == {}  # no date sent: the API's default (today)


async def test_slots_far_future_day(client: Skiplino, fake: FakeSkiplino) -> None:
    day = fake.state.today() + timedelta(days=400)
    assert len(await client.services.slots(CARDS, date=day)) == 16


async def test_slots_non_appointment_service_is_422(client: Skiplino) -> None:
    with pytest.raises(UnprocessableEntityError) as info:
        await client.services.slots(WITHDRAWAL)
    assert info.value.status_code == 422
    assert info.value.field_errors == {"id": "This service does not support appointment booking."}
    assert info.value.error == {"id": "This service does not support appointment booking."}


@pytest.mark.parametrize("days_ago", [1, 365])
async def test_slots_past_date_is_422(client: Skiplino, fake: FakeSkiplino, days_ago: int) -> None:
    day = fake.state.today() - timedelta(days=days_ago)
    with pytest.raises(UnprocessableEntityError) as info:
        await client.services.slots(OPENING, date=day)
    assert set(info.value.field_errors) == {"date"}


async def test_slots_unknown_service(client: Skiplino) -> None:
    with pytest.raises(NotFoundError, match="Service not found"):
        await client.services.slots("zzzzzzzzzz")


async def test_slots_bad_date_argument_is_refused_before_sending(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    with pytest.raises(ValueError, match="date must look like 'YYYY-MM-DD'"):
        await client.services.slots(OPENING, date="1/7/2026")
    with pytest.raises(TypeError, match="date must be a date"):
        await client.services.slots(OPENING, date=20260701)  # type: ignore[arg-type]
    assert fake.requests == []


async def test_slots_takes_a_datetime_as_its_calendar_day(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    # The type checker lets a datetime through (it is a date); it means its own calendar day.
    day = tomorrow(fake)
    await client.services.slots(OPENING, date=datetime.combine(day, time(23, 30), UTC))
    assert query(fake.requests[-1])["date"] == [day.isoformat()]


async def test_slot_remaining_goes_down_after_booking(client: Skiplino, fake: FakeSkiplino) -> None:
    day = tomorrow(fake)
    first = (await client.services.slots(OPENING, date=day))[0]
    assert first.remaining == 2
    ticket = await client.tickets.book(**APPOINTMENT, time=first.time, customer_id=LAYLA_ID)
    after = {s.time: s.remaining for s in await client.services.slots(OPENING, date=day)}
    assert after[first.time] == 1
    assert all(n == 2 for t, n in after.items() if t != first.time)

    # Filling the slot removes it from the list; cancelling gives the place back.
    other = await new_customer(client, "ops-slots-1")
    await client.tickets.book(**APPOINTMENT, time=first.time, customer_id=other.id)
    after = {s.time: s.remaining for s in await client.services.slots(OPENING, date=day)}
    assert first.time not in after
    await client.tickets.cancel(ticket.id)
    after = {s.time: s.remaining for s in await client.services.slots(OPENING, date=day)}
    assert after[first.time] == 1


# --- POST /tickets/book --------------------------------------------------------------------------


async def test_book_walk_in(client: Skiplino, fake: FakeSkiplino) -> None:
    with capture_responses() as captured:
        ticket = await client.tickets.book(service_id=WITHDRAWAL, group_of_service_id=TELLER)
    assert captured.last is not None
    assert captured.last.status_code == 201
    assert ticket.ticket_number == "Q001"
    assert ticket.status == TicketStatus.WAITING
    assert ticket.type == TicketType.SEQUENTIAL
    assert ticket.time is None
    assert ticket.customer is None
    assert ticket.queue_size == 0
    assert ticket.waiting_time == 0
    assert ticket.branch == Ref(SEEF, "Seef Mall Branch")
    assert ticket.service == Ref(WITHDRAWAL, "Cash Withdrawal")
    assert ticket.group_of_service == Ref(TELLER, "Teller Services")
    assert ticket.booked_at is not None
    assert ticket.booked_at.tzinfo is not None
    assert len(ticket.id) == 10
    # The documented minimal walk-in request, byte for byte in meaning.
    [record] = sent(fake, "POST", "/tickets/book")
    assert record.json() == {"serviceId": WITHDRAWAL, "groupOfServiceId": TELLER}
    assert record.headers["Content-Type"] == "application/json"
    assert fake.state.tickets_created == 1


async def test_walk_in_numbering_and_queue(client: Skiplino) -> None:
    tickets = [await client.tickets.book(**WALK_IN) for _ in range(3)]
    assert [t.ticket_number for t in tickets] == ["Q001", "Q002", "Q003"]
    assert [t.queue_size for t in tickets] == [0, 1, 2]
    assert [t.waiting_time for t in tickets] == [0, 3, 6]
    assert len({t.id for t in tickets}) == 3
    # Another service has its own letter and counter.
    deposit = await client.tickets.book(service_id=DEPOSIT, group_of_service_id=TELLER)
    assert deposit.ticket_number == "D001"
    assert deposit.queue_size == 0
    # Leaving the queue moves the people behind forward.
    await client.tickets.cancel(tickets[0].id)
    third = await client.tickets.get(tickets[2].id)
    assert third.queue_size == 1
    assert third.waiting_time == 3


async def test_book_walk_in_with_customer(client: Skiplino, fake: FakeSkiplino) -> None:
    ticket = await client.tickets.book_walk_in(**WALK_IN, customer_external_id=LAYLA_EXT)
    assert ticket.customer == Ref(LAYLA_ID, "Layla Hassan")
    assert ticket.type == "sequential"
    assert sent(fake, "POST")[-1].json() == {
        "serviceId": WITHDRAWAL,
        "groupOfServiceId": TELLER,
        "customerExternalId": LAYLA_EXT,
    }


async def test_book_appointment(client: Skiplino, fake: FakeSkiplino) -> None:
    when = slot_grid(tomorrow(fake))[3]
    with capture_responses() as captured:
        ticket = await client.tickets.book(
            **APPOINTMENT,
            time=when,
            customer_id=LAYLA_ID,
            options={"accountType": "savings"},
            location={"lat": 26.2361, "lng": 50.5436},
        )
    assert captured.last is not None
    assert captured.last.status_code == 201
    assert ticket.status == TicketStatus.UPCOMING
    assert ticket.type == TicketType.APPOINTMENT
    assert ticket.time == when
    assert ticket.ticket_number == "A001"
    assert ticket.customer == Ref(LAYLA_ID, "Layla Hassan")
    assert ticket.service == Ref(OPENING, "Account Opening")
    assert ticket.group_of_service == Ref(CUSTOMER_SERVICE, "Customer Service")
    assert ticket.queue_size is None
    assert ticket.waiting_time is None
    # The documented BookTicketRequest, with one customer identifier as the rules demand.
    [record] = sent(fake, "POST", "/tickets/book")
    assert record.json() == {
        "serviceId": OPENING,
        "groupOfServiceId": CUSTOMER_SERVICE,
        "time": wire_time(when),
        "customerId": LAYLA_ID,
        "options": {"accountType": "savings"},
        "location": {"lat": 26.2361, "lng": 50.5436},
    }


async def test_book_appointment_with_aware_local_time_and_slot_string(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    day = tomorrow(fake)
    local = datetime.combine(day, time(10, 0), COMPANY_TZ)  # 07:00 UTC
    ticket = await client.tickets.book_appointment(
        **APPOINTMENT, time=local, customer_external_id=LAYLA_EXT, location=(26.2, 50.5)
    )
    assert ticket.time == local.astimezone(UTC)
    body = sent(fake, "POST")[-1].json()
    assert body["time"] == wire_time(local)
    assert body["time"].endswith("T07:00:00.000Z")
    assert body["location"] == {"lat": 26.2, "lng": 50.5}
    assert body["customerExternalId"] == LAYLA_EXT
    assert "customerId" not in body

    # A time string with Z or an offset goes out in the wire's own UTC millisecond form.
    raw = wire_time(slot_grid(day)[5]).replace(".000Z", "Z")
    again = await client.tickets.book(**APPOINTMENT, time=raw, customer_id=LAYLA_ID)
    assert sent(fake, "POST")[-1].json()["time"] == wire_time(slot_grid(day)[5])
    assert again.time == slot_grid(day)[5]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"time": "2030-01-01T06:00:00.000Z"}, ValueError, "customer_id=.*customer_external_id="),
        (
            {
                "time": "2030-01-01T06:00:00.000Z",
                "customer_id": LAYLA_ID,
                "customer_external_id": LAYLA_EXT,
            },
            ValueError,
            "customer_id=.*customer_external_id=",
        ),
        ({"customer_id": LAYLA_ID, "customer_external_id": LAYLA_EXT}, ValueError, "at most one"),
        ({"time": datetime(2030, 1, 1, 9), "customer_id": LAYLA_ID}, ValueError, "^time .*naive"),
        ({"time": "", "customer_id": LAYLA_ID}, ValueError, "time must not be empty"),
        ({"location": {"lat": 26.2}}, ValueError, "'lat' and 'lng'"),
        ({"location": (91.0, 0.0)}, ValueError, "lat must be between"),
        ({"options": ["savings"]}, TypeError, "options must be a mapping"),
        ({"customer_id": 42}, TypeError, "customer_id must be a string"),
    ],
)
async def test_book_arguments_checked_before_sending(
    client: Skiplino, fake: FakeSkiplino, kwargs: dict[str, Any], error: type, message: str
) -> None:
    args = {**APPOINTMENT, **kwargs} if "time" in kwargs else {**WALK_IN, **kwargs}
    with pytest.raises(error, match=message):
        await client.tickets.book(**args)
    assert fake.requests == []


async def test_book_required_ids_checked_before_sending(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    with pytest.raises(ValueError, match="service_id must not be empty"):
        await client.tickets.book(service_id="", group_of_service_id=TELLER)
    with pytest.raises(ValueError, match="group_of_service_id must not be empty"):
        await client.tickets.book(service_id=WITHDRAWAL, group_of_service_id="")
    with pytest.raises(ValueError, match="time is required"):
        await client.tickets.book_appointment(**APPOINTMENT, time=None, customer_id=LAYLA_ID)  # type: ignore[arg-type]
    assert fake.requests == []


async def test_book_closed_service_is_400(client: Skiplino, fake: FakeSkiplino) -> None:
    with pytest.raises(BadRequestError) as info:
        await client.tickets.book(service_id=CHEQUES, group_of_service_id=TELLER)
    exc = info.value
    assert exc.status_code == 400
    assert exc.message == "This service is currently closed."
    assert exc.error == "This service is currently closed."
    assert fake.state.tickets_created == 0
    assert len(sent(fake)) == 1  # a 400 is final: not retried


async def test_book_service_closed_at_runtime_and_closed_branch(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    fake.state.set_service_open(WITHDRAWAL, False)
    with pytest.raises(BadRequestError, match="This service is currently closed"):
        await client.tickets.book(**WALK_IN)
    fake.state.set_service_open(WITHDRAWAL, True)
    assert (await client.tickets.book(**WALK_IN)).ticket_number == "Q001"
    with pytest.raises(BadRequestError) as info:
        await client.tickets.book(service_id=RIFFA_WITHDRAWAL, group_of_service_id=RIFFA_TELLER)
    assert info.value.message == "This branch is currently closed."


async def test_book_closed_service_reason_is_localized(client: Skiplino) -> None:
    with pytest.raises(BadRequestError) as info:
        await client.tickets.book(service_id=CHEQUES, group_of_service_id=TELLER, locale="ar")
    assert info.value.message == "هذه الخدمة مغلقة حاليًا."
    with pytest.raises(BadRequestError) as info:
        await client.tickets.book(service_id=CHEQUES, group_of_service_id=TELLER, locale="fr")
    assert info.value.message == "Ce service est actuellement fermé."


async def test_book_full_slot_is_400(client: Skiplino, fake: FakeSkiplino) -> None:
    when = slot_grid(tomorrow(fake))[0]
    args = {"service_id": MORTGAGE, "group_of_service_id": APPOINTMENTS, "time": when}
    await client.tickets.book(**args, customer_id=LAYLA_ID)
    other = await new_customer(client, "ops-full-slot")
    with pytest.raises(BadRequestError) as info:
        await client.tickets.book(**args, customer_id=other.id)
    assert info.value.message == "This slot is no longer available."


@pytest.mark.parametrize(
    ("kwargs", "field_errors"),
    [
        ({"service_id": "zzzzzzzzzz"}, {"serviceId": DOES_NOT_EXIST}),
        ({"group_of_service_id": CUSTOMER_SERVICE}, {"groupOfServiceId": None}),
        ({"customer_id": "0" * 32}, {"customerId": DOES_NOT_EXIST}),
        ({"customer_external_id": "nobody"}, {"customerExternalId": DOES_NOT_EXIST}),
        ({"time": "2030-01-01T06:00:00.000Z", "customer_id": LAYLA_ID}, {"serviceId": None}),
    ],
)
async def test_book_validation_errors_are_422(
    client: Skiplino, fake: FakeSkiplino, kwargs: dict[str, Any], field_errors: dict[str, Any]
) -> None:
    with pytest.raises(UnprocessableEntityError) as info:
        await client.tickets.book(**{**WALK_IN, **kwargs})
    got = info.value.field_errors
    assert set(got) == set(field_errors)
    for key, text in field_errors.items():
        if text is not None:
            assert got[key] == text
    assert fake.state.tickets_created == 0


async def test_book_appointment_in_the_past_is_422(client: Skiplino, fake: FakeSkiplino) -> None:
    when = slot_grid(fake.state.today() - timedelta(days=1))[0]
    with pytest.raises(UnprocessableEntityError) as info:
        await client.tickets.book(**APPOINTMENT, time=when, customer_id=LAYLA_ID)
    assert set(info.value.field_errors) == {"time"}


# --- GET /tickets/{id} ---------------------------------------------------------------------------


async def test_get_ticket(client: Skiplino, fake: FakeSkiplino) -> None:
    booked = await client.tickets.book(**WALK_IN, customer_id=LAYLA_ID)
    fetched = await client.tickets.get(booked.id)
    assert fetched == booked
    assert sent(fake)[-1].path == f"/tickets/{booked.id}"
    assert sent(fake)[-1].method == "GET"


async def test_get_ticket_not_waiting_has_no_queue_fields(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    booked = await client.tickets.book(**WALK_IN)
    fake.state.set_ticket_status(booked.id, "serving")
    serving = await client.tickets.get(booked.id)
    assert serving.status == TicketStatus.SERVING
    assert serving.queue_size is None
    assert serving.waiting_time is None
    fake.state.set_ticket_status(booked.id, "no_show")  # a status the SDK does not know
    odd = await client.tickets.get(booked.id)
    assert odd.status == "no_show"


async def test_get_unknown_ticket_is_404(client: Skiplino) -> None:
    with pytest.raises(NotFoundError) as info:
        await client.tickets.get("zzzzzzzzzz")
    assert info.value.status_code == 404
    assert info.value.message == "Ticket not found."


# --- POST /tickets/{id}/cancel -------------------------------------------------------------------


async def test_cancel_walk_in(client: Skiplino, fake: FakeSkiplino) -> None:
    booked = await client.tickets.book(**WALK_IN)
    cancelled = await client.tickets.cancel(booked.id)
    assert cancelled.id == booked.id
    assert cancelled.status == TicketStatus.CANCELLED
    assert cancelled.queue_size is None
    assert cancelled.waiting_time is None
    record = sent(fake)[-1]
    assert (record.method, record.path, record.body) == (
        "POST",
        f"/tickets/{booked.id}/cancel",
        b"",
    )
    assert (await client.tickets.get(booked.id)).status == "cancelled"


async def test_cancel_appointment_frees_slot(client: Skiplino, fake: FakeSkiplino) -> None:
    day = tomorrow(fake)
    when = slot_grid(day)[2]
    args = {"service_id": MORTGAGE, "group_of_service_id": APPOINTMENTS}
    booked = await client.tickets.book(**args, time=when, customer_id=LAYLA_ID)
    assert when not in {s.time for s in await client.services.slots(MORTGAGE, date=day)}
    cancelled = await client.tickets.cancel(booked.id)
    assert cancelled.status == "cancelled"
    assert cancelled.type == "appointment"
    assert when in {s.time for s in await client.services.slots(MORTGAGE, date=day)}


async def test_cancel_twice_is_409(client: Skiplino, fake: FakeSkiplino) -> None:
    booked = await client.tickets.book(**WALK_IN)
    await client.tickets.cancel(booked.id)
    with pytest.raises(ConflictError) as info:
        await client.tickets.cancel(booked.id)
    exc = info.value
    assert exc.status_code == 409
    assert exc.attempts == 1
    assert exc.error == "Only waiting or upcoming tickets can be cancelled."
    assert len(sent(fake, "POST", f"/tickets/{booked.id}/cancel")) == 2  # no retry of the 409


@pytest.mark.parametrize("status", ["serving", "served"])
async def test_cancel_served_ticket_is_409(
    client: Skiplino, fake: FakeSkiplino, status: str
) -> None:
    booked = await client.tickets.book(**WALK_IN)
    fake.state.set_ticket_status(booked.id, status)
    with pytest.raises(ConflictError):
        await client.tickets.cancel(booked.id)
    assert (await client.tickets.get(booked.id)).status == status


async def test_cancel_unknown_ticket_is_422(client: Skiplino) -> None:
    with pytest.raises(UnprocessableEntityError) as info:
        await client.tickets.cancel("zzzzzzzzzz")
    assert info.value.field_errors == {"id": DOES_NOT_EXIST}


# --- POST /tickets/{id}/change-time --------------------------------------------------------------


async def test_reschedule(client: Skiplino, fake: FakeSkiplino) -> None:
    day = tomorrow(fake)
    old, new = slot_grid(day)[0], slot_grid(day)[8]
    booked = await client.tickets.book(**APPOINTMENT, time=old, customer_id=LAYLA_ID)
    moved = await client.tickets.reschedule(booked.id, time=new, customer_id=LAYLA_ID)
    assert moved.id == booked.id
    assert moved.time == new
    assert moved.ticket_number == booked.ticket_number
    record = sent(fake)[-1]
    assert record.method == "POST"
    assert record.path == f"/tickets/{booked.id}/change-time"
    # The documented ChangeTimeRequest: time plus exactly one customer identifier.
    assert record.json() == {"time": wire_time(new), "customerId": LAYLA_ID}
    remaining = {s.time: s.remaining for s in await client.services.slots(OPENING, date=day)}
    assert remaining[old] == 2
    assert remaining[new] == 1
    assert (await client.tickets.get(booked.id)).time == new


async def test_reschedule_by_external_id_with_aware_local_time(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    day = tomorrow(fake)
    booked = await client.tickets.book(
        **APPOINTMENT, time=slot_grid(day)[0], customer_external_id=LAYLA_EXT
    )
    local = datetime.combine(day, time(15, 30), COMPANY_TZ)
    moved = await client.tickets.reschedule(booked.id, time=local, customer_external_id=LAYLA_EXT)
    assert moved.time == local.astimezone(UTC)
    assert sent(fake)[-1].json() == {"time": wire_time(local), "customerExternalId": LAYLA_EXT}


async def test_reschedule_vanished_ticket_is_404(client: Skiplino) -> None:
    with pytest.raises(NotFoundError) as info:
        await client.tickets.reschedule(
            "zzzzzzzzzz", time="2030-01-01T06:00:00.000Z", customer_id=LAYLA_ID
        )
    assert info.value.status_code == 404
    assert info.value.error == "Ticket not found."
    assert info.value.message == "Ticket not found."


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "customer_id=.*customer_external_id="),
        ({"customer_id": LAYLA_ID, "customer_external_id": LAYLA_EXT}, "customer_id="),
        ({"customer_id": LAYLA_ID, "time": datetime(2030, 1, 1, 9)}, "naive"),
    ],
)
async def test_reschedule_arguments_checked_before_sending(
    client: Skiplino, fake: FakeSkiplino, kwargs: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {"time": "2030-01-01T06:00:00.000Z", **kwargs}
    with pytest.raises(ValueError, match=message):
        await client.tickets.reschedule("k7m2p9x4q1", **args)
    assert fake.requests == []


async def test_reschedule_validation_errors(client: Skiplino, fake: FakeSkiplino) -> None:
    day = tomorrow(fake)
    booked = await client.tickets.book(**APPOINTMENT, time=slot_grid(day)[0], customer_id=LAYLA_ID)
    other = await new_customer(client, "ops-resched-other")
    with pytest.raises(UnprocessableEntityError) as info:
        await client.tickets.reschedule(booked.id, time=slot_grid(day)[1], customer_id=other.id)
    assert set(info.value.field_errors) == {"customerId"}
    walk_in = await client.tickets.book(**WALK_IN, customer_id=LAYLA_ID)
    with pytest.raises(UnprocessableEntityError) as info:
        await client.tickets.reschedule(walk_in.id, time=slot_grid(day)[1], customer_id=LAYLA_ID)
    assert set(info.value.field_errors) == {"id"}


# --- POST /customers/create ----------------------------------------------------------------------


async def test_create_customer(client: Skiplino, fake: FakeSkiplino) -> None:
    with capture_responses() as captured:
        customer = await client.customers.create(
            external_id="crm-9001",
            name="Hamad Isa",
            email="hamad@example.com",
            mobile="+97333000111",
            metadata={"tier": "silver", "source": "web"},
        )
    assert captured.last is not None
    assert captured.last.status_code == 201
    assert len(customer.id) == 32
    int(customer.id, 16)
    assert customer.external_id == "crm-9001"
    assert customer.company_id == "cmp_5f3a91"
    assert customer.name == "Hamad Isa"
    assert customer.email == "hamad@example.com"
    assert customer.mobile == "+97333000111"
    assert customer.metadata == {"tier": "silver", "source": "web"}
    assert customer.created_at is not None
    assert customer.created_at == customer.updated_at
    assert customer.created_at.utcoffset() == timedelta(0)
    assert sent(fake, "POST", "/customers/create")[0].json() == {
        "externalId": "crm-9001",
        "name": "Hamad Isa",
        "email": "hamad@example.com",
        "mobile": "+97333000111",
        "metadata": {"tier": "silver", "source": "web"},
    }
    # Newest first: the new customer heads the list, and reads back the same.
    first_page = await client.customers.list(limit=1)
    assert first_page.items == [customer]
    assert first_page.pagination.total == 138
    assert await client.customers.get(id=customer.id) == customer


async def test_create_omits_none_fields(client: Skiplino, fake: FakeSkiplino) -> None:
    customer = await client.customers.create(name="Only A Name")
    assert sent(fake, "POST")[-1].json() == {"name": "Only A Name"}
    assert customer.external_id is None
    assert customer.email is None
    assert customer.mobile is None
    assert customer.metadata is None
    empty = await client.customers.create()
    assert sent(fake, "POST")[-1].json() == {}
    assert empty.name is None


async def test_create_duplicate_external_id_is_422(client: Skiplino, fake: FakeSkiplino) -> None:
    with pytest.raises(UnprocessableEntityError) as info:
        await client.customers.create(external_id=LAYLA_EXT, name="Impostor")
    exc = info.value
    assert exc.status_code == 422
    assert exc.field_errors == {"externalId": ALREADY_TAKEN}
    assert exc.attempts == 1
    # A first-attempt duplicate is the caller's problem, not silently resolved by a fetch.
    assert [r.path for r in sent(fake)] == ["/customers/create"]


async def test_create_with_bad_field_types_refused_before_sending(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    with pytest.raises(TypeError, match="name must be a string"):
        await client.customers.create(name=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="metadata must be a mapping"):
        await client.customers.create(metadata=[("a", "b")])  # type: ignore[arg-type]
    assert fake.requests == []


async def test_create_invalid_email_is_422(client: Skiplino) -> None:
    with pytest.raises(UnprocessableEntityError) as info:
        await client.customers.create(email="not-an-email")
    assert set(info.value.field_errors) == {"email"}


async def test_get_or_create(client: Skiplino, fake: FakeSkiplino) -> None:
    existing = await client.customers.get_or_create(external_id=LAYLA_EXT, name="Other Name")
    assert existing.id == LAYLA_ID
    assert existing.name == "Layla Hassan"  # an existing customer is not updated
    created = await client.customers.get_or_create(external_id="ops-goc-1", name="New One")
    assert created.external_id == "ops-goc-1"
    assert (await client.customers.get_or_create(external_id="ops-goc-1")).id == created.id


# --- secret-only operations with a public key ----------------------------------------------------


async def _create(c: Skiplino) -> object:
    return await c.customers.create(name="x")


async def _list(c: Skiplino) -> object:
    return await c.customers.list()


async def _list_iter(c: Skiplino) -> object:
    return [x async for x in c.customers.list()]


async def _get(c: Skiplino) -> object:
    return await c.customers.get(id=LAYLA_ID)


async def _update(c: Skiplino) -> object:
    return await c.customers.update(id=LAYLA_ID, name="x")


async def _delete(c: Skiplino) -> object:
    return await c.customers.delete(id=LAYLA_ID)


@pytest.mark.parametrize("call", [_create, _list, _list_iter, _get, _update, _delete])
async def test_public_key_on_secret_only_operation_is_401(
    public_client: Skiplino, fake: FakeSkiplino, call: Any
) -> None:
    with pytest.raises(AuthenticationError) as info:
        await call(public_client)
    exc = info.value
    assert exc.status_code == 401
    assert SECRET_HINT in exc.message
    assert SECRET_HINT in str(exc)
    assert exc.attempts == 1
    assert len(fake.requests) == 1
    # Nothing changed on the server.
    assert fake.state.customer_count == 137
    assert fake.state.get_customer(id=LAYLA_ID) is not None
    assert fake.state.get_customer(id=LAYLA_ID).name == "Layla Hassan"  # type: ignore[union-attr]


async def test_public_key_can_list_customer_tickets(
    client: Skiplino, public_client: Skiplino
) -> None:
    await client.tickets.book(**WALK_IN, customer_id=LAYLA_ID)
    page = await public_client.customers.tickets(id=LAYLA_ID)
    assert len(page) == 1


# --- GET /customers/getOne -----------------------------------------------------------------------


async def test_get_customer_by_id_and_external_id(client: Skiplino, fake: FakeSkiplino) -> None:
    by_id = await client.customers.get(id=LAYLA_ID)
    by_ext = await client.customers.get(external_id=LAYLA_EXT)
    assert by_id == by_ext
    assert by_id.id == LAYLA_ID
    assert by_id.external_id == LAYLA_EXT
    assert by_id.name == "Layla Hassan"
    assert by_id.metadata == {"tier": "gold", "source": "mobile-app"}
    assert by_id.created_at == datetime(2026, 6, 23, 11, 0, tzinfo=UTC)
    assert [query(r) for r in sent(fake)] == [{"id": [LAYLA_ID]}, {"externalId": [LAYLA_EXT]}]
    assert all(r.path == "/customers/getOne" for r in sent(fake))


async def test_get_customer_with_both_sends_only_id(client: Skiplino, fake: FakeSkiplino) -> None:
    other = await new_customer(client, "ops-both")
    # ``id`` wins; the external id of someone else is not even sent.
    got = await client.customers.get(id=LAYLA_ID, external_id=other.external_id)
    assert got.id == LAYLA_ID
    assert query(sent(fake)[-1]) == {"id": [LAYLA_ID]}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"id": "0" * 32}, "id"), ({"external_id": "crm-0000"}, "externalId")],
)
async def test_get_unknown_customer_is_422(
    client: Skiplino, kwargs: dict[str, str], field: str
) -> None:
    with pytest.raises(UnprocessableEntityError) as info:
        await client.customers.get(**kwargs)
    assert info.value.status_code == 422
    assert info.value.field_errors == {field: DOES_NOT_EXIST}


async def test_get_customer_needs_an_identifier(client: Skiplino, fake: FakeSkiplino) -> None:
    with pytest.raises(ValueError, match=r"id=.*external_id="):
        await client.customers.get()
    with pytest.raises(ValueError, match="id must not be empty"):
        await client.customers.get(id="")
    assert fake.requests == []


# --- PUT /customers/update -----------------------------------------------------------------------


async def test_update_documented_example(client: Skiplino, fake: FakeSkiplino) -> None:
    updated = await client.customers.update(
        id=LAYLA_ID,
        external_id=LAYLA_EXT,
        name="Layla A. Hassan",
        email="layla.new@example.com",
        mobile="+97333778899",
        metadata={"tier": "platinum"},
    )
    [record] = sent(fake, "PUT", "/customers/update")
    assert record.json() == {
        "id": "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b",
        "externalId": "crm-7741",
        "name": "Layla A. Hassan",
        "email": "layla.new@example.com",
        "mobile": "+97333778899",
        "metadata": {"tier": "platinum"},
    }
    assert updated.id == LAYLA_ID
    assert updated.external_id == LAYLA_EXT
    assert updated.name == "Layla A. Hassan"
    assert updated.email == "layla.new@example.com"
    assert updated.mobile == "+97333778899"
    # metadata replaces the stored object: "source" is gone.
    assert updated.metadata == {"tier": "platinum"}
    assert updated.updated_at is not None
    assert updated.created_at is not None
    assert updated.updated_at > updated.created_at
    assert await client.customers.get(id=LAYLA_ID) == updated


async def test_update_sends_only_passed_fields(client: Skiplino, fake: FakeSkiplino) -> None:
    updated = await client.customers.update(id=LAYLA_ID, name="Layla H.")
    assert sent(fake, "PUT")[-1].json() == {"id": LAYLA_ID, "name": "Layla H."}
    assert updated.name == "Layla H."
    # Everything not passed is untouched.
    assert updated.email == "layla.hassan@example.com"
    assert updated.mobile == "+97333445566"
    assert updated.metadata == {"tier": "gold", "source": "mobile-app"}
    assert updated.external_id == LAYLA_EXT


async def test_update_none_clears_a_field(client: Skiplino, fake: FakeSkiplino) -> None:
    updated = await client.customers.update(id=LAYLA_ID, email=None, metadata=None)
    assert sent(fake, "PUT")[-1].json() == {"id": LAYLA_ID, "email": None, "metadata": None}
    assert updated.email is None
    assert updated.metadata is None
    assert updated.name == "Layla Hassan"
    again = await client.customers.get(id=LAYLA_ID)
    assert again.email is None
    assert again.metadata is None
    assert again.mobile == "+97333445566"


async def test_update_metadata_replaces_not_merges(client: Skiplino) -> None:
    customer = await client.customers.create(
        external_id="ops-meta", metadata={"tier": "gold", "source": "app"}
    )
    updated = await client.customers.update(id=customer.id, metadata={"segment": "b2b"})
    assert updated.metadata == {"segment": "b2b"}
    assert (await client.customers.get(id=customer.id)).metadata == {"segment": "b2b"}


async def test_update_located_by_external_id(client: Skiplino, fake: FakeSkiplino) -> None:
    updated = await client.customers.update(external_id=LAYLA_EXT, mobile="+97300000000")
    assert sent(fake, "PUT")[-1].json() == {"externalId": LAYLA_EXT, "mobile": "+97300000000"}
    assert updated.id == LAYLA_ID
    assert updated.mobile == "+97300000000"
    assert updated.external_id == LAYLA_EXT


async def test_update_with_id_sets_a_new_external_id(client: Skiplino) -> None:
    updated = await client.customers.update(id=LAYLA_ID, external_id="crm-7741-b")
    assert updated.external_id == "crm-7741-b"
    assert (await client.customers.get(external_id="crm-7741-b")).id == LAYLA_ID
    with pytest.raises(UnprocessableEntityError):
        await client.customers.get(external_id=LAYLA_EXT)


async def test_update_to_a_taken_external_id_is_422(client: Skiplino) -> None:
    other = await new_customer(client, "ops-taken")
    with pytest.raises(UnprocessableEntityError) as info:
        await client.customers.update(id=other.id, external_id=LAYLA_EXT)
    assert info.value.field_errors == {"externalId": ALREADY_TAKEN}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"id": "0" * 32}, "id"), ({"external_id": "crm-0000"}, "externalId")],
)
async def test_update_unknown_customer_is_422(
    client: Skiplino, kwargs: dict[str, str], field: str
) -> None:
    with pytest.raises(UnprocessableEntityError) as info:
        await client.customers.update(**kwargs, name="Ghost")
    assert info.value.field_errors == {field: DOES_NOT_EXIST}


async def test_update_vanished_record_is_404_with_null_error(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    fake.state.vanish_on_next_update = True
    with pytest.raises(NotFoundError) as info:
        await client.customers.update(id=LAYLA_ID, name="Too Late")
    exc = info.value
    assert exc.status_code == 404
    assert exc.error is None
    assert exc.body == {"message": "Customer not found.", "error": None}
    assert exc.message == "Customer not found."
    # The record really is gone now.
    with pytest.raises(UnprocessableEntityError):
        await client.customers.get(id=LAYLA_ID)


async def test_update_arguments_checked_before_sending(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    with pytest.raises(ValueError, match=r"id=.*external_id="):
        await client.customers.update(name="x")
    with pytest.raises(TypeError, match="name must be a string or None"):
        await client.customers.update(id=LAYLA_ID, name=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="metadata must be a mapping"):
        await client.customers.update(id=LAYLA_ID, metadata="gold")  # type: ignore[arg-type]
    assert fake.requests == []


# --- DELETE /customers/delete --------------------------------------------------------------------


async def test_delete_customer(client: Skiplino, fake: FakeSkiplino) -> None:
    customer = await new_customer(client, "ops-delete")
    assert await client.customers.delete(id=customer.id) is None
    record = sent(fake)[-1]
    assert (record.method, record.path) == ("DELETE", "/customers/delete")
    assert query(record) == {"id": [customer.id]}
    assert record.body == b""
    with pytest.raises(UnprocessableEntityError) as info:
        await client.customers.get(id=customer.id)
    assert info.value.field_errors == {"id": DOES_NOT_EXIST}
    assert (await client.customers.list(limit=1)).pagination.total == 137


async def test_delete_by_external_id(client: Skiplino, fake: FakeSkiplino) -> None:
    await client.customers.delete(external_id=LAYLA_EXT)
    assert query(sent(fake)[-1]) == {"externalId": [LAYLA_EXT]}
    assert fake.state.get_customer(id=LAYLA_ID) is None


async def test_delete_keeps_tickets(client: Skiplino, fake: FakeSkiplino) -> None:
    customer = await new_customer(client, "ops-delete-tickets", name="Dana Buali")
    walk_in = await client.tickets.book(**WALK_IN, customer_id=customer.id)
    appointment = await client.tickets.book(
        **APPOINTMENT, time=slot_grid(tomorrow(fake))[4], customer_id=customer.id
    )
    await client.customers.delete(id=customer.id)
    for ticket in (walk_in, appointment):
        kept = await client.tickets.get(ticket.id)
        assert kept.id == ticket.id
        assert kept.customer == Ref(customer.id, "Dana Buali")
    # The tickets can still be cancelled; only the customer record is gone.
    assert (await client.tickets.cancel(appointment.id)).status == "cancelled"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"id": "0" * 32}, "id"), ({"external_id": "crm-0000"}, "externalId")],
)
async def test_delete_unknown_customer_is_422(
    client: Skiplino, fake: FakeSkiplino, kwargs: dict[str, str], field: str
) -> None:
    with pytest.raises(UnprocessableEntityError) as info:
        await client.customers.delete(**kwargs)
    assert info.value.field_errors == {field: DOES_NOT_EXIST}
    assert fake.state.customer_count == 137


async def test_delete_twice_is_422(client: Skiplino) -> None:
    customer = await new_customer(client, "ops-delete-twice")
    await client.customers.delete(id=customer.id)
    with pytest.raises(UnprocessableEntityError):
        await client.customers.delete(id=customer.id)


async def test_delete_needs_an_identifier(client: Skiplino, fake: FakeSkiplino) -> None:
    with pytest.raises(ValueError, match=r"id=.*external_id="):
        await client.customers.delete()
    assert fake.requests == []


# --- GET /customers/tickets ----------------------------------------------------------------------


async def test_customer_tickets_newest_first(client: Skiplino, fake: FakeSkiplino) -> None:
    customer = await new_customer(client, "ops-tickets")
    booked = [await client.tickets.book(**WALK_IN, customer_id=customer.id) for _ in range(3)]
    page = await client.customers.tickets(id=customer.id)
    assert isinstance(page, Page)
    assert [t.id for t in page] == [t.id for t in reversed(booked)]
    assert all(isinstance(t, Ticket) for t in page)
    assert page.pagination.total == 3
    assert page.pagination.total_pages == 1
    assert page.pagination.has_next_page is False
    record = sent(fake, "GET", "/customers/tickets")[-1]
    assert query(record) == {"id": [customer.id], "page": ["1"], "limit": ["10"]}
    by_ext = await client.customers.tickets(external_id="ops-tickets", limit=2)
    assert [t.id for t in by_ext] == [booked[2].id, booked[1].id]
    assert query(sent(fake)[-1]) == {"externalId": ["ops-tickets"], "page": ["1"], "limit": ["2"]}


async def test_customer_tickets_of_customer_without_tickets(client: Skiplino) -> None:
    page = await client.customers.tickets(id=LAYLA_ID)
    assert page.items == []
    assert page.pagination.total == 0
    assert [t async for t in client.customers.tickets(id=LAYLA_ID)] == []


async def test_customer_tickets_unknown_customer_is_404(client: Skiplino) -> None:
    with pytest.raises(NotFoundError):
        await client.customers.tickets(id="0" * 32)


async def test_customer_tickets_arguments_checked_before_sending(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    with pytest.raises(ValueError, match="limit must be between 1 and 10"):
        client.customers.tickets(id=LAYLA_ID, limit=11)
    with pytest.raises(ValueError, match="page must be >= 1"):
        client.customers.tickets(id=LAYLA_ID, page=0)
    with pytest.raises(ValueError, match=r"id=.*external_id="):
        client.customers.tickets()
    assert fake.requests == []


# --- headers and locale ------------------------------------------------------------------------


async def test_default_headers(client: Skiplino, fake: FakeSkiplino) -> None:
    await client.branches.list()
    await client.tickets.book(**WALK_IN)
    get, post = fake.requests
    for record in (get, post):
        assert record.headers["Authorization"] == f"Bearer {fake.secret_key}"
        assert record.headers["Accept"] == "application/json"
        user_agent = record.headers["User-Agent"]
        assert user_agent.startswith(f"skiplino-async/{__version__} ")
        assert "python/" in user_agent
        assert "X-Locale" not in record.headers
    assert "Content-Type" not in get.headers
    assert post.headers["Content-Type"] == "application/json"


async def test_locale_per_client_and_per_call(fake: FakeSkiplino) -> None:
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url, locale="ar") as arabic:
        branches = await arabic.branches.list()
        assert branches[0].name == "فرع سيف مول"
        assert fake.requests[-1].headers["X-Locale"] == "ar"
        # A per-call locale wins over the client's.
        french = await arabic.branches.list(locale="fr")
        assert french[0].name == "Agence Seef Mall"
        assert fake.requests[-1].headers["X-Locale"] == "fr"
        # And the client's own locale is still in force afterwards.
        await arabic.branches.list()
        assert fake.requests[-1].headers["X-Locale"] == "ar"


async def test_locale_localizes_tree_and_tickets(client: Skiplino, fake: FakeSkiplino) -> None:
    tree = await client.branches.tree(SEEF, locale="ar")
    assert tree[0].name == "خدمات الصراف"
    assert tree[0].services[0].name == "سحب نقدي"
    assert fake.requests[-1].headers["X-Locale"] == "ar"
    # A name without a French translation falls back to English.
    french = await client.branches.tree(SEEF, locale="fr")
    assert french[1].services[1].name == "Card Services"
    assert french[0].name == "Services de caisse"
    ticket = await client.tickets.book(**WALK_IN, locale="fr")
    assert ticket.service == Ref(WITHDRAWAL, "Retrait d'espèces")
    assert ticket.branch == Ref(SEEF, "Agence Seef Mall")
    fetched = await client.tickets.get(ticket.id, locale="ar")
    assert fetched.group_of_service == Ref(TELLER, "خدمات الصراف")
    # Without a locale: English, and no header at all.
    plain = await client.tickets.get(ticket.id)
    assert plain.service == Ref(WITHDRAWAL, "Cash Withdrawal")
    assert "X-Locale" not in fake.requests[-1].headers


async def test_locale_on_paginated_calls(client: Skiplino, fake: FakeSkiplino) -> None:
    await client.tickets.book(**WALK_IN, customer_id=LAYLA_ID)
    tickets = [t async for t in client.customers.tickets(id=LAYLA_ID, locale="ar")]
    assert tickets[0].branch == Ref(SEEF, "فرع سيف مول")
    assert fake.requests[-1].headers["X-Locale"] == "ar"


async def test_empty_locale_sends_no_header(fake: FakeSkiplino) -> None:
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url, locale="") as c:
        await c.branches.list()
        await c.branches.list(locale="")
    assert all("X-Locale" not in r.headers for r in fake.requests)
