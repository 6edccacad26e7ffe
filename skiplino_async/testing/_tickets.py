"""The fake company's tickets: walk-in queues, appointment slots and the ticket state machine."""

from __future__ import annotations

import random
import string
from bisect import bisect_left
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any, Final

from ._catalogue import Catalogue
from ._customers import CustomerStore
from ._records import COMPANY_TZ, CustomerRecord, ServiceRecord, TicketRecord, truncate_ms
from ._rules import (
    APPOINTMENT,
    CANCELLED,
    DOES_NOT_EXIST,
    SHOULD_NOT_BE_BLANK,
    UPCOMING,
    WAITING,
    WALK_IN,
    BookingRejected,
    InvalidField,
    NotCancellable,
)

#: Appointment slots: every 30 minutes from 09:00 to 17:00 (last slot 16:30), company time.
SLOT_TIMES: Final = tuple(time(9 + k // 2, 30 * (k % 2)) for k in range(16))

_TICKET_ALPHABET = string.ascii_lowercase + string.digits


class TicketStore:
    """Tickets in creation order, the waiting queue of each service and each slot's bookings.

    Services come from ``catalogue``, customers from ``customers``; ``now`` is the clock.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        customers: CustomerStore,
        now: Callable[[], datetime],
        seed: int,
    ) -> None:
        self._catalogue = catalogue
        self._customers = customers
        self._now = now
        #: Number of tickets ever created (compare with client-side booking successes).
        self.tickets_created = 0
        self._tickets: dict[str, TicketRecord] = {}
        self._tickets_by_customer: dict[str, list[TicketRecord]] = {}
        self._ticket_rng = random.Random(f"tickets:{seed}")
        self._number_counters: dict[tuple[str, str], int] = {}
        # Per service: sorted queue keys of its waiting tickets; queueSize is a rank in it.
        self._queues: dict[str, list[int]] = {}
        self._queue_counter = 0
        self._slot_bookings: dict[tuple[str, datetime], int] = {}

    @property
    def tickets(self) -> list[TicketRecord]:
        """Every ticket ever created, oldest first."""
        return list(self._tickets.values())

    def get_ticket(self, ticket_id: str) -> TicketRecord | None:
        """The ticket with this id, or ``None``."""
        return self._tickets.get(ticket_id)

    def customer_tickets(self, customer_id: str) -> list[TicketRecord]:
        """A customer's tickets, newest first (the list order of ``GET /customers/tickets``)."""
        return self._tickets_by_customer.get(customer_id, [])[::-1]

    def customer_tickets_page(
        self, customer_id: str, offset: int, limit: int
    ) -> tuple[int, list[TicketRecord]]:
        """``(total, page)`` of a customer's tickets, newest first; O(limit)."""
        tickets = self._tickets_by_customer.get(customer_id, [])
        end = len(tickets) - offset  # stored oldest first
        return len(tickets), tickets[max(end - limit, 0) : max(end, 0)][::-1]

    def queue_size(self, ticket: TicketRecord) -> int | None:
        """People ahead of a waiting ticket in its service's queue; ``None`` if not waiting."""
        if ticket.status != WAITING or ticket.queue_seq is None:
            return None
        return bisect_left(self._queues.get(ticket.service_id, []), ticket.queue_seq)

    def slot_times(self, day: date) -> list[datetime]:
        """All slot start times (UTC) of ``day`` in company time, booked or not."""
        return [datetime.combine(day, t, COMPANY_TZ).astimezone(UTC) for t in SLOT_TIMES]

    def is_slot_time(self, when: datetime) -> bool:
        """Whether ``when`` is the start of a slot (any day)."""
        local = when.astimezone(COMPANY_TZ)
        return (
            local.second == 0
            and local.microsecond == 0
            and local.timetz().replace(tzinfo=None) in SLOT_TIMES
        )

    def slot_remaining(self, service: ServiceRecord, when: datetime) -> int:
        """Places left in the slot of ``service`` starting at ``when``."""
        booked = self._slot_bookings.get((service.id, when.astimezone(UTC)), 0)
        return max(service.slot_capacity - booked, 0)

    def slots(self, service: ServiceRecord, day: date) -> list[tuple[datetime, int]]:
        """Bookable ``(time, remaining)`` slots of ``day``: future only, full slots omitted."""
        now = self._now()
        result = []
        for when in self.slot_times(day):
            remaining = self.slot_remaining(service, when)
            if when > now and remaining > 0:
                result.append((when, remaining))
        return result

    def _holds_slot(self, ticket: TicketRecord) -> bool:
        return ticket.type == APPOINTMENT and ticket.time is not None and ticket.status != CANCELLED

    def _adjust_slot(self, ticket: TicketRecord, delta: int) -> None:
        assert ticket.time is not None
        key = (ticket.service_id, ticket.time)
        self._slot_bookings[key] = self._slot_bookings.get(key, 0) + delta

    def _set_status(self, ticket: TicketRecord, status: str, *, new: bool = False) -> None:
        """Move a ticket to ``status``, keeping queues and slot bookings consistent."""
        was_waiting = not new and ticket.status == WAITING
        held = not new and self._holds_slot(ticket)
        ticket.status = status
        ticket.status_at = self._now()
        if was_waiting and status != WAITING and ticket.queue_seq is not None:
            queue = self._queues[ticket.service_id]
            del queue[bisect_left(queue, ticket.queue_seq)]
            ticket.queue_seq = None
        elif status == WAITING and not was_waiting:
            # A (re-)entered waiting ticket joins the end of its service's queue.
            self._queue_counter += 1
            ticket.queue_seq = self._queue_counter
            self._queues.setdefault(ticket.service_id, []).append(self._queue_counter)
        holds = self._holds_slot(ticket)
        if holds != held:
            self._adjust_slot(ticket, 1 if holds else -1)

    def _resolve_customer(
        self, customer_id: str | None, customer_external_id: str | None, *, required: bool
    ) -> CustomerRecord | None:
        """Apply the "exactly one" (or "at most one") customer identifier rule."""
        if customer_id and customer_external_id:
            raise InvalidField(
                "customerId", "Provide either customerId or customerExternalId, not both."
            )
        if customer_id:
            customer = self._customers.get_customer(id=customer_id)
            if customer is None:
                raise InvalidField("customerId", DOES_NOT_EXIST)
            return customer
        if customer_external_id:
            customer = self._customers.get_customer(external_id=customer_external_id)
            if customer is None:
                raise InvalidField("customerExternalId", DOES_NOT_EXIST)
            return customer
        if required:
            raise InvalidField("customerId", SHOULD_NOT_BE_BLANK)
        return None

    def _check_appointment_time(self, when: datetime) -> None:
        # All services share one slot grid, so the service does not matter here.
        if when <= self._now():
            raise InvalidField("time", "This value should be in the future.")
        if not self.is_slot_time(when):
            raise InvalidField("time", "This value is not a slot time of this service.")

    def _new_ticket_id(self) -> str:
        while True:
            ticket_id = "".join(self._ticket_rng.choices(_TICKET_ALPHABET, k=10))
            if ticket_id not in self._tickets:
                return ticket_id

    def _next_number(self, service: ServiceRecord, kind: str) -> str:
        key = (service.id, kind)
        self._number_counters[key] = count = self._number_counters.get(key, 0) + 1
        prefix = "A" if kind == APPOINTMENT else service.prefix
        return f"{prefix}{count:03d}"

    def book_ticket(
        self,
        service_id: str,
        group_of_service_id: str | None = None,
        *,
        time: datetime | None = None,
        customer_id: str | None = None,
        customer_external_id: str | None = None,
        options: Mapping[str, Any] | None = None,
        location: Mapping[str, float] | None = None,
    ) -> TicketRecord:
        """Book a walk-in (no ``time``) or an appointment, applying the API's rules.

        Raises :class:`InvalidField` (422) or :class:`BookingRejected` (400).
        ``group_of_service_id`` defaults to the service's own group.
        """
        appointment = time is not None
        service = self._bookable_service(service_id, group_of_service_id, appointment)
        customer = self._resolve_customer(customer_id, customer_external_id, required=appointment)
        if time is not None:
            time = self._free_slot(service, time)
        else:
            self._check_open(service)
        ticket = self._new_ticket(service, time, customer, options, location)
        self._set_status(ticket, UPCOMING if appointment else WAITING, new=True)
        self._tickets[ticket.id] = ticket
        if customer is not None:
            self._tickets_by_customer.setdefault(customer.id, []).append(ticket)
        self.tickets_created += 1
        return ticket

    def _bookable_service(
        self, service_id: str, group_of_service_id: str | None, appointment: bool
    ) -> ServiceRecord:
        """The active service booked, in the group named (if one is), taking appointments
        if this is one."""
        service = self._catalogue.find_service(service_id)
        if service is None:
            raise InvalidField("serviceId", DOES_NOT_EXIST)
        if group_of_service_id is not None and group_of_service_id != service.group_id:
            group = self._catalogue.groups.get(group_of_service_id)
            if group is None or not group.active:
                raise InvalidField("groupOfServiceId", DOES_NOT_EXIST)
            raise InvalidField("groupOfServiceId", "This service does not belong to this group.")
        if appointment and not service.is_appointment:
            raise InvalidField("serviceId", "This service does not support appointment booking.")
        return service

    def _free_slot(self, service: ServiceRecord, when: datetime) -> datetime:
        """``when`` in UTC, a future slot time of ``service`` with a place left."""
        when = truncate_ms(when.astimezone(UTC))
        self._check_appointment_time(when)
        if self.slot_remaining(service, when) <= 0:
            raise BookingRejected("slot_unavailable")
        return when

    def _check_open(self, service: ServiceRecord) -> None:
        # Opening state only gates the live queue; appointments are governed by slots.
        if not self._catalogue.branch_of(service).is_open:
            raise BookingRejected("branch_closed")
        if not service.is_open:
            raise BookingRejected("service_closed")

    def _new_ticket(
        self,
        service: ServiceRecord,
        when: datetime | None,
        customer: CustomerRecord | None,
        options: Mapping[str, Any] | None,
        location: Mapping[str, float] | None,
    ) -> TicketRecord:
        kind = APPOINTMENT if when is not None else WALK_IN
        now = self._now()
        return TicketRecord(
            id=self._new_ticket_id(),
            number=self._next_number(service, kind),
            type=kind,
            status="",
            status_at=now,
            booked_at=now,
            branch_id=self._catalogue.branch_of(service).id,
            group_id=service.group_id,
            service_id=service.id,
            time=when,
            customer_id=customer.id if customer else None,
            customer_name=customer.name if customer else None,
            options=dict(options) if options is not None else None,
            location=dict(location) if location is not None else None,
        )

    def cancel_ticket(self, ticket_id: str) -> TicketRecord:
        """Cancel a waiting or upcoming ticket, freeing its queue place or slot.

        Raises :class:`KeyError` (unknown) or :class:`NotCancellable` (other statuses).
        """
        ticket = self._tickets[ticket_id]
        if ticket.status not in (WAITING, UPCOMING):
            raise NotCancellable(ticket.status)
        self._set_status(ticket, CANCELLED)
        return ticket

    def reschedule_ticket(
        self,
        ticket_id: str,
        time: datetime,
        *,
        customer_id: str | None = None,
        customer_external_id: str | None = None,
    ) -> TicketRecord:
        """Move an appointment to another slot; the customer must be the ticket's customer.

        Raises :class:`KeyError`, :class:`InvalidField` (422) or :class:`BookingRejected` (400).
        """
        ticket = self._tickets[ticket_id]
        if ticket.type != APPOINTMENT:
            raise InvalidField("id", "This ticket is not an appointment.")
        if ticket.status not in (WAITING, UPCOMING):
            raise InvalidField("id", "Only waiting or upcoming appointments can be rescheduled.")
        customer = self._resolve_customer(customer_id, customer_external_id, required=True)
        assert customer is not None
        if customer.id != ticket.customer_id:
            field = "customerId" if customer_id else "customerExternalId"
            raise InvalidField(field, "This customer does not match the ticket's customer.")
        service = self._catalogue.services[ticket.service_id]
        time = truncate_ms(time.astimezone(UTC))
        self._check_appointment_time(time)
        if time == ticket.time:
            return ticket
        if self.slot_remaining(service, time) <= 0:
            raise BookingRejected("slot_unavailable")
        self._adjust_slot(ticket, -1)
        ticket.time = time
        self._adjust_slot(ticket, 1)
        return ticket

    def set_ticket_status(self, ticket_id: str, status: str) -> TicketRecord:
        """Force a ticket into any status (e.g. ``serving``/``served``), as staff would.

        Leaving ``waiting`` frees the queue place; ``cancelled`` frees an appointment's slot.
        """
        ticket = self._tickets[ticket_id]
        if status != ticket.status:
            self._set_status(ticket, status)
        return ticket
