"""The API operations in wire terms: input validation, state calls, JSON envelopes.

Pure functions of a :class:`Call` (the state, the locale, the path parameters, the query and
the parsed JSON body): a :class:`Reply` out, or an :class:`ApiError` raised. No HTTP library
is involved. :data:`HANDLERS` maps each row of the SDK's table of operations to its function.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from .. import _operations as api
from .._wirefields import wire_fields
from .._wiretime import format_wire_time as format_time  # the SDK's own wire format
from ..models import Customer
from ._i18n import translate
from ._records import CustomerRecord, TicketRecord
from ._state import (
    ALREADY_TAKEN,
    APPOINTMENT,
    DOES_NOT_EXIST,
    MINUTES_PER_TICKET,
    SHOULD_NOT_BE_BLANK,
    BookingRejected,
    FakeState,
    InvalidField,
    NotCancellable,
)

Json = dict[str, Any]
Query = Mapping[str, str]

VALIDATION_MESSAGE: Final = "The given data was invalid."
TYPE_STRING: Final = "This value should be of type string."
TYPE_OBJECT: Final = "This value should be of type object."
TYPE_INTEGER: Final = "This value should be of type integer."
MAX_STRING_LENGTH: Final = 255

_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"[+-]?\d{1,12}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


class ApiError(Exception):
    """An error response: ``status`` plus the ``{"message", "error"}`` envelope."""

    def __init__(self, status: int, message: str, error: str | Mapping[str, str] | None) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message
        self.error = error

    def body(self) -> Json:
        """The JSON error envelope."""
        error = dict(self.error) if isinstance(self.error, Mapping) else self.error
        return {"message": self.message, "error": error}


def validation_error(errors: Mapping[str, str]) -> ApiError:
    """A 422 with ``error`` keyed by field."""
    return ApiError(422, VALIDATION_MESSAGE, errors)


def not_found(text: str) -> ApiError:
    """A 404 whose ``message`` and ``error`` both carry ``text``."""
    return ApiError(404, text, text)


@dataclass(frozen=True, slots=True)
class Call:
    """One request, parsed: what an operation reads."""

    state: FakeState
    locale: str
    path: Mapping[str, str]
    query: Query
    #: The parsed JSON body (``None`` for operations that take none).
    body: object = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A success response: status code and JSON body."""

    status: int
    body: Json


def _success(message: str, data: Any, status: int = 200) -> Reply:
    return Reply(status, {"message": message, "data": data})


# -- serialisation ---------------------------------------------------------------------------


#: ``(wire key, record attribute, is a time)`` of every field of the SDK's Customer model.
_CUSTOMER_FIELDS: Final = tuple((f.wire, f.attr, f.type is datetime) for f in wire_fields(Customer))


def customer_json(customer: CustomerRecord) -> Json:
    """The wire form of a customer; unset optional fields are absent, not null."""
    out: Json = {}
    for key, attr, is_time in _CUSTOMER_FIELDS:
        value = getattr(customer, attr)
        if value is not None:
            out[key] = format_time(value) if is_time else value
    return out


def ticket_json(state: FakeState, ticket: TicketRecord, locale: str) -> Json:
    """The wire form of a ticket; names are localized at read time."""
    branch = state.branches[ticket.branch_id]
    group = state.groups[ticket.group_id]
    service = state.services[ticket.service_id]
    customer: Json | None = None
    if ticket.customer_id is not None:
        customer = {"id": ticket.customer_id}
        if ticket.customer_name is not None:
            customer["name"] = ticket.customer_name
    out: Json = {
        "id": ticket.id,
        "ticketNumber": ticket.number,
        "status": ticket.status,
        "statusAt": format_time(ticket.status_at),
        "type": ticket.type,
        "time": format_time(ticket.time) if ticket.time is not None else None,
        "branch": {"id": branch.id, "name": branch.name(locale)},
        "service": {"id": service.id, "name": service.name(locale)},
        "groupOfService": {"id": group.id, "name": group.name(locale)},
        "customer": customer,
        "bookedAt": format_time(ticket.booked_at),
    }
    queue_size = state.queue_size(ticket)
    if queue_size is not None:  # only while waiting
        out["queueSize"] = queue_size
        out["waitingTime"] = queue_size * MINUTES_PER_TICKET
    return out


def pagination_json(total: int, page: int, limit: int) -> Json:
    """The ``pagination`` block; ``totalPages`` is 1 for an empty list."""
    total_pages = max(1, math.ceil(total / limit))
    return {
        "total": total,
        "page": page,
        "limit": limit,
        "totalPages": total_pages,
        "hasNextPage": page < total_pages,
        "hasPrevPage": page > 1,
    }


# -- input helpers ---------------------------------------------------------------------------


def _object_body(body: object) -> Json:
    if not isinstance(body, dict):
        raise validation_error({"body": TYPE_OBJECT})
    return body


def _optional_str(data: Json, key: str, errors: dict[str, str]) -> str | None:
    """A string field; absent and "" mean "not given", null is not a string."""
    if key not in data or data[key] == "":
        return None
    value = data[key]
    if not isinstance(value, str):
        errors[key] = TYPE_STRING
        return None
    return value


def _required_str(data: Json, key: str, errors: dict[str, str]) -> str | None:
    value = _optional_str(data, key, errors)
    if value is None and key not in errors:
        errors[key] = SHOULD_NOT_BE_BLANK
    return value


def _parse_time(value: object, key: str, errors: dict[str, str]) -> datetime | None:
    """A request ``time``: ``YYYY-MM-DDTHH:MM:SS(.sss)?Z`` only (UTC, trailing Z)."""
    if not isinstance(value, str):
        errors[key] = TYPE_STRING
        return None
    match = _TIME.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
        millis = int(match.group(7) or 0)
        return datetime(year, month, day, hour, minute, second, millis * 1000, tzinfo=UTC)
    except ValueError:
        errors[key] = "This value is not a valid datetime (expected YYYY-MM-DDTHH:MM:SS.sssZ)."
        return None


def _parse_location(value: object, errors: dict[str, str]) -> dict[str, float] | None:
    if not isinstance(value, dict):
        errors["location"] = TYPE_OBJECT
        return None
    coords: dict[str, float] = {}
    for key, bound in (("lat", 90.0), ("lng", 180.0)):
        number = value.get(key)
        if isinstance(number, bool) or not isinstance(number, int | float):
            errors["location"] = "Both lat and lng are required and must be numbers."
            return None
        if not (math.isfinite(number) and -bound <= number <= bound):
            errors["location"] = f"{key} must be between {-bound:g} and {bound:g}."
            return None
        coords[key] = number
    return coords


def _int_param(
    query: Query, key: str, default: int, low: int, high: int, errors: dict[str, str]
) -> int:
    raw = query.get(key)
    if raw is None:
        return default
    # An empty value is no integer either: `?page=` is rejected like `?page=abc`.
    if not _INTEGER.fullmatch(raw):
        # Over-long digit strings are integers too, just far out of range.
        big = raw.lstrip("+-").isdigit()
        errors[key] = f"This value should be between {low} and {high}." if big else TYPE_INTEGER
        return default
    value = int(raw)
    if not low <= value <= high:
        errors[key] = f"This value should be between {low} and {high}."
        return default
    return value


def _page(query: Query, paging: api.Paging | None, errors: dict[str, str]) -> tuple[int, int]:
    """``page`` and ``limit`` of a list operation, checked against its row's rules."""
    assert paging is not None
    page = _int_param(query, "page", 1, 1, api.MAX_PAGE, errors)
    limit = _int_param(query, "limit", api.API_DEFAULT_LIMIT, 1, paging.max_limit, errors)
    return page, limit


def _customer_fields(data: Json, errors: dict[str, str]) -> dict[str, Any]:
    """The writable customer fields present in ``data`` (snake_case); ``None`` = remove."""
    fields: dict[str, Any] = {}
    for key, name in (
        ("externalId", "external_id"),
        ("name", "name"),
        ("email", "email"),
        ("mobile", "mobile"),
    ):
        if key not in data:
            continue
        value = data[key]
        if value is None or value == "":
            fields[name] = None
        elif not isinstance(value, str):
            errors[key] = TYPE_STRING
        elif len(value) > MAX_STRING_LENGTH:
            errors[key] = f"This value is too long (at most {MAX_STRING_LENGTH} characters)."
        elif key == "email" and not _EMAIL.fullmatch(value):
            errors[key] = "This value is not a valid email address."
        else:
            fields[name] = value
    if "metadata" in data:
        metadata = data["metadata"]
        if metadata is None or metadata == {}:
            fields["metadata"] = None
        elif not isinstance(metadata, dict):
            errors["metadata"] = TYPE_OBJECT
        else:
            fields["metadata"] = metadata
    return fields


def _locate_customer(
    state: FakeState, query: Query, errors: dict[str, str]
) -> tuple[CustomerRecord | None, str]:
    """Resolve ``id`` (wins) or ``externalId`` from a query; records a blank error if neither."""
    customer_id = query.get("id", "")
    if customer_id:
        return state.get_customer(id=customer_id), "id"
    external_id = query.get("externalId", "")
    if external_id:
        return state.get_customer(external_id=external_id), "externalId"
    errors["id"] = SHOULD_NOT_BE_BLANK
    return None, "id"


def _invalid(exc: InvalidField) -> ApiError:
    return validation_error({exc.field: exc.message})


def _rejected(exc: BookingRejected, locale: str) -> ApiError:
    reason = translate(exc.code, locale)
    return ApiError(400, reason, reason)


# -- branches and services -------------------------------------------------------------------


def list_branches(call: Call) -> Reply:
    """``GET /branches``."""
    state, locale = call.state, call.locale
    data = [
        {"id": b.id, "name": b.name(locale), "branchStatus": {"isBranchOpen": b.is_open}}
        for b in state.active_branches()
    ]
    return _success("Branches fetched successfully.", data)


def branch_tree(call: Call) -> Reply:
    """``GET /branches/{branchId}/tree``."""
    state, locale = call.state, call.locale
    tree = state.branch_tree(call.path["branchId"])
    if tree is None:
        raise not_found("Branch not found.")
    data = [
        {
            "id": node.group.id,
            "name": node.group.name(locale),
            "services": [
                {
                    "id": s.id,
                    "name": s.name(locale),
                    "isOpen": state.service_is_open(s),
                    "isAppointment": s.is_appointment,
                }
                for s in node.services
            ],
        }
        for node in tree
    ]
    return _success("Branch tree fetched successfully.", data)


def service_slots(call: Call) -> Reply:
    """``GET /services/{id}/slots?date=YYYY-MM-DD``; fully booked slots are omitted."""
    state = call.state
    service = state.find_service(call.path["id"])
    if service is None:
        raise not_found("Service not found.")
    if not service.is_appointment:
        raise validation_error({"id": "This service does not support appointment booking."})
    raw = call.query.get("date")
    today = state.today()
    day = today
    if raw is not None:
        try:
            if not _DATE.fullmatch(raw):
                raise ValueError(raw)
            day = date.fromisoformat(raw)
        except ValueError:
            raise validation_error({"date": "This value is not a valid date."}) from None
    if day < today:
        raise validation_error({"date": "This value should be today or later."})
    data = [{"time": format_time(t), "remaining": n} for t, n in state.slots(service, day)]
    return _success("Slots fetched successfully.", data)


# -- tickets ---------------------------------------------------------------------------------


def book_ticket(call: Call) -> Reply:
    """``POST /tickets/book``: walk-in without ``time``, appointment with it."""
    state, locale = call.state, call.locale
    data = _object_body(call.body)
    errors: dict[str, str] = {}
    service_id = _required_str(data, "serviceId", errors)
    group_id = _required_str(data, "groupOfServiceId", errors)
    when = _parse_time(data["time"], "time", errors) if "time" in data else None
    customer_id = _optional_str(data, "customerId", errors)
    customer_external_id = _optional_str(data, "customerExternalId", errors)
    options = data.get("options")
    if "options" in data and not isinstance(options, dict):
        errors["options"] = TYPE_OBJECT
    location = None
    if "location" in data:
        location = _parse_location(data["location"], errors)
    if errors:
        raise validation_error(errors)
    assert service_id is not None
    assert group_id is not None
    try:
        ticket = state.book_ticket(
            service_id,
            group_id,
            time=when,
            customer_id=customer_id,
            customer_external_id=customer_external_id,
            options=options,
            location=location,
        )
    except InvalidField as exc:
        raise _invalid(exc) from None
    except BookingRejected as exc:
        raise _rejected(exc, locale) from None
    message = (
        "Appointment booked successfully."
        if ticket.type == APPOINTMENT
        else "Ticket booked successfully."
    )
    return _success(message, ticket_json(state, ticket, locale), 201)


def get_ticket(call: Call) -> Reply:
    """``GET /tickets/{id}``."""
    state, locale = call.state, call.locale
    ticket = state.get_ticket(call.path["id"])
    if ticket is None:
        raise not_found("Ticket not found.")
    return _success("Ticket fetched successfully.", ticket_json(state, ticket, locale))


def cancel_ticket(call: Call) -> Reply:
    """``POST /tickets/{id}/cancel``; any request body is ignored."""
    state, locale = call.state, call.locale
    try:
        ticket = state.cancel_ticket(call.path["id"])
    except KeyError:
        raise validation_error({"id": DOES_NOT_EXIST}) from None
    except NotCancellable:
        raise ApiError(
            409,
            "Ticket cannot be cancelled.",
            "Only waiting or upcoming tickets can be cancelled.",
        ) from None
    return _success("Ticket cancelled successfully.", ticket_json(state, ticket, locale))


def change_ticket_time(call: Call) -> Reply:
    """``POST /tickets/{id}/change-time``."""
    state, locale, ticket_id = call.state, call.locale, call.path["id"]
    if state.get_ticket(ticket_id) is None:
        raise not_found("Ticket not found.")
    data = _object_body(call.body)
    errors: dict[str, str] = {}
    when = None
    if data.get("time", "") == "":
        errors["time"] = SHOULD_NOT_BE_BLANK
    else:
        when = _parse_time(data["time"], "time", errors)
    customer_id = _optional_str(data, "customerId", errors)
    customer_external_id = _optional_str(data, "customerExternalId", errors)
    if errors:
        raise validation_error(errors)
    assert when is not None
    try:
        ticket = state.reschedule_ticket(
            ticket_id,
            when,
            customer_id=customer_id,
            customer_external_id=customer_external_id,
        )
    except InvalidField as exc:
        raise _invalid(exc) from None
    except BookingRejected as exc:
        raise _rejected(exc, locale) from None
    return _success("Ticket updated successfully.", ticket_json(state, ticket, locale))


# -- customers -------------------------------------------------------------------------------


def create_customer(call: Call) -> Reply:
    """``POST /customers/create``; empty fields are not stored."""
    state = call.state
    data = _object_body(call.body)
    errors: dict[str, str] = {}
    fields = _customer_fields(data, errors)
    if errors:
        raise validation_error(errors)
    try:
        customer = state.add_customer(**{k: v for k, v in fields.items() if v is not None})
    except InvalidField as exc:
        raise _invalid(exc) from None
    return _success("Customer created successfully.", customer_json(customer), 201)


def list_customers(call: Call) -> Reply:
    """``GET /customers/getAll?page&limit``: newest-inserted first."""
    state = call.state
    errors: dict[str, str] = {}
    page, limit = _page(call.query, api.LIST_CUSTOMERS.paging, errors)
    if errors:
        raise validation_error(errors)
    customers = state.customers_page((page - 1) * limit, limit)
    return Reply(
        200,
        {
            "message": "Customers fetched successfully.",
            "data": [customer_json(c) for c in customers],
            "pagination": pagination_json(state.customer_count, page, limit),
        },
    )


def get_customer(call: Call) -> Reply:
    """``GET /customers/getOne?id|externalId``: unknown customers are a 422, not a 404."""
    errors: dict[str, str] = {}
    customer, key = _locate_customer(call.state, call.query, errors)
    if errors:
        raise validation_error(errors)
    if customer is None:
        raise validation_error({key: DOES_NOT_EXIST})
    return _success("Customer fetched successfully.", customer_json(customer))


def update_customer(call: Call) -> Reply:
    """``PUT /customers/update``: partial update located by ``id`` (wins) or ``externalId``."""
    state = call.state
    data = _object_body(call.body)
    errors: dict[str, str] = {}
    locator_id = _optional_str(data, "id", errors)
    fields = _customer_fields(data, errors)
    if errors:
        raise validation_error(errors)
    if locator_id is not None:
        customer = state.get_customer(id=locator_id)
        if customer is None:
            raise validation_error({"id": DOES_NOT_EXIST})
        # Located by id, an externalId in the body is the customer's new external id.
        new_external_id = fields.get("external_id")
        if new_external_id is not None:
            owner = state.get_customer(external_id=new_external_id)
            if owner is not None and owner.id != customer.id:
                raise validation_error({"externalId": ALREADY_TAKEN})
    elif fields.get("external_id") is not None:
        customer = state.get_customer(external_id=fields.pop("external_id"))
        if customer is None:
            raise validation_error({"externalId": DOES_NOT_EXIST})
    else:
        raise validation_error({"id": SHOULD_NOT_BE_BLANK})
    if state.vanish_on_next_update:
        # Documented race: the record disappears between lookup and write.
        state.vanish_on_next_update = False
        state.delete_customer(customer.id)
        raise ApiError(404, "Customer not found.", None)
    updated = state.update_customer(customer.id, **fields)
    return _success("Customer updated successfully.", customer_json(updated))


def delete_customer(call: Call) -> Reply:
    """``DELETE /customers/delete?id|externalId``: 200 with ``data: null``."""
    state = call.state
    errors: dict[str, str] = {}
    customer, key = _locate_customer(state, call.query, errors)
    if errors:
        raise validation_error(errors)
    if customer is None:
        raise validation_error({key: DOES_NOT_EXIST})
    state.delete_customer(customer.id)
    return _success("Customer deleted successfully.", None)


def customer_tickets(call: Call) -> Reply:
    """``GET /customers/tickets?id|externalId&page&limit``: newest first, limit 1-10."""
    state, locale = call.state, call.locale
    errors: dict[str, str] = {}
    page, limit = _page(call.query, api.CUSTOMER_TICKETS.paging, errors)
    customer, _ = _locate_customer(state, call.query, errors)
    if errors:
        raise validation_error(errors)
    if customer is None:
        raise not_found("Customer not found.")
    total, tickets = state.customer_tickets_page(customer.id, (page - 1) * limit, limit)
    return Reply(
        200,
        {
            "message": "Customer tickets fetched successfully.",
            "data": [ticket_json(state, t, locale) for t in tickets],
            "pagination": pagination_json(total, page, limit),
        },
    )


#: The function of each operation of the SDK's table, by the row's name.
HANDLERS: Final[Mapping[str, Callable[[Call], Reply]]] = {
    "branches.list": list_branches,
    "branches.tree": branch_tree,
    "services.slots": service_slots,
    "tickets.book": book_ticket,
    "tickets.get": get_ticket,
    "tickets.cancel": cancel_ticket,
    "tickets.reschedule": change_ticket_time,
    "customers.create": create_customer,
    "customers.list": list_customers,
    "customers.get": get_customer,
    "customers.update": update_customer,
    "customers.delete": delete_customer,
    "customers.tickets": customer_tickets,
}
