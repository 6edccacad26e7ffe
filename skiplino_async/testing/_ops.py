"""The API operations in wire terms: input validation, state calls, JSON envelopes.

Pure functions of a :class:`Call` (the state, the locale, the path parameters, the query and
the parsed JSON body): a :class:`Reply` out, or an :class:`ApiError` raised. No HTTP library
is involved. :data:`HANDLERS` maps each row of the SDK's table of operations to its function.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Final

from .._operations import CUSTOMER_TICKETS, LIST_CUSTOMERS
from .._wiretime import format_wire_time as format_time  # the SDK's own wire format
from ._inputs import (
    TYPE_OBJECT,
    customer_fields,
    invalid,
    locate_customer,
    object_body,
    optional_str,
    page_and_limit,
    parse_location,
    parse_time,
    rejected,
    required_str,
)
from ._replies import (
    ApiError,
    Call,
    Reply,
    customer_json,
    not_found,
    page_reply,
    success,
    ticket_json,
    validation_error,
)
from ._rules import (
    ALREADY_TAKEN,
    APPOINTMENT,
    DOES_NOT_EXIST,
    SHOULD_NOT_BE_BLANK,
    BookingRejected,
    InvalidField,
    NotCancellable,
)

__all__ = ["HANDLERS", "ApiError", "Call", "Reply", "validation_error"]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# -- branches and services -------------------------------------------------------------------


def list_branches(call: Call) -> Reply:
    """``GET /branches``."""
    state, locale = call.state, call.locale
    data = [
        {"id": b.id, "name": b.name(locale), "branchStatus": {"isBranchOpen": b.is_open}}
        for b in state.active_branches()
    ]
    return success("Branches fetched successfully.", data)


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
    return success("Branch tree fetched successfully.", data)


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
    return success("Slots fetched successfully.", data)


# -- tickets ---------------------------------------------------------------------------------


def book_ticket(call: Call) -> Reply:
    """``POST /tickets/book``: walk-in without ``time``, appointment with it."""
    state, locale = call.state, call.locale
    data = object_body(call.body)
    errors: dict[str, str] = {}
    service_id = required_str(data, "serviceId", errors)
    group_id = required_str(data, "groupOfServiceId", errors)
    when = parse_time(data["time"], "time", errors) if "time" in data else None
    customer_id = optional_str(data, "customerId", errors)
    customer_external_id = optional_str(data, "customerExternalId", errors)
    options = data.get("options")
    if "options" in data and not isinstance(options, dict):
        errors["options"] = TYPE_OBJECT
    location = None
    if "location" in data:
        location = parse_location(data["location"], errors)
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
        raise invalid(exc) from None
    except BookingRejected as exc:
        raise rejected(exc, locale) from None
    message = (
        "Appointment booked successfully."
        if ticket.type == APPOINTMENT
        else "Ticket booked successfully."
    )
    return success(message, ticket_json(state, ticket, locale), 201)


def get_ticket(call: Call) -> Reply:
    """``GET /tickets/{id}``."""
    state, locale = call.state, call.locale
    ticket = state.get_ticket(call.path["id"])
    if ticket is None:
        raise not_found("Ticket not found.")
    return success("Ticket fetched successfully.", ticket_json(state, ticket, locale))


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
    return success("Ticket cancelled successfully.", ticket_json(state, ticket, locale))


def change_ticket_time(call: Call) -> Reply:
    """``POST /tickets/{id}/change-time``."""
    state, locale, ticket_id = call.state, call.locale, call.path["id"]
    if state.get_ticket(ticket_id) is None:
        raise not_found("Ticket not found.")
    data = object_body(call.body)
    errors: dict[str, str] = {}
    when = None
    if data.get("time", "") == "":
        errors["time"] = SHOULD_NOT_BE_BLANK
    else:
        when = parse_time(data["time"], "time", errors)
    customer_id = optional_str(data, "customerId", errors)
    customer_external_id = optional_str(data, "customerExternalId", errors)
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
        raise invalid(exc) from None
    except BookingRejected as exc:
        raise rejected(exc, locale) from None
    return success("Ticket updated successfully.", ticket_json(state, ticket, locale))


# -- customers -------------------------------------------------------------------------------


def create_customer(call: Call) -> Reply:
    """``POST /customers/create``; empty fields are not stored."""
    state = call.state
    data = object_body(call.body)
    errors: dict[str, str] = {}
    fields = customer_fields(data, errors)
    if errors:
        raise validation_error(errors)
    try:
        customer = state.add_customer(**{k: v for k, v in fields.items() if v is not None})
    except InvalidField as exc:
        raise invalid(exc) from None
    return success("Customer created successfully.", customer_json(customer), 201)


def list_customers(call: Call) -> Reply:
    """``GET /customers/getAll?page&limit``: newest-inserted first."""
    state = call.state
    errors: dict[str, str] = {}
    page, limit = page_and_limit(call.query, LIST_CUSTOMERS.paging, errors)
    if errors:
        raise validation_error(errors)
    data = [customer_json(c) for c in state.customers_page((page - 1) * limit, limit)]
    return page_reply("Customers fetched successfully.", data, state.customer_count, page, limit)


def get_customer(call: Call) -> Reply:
    """``GET /customers/getOne?id|externalId``: unknown customers are a 422, not a 404."""
    errors: dict[str, str] = {}
    customer, key = locate_customer(call.state, call.query, errors)
    if errors:
        raise validation_error(errors)
    if customer is None:
        raise validation_error({key: DOES_NOT_EXIST})
    return success("Customer fetched successfully.", customer_json(customer))


def update_customer(call: Call) -> Reply:
    """``PUT /customers/update``: partial update located by ``id`` (wins) or ``externalId``."""
    state = call.state
    data = object_body(call.body)
    errors: dict[str, str] = {}
    locator_id = optional_str(data, "id", errors)
    fields = customer_fields(data, errors)
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
    return success("Customer updated successfully.", customer_json(updated))


def delete_customer(call: Call) -> Reply:
    """``DELETE /customers/delete?id|externalId``: 200 with ``data: null``."""
    state = call.state
    errors: dict[str, str] = {}
    customer, key = locate_customer(state, call.query, errors)
    if errors:
        raise validation_error(errors)
    if customer is None:
        raise validation_error({key: DOES_NOT_EXIST})
    state.delete_customer(customer.id)
    return success("Customer deleted successfully.", None)


def customer_tickets(call: Call) -> Reply:
    """``GET /customers/tickets?id|externalId&page&limit``: newest first, limit 1-10."""
    state, locale = call.state, call.locale
    errors: dict[str, str] = {}
    page, limit = page_and_limit(call.query, CUSTOMER_TICKETS.paging, errors)
    customer, _ = locate_customer(state, call.query, errors)
    if errors:
        raise validation_error(errors)
    if customer is None:
        raise not_found("Customer not found.")
    total, tickets = state.customer_tickets_page(customer.id, (page - 1) * limit, limit)
    data = [ticket_json(state, t, locale) for t in tickets]
    return page_reply("Customer tickets fetched successfully.", data, total, page, limit)


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
