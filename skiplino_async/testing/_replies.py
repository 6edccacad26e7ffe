"""The fake server's answers in wire terms: the request an operation reads (:class:`Call`),
success replies and error envelopes, and the JSON form of customers, tickets and pages."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from .._wirefields import wire_fields
from .._wiretime import format_wire_time as format_time  # the SDK's own wire format
from ..models import Customer
from ._records import CustomerRecord, TicketRecord
from ._rules import MINUTES_PER_TICKET
from ._state import FakeState

Json = dict[str, Any]
Query = Mapping[str, str]

VALIDATION_MESSAGE: Final = "The given data was invalid."


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


def success(message: str, data: Any, status: int = 200) -> Reply:
    return Reply(status, {"message": message, "data": data})


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


def page_reply(message: str, data: list[Json], total: int, page: int, limit: int) -> Reply:
    """A list's success: one page of ``total`` items, with its ``pagination`` block."""
    return Reply(
        200, {"message": message, "data": data, "pagination": pagination_json(total, page, limit)}
    )


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
