"""Tests of the fake Skiplino server itself, over real TCP with a plain aiohttp client."""

from __future__ import annotations

import asyncio
import io
import logging
import random
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import aiohttp
import orjson
import pytest
import yarl
from aiohttp import test_utils, web
from multidict import CIMultiDictProxy

from skiplino_async.testing import (
    FakeSkiplino,
    FakeState,
    FaultRule,
    InvalidField,
    NotCancellable,
    create_app,
    openapi_document,
    serve,
)
from skiplino_async.testing._openapi_data import CUSTOMERS_PAGE

# 10:10 in company time (UTC+03:00) on 2026-07-01: today's first bookable slot is 10:30.
NOW = datetime(2026, 7, 1, 7, 10, tzinfo=UTC)
TOMORROW_SLOT_0 = "2026-07-02T06:00:00.000Z"  # 09:00 company time
TOMORROW_SLOT_1 = "2026-07-02T06:30:00.000Z"
TOMORROW_SLOT_2 = "2026-07-02T07:00:00.000Z"

LAYLA_ID = "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"
SEEF = "802b33af66"
RIFFA = "5d2e8f1a7c"  # closed branch
MUHARRAQ = "e9c4a1d7b3"  # inactive branch
TELLER = "7c1f9a3b2d"
CUSTOMER_SERVICE = "5e2a8c4f1b"
CASH_WITHDRAWAL = "6fe8fb8b12"
CHEQUE_DEPOSIT = "b41c7e2f90"  # closed walk-in service
COIN_EXCHANGE = "0d5e8a1f3c"  # inactive service
ACCOUNT_OPENING = "9c3e1a7b5d"  # appointments, capacity 2
RIFFA_WITHDRAWAL = "2e8c4a7f1b"
RIFFA_TELLER = "3b7f1d9e4c"
RIFFA_OPENING = "d6a3f9c1e5"
RIFFA_CUSTOMER_SERVICE = "0f4c8e2b6a"

WALK_IN = {"serviceId": CASH_WITHDRAWAL, "groupOfServiceId": TELLER}
DNE = "This value does not exist."
BLANK = "This value should not be blank."
#: The fields of every ticket answer (a waiting ticket adds its queue position).
TICKET_KEYS = set(openapi_document()["components"]["schemas"]["Ticket"]["required"])
ISO_MS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


class Clock:
    """A settable clock for the fake server."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Res:
    status: int
    body: Any
    headers: CIMultiDictProxy[str]


class Api:
    """Plain aiohttp calls against the fake; ``key`` is "secret", "public", None or a raw key."""

    def __init__(self, fake: FakeSkiplino, session: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.session = session

    async def __call__(
        self,
        method: str,
        path: str,
        *,
        key: str | None = "secret",
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Res:
        sent = dict(headers or {})
        if key is not None:
            raw = {"secret": self.fake.secret_key, "public": self.fake.public_key}.get(key, key)
            sent["Authorization"] = f"Bearer {raw}"
        async with self.session.request(
            method, self.fake.url + path, headers=sent, **kwargs
        ) as resp:
            body = await resp.read()
            return Res(resp.status, orjson.loads(body) if body else None, resp.headers)

    async def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        res = await self(method, path, **kwargs)
        assert res.status == status, res.body
        return res.body

    async def book(self, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data: dict[str, Any] = (await self.ok("POST", "/tickets/book", 201, json=body, **kwargs))[
            "data"
        ]
        return data


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def fake(clock: Clock) -> AsyncIterator[FakeSkiplino]:
    async with FakeSkiplino(customers=137, seed=0, clock=clock) as server:
        yield server


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def api(fake: FakeSkiplino, session: aiohttp.ClientSession) -> Api:
    return Api(fake, session)


async def all_customer_ids(api: Api, limit: int = 100) -> list[str]:
    ids: list[str] = []
    page = 1
    while True:
        body = await api.ok("GET", "/customers/getAll", params={"page": page, "limit": limit})
        ids += [c["_id"] for c in body["data"]]
        if not body["pagination"]["hasNextPage"]:
            return ids
        page += 1


# -- keys, envelopes, routing ---------------------------------------------------------------


async def test_keys_are_deterministic_and_prefixed(fake: FakeSkiplino) -> None:
    assert fake.secret_key.startswith("sk_test_")
    assert fake.public_key.startswith("pk_test_")
    assert fake.url == f"http://127.0.0.1:{fake.port}/external/v1"
    assert FakeState(seed=0).secret_key == fake.secret_key
    assert FakeState(seed=1).secret_key != fake.secret_key


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer sk_test_wrong", "Basic abc", "sk_test_x"],
)
async def test_missing_or_unknown_key_is_401(api: Api, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    res = await api("GET", "/branches", key=None, headers=headers)
    assert res.status == 401
    assert res.body == {"message": "Unauthenticated.", "error": "Invalid or missing API key."}


async def test_bearer_scheme_is_case_insensitive(api: Api, fake: FakeSkiplino) -> None:
    headers = {"Authorization": f"bearer {fake.public_key}"}
    assert (await api("GET", "/branches", key=None, headers=headers)).status == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/customers/create"),
        ("GET", "/customers/getAll"),
        ("GET", "/customers/getOne?id=" + LAYLA_ID),
        ("PUT", "/customers/update"),
        ("DELETE", "/customers/delete?id=" + LAYLA_ID),
    ],
)
async def test_public_key_on_secret_only_operation_is_401(
    api: Api, fake: FakeSkiplino, method: str, path: str
) -> None:
    res = await api(method, path, key="public", json={"id": LAYLA_ID, "name": "X"})
    assert res.status == 401
    assert res.body == {
        "message": "Unauthenticated.",
        "error": "This operation requires a secret key (sk_...).",
    }
    assert fake.state.customer_count == 137  # nothing was deleted


async def test_public_key_reads_branches_tickets_and_customer_tickets(api: Api) -> None:
    await api.ok("GET", "/branches", key="public")
    await api.ok("GET", f"/branches/{SEEF}/tree", key="public")
    await api.ok("GET", f"/services/{ACCOUNT_OPENING}/slots", key="public")
    ticket = await api.book(WALK_IN, key="public")
    await api.ok("GET", f"/tickets/{ticket['id']}", key="public")
    await api.ok("GET", "/customers/tickets", key="public", params={"id": LAYLA_ID})


async def test_every_response_has_a_request_id(api: Api) -> None:
    ok = await api("GET", "/branches")
    err = await api("GET", "/branches", key=None)
    missing = await api("GET", "/nowhere")
    ids = [r.headers["X-Request-Id"] for r in (ok, err, missing)]
    assert ids == ["req_000001", "req_000002", "req_000003"]


async def test_unknown_route_and_method_give_json_errors(api: Api) -> None:
    res = await api("GET", "/nowhere")
    assert res.status == 404
    assert res.body["message"] == "Not Found."
    assert "nowhere" in res.body["error"]
    res = await api("DELETE", "/branches")
    assert res.status == 405
    assert res.body["message"] == "Method Not Allowed."
    assert res.headers["Allow"] == "GET"


async def test_encoded_slash_in_a_path_id_stays_in_its_segment(
    fake: FakeSkiplino, session: aiohttp.ClientSession
) -> None:
    url = yarl.URL(fake.url + "/tickets/..%2Fbranches", encoded=True)
    headers = {"Authorization": f"Bearer {fake.secret_key}"}
    async with session.get(url, headers=headers) as resp:
        assert resp.status == 404
        assert await resp.json() == {"message": "Ticket not found.", "error": "Ticket not found."}


# -- branches, tree, locale -----------------------------------------------------------------


async def test_branches_lists_active_branches_with_open_flag(api: Api) -> None:
    body = await api.ok("GET", "/branches")
    assert body["message"] == "Branches fetched successfully."
    assert body["data"][0] == {
        "id": SEEF,
        "name": "Seef Mall Branch",
        "branchStatus": {"isBranchOpen": True},
    }
    flags = {b["id"]: b["branchStatus"]["isBranchOpen"] for b in body["data"]}
    assert flags[RIFFA] is False
    assert MUHARRAQ not in flags
    assert len(flags) == 3


async def test_tree_leaves_out_inactive_and_empty_parts(api: Api) -> None:
    body = await api.ok("GET", f"/branches/{SEEF}/tree")
    assert body["message"] == "Branch tree fetched successfully."
    groups = {g["id"]: g for g in body["data"]}
    # "Premium Banking" (only inactive services) and "Loans" (empty) are left out.
    assert list(groups) == [TELLER, CUSTOMER_SERVICE]
    teller = groups[TELLER]
    assert teller["name"] == "Teller Services"
    services = {s["id"]: s for s in teller["services"]}
    assert services[CASH_WITHDRAWAL] == {
        "id": CASH_WITHDRAWAL,
        "name": "Cash Withdrawal",
        "isOpen": True,
        "isAppointment": False,
    }
    assert services[CHEQUE_DEPOSIT]["isOpen"] is False
    assert COIN_EXCHANGE not in services
    assert all(s["isAppointment"] for s in groups[CUSTOMER_SERVICE]["services"])
    # The inactive "Archived" group of City Centre is left out too.
    city = await api.ok("GET", "/branches/a3f7c2e915/tree")
    assert [g["name"] for g in city["data"]] == ["Teller Services", "Appointments"]


async def test_services_of_a_closed_branch_are_not_open(api: Api) -> None:
    body = await api.ok("GET", f"/branches/{RIFFA}/tree")
    assert [s["isOpen"] for g in body["data"] for s in g["services"]] == [False, False]


@pytest.mark.parametrize("branch_id", ["nope", MUHARRAQ])
async def test_tree_of_unknown_or_inactive_branch_is_404(api: Api, branch_id: str) -> None:
    res = await api("GET", f"/branches/{branch_id}/tree")
    assert res.status == 404
    assert res.body == {"message": "Branch not found.", "error": "Branch not found."}


@pytest.mark.parametrize(
    ("locale", "branch", "card_services"),
    [
        ("ar", "فرع سيف مول", "خدمات البطاقات"),
        ("AR-bh", "فرع سيف مول", "خدمات البطاقات"),
        ("fr", "Agence Seef Mall", "Card Services"),  # no French name: English fallback
        ("fr_FR", "Agence Seef Mall", "Card Services"),
        ("de", "Seef Mall Branch", "Card Services"),
        ("", "Seef Mall Branch", "Card Services"),
    ],
)
async def test_x_locale_translates_names(
    api: Api, locale: str, branch: str, card_services: str
) -> None:
    headers = {"X-Locale": locale}
    branches = await api.ok("GET", "/branches", headers=headers)
    assert branches["data"][0]["name"] == branch
    tree = await api.ok("GET", f"/branches/{SEEF}/tree", headers=headers)
    names = [s["name"] for g in tree["data"] for s in g["services"]]
    assert card_services in names


async def test_state_can_open_and_close_branches_and_services(api: Api, fake: FakeSkiplino) -> None:
    fake.state.set_branch_open(SEEF, False)
    fake.state.set_service_open(CHEQUE_DEPOSIT, True)
    branches = await api.ok("GET", "/branches")
    assert branches["data"][0]["branchStatus"]["isBranchOpen"] is False
    fake.state.set_branch_open(SEEF, True)
    tree = await api.ok("GET", f"/branches/{SEEF}/tree")
    assert all(s["isOpen"] for s in tree["data"][0]["services"])


# -- slots ----------------------------------------------------------------------------------


async def test_slots_default_to_the_future_slots_of_today(api: Api) -> None:
    body = await api.ok("GET", f"/services/{ACCOUNT_OPENING}/slots")
    assert body["message"] == "Slots fetched successfully."
    times = [s["time"] for s in body["data"]]
    assert times[0] == "2026-07-01T07:30:00.000Z"  # 10:30 company time; 10:00 has passed
    assert times[-1] == "2026-07-01T13:30:00.000Z"  # 16:30, the last slot
    assert len(times) == 13
    assert {s["remaining"] for s in body["data"]} == {2}


async def test_slots_of_a_later_day(api: Api) -> None:
    body = await api.ok("GET", f"/services/{ACCOUNT_OPENING}/slots", params={"date": "2026-07-02"})
    assert len(body["data"]) == 16
    assert body["data"][0] == {"time": TOMORROW_SLOT_0, "remaining": 2}


async def test_no_slots_left_late_in_the_day(api: Api, clock: Clock) -> None:
    clock.advance(hours=6, minutes=30)  # 16:40 company time
    body = await api.ok("GET", f"/services/{ACCOUNT_OPENING}/slots")
    assert body["data"] == []


@pytest.mark.parametrize("service_id", ["nope", COIN_EXCHANGE, "5f8a2c6e1d", "c3f6b9d2a8"])
async def test_slots_of_unknown_or_inactive_service_is_404(api: Api, service_id: str) -> None:
    res = await api("GET", f"/services/{service_id}/slots")
    assert res.status == 404
    assert res.body == {"message": "Service not found.", "error": "Service not found."}


async def test_slots_of_a_walk_in_service_is_422_on_id(api: Api) -> None:
    res = await api("GET", f"/services/{CASH_WITHDRAWAL}/slots")
    assert res.status == 422
    assert res.body == {
        "message": "The given data was invalid.",
        "error": {"id": "This service does not support appointment booking."},
    }


@pytest.mark.parametrize(
    ("date", "text"),
    [
        ("2026-7-2", "This value is not a valid date."),
        ("tomorrow", "This value is not a valid date."),
        ("2026-02-30", "This value is not a valid date."),
        ("2026-06-30", "This value should be today or later."),
    ],
)
async def test_bad_or_past_slot_date_is_422(api: Api, date: str, text: str) -> None:
    res = await api("GET", f"/services/{ACCOUNT_OPENING}/slots", params={"date": date})
    assert res.status == 422
    assert res.body["error"] == {"date": text}


async def test_booking_consumes_and_cancelling_frees_slot_places(api: Api) -> None:
    async def remaining() -> dict[str, int]:
        body = await api.ok(
            "GET", f"/services/{ACCOUNT_OPENING}/slots", params={"date": "2026-07-02"}
        )
        return {s["time"]: s["remaining"] for s in body["data"]}

    appointment = {"serviceId": ACCOUNT_OPENING, "groupOfServiceId": CUSTOMER_SERVICE}
    first = await api.book({**appointment, "time": TOMORROW_SLOT_0, "customerId": LAYLA_ID})
    assert (await remaining())[TOMORROW_SLOT_0] == 1
    await api.book({**appointment, "time": TOMORROW_SLOT_0, "customerExternalId": "ext-0000001"})
    assert TOMORROW_SLOT_0 not in await remaining()  # fully booked slots are omitted
    res = await api(
        "POST",
        "/tickets/book",
        json={**appointment, "time": TOMORROW_SLOT_0, "customerId": LAYLA_ID},
    )
    assert res.status == 400
    assert res.body == {
        "message": "This slot is no longer available.",
        "error": "This slot is no longer available.",
    }
    await api.ok("POST", f"/tickets/{first['id']}/cancel")
    assert (await remaining())[TOMORROW_SLOT_0] == 1


# -- booking --------------------------------------------------------------------------------


async def test_walk_ins_get_sequential_numbers_and_queue_positions(api: Api) -> None:
    body = await api.ok("POST", "/tickets/book", 201, json=WALK_IN)
    assert body["message"] == "Ticket booked successfully."
    first = body["data"]
    assert set(first) == TICKET_KEYS | {"queueSize", "waitingTime"}
    assert re.fullmatch(r"[a-z0-9]{10}", first["id"])
    assert first["ticketNumber"] == "Q001"
    assert first["status"] == "waiting"
    assert first["type"] == "sequential"
    assert first["time"] is None
    assert first["customer"] is None
    assert first["queueSize"] == 0
    assert first["waitingTime"] == 0
    assert first["branch"] == {"id": SEEF, "name": "Seef Mall Branch"}
    assert first["service"] == {"id": CASH_WITHDRAWAL, "name": "Cash Withdrawal"}
    assert first["groupOfService"] == {"id": TELLER, "name": "Teller Services"}
    assert first["bookedAt"] == first["statusAt"] == "2026-07-01T07:10:00.000Z"

    second = await api.book({**WALK_IN, "customerId": LAYLA_ID})
    third = await api.book({**WALK_IN, "customerExternalId": "crm-7741"})
    assert [second["ticketNumber"], third["ticketNumber"]] == ["Q002", "Q003"]
    assert (third["queueSize"], third["waitingTime"]) == (2, 6)
    assert second["customer"] == {"id": LAYLA_ID, "name": "Layla Hassan"}
    other = await api.book({"serviceId": "3a9d5e7c21", "groupOfServiceId": TELLER})
    assert (other["ticketNumber"], other["queueSize"]) == ("D001", 0)

    # The queue moves up when a ticket ahead leaves it.
    await api.ok("POST", f"/tickets/{first['id']}/cancel")
    fetched = await api.ok("GET", f"/tickets/{third['id']}")
    assert fetched["message"] == "Ticket fetched successfully."
    assert fetched["data"]["queueSize"] == 1
    assert fetched["data"]["waitingTime"] == 3


async def test_queue_fields_only_while_waiting(api: Api, fake: FakeSkiplino) -> None:
    first = await api.book(WALK_IN)
    second = await api.book(WALK_IN)
    fake.state.set_ticket_status(first["id"], "serving")
    serving = (await api.ok("GET", f"/tickets/{first['id']}"))["data"]
    assert serving["status"] == "serving"
    assert set(serving) == TICKET_KEYS
    assert (await api.ok("GET", f"/tickets/{second['id']}"))["data"]["queueSize"] == 0
    fake.state.set_ticket_status(first["id"], "served")
    res = await api("POST", f"/tickets/{first['id']}/cancel")
    assert res.status == 409


async def test_appointments_are_upcoming_with_a_numbers(api: Api) -> None:
    body = await api.ok(
        "POST",
        "/tickets/book",
        201,
        json={
            "serviceId": ACCOUNT_OPENING,
            "groupOfServiceId": CUSTOMER_SERVICE,
            "time": "2026-07-02T06:00:00Z",  # milliseconds are optional
            "customerId": LAYLA_ID,
        },
    )
    assert body["message"] == "Appointment booked successfully."
    ticket = body["data"]
    assert set(ticket) == TICKET_KEYS
    assert (ticket["type"], ticket["status"]) == ("appointment", "upcoming")
    assert ticket["ticketNumber"] == "A001"
    assert ticket["time"] == TOMORROW_SLOT_0
    assert ticket["customer"] == {"id": LAYLA_ID, "name": "Layla Hassan"}
    again = await api.book(
        {
            "serviceId": ACCOUNT_OPENING,
            "groupOfServiceId": CUSTOMER_SERVICE,
            "time": TOMORROW_SLOT_1,
            "customerExternalId": "crm-7741",
        }
    )
    assert again["ticketNumber"] == "A002"


async def test_appointments_ignore_the_opening_state(api: Api) -> None:
    ticket = await api.book(
        {
            "serviceId": RIFFA_OPENING,
            "groupOfServiceId": RIFFA_CUSTOMER_SERVICE,
            "time": TOMORROW_SLOT_0,
            "customerId": LAYLA_ID,
        }
    )
    assert ticket["branch"]["id"] == RIFFA


async def test_options_and_location_are_stored(api: Api, fake: FakeSkiplino) -> None:
    body = {
        **WALK_IN,
        "options": {"accountType": "savings"},
        "location": {"lat": 26.2361, "lng": 50.5436},
    }
    ticket = await api.book(body)
    assert "options" not in ticket
    stored = fake.state.get_ticket(ticket["id"])
    assert stored is not None
    assert stored.options == {"accountType": "savings"}
    assert stored.location == {"lat": 26.2361, "lng": 50.5436}


APPOINTMENT = {
    "serviceId": ACCOUNT_OPENING,
    "groupOfServiceId": CUSTOMER_SERVICE,
    "time": TOMORROW_SLOT_0,
}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ([WALK_IN], {"body": "This value should be of type object."}),
        ("walk-in", {"body": "This value should be of type object."}),
        ({}, {"serviceId": BLANK, "groupOfServiceId": BLANK}),
        ({**WALK_IN, "serviceId": 5}, {"serviceId": "This value should be of type string."}),
        ({**WALK_IN, "serviceId": "nope"}, {"serviceId": DNE}),
        ({**WALK_IN, "serviceId": COIN_EXCHANGE}, {"serviceId": DNE}),
        (
            {**WALK_IN, "groupOfServiceId": CUSTOMER_SERVICE},
            {"groupOfServiceId": "This service does not belong to this group."},
        ),
        ({**WALK_IN, "groupOfServiceId": "nope"}, {"groupOfServiceId": DNE}),
        ({**APPOINTMENT, "customerId": LAYLA_ID, "time": "2026-07-02T06:00:00+00:00"}, "time"),
        ({**APPOINTMENT, "customerId": LAYLA_ID, "time": "2026-07-02 06:00:00Z"}, "time"),
        ({**APPOINTMENT, "customerId": LAYLA_ID, "time": "2026-02-30T06:00:00.000Z"}, "time"),
        ({**APPOINTMENT, "customerId": LAYLA_ID, "time": 1780000000}, "time"),
        (
            {**APPOINTMENT, "customerId": LAYLA_ID, "time": "2026-07-01T07:00:00.000Z"},
            {"time": "This value should be in the future."},
        ),
        ({**APPOINTMENT, "customerId": LAYLA_ID, "time": "2026-07-02T06:10:00.000Z"}, "time"),
        (
            {**WALK_IN, "time": TOMORROW_SLOT_0, "customerId": LAYLA_ID},
            {"serviceId": "This service does not support appointment booking."},
        ),
        (APPOINTMENT, {"customerId": BLANK}),
        ({**APPOINTMENT, "customerId": LAYLA_ID, "customerExternalId": "crm-7741"}, "customerId"),
        ({**WALK_IN, "customerId": LAYLA_ID, "customerExternalId": "crm-7741"}, "customerId"),
        ({**APPOINTMENT, "customerId": "0" * 32}, {"customerId": DNE}),
        ({**WALK_IN, "customerExternalId": "nobody"}, {"customerExternalId": DNE}),
        ({**WALK_IN, "location": {"lat": 91, "lng": 0}}, "location"),
        ({**WALK_IN, "location": {"lat": 1}}, "location"),
        ({**WALK_IN, "location": {"lat": "1", "lng": 2}}, "location"),
        ({**WALK_IN, "location": {"lat": True, "lng": 2}}, "location"),
        ({**WALK_IN, "location": [26.2, 50.5]}, "location"),
        ({**WALK_IN, "options": ["savings"]}, {"options": "This value should be of type object."}),
    ],
)
async def test_invalid_bookings_are_422(
    api: Api, fake: FakeSkiplino, body: Any, error: dict[str, str] | str
) -> None:
    res = await api("POST", "/tickets/book", json=body)
    assert res.status == 422, res.body
    assert res.body["message"] == "The given data was invalid."
    if isinstance(error, str):
        assert list(res.body["error"]) == [error]
    else:
        assert res.body["error"] == error
    assert fake.state.tickets_created == 0


@pytest.mark.parametrize("data", [b"{", b"\xff\xfe", b"[1,"])
async def test_invalid_json_body_is_422(api: Api, data: bytes) -> None:
    res = await api(
        "POST", "/tickets/book", data=data, headers={"Content-Type": "application/json"}
    )
    assert res.status == 422
    assert res.body["error"] == {"body": "This value is not valid JSON."}


@pytest.mark.parametrize(
    ("locale", "service_closed", "branch_closed"),
    [
        (None, "This service is currently closed.", "This branch is currently closed."),
        ("ar", "هذه الخدمة مغلقة حاليًا.", "هذا الفرع مغلق حاليًا."),
        ("fr", "Ce service est actuellement fermé.", "Cette agence est actuellement fermée."),
        ("xx", "This service is currently closed.", "This branch is currently closed."),
    ],
)
async def test_closed_service_or_branch_is_400_with_localized_reason(
    api: Api, fake: FakeSkiplino, locale: str | None, service_closed: str, branch_closed: str
) -> None:
    headers = {"X-Locale": locale} if locale else {}
    res = await api(
        "POST",
        "/tickets/book",
        headers=headers,
        json={"serviceId": CHEQUE_DEPOSIT, "groupOfServiceId": TELLER},
    )
    assert res.status == 400
    assert res.body == {"message": service_closed, "error": service_closed}
    res = await api(
        "POST",
        "/tickets/book",
        headers=headers,
        json={"serviceId": RIFFA_WITHDRAWAL, "groupOfServiceId": RIFFA_TELLER},
    )
    assert res.status == 400
    assert res.body == {"message": branch_closed, "error": branch_closed}
    assert fake.state.tickets_created == 0


async def test_slot_unavailable_is_localized(api: Api, fake: FakeSkiplino) -> None:
    mortgage = {"serviceId": "c8d1f5a2e7", "groupOfServiceId": "6d9c2a5f8b"}  # capacity 1
    await api.book({**mortgage, "time": TOMORROW_SLOT_0, "customerId": LAYLA_ID})
    res = await api(
        "POST",
        "/tickets/book",
        headers={"X-Locale": "ar"},
        json={**mortgage, "time": TOMORROW_SLOT_0, "customerId": LAYLA_ID},
    )
    assert res.status == 400
    assert res.body["error"] == "هذا الموعد لم يعد متاحًا."


async def test_ticket_names_follow_the_locale_of_the_read(api: Api) -> None:
    ticket = await api.book(WALK_IN)
    body = await api.ok("GET", f"/tickets/{ticket['id']}", headers={"X-Locale": "ar"})
    assert body["data"]["branch"]["name"] == "فرع سيف مول"
    assert body["data"]["service"]["name"] == "سحب نقدي"
    assert body["data"]["groupOfService"]["name"] == "خدمات الصراف"


# -- fetch, cancel, change-time ------------------------------------------------------------


async def test_unknown_ticket_is_404(api: Api) -> None:
    res = await api("GET", "/tickets/zzzzzzzzzz")
    assert res.status == 404
    assert res.body == {"message": "Ticket not found.", "error": "Ticket not found."}


async def test_cancel_waiting_then_conflict(api: Api) -> None:
    ticket = await api.book(WALK_IN)
    body = await api.ok("POST", f"/tickets/{ticket['id']}/cancel")
    assert body["message"] == "Ticket cancelled successfully."
    assert body["data"]["status"] == "cancelled"
    assert set(body["data"]) == TICKET_KEYS
    res = await api("POST", f"/tickets/{ticket['id']}/cancel", json={})
    assert res.status == 409
    assert res.body == {
        "message": "Ticket cannot be cancelled.",
        "error": "Only waiting or upcoming tickets can be cancelled.",
    }


async def test_cancel_unknown_ticket_is_422_on_id(api: Api) -> None:
    res = await api("POST", "/tickets/zzzzzzzzzz/cancel")
    assert res.status == 422
    assert res.body["error"] == {"id": DNE}


async def test_change_time_moves_the_appointment_and_its_slot_place(api: Api) -> None:
    ticket = await api.book({**APPOINTMENT, "customerId": LAYLA_ID})
    body = await api.ok(
        "POST",
        f"/tickets/{ticket['id']}/change-time",
        json={"time": TOMORROW_SLOT_1, "customerExternalId": "crm-7741"},
    )
    assert body["message"] == "Ticket updated successfully."
    assert body["data"]["time"] == TOMORROW_SLOT_1
    assert body["data"]["status"] == "upcoming"
    slots = await api.ok("GET", f"/services/{ACCOUNT_OPENING}/slots", params={"date": "2026-07-02"})
    remaining = {s["time"]: s["remaining"] for s in slots["data"]}
    assert (remaining[TOMORROW_SLOT_0], remaining[TOMORROW_SLOT_1]) == (2, 1)


async def test_change_time_errors(api: Api, fake: FakeSkiplino) -> None:
    appointment = await api.book({**APPOINTMENT, "customerId": LAYLA_ID})
    walk_in = await api.book(WALK_IN)
    move = {"time": TOMORROW_SLOT_1, "customerId": LAYLA_ID}

    res = await api("POST", "/tickets/zzzzzzzzzz/change-time", json=move)
    assert (res.status, res.body) == (
        404,
        {"message": "Ticket not found.", "error": "Ticket not found."},
    )

    async def error(ticket_id: str, body: Any) -> tuple[int, Any]:
        res = await api("POST", f"/tickets/{ticket_id}/change-time", json=body)
        return res.status, res.body["error"]

    status, err = await error(walk_in["id"], move)
    assert (status, list(err)) == (422, ["id"])
    assert await error(appointment["id"], {"customerId": LAYLA_ID}) == (422, {"time": BLANK})
    assert await error(appointment["id"], {"time": TOMORROW_SLOT_1}) == (
        422,
        {"customerId": BLANK},
    )
    status, err = await error(appointment["id"], {**move, "time": "soon"})
    assert (status, list(err)) == (422, ["time"])
    other = fake.state.customers_page(5, 1)[0]
    status, err = await error(appointment["id"], {**move, "customerId": other.id})
    assert (status, list(err)) == (422, ["customerId"])
    assert await error(appointment["id"], {**move, "customerId": "0" * 32}) == (
        422,
        {"customerId": DNE},
    )

    # A full target slot is a business-rule failure.
    for external_id in ("ext-0000001", "ext-0000002"):
        await api.book({**APPOINTMENT, "time": TOMORROW_SLOT_2, "customerExternalId": external_id})
    status, err = await error(appointment["id"], {**move, "time": TOMORROW_SLOT_2})
    assert (status, err) == (400, "This slot is no longer available.")

    # Only waiting or upcoming appointments can be moved.
    fake.state.set_ticket_status(appointment["id"], "served")
    status, err = await error(appointment["id"], move)
    assert (status, list(err)) == (422, ["id"])


async def test_a_waiting_appointment_can_be_rescheduled_and_shows_its_queue(
    api: Api, fake: FakeSkiplino
) -> None:
    ticket = await api.book({**APPOINTMENT, "customerId": LAYLA_ID})
    fake.state.set_ticket_status(ticket["id"], "waiting")  # checked in at the branch
    body = await api.ok(
        "POST",
        f"/tickets/{ticket['id']}/change-time",
        json={"time": TOMORROW_SLOT_1, "customerId": LAYLA_ID},
    )
    assert body["data"]["status"] == "waiting"
    assert body["data"]["queueSize"] == 0


# -- customers: create, get, update, delete -------------------------------------------------


async def test_create_customer(api: Api, fake: FakeSkiplino) -> None:
    payload = {
        "externalId": "crm-9001",
        "name": "Omar Saleh",
        "email": "omar@example.com",
        "mobile": "+97333000000",
        "metadata": {"tier": "gold", "visits": 3},
        "unknownField": "ignored",
    }
    body = await api.ok("POST", "/customers/create", 201, json=payload)
    assert body["message"] == "Customer created successfully."
    customer = body["data"]
    assert list(customer) == [
        "_id",
        "externalId",
        "companyId",
        "name",
        "email",
        "mobile",
        "metadata",
        "createdAt",
        "updatedAt",
    ]
    assert re.fullmatch(r"[0-9a-f]{32}", customer["_id"])
    assert customer["companyId"] == "cmp_5f3a91"
    assert customer["metadata"] == {"tier": "gold", "visits": 3}
    assert customer["createdAt"] == customer["updatedAt"] == "2026-07-01T07:10:00.000Z"
    listed = await api.ok("GET", "/customers/getAll", params={"limit": 1})
    assert listed["data"] == [customer]  # newest first
    assert listed["pagination"]["total"] == 138
    assert fake.state.customer_count == 138


async def test_create_customer_does_not_store_empty_fields(api: Api) -> None:
    body: dict[str, Any] = {
        "externalId": "",
        "name": None,
        "email": "",
        "metadata": {},
        "mobile": "+9733",
    }
    customer = (await api.ok("POST", "/customers/create", 201, json=body))["data"]
    assert set(customer) == {"_id", "companyId", "mobile", "createdAt", "updatedAt"}
    empty = (await api.ok("POST", "/customers/create", 201, json={}))["data"]
    assert set(empty) == {"_id", "companyId", "createdAt", "updatedAt"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/customers/create"),
        ("PUT", "/customers/update"),
        ("POST", "/tickets/book"),
        ("POST", "/tickets/k7m2p9x4q1/change-time"),
    ],
)
async def test_a_required_body_that_is_missing_is_a_422(api: Api, method: str, path: str) -> None:
    if "change-time" in path:
        ticket = (await api.ok("POST", "/tickets/book", 201, json=WALK_IN))["data"]
        path = path.replace("k7m2p9x4q1", ticket["id"])
    res = await api(method, path)
    assert res.status == 422
    assert res.body["error"] == {"body": BLANK}


STRING = "This value should be of type string."
OBJECT = "This value should be of type object."


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({**WALK_IN, "location": None}, {"location": OBJECT}),
        ({**WALK_IN, "options": None}, {"options": OBJECT}),
        ({**WALK_IN, "time": None}, {"time": STRING}),
        ({**WALK_IN, "customerId": None}, {"customerId": STRING}),
        ({"serviceId": None, "groupOfServiceId": TELLER}, {"serviceId": STRING}),
    ],
)
async def test_booking_fields_do_not_take_null(
    api: Api, body: dict[str, Any], error: dict[str, str]
) -> None:
    res = await api("POST", "/tickets/book", json=body)
    assert res.status == 422, res.body
    assert res.body["error"] == error


async def test_update_located_by_a_null_id_is_a_422(api: Api) -> None:
    res = await api("PUT", "/customers/update", json={"id": None, "externalId": "crm-7741"})
    assert res.status == 422
    assert res.body["error"] == {"id": "This value should be of type string."}


@pytest.mark.parametrize("query", ["page=", "limit=", "page=&limit=", "page=abc"])
async def test_empty_page_parameters_are_rejected_like_non_integers(api: Api, query: str) -> None:
    for path in ("/customers/getAll", f"/customers/tickets?id={LAYLA_ID}"):
        sep = "&" if "?" in path else "?"
        res = await api("GET", f"{path}{sep}{query}")
        assert res.status == 422, (path, query, res.body)
        assert res.body["error"] == {
            key: "This value should be of type integer."
            for key in ("page", "limit")
            if key + "=" in query
        }


async def test_an_empty_slots_date_is_rejected(api: Api) -> None:
    res = await api("GET", f"/services/{ACCOUNT_OPENING}/slots?date=")
    assert res.status == 422
    assert res.body["error"] == {"date": "This value is not a valid date."}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"externalId": "crm-7741"}, {"externalId": "This value is already taken."}),
        ({"externalId": "ext-0000002"}, {"externalId": "This value is already taken."}),
        ({"name": 5}, {"name": "This value should be of type string."}),
        ({"email": "not-an-email"}, {"email": "This value is not a valid email address."}),
        ({"metadata": ["a"]}, {"metadata": "This value should be of type object."}),
        ({"mobile": "1" * 256}, "mobile"),
        ([{"name": "x"}], {"body": "This value should be of type object."}),
    ],
)
async def test_create_customer_validation(
    api: Api, fake: FakeSkiplino, body: Any, error: dict[str, str] | str
) -> None:
    res = await api("POST", "/customers/create", json=body)
    assert res.status == 422
    if isinstance(error, str):
        assert list(res.body["error"]) == [error]
    else:
        assert res.body["error"] == error
    assert fake.state.customer_count == 137


async def test_get_customer_by_id_or_external_id(api: Api) -> None:
    by_id = await api.ok("GET", "/customers/getOne", params={"id": LAYLA_ID})
    assert by_id["message"] == "Customer fetched successfully."
    assert by_id["data"]["name"] == "Layla Hassan"
    by_ext = await api.ok("GET", "/customers/getOne", params={"externalId": "crm-7741"})
    assert by_ext["data"] == by_id["data"]
    # id wins over externalId
    both = await api.ok(
        "GET", "/customers/getOne", params={"id": LAYLA_ID, "externalId": "ext-0000001"}
    )
    assert both["data"]["_id"] == LAYLA_ID
    seed = await api.ok("GET", "/customers/getOne", params={"externalId": "ext-0000001"})
    assert seed["data"]["externalId"] == "ext-0000001"


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({}, {"id": BLANK}),
        ({"id": ""}, {"id": BLANK}),
        ({"id": "0" * 32}, {"id": DNE}),
        ({"id": "not-hex"}, {"id": DNE}),
        ({"externalId": "nobody"}, {"externalId": DNE}),
        ({"externalId": "ext-0000012"}, {"externalId": DNE}),  # seed customer 11 has none
    ],
)
async def test_get_customer_errors_are_422(
    api: Api, params: dict[str, str], error: dict[str, str]
) -> None:
    res = await api("GET", "/customers/getOne", params=params)
    assert res.status == 422
    assert res.body == {"message": "The given data was invalid.", "error": error}


async def test_update_customer_by_id(api: Api, clock: Clock) -> None:
    clock.advance(seconds=5)
    body = await api.ok(
        "PUT",
        "/customers/update",
        json={
            "id": LAYLA_ID,
            "externalId": "crm-7741-new",
            "name": "Layla A. Hassan",
            "email": None,
            "mobile": "",
            "metadata": {"tier": "platinum"},
        },
    )
    assert body["message"] == "Customer updated successfully."
    customer = body["data"]
    assert customer["externalId"] == "crm-7741-new"
    assert customer["name"] == "Layla A. Hassan"
    assert "email" not in customer
    assert "mobile" not in customer
    assert customer["metadata"] == {"tier": "platinum"}  # replaced, not merged
    assert customer["createdAt"] == "2026-06-23T11:00:00.000Z"
    assert customer["updatedAt"] == "2026-07-01T07:10:05.000Z"
    old = await api("GET", "/customers/getOne", params={"externalId": "crm-7741"})
    assert old.status == 422
    new = await api.ok("GET", "/customers/getOne", params={"externalId": "crm-7741-new"})
    assert new["data"] == customer
    # Only the sent fields change.
    again = await api.ok("PUT", "/customers/update", json={"id": LAYLA_ID, "mobile": "+9731"})
    assert again["data"]["name"] == "Layla A. Hassan"
    assert again["data"]["mobile"] == "+9731"


async def test_update_customer_by_external_id_only(api: Api, fake: FakeSkiplino) -> None:
    body = await api.ok(
        "PUT", "/customers/update", json={"externalId": "ext-0000003", "name": "Renamed"}
    )
    assert body["data"]["externalId"] == "ext-0000003"
    assert body["data"]["name"] == "Renamed"
    # An updated seed customer keeps its place in the list.
    assert fake.state.customers_page(134, 1)[0].name == "Renamed"
    ids = await all_customer_ids(api)
    assert len(ids) == len(set(ids)) == 137


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"name": "x"}, {"id": BLANK}),
        ({"id": "0" * 32}, {"id": DNE}),
        ({"externalId": "nobody", "name": "x"}, {"externalId": DNE}),
        (
            {"id": LAYLA_ID, "externalId": "ext-0000001"},
            {"externalId": "This value is already taken."},
        ),
        ({"id": LAYLA_ID, "email": "nope"}, {"email": "This value is not a valid email address."}),
        (
            {"id": LAYLA_ID, "metadata": "gold"},
            {"metadata": "This value should be of type object."},
        ),
        ({"id": 7}, {"id": "This value should be of type string."}),
        ("x", {"body": "This value should be of type object."}),
    ],
)
async def test_update_customer_validation(api: Api, body: Any, error: dict[str, str]) -> None:
    res = await api("PUT", "/customers/update", json=body)
    assert res.status == 422
    assert res.body["error"] == error


async def test_update_keeping_own_external_id_is_fine(api: Api) -> None:
    body = {"id": LAYLA_ID, "externalId": "crm-7741", "name": "L"}
    assert (await api.ok("PUT", "/customers/update", json=body))["data"]["name"] == "L"


async def test_update_of_a_vanishing_record_is_404_with_null_error(
    api: Api, fake: FakeSkiplino
) -> None:
    fake.state.vanish_on_next_update = True
    res = await api("PUT", "/customers/update", json={"id": LAYLA_ID, "name": "Too late"})
    assert res.status == 404
    assert res.body == {"message": "Customer not found.", "error": None}
    assert fake.state.vanish_on_next_update is False
    assert (await api("GET", "/customers/getOne", params={"id": LAYLA_ID})).status == 422


async def test_delete_customer_keeps_tickets(api: Api, fake: FakeSkiplino) -> None:
    ticket = await api.book({**WALK_IN, "customerId": LAYLA_ID})
    body = await api.ok("DELETE", "/customers/delete", params={"externalId": "crm-7741"})
    assert body == {"message": "Customer deleted successfully.", "data": None}
    assert fake.state.customer_count == 136
    assert (await api("GET", "/customers/getOne", params={"id": LAYLA_ID})).status == 422
    kept = await api.ok("GET", f"/tickets/{ticket['id']}")
    assert kept["data"]["customer"] == {"id": LAYLA_ID, "name": "Layla Hassan"}
    res = await api("GET", "/customers/tickets", params={"id": LAYLA_ID})
    assert res.status == 404
    again = await api("DELETE", "/customers/delete", params={"id": LAYLA_ID})
    assert (again.status, again.body["error"]) == (422, {"id": DNE})
    missing = await api("DELETE", "/customers/delete")
    assert (missing.status, missing.body["error"]) == (422, {"id": BLANK})


# -- pagination -----------------------------------------------------------------------------


async def test_pagination_math(api: Api) -> None:
    first = await api.ok("GET", "/customers/getAll")
    assert first["message"] == "Customers fetched successfully."
    assert first["pagination"] == CUSTOMERS_PAGE["pagination"]  # the documented example
    assert first["data"][0]["_id"] == LAYLA_ID  # the newest seed customer
    last = await api.ok("GET", "/customers/getAll", params={"page": 14, "limit": 10})
    assert len(last["data"]) == 7
    assert last["pagination"]["hasNextPage"] is False
    assert last["pagination"]["hasPrevPage"] is True
    past = await api.ok("GET", "/customers/getAll", params={"page": 15})
    assert past["data"] == []
    assert past["pagination"]["hasNextPage"] is False
    ids = await all_customer_ids(api, limit=100)
    assert len(set(ids)) == 137
    assert ids == await all_customer_ids(api, limit=7)


async def test_seed_customers_are_newest_first_with_increasing_created_at(api: Api) -> None:
    body = await api.ok("GET", "/customers/getAll", params={"limit": 100})
    created = [c["createdAt"] for c in body["data"]]
    assert created == sorted(created, reverse=True)
    assert all(ISO_MS.fullmatch(t) for t in created)
    assert created[0] == "2026-06-23T11:00:00.000Z"
    # Some seed customers lack optional fields on purpose.
    assert any("email" not in c for c in body["data"])
    assert any("metadata" not in c for c in body["data"])


async def test_empty_customer_list_has_one_page() -> None:
    async with FakeSkiplino(customers=0) as fake, aiohttp.ClientSession() as session:
        body = await Api(fake, session).ok("GET", "/customers/getAll")
    assert body["data"] == []
    assert body["pagination"]["totalPages"] == 1
    assert body["pagination"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"page": "0"}, {"page": "This value should be between 1 and 2147483647."}),
        ({"page": "-1"}, "page"),
        ({"page": "1.5"}, {"page": "This value should be of type integer."}),
        ({"page": "abc"}, "page"),
        ({"page": "9" * 40}, "page"),
        ({"limit": "0"}, {"limit": "This value should be between 1 and 100."}),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten", "page": "x"}, ["limit", "page"]),
    ],
)
async def test_bad_page_or_limit_is_422(
    api: Api, params: dict[str, str], error: dict[str, str] | str | list[str]
) -> None:
    res = await api("GET", "/customers/getAll", params=params)
    assert res.status == 422
    if isinstance(error, dict):
        assert res.body["error"] == error
    elif isinstance(error, str):
        assert list(res.body["error"]) == [error]
    else:
        assert sorted(res.body["error"]) == error


async def test_inserts_and_deletes_shift_pages_like_a_live_list(
    api: Api, fake: FakeSkiplino
) -> None:
    before = await all_customer_ids(api)
    page1 = await api.ok("GET", "/customers/getAll", params={"limit": 10})
    added = fake.state.add_customer(external_id="drift-1", name="Drift")
    page2 = await api.ok("GET", "/customers/getAll", params={"page": 2, "limit": 10})
    # The insert pushed the last row of page 1 onto page 2.
    assert page2["data"][0]["_id"] == page1["data"][-1]["_id"]
    assert page2["pagination"]["total"] == 138
    assert fake.state.delete_customer(before[3])
    assert fake.state.delete_customer(before[50])
    assert not fake.state.delete_customer(before[50])
    expected = [added.id] + [i for i in before if i not in (before[3], before[50])]
    assert await all_customer_ids(api, limit=10) == expected
    # The delete pulled the first row of page 3 back onto page 2.
    page2 = await api.ok("GET", "/customers/getAll", params={"page": 2, "limit": 10})
    assert page2["data"][-1]["_id"] == expected[19]


def test_pages_match_a_list_model_under_random_drift() -> None:
    state = FakeState(customers=500, seed=3)
    model = [c.id for c in state.iter_customers()]
    rng = random.Random(7)
    for step in range(300):
        if rng.random() < 0.4:
            model.insert(0, state.add_customer(name=f"n{step}").id)
        else:
            victim = model.pop(rng.randrange(len(model)))
            assert state.delete_customer(victim)
        if step % 25 == 0:
            limit = rng.randint(1, 100)
            pages = [
                [c.id for c in state.customers_page(offset, limit)]
                for offset in range(0, len(model) + limit, limit)
            ]
            assert [i for page in pages for i in page] == model
            assert state.customer_count == len(model)


async def test_customer_tickets_newest_first_with_pagination(api: Api) -> None:
    booked = [(await api.book({**WALK_IN, "customerId": LAYLA_ID}))["id"] for _ in range(12)]
    await api.book(WALK_IN)  # anonymous: not Layla's
    body = await api.ok("GET", "/customers/tickets", params={"externalId": "crm-7741"})
    assert body["message"] == "Customer tickets fetched successfully."
    assert [t["id"] for t in body["data"]] == booked[::-1][:10]
    assert body["pagination"] == {
        "total": 12,
        "page": 1,
        "limit": 10,
        "totalPages": 2,
        "hasNextPage": True,
        "hasPrevPage": False,
    }
    assert body["data"][0]["queueSize"] == 11
    page2 = await api.ok(
        "GET", "/customers/tickets", key="public", params={"id": LAYLA_ID, "page": 2}
    )
    assert [t["id"] for t in page2["data"]] == booked[1::-1]
    small = await api.ok("GET", "/customers/tickets", params={"id": LAYLA_ID, "limit": 5})
    assert small["pagination"]["totalPages"] == 3
    past = await api.ok("GET", "/customers/tickets", params={"id": LAYLA_ID, "page": 4})
    assert past["data"] == []


async def test_customer_tickets_errors(api: Api) -> None:
    res = await api("GET", "/customers/tickets", params={"id": LAYLA_ID, "limit": 11})
    assert (res.status, res.body["error"]) == (
        422,
        {"limit": "This value should be between 1 and 10."},
    )
    res = await api("GET", "/customers/tickets")
    assert (res.status, res.body["error"]) == (422, {"id": BLANK})
    res = await api("GET", "/customers/tickets", params={"externalId": "nobody"})
    assert (res.status, res.body) == (
        404,
        {"message": "Customer not found.", "error": "Customer not found."},
    )
    empty = await api.ok("GET", "/customers/tickets", params={"id": LAYLA_ID})
    assert empty["data"] == []
    assert empty["pagination"]["totalPages"] == 1


# -- determinism and size -------------------------------------------------------------------


def _snapshot(state: FakeState) -> tuple[Any, ...]:
    page = [(c.id, c.external_id, c.name, c.email, c.mobile) for c in state.customers_page(0, 50)]
    tickets = [state.book_ticket(CASH_WITHDRAWAL).id for _ in range(3)]
    created = state.add_customer(name="New").id
    return state.secret_key, state.public_key, page, tickets, created


def test_same_seed_same_data_and_different_seed_different_data() -> None:
    assert _snapshot(FakeState(seed=0)) == _snapshot(FakeState(seed=0))
    a, b = _snapshot(FakeState(seed=0)), _snapshot(FakeState(seed=1))
    assert all(x != y for x, y in zip(a, b, strict=True))


def test_seed_contains_the_documented_example_customer() -> None:
    state = FakeState()
    layla = state.get_customer(id=LAYLA_ID)
    assert layla is not None
    assert (layla.external_id, layla.name, layla.company_id) == (
        "crm-7741",
        "Layla Hassan",
        "cmp_5f3a91",
    )
    assert state.get_customer(external_id="crm-7741") == layla


def test_every_seed_customer_is_found_by_its_ids() -> None:
    state = FakeState(customers=300, seed=9)
    customers = list(state.iter_customers())
    assert len({c.id for c in customers}) == 300
    for customer in customers:
        assert state.get_customer(id=customer.id) == customer
        if customer.external_id is not None:
            assert state.get_customer(external_id=customer.external_id) == customer
    # A seed-like id of another seed, or past the end, is unknown.
    other = FakeState(customers=300, seed=10).customers_page(5, 1)[0]
    assert state.get_customer(id=other.id) is None
    assert state.get_customer(external_id="ext-0000301") is None


def test_a_million_customers_cost_nothing_up_front() -> None:
    started = time.perf_counter()
    state = FakeState(customers=1_000_000)
    last = state.customers_page(999_990, 100)
    assert len(last) == 10
    assert state.get_customer(id=last[-1].id) == last[-1]
    middle = state.customers_page(500_000, 100)
    assert state.delete_customer(middle[0].id)
    assert state.customers_page(500_000, 1)[0] == middle[1]
    assert time.perf_counter() - started < 5  # generous: it is milliseconds in practice


async def test_a_large_fake_serves_pages() -> None:
    async with FakeSkiplino(customers=100_000) as fake, aiohttp.ClientSession() as session:
        body = await Api(fake, session).ok(
            "GET", "/customers/getAll", params={"page": 1000, "limit": 100}
        )
    assert len(body["data"]) == 100
    assert body["pagination"]["totalPages"] == 1000


# -- state API ------------------------------------------------------------------------------


def test_state_api_errors() -> None:
    state = FakeState(customers=3)
    with pytest.raises(InvalidField) as exc:
        state.add_customer(external_id="crm-7741")
    assert exc.value.field == "externalId"
    with pytest.raises(KeyError):
        state.update_customer("0" * 32, name="x")
    with pytest.raises(TypeError):
        state.update_customer(LAYLA_ID, nickname="x")
    ticket = state.book_ticket(CASH_WITHDRAWAL)
    state.cancel_ticket(ticket.id)
    with pytest.raises(NotCancellable):
        state.cancel_ticket(ticket.id)
    assert state.tickets == [ticket]
    assert state.tickets_created == 1


# -- faults ---------------------------------------------------------------------------------


async def test_status_fault_with_retry_after_then_normal(api: Api, fake: FakeSkiplino) -> None:
    rule = fake.faults.status(503, retry_after="2", path="/branches", times=1)
    res = await api("GET", "/branches")
    assert res.status == 503
    assert res.headers["Retry-After"] == "2"
    assert res.body == {"message": "Service Unavailable.", "error": "Service Unavailable."}
    assert "X-Request-Id" in res.headers
    assert (await api("GET", "/branches")).status == 200
    assert (rule.fired, rule.remaining, fake.faults.fired) == (1, 0, 1)


async def test_status_fault_with_http_date_and_custom_text(api: Api, fake: FakeSkiplino) -> None:
    date = "Wed, 01 Jul 2026 07:10:02 GMT"
    fake.faults.status(429, retry_after=date, message="Too Many Attempts.", error=None)
    res = await api("GET", "/customers/getAll")
    assert (res.status, res.headers["Retry-After"]) == (429, date)
    assert res.body == {"message": "Too Many Attempts.", "error": "Too Many Attempts."}


@pytest.mark.parametrize(
    ("retry_after", "header"),
    [
        (120, "120"),
        (0, "0"),
        (2.0, "2"),
        (0.25, "0.25"),
        (
            datetime(2026, 7, 1, 10, 10, 2, tzinfo=timezone(timedelta(hours=3))),
            "Wed, 01 Jul 2026 07:10:02 GMT",
        ),
    ],
)
async def test_status_fault_takes_retry_after_as_a_number_or_datetime(
    api: Api, fake: FakeSkiplino, retry_after: int | float | datetime, header: str
) -> None:
    fake.faults.status(429, retry_after=retry_after, path="/branches")
    res = await api("GET", "/branches")
    assert (res.status, res.headers["Retry-After"]) == (429, header)
    assert res.body == {"message": "Too Many Requests.", "error": "Too Many Requests."}


@pytest.mark.parametrize(
    ("retry_after", "error"),
    [
        (-1, ValueError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (datetime(2026, 7, 1), ValueError),  # naive
        (True, TypeError),
        ([1], TypeError),
    ],
)
def test_a_bad_retry_after_is_refused_when_the_rule_is_made(
    retry_after: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        FaultRule("status", status=429, retry_after=retry_after)


async def test_processed_status_fault_books_the_ticket(api: Api, fake: FakeSkiplino) -> None:
    fake.faults.status(500, process=True, method="POST", path="/tickets/book")
    res = await api("POST", "/tickets/book", json=WALK_IN)
    assert res.status == 500
    assert fake.state.tickets_created == 1


async def test_unprocessed_status_fault_changes_nothing(api: Api, fake: FakeSkiplino) -> None:
    fake.faults.status(502, method="POST")
    assert (await api("POST", "/tickets/book", json=WALK_IN)).status == 502
    assert fake.state.tickets_created == 0


async def test_drop_before_processing(api: Api, fake: FakeSkiplino) -> None:
    fake.faults.drop_before(method="POST", path="/tickets/book", times=1)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api("POST", "/tickets/book", json=WALK_IN)
    assert fake.state.tickets_created == 0
    assert fake.requests[-1].status is None
    await api.book(WALK_IN)  # the rule is used up
    assert fake.state.tickets_created == 1


async def test_drop_after_processing(api: Api, fake: FakeSkiplino) -> None:
    fake.faults.drop_after(method="POST", path="/tickets/book")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api("POST", "/tickets/book", json=WALK_IN)
    assert fake.state.tickets_created == 1
    assert fake.state.tickets[0].status == "waiting"
    assert fake.requests[-1].status is None


async def test_aiohttp_resends_an_idempotent_request_once_after_a_drop(
    api: Api, fake: FakeSkiplino
) -> None:
    # Worth knowing when scripting drops: aiohttp's own client retries GET/PUT/DELETE once
    # on a dropped connection, so a single drop is invisible to such a request.
    fake.faults.drop_before(path="/branches", times=1)
    assert (await api("GET", "/branches")).status == 200
    assert [r.status for r in fake.requests] == [None, 200]
    fake.faults.drop_before(path="/branches", times=2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api("GET", "/branches")


async def test_truncated_body(api: Api, fake: FakeSkiplino) -> None:
    fake.faults.truncated(path="/customers/getAll", times=1)
    with pytest.raises(aiohttp.ClientPayloadError):
        await api("GET", "/customers/getAll")
    assert fake.requests[-1].status == 200
    assert (await api("GET", "/customers/getAll")).status == 200


async def test_html_proxy_error(
    fake: FakeSkiplino, session: aiohttp.ClientSession, api: Api
) -> None:
    fake.faults.html()
    headers = {"Authorization": f"Bearer {fake.secret_key}"}
    async with session.get(fake.url + "/branches", headers=headers) as resp:
        assert resp.status == 502
        assert resp.content_type == "text/html"
        assert "502 Bad Gateway" in await resp.text()
    fake.faults.clear()
    assert (await api("GET", "/branches")).status == 200


async def test_wrong_content_type(fake: FakeSkiplino, session: aiohttp.ClientSession) -> None:
    fake.faults.wrong_content_type(path="/branches")
    headers = {"Authorization": f"Bearer {fake.secret_key}"}
    async with session.get(fake.url + "/branches", headers=headers) as resp:
        assert resp.status == 200
        assert resp.content_type == "text/plain"
        with pytest.raises(aiohttp.ContentTypeError):
            await resp.json()
        assert orjson.loads(await resp.read())["message"] == "Branches fetched successfully."


async def test_stall_trips_a_read_timeout(
    fake: FakeSkiplino, session: aiohttp.ClientSession
) -> None:
    fake.faults.stall(30, path="/branches", times=1)
    headers = {"Authorization": f"Bearer {fake.secret_key}"}
    timeout = aiohttp.ClientTimeout(sock_read=0.2)
    async with session.get(fake.url + "/branches", headers=headers, timeout=timeout) as r:
        assert r.status == 200  # headers arrive; the body stalls
        with pytest.raises(asyncio.TimeoutError):
            await r.read()


async def test_short_stall_completes_the_body(api: Api, fake: FakeSkiplino) -> None:
    fake.faults.stall(0.2, path="/branches")
    started = time.perf_counter()
    res = await api("GET", "/branches")
    assert res.status == 200
    assert res.body["message"] == "Branches fetched successfully."
    assert time.perf_counter() - started >= 0.15


async def test_raw_hostile_responses(fake: FakeSkiplino, session: aiohttp.ClientSession) -> None:
    headers = {"Authorization": f"Bearer {fake.secret_key}"}
    fake.faults.raw(
        200, b'{"message": "\xff\xfe"}', headers={"Content-Type": "application/json"}, times=1
    )
    fake.faults.raw(200, b"x" * 5_000_000, times=1)
    fake.faults.raw(200, b'{"message": "ok", "data": "not a list"}', times=1)
    fake.faults.raw(302, headers={"Location": "https://elsewhere.invalid/"}, times=1)
    async with session.get(fake.url + "/branches", headers=headers) as resp:
        assert resp.headers["Content-Type"] == "application/json"
        with pytest.raises(UnicodeDecodeError):
            await resp.text()
    async with session.get(fake.url + "/branches", headers=headers) as resp:
        assert len(await resp.read()) == 5_000_000
    async with session.get(fake.url + "/branches", headers=headers) as resp:
        assert (await resp.json(content_type=None))["data"] == "not a list"
    async with session.get(fake.url + "/branches", headers=headers, allow_redirects=False) as r:
        assert (r.status, r.headers["Location"]) == (302, "https://elsewhere.invalid/")
    assert fake.faults.fired == 4


async def test_delay_rules_and_global_latency(api: Api, fake: FakeSkiplino) -> None:
    fake.faults.delay(0.2, path="/branches", times=1)
    started = time.perf_counter()
    await api.ok("GET", "/branches")
    assert time.perf_counter() - started >= 0.15
    async with FakeSkiplino(latency=0.1) as slow, aiohttp.ClientSession() as session:
        started = time.perf_counter()
        await Api(slow, session).ok("GET", "/branches")
        assert time.perf_counter() - started >= 0.08


async def test_latency_rules_stack_with_another_fault(api: Api, fake: FakeSkiplino) -> None:
    fake.faults.delay(0.05)
    fake.faults.status(500)
    assert (await api("GET", "/branches")).status == 500
    assert fake.faults.fired == 2


async def test_matching_by_method_glob_and_regex(api: Api, fake: FakeSkiplino) -> None:
    fake.faults.status(500, method="post", path="/tickets/*")
    fake.faults.status(503, path=re.compile(r"^/customers/get(All|One)$"))
    assert (await api("GET", "/branches")).status == 200
    assert (await api("POST", "/tickets/book", json=WALK_IN)).status == 500
    assert (await api("GET", "/customers/getAll")).status == 503
    assert (await api("GET", "/customers/tickets", params={"id": LAYLA_ID})).status == 200
    assert fake.state.tickets_created == 0


async def _fault_pattern(seed: int) -> list[int]:
    async with FakeSkiplino() as fake, aiohttp.ClientSession() as session:
        fake.faults.status(503, probability=0.5, seed=seed)
        api = Api(fake, session)
        return [(await api("GET", "/branches")).status for _ in range(24)]


async def test_probability_faults_are_seeded() -> None:
    first = await _fault_pattern(1)
    assert first == await _fault_pattern(1)
    assert first != await _fault_pattern(2)
    assert 0 < first.count(503) < 24


def test_fault_rule_arguments_are_checked() -> None:
    fake = FakeSkiplino()
    with pytest.raises(ValueError, match="times"):
        fake.faults.drop_before(times=0)
    with pytest.raises(ValueError, match="probability"):
        fake.faults.status(500, probability=1.5)
    with pytest.raises(ValueError, match="kind"):
        FaultRule("boom")  # type: ignore[arg-type]


async def test_request_log(api: Api, fake: FakeSkiplino) -> None:
    await api.book(WALK_IN, headers={"X-Locale": "ar"})
    await api("GET", "/customers/getAll", params={"page": "2"})
    book, listing = fake.requests
    assert (book.method, book.path, book.status) == ("POST", "/tickets/book", 201)
    assert book.headers["x-locale"] == "ar"
    assert book.json() == WALK_IN
    assert book.request_id == "req_000001"
    assert (listing.path, listing.query_string, listing.status) == (
        "/customers/getAll",
        "page=2",
        200,
    )


async def test_faults_leave_no_error_logs_and_shutdown_is_quick(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with aiohttp.ClientSession() as session:
        fake = FakeSkiplino()
        await fake.start()
        api = Api(fake, session)
        for add in (
            fake.faults.drop_before,
            fake.faults.drop_after,
            fake.faults.truncated,
        ):
            add(times=1)
            with pytest.raises(aiohttp.ClientError):
                await api("POST", "/tickets/book", json=WALK_IN)
        fake.faults.stall(60, times=1)
        with pytest.raises(asyncio.TimeoutError):
            await api("GET", "/branches", timeout=aiohttp.ClientTimeout(sock_read=0.1))
        fake.faults.stall(60, times=1)
        pending = asyncio.ensure_future(api("GET", "/branches"))
        await asyncio.sleep(0.1)  # the stalled handler is in progress while we shut down
        started = time.perf_counter()
        await fake.close()
        assert time.perf_counter() - started < 3
        with pytest.raises(aiohttp.ClientPayloadError):
            await pending
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert noisy == []


# -- embedding and the serve() entry point --------------------------------------------------


async def test_create_app_works_with_aiohttp_test_utilities() -> None:
    state = FakeState(customers=5)
    app = create_app(state)
    server = test_utils.TestServer(app)
    client: test_utils.TestClient[web.Request, web.Application] = test_utils.TestClient(server)
    async with server, client:
        resp = await client.get(
            "/external/v1/customers/getAll",
            headers={"Authorization": f"Bearer {state.secret_key}"},
        )
        assert resp.status == 200
        assert (await resp.json())["pagination"]["total"] == 5


async def test_serve_prints_url_and_keys_and_runs_until_cancelled() -> None:
    out = io.StringIO()
    task = asyncio.create_task(serve(port=0, customers=3, seed=4, out=out))
    for _ in range(500):
        if "public key" in out.getvalue():
            break
        await asyncio.sleep(0.01)
    text = out.getvalue()
    url_match = re.search(r"(http://127\.0\.0\.1:\d+/external/v1)", text)
    key_match = re.search(r"secret key: (sk_test_\w+)", text)
    assert url_match is not None
    assert key_match is not None
    assert key_match.group(1) == FakeState(seed=4).secret_key
    assert "pk_test_" in text
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            url_match.group(1) + "/customers/getAll",
            headers={"Authorization": f"Bearer {key_match.group(1)}"},
        ) as resp,
    ):
        assert (await resp.json())["pagination"]["total"] == 3
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_request_log_keeps_the_latest_requests(session: aiohttp.ClientSession) -> None:
    async with FakeSkiplino(request_log_size=3) as fake:
        api = Api(fake, session)
        for _ in range(5):
            await api.ok("GET", "/branches")
    assert [r.request_id for r in fake.requests] == ["req_000003", "req_000004", "req_000005"]


async def test_external_id_sent_as_null_is_removed_and_freed(api: Api) -> None:
    body = await api.ok("PUT", "/customers/update", json={"id": LAYLA_ID, "externalId": None})
    assert "externalId" not in body["data"]
    res = await api("GET", "/customers/getOne", params={"externalId": "crm-7741"})
    assert res.status == 422
    created = await api.ok("POST", "/customers/create", 201, json={"externalId": "crm-7741"})
    assert created["data"]["_id"] != LAYLA_ID


async def test_ticket_of_a_customer_without_name(api: Api, fake: FakeSkiplino) -> None:
    nameless = fake.state.customers_page(119, 1)[0]  # seed customer 17 has no name
    assert nameless.name is None
    ticket = await api.book({**WALK_IN, "customerId": nameless.id})
    assert ticket["customer"] == {"id": nameless.id}


@pytest.mark.parametrize("method", ["OPTIONS", "GET", "DELETE"])
async def test_tickets_book_is_not_taken_for_a_ticket_id(api: Api, method: str) -> None:
    res = await api(method, "/tickets/book")
    assert res.status == 405
    assert res.headers["Allow"] == "POST"
