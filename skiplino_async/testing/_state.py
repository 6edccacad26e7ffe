"""In-memory state and business rules of the fake Skiplino server (no HTTP in here).

Tests may use :class:`FakeState` directly to arrange data ("drift" during an export, moving a
ticket to ``served``, closing a service) and to inspect what the SDK did.
"""

from __future__ import annotations

import random
import string
from bisect import bisect_left, insort
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Final

from ._records import (
    COMPANY_TZ,
    BranchRecord,
    CustomerRecord,
    GroupRecord,
    ServiceRecord,
    TicketRecord,
    truncate_ms,
)
from ._seed import COMPANY_ID, SeedCustomers, api_keys, catalogue

WALK_IN: Final = "sequential"
APPOINTMENT: Final = "appointment"
WAITING: Final = "waiting"
UPCOMING: Final = "upcoming"
CANCELLED: Final = "cancelled"

#: Estimated minutes per person ahead in a walk-in queue (``waitingTime = queueSize * 3``).
MINUTES_PER_TICKET: Final = 3

#: Appointment slots: every 30 minutes from 09:00 to 17:00 (last slot 16:30), company time.
SLOT_TIMES: Final = tuple(time(9 + k // 2, 30 * (k % 2)) for k in range(16))

DOES_NOT_EXIST: Final = "This value does not exist."
SHOULD_NOT_BE_BLANK: Final = "This value should not be blank."
ALREADY_TAKEN: Final = "This value is already taken."

_TICKET_ALPHABET = string.ascii_lowercase + string.digits
_CUSTOMER_FIELDS = frozenset({"external_id", "name", "email", "mobile", "metadata"})


class InvalidField(ValueError):
    """A semantic validation failure on one request field (served as HTTP 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class BookingRejected(Exception):
    """A booking business rule failed (served as HTTP 400 with a localized reason)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        #: A key of ``_i18n.MESSAGES``: ``branch_closed``, ``service_closed``, ``slot_unavailable``.
        self.code = code


class NotCancellable(Exception):
    """The ticket is in a status that cannot be cancelled (served as HTTP 409)."""


@dataclass(frozen=True, slots=True)
class TreeGroup:
    """A group of a branch's service tree with its listed (active) services."""

    group: GroupRecord
    services: list[ServiceRecord]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class FakeState:
    """Everything the fake server knows: catalogue, customers, tickets and slot bookings.

    ``customers`` seed customers are generated lazily from ``seed``; the same ``seed`` always
    gives the same ids, keys and data. ``clock`` (returning an aware datetime) replaces the real
    clock, e.g. to pin "today" for slot tests. Records returned by the methods are for reading:
    change state through the methods.
    """

    def __init__(
        self,
        customers: int = 137,
        seed: int = 0,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.seed = seed
        self.company_id = COMPANY_ID
        self._clock = clock or _utc_now
        secret, public = api_keys(seed)
        #: Accepted API keys and their kind (``"secret"`` or ``"public"``); tests may add keys.
        self.api_keys: dict[str, str] = {secret: "secret", public: "public"}
        self.secret_key = secret
        self.public_key = public
        branches, groups, services = catalogue()
        self.branches: dict[str, BranchRecord] = {b.id: b for b in branches}
        self.groups: dict[str, GroupRecord] = {g.id: g for g in groups}
        self.services: dict[str, ServiceRecord] = {s.id: s for s in services}
        #: Test hook: the next valid customer update finds its record deleted just before the
        #: write, as the API documents (HTTP 404 with ``error: null``). Reset when it fires.
        self.vanish_on_next_update = False
        #: Number of tickets ever created (compare with client-side booking successes).
        self.tickets_created = 0

        # Customers: a sequence number per insertion; seed customer i has seq i. Only records
        # that were written to (updated seed customers, created ones) are stored.
        self._seed_customers = SeedCustomers(customers, seed)
        self._next_seq = customers
        self._records: dict[int, CustomerRecord] = {}
        self._seq_by_id: dict[str, int] = {}
        self._seq_by_external_id: dict[str, int] = {}
        self._deleted: list[int] = []  # sorted, for O(log n) rank queries
        self._deleted_set: set[int] = set()
        self._customer_rng = random.Random(f"customers:{seed}")

        # Tickets, in creation order.
        self._tickets: dict[str, TicketRecord] = {}
        self._tickets_by_customer: dict[str, list[TicketRecord]] = {}
        self._ticket_rng = random.Random(f"tickets:{seed}")
        self._number_counters: dict[tuple[str, str], int] = {}
        # Per service: sorted queue keys of its waiting tickets; queueSize is a rank in it.
        self._queues: dict[str, list[int]] = {}
        self._queue_counter = 0
        self._slot_bookings: dict[tuple[str, datetime], int] = {}

    # -- clock -------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The current time (UTC, millisecond precision) from the configured clock."""
        return truncate_ms(self._clock().astimezone(UTC))

    def today(self) -> date:
        """Today's date in the company timezone (UTC+03:00)."""
        return self.now().astimezone(COMPANY_TZ).date()

    # -- catalogue ---------------------------------------------------------------------------

    def active_branches(self) -> list[BranchRecord]:
        """Branches that ``GET /branches`` lists (inactive ones never appear)."""
        return [b for b in self.branches.values() if b.active]

    def branch_tree(self, branch_id: str) -> list[TreeGroup] | None:
        """The service tree of an active branch, or ``None`` for an unknown/inactive branch.

        Inactive groups and services are left out, and so are groups left without services.
        """
        branch = self.branches.get(branch_id)
        if branch is None or not branch.active:
            return None
        tree = []
        for group in self.groups.values():
            if group.branch_id != branch_id or not group.active:
                continue
            services = [s for s in self.services.values() if s.group_id == group.id and s.active]
            if services:
                tree.append(TreeGroup(group, services))
        return tree

    def find_service(self, service_id: str) -> ServiceRecord | None:
        """An active service of an active group and branch, else ``None``."""
        service = self.services.get(service_id)
        if service is None or not service.active:
            return None
        group = self.groups[service.group_id]
        if not group.active or not self.branches[group.branch_id].active:
            return None
        return service

    def service_is_open(self, service: ServiceRecord) -> bool:
        """``isOpen``: the service takes walk-ins right now (its branch must be open too)."""
        return service.is_open and self.branch_of(service).is_open

    def group_of(self, service: ServiceRecord) -> GroupRecord:
        """The group a service belongs to."""
        return self.groups[service.group_id]

    def branch_of(self, service: ServiceRecord) -> BranchRecord:
        """The branch a service belongs to."""
        return self.branches[self.groups[service.group_id].branch_id]

    def set_service_open(self, service_id: str, is_open: bool) -> None:
        """Open or close a service (closed services reject walk-ins with HTTP 400)."""
        self.services[service_id].is_open = is_open

    def set_branch_open(self, branch_id: str, is_open: bool) -> None:
        """Open or close a branch (closed branches reject walk-ins with HTTP 400)."""
        self.branches[branch_id].is_open = is_open

    # -- customers ---------------------------------------------------------------------------

    @property
    def customer_count(self) -> int:
        """Number of customers currently stored."""
        return self._next_seq - len(self._deleted)

    def _live(self, seq: int) -> bool:
        return seq not in self._deleted_set

    def _record(self, seq: int) -> CustomerRecord:
        stored = self._records.get(seq)
        return stored if stored is not None else self._seed_customers.generate(seq)

    def _seq_of_id(self, customer_id: str) -> int | None:
        seq = self._seq_by_id.get(customer_id)
        if seq is not None:
            return seq
        # A seed customer never written to: decode its index from the id.
        seq = self._seed_customers.index_of_id(customer_id)
        if seq is None or seq in self._records or not self._live(seq):
            return None
        return seq

    def _seq_of_external_id(self, external_id: str) -> int | None:
        seq = self._seq_by_external_id.get(external_id)
        if seq is not None:
            return seq
        seq = self._seed_customers.index_of_external_id(external_id)
        if seq is None or seq in self._records or not self._live(seq):
            return None
        return seq

    def get_customer(
        self, id: str | None = None, external_id: str | None = None
    ) -> CustomerRecord | None:
        """The customer with ``id`` (which wins) or ``external_id``, or ``None``."""
        if id:
            seq = self._seq_of_id(id)
        elif external_id:
            seq = self._seq_of_external_id(external_id)
        else:
            return None
        return None if seq is None else self._record(seq)

    def _unindex(self, seq: int) -> None:
        stored = self._records.pop(seq, None)
        if stored is not None:
            del self._seq_by_id[stored.id]
            if stored.external_id is not None:
                del self._seq_by_external_id[stored.external_id]

    def _store(self, record: CustomerRecord) -> None:
        self._records[record.seq] = record
        self._seq_by_id[record.id] = record.seq
        if record.external_id is not None:
            self._seq_by_external_id[record.external_id] = record.seq

    def add_customer(
        self,
        *,
        external_id: str | None = None,
        name: str | None = None,
        email: str | None = None,
        mobile: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> CustomerRecord:
        """Insert a customer as the newest one (it becomes the first item of page 1).

        Raises :class:`InvalidField` when ``external_id`` is already taken.
        """
        if external_id and self._seq_of_external_id(external_id) is not None:
            raise InvalidField("externalId", ALREADY_TAKEN)
        customer_id = f"{self._customer_rng.getrandbits(128):032x}"
        while self._seq_of_id(customer_id) is not None:
            customer_id = f"{self._customer_rng.getrandbits(128):032x}"
        now = self.now()
        record = CustomerRecord(
            id=customer_id,
            company_id=self.company_id,
            created_at=now,
            updated_at=now,
            external_id=external_id or None,
            name=name or None,
            email=email or None,
            mobile=mobile or None,
            metadata=dict(metadata) if metadata else None,
            seq=self._next_seq,
        )
        self._next_seq += 1
        self._store(record)
        return record

    def update_customer(self, customer_id: str, **changes: Any) -> CustomerRecord:
        """Change the given fields (``external_id``, ``name``, ``email``, ``mobile``,
        ``metadata``) of a customer; ``None`` or empty removes a field. Bumps ``updated_at``.

        Raises :class:`KeyError` for an unknown customer and :class:`InvalidField` when the new
        ``external_id`` belongs to another customer.
        """
        unknown = set(changes) - _CUSTOMER_FIELDS
        if unknown:
            raise TypeError(f"unknown customer fields: {sorted(unknown)}")
        seq = self._seq_of_id(customer_id)
        if seq is None:
            raise KeyError(customer_id)
        new_external_id = changes.get("external_id")
        if new_external_id:
            owner = self._seq_of_external_id(new_external_id)
            if owner is not None and owner != seq:
                raise InvalidField("externalId", ALREADY_TAKEN)
        record = self._record(seq)
        self._unindex(seq)  # before the external id changes
        for field, value in changes.items():
            if field == "metadata":
                value = dict(value) if value else None
            setattr(record, field, value if value not in ("", None) else None)
        record.updated_at = self.now()
        self._store(record)
        return record

    def delete_customer(self, customer_id: str) -> bool:
        """Delete a customer (its tickets stay); ``False`` if there was no such customer.

        Every later customer moves one place up in the newest-first list.
        """
        seq = self._seq_of_id(customer_id)
        if seq is None:
            return False
        self._unindex(seq)
        insort(self._deleted, seq)
        self._deleted_set.add(seq)
        return True

    def _seq_at(self, position: int) -> int:
        """The sequence number at ``position`` (0 = newest) of the live list; O(log^2 n)."""
        top = self._next_seq
        deleted = self._deleted
        if not deleted:
            return top - 1 - position

        def live_from(seq: int) -> int:  # live customers with sequence number >= seq
            return (top - seq) - (len(deleted) - bisect_left(deleted, seq))

        # The largest seq with at least position + 1 live customers at or above it is live
        # and has exactly ``position`` live customers above it.
        lo, hi = 0, top - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if live_from(mid) > position:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def customers_page(self, offset: int, limit: int) -> list[CustomerRecord]:
        """Up to ``limit`` customers, newest first, skipping ``offset``; O(limit)."""
        if offset >= self.customer_count or limit <= 0:
            return []
        page: list[CustomerRecord] = []
        seq = self._seq_at(offset)
        while seq >= 0 and len(page) < limit:
            if self._live(seq):
                page.append(self._record(seq))
            seq -= 1
        return page

    def iter_customers(self) -> Iterator[CustomerRecord]:
        """All customers, newest first, generated lazily."""
        for seq in range(self._next_seq - 1, -1, -1):
            if self._live(seq):
                yield self._record(seq)

    # -- tickets -----------------------------------------------------------------------------

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

    # -- slots -------------------------------------------------------------------------------

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
        now = self.now()
        result = []
        for when in self.slot_times(day):
            remaining = self.slot_remaining(service, when)
            if when > now and remaining > 0:
                result.append((when, remaining))
        return result

    # -- ticket state machine ----------------------------------------------------------------

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
        ticket.status_at = self.now()
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
            customer = self.get_customer(id=customer_id)
            if customer is None:
                raise InvalidField("customerId", DOES_NOT_EXIST)
            return customer
        if customer_external_id:
            customer = self.get_customer(external_id=customer_external_id)
            if customer is None:
                raise InvalidField("customerExternalId", DOES_NOT_EXIST)
            return customer
        if required:
            raise InvalidField("customerId", SHOULD_NOT_BE_BLANK)
        return None

    def _check_appointment_time(self, when: datetime) -> None:
        # All services share one slot grid, so the service does not matter here.
        if when <= self.now():
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
        service = self.find_service(service_id)
        if service is None:
            raise InvalidField("serviceId", DOES_NOT_EXIST)
        if group_of_service_id is not None and group_of_service_id != service.group_id:
            group = self.groups.get(group_of_service_id)
            if group is None or not group.active:
                raise InvalidField("groupOfServiceId", DOES_NOT_EXIST)
            raise InvalidField("groupOfServiceId", "This service does not belong to this group.")
        appointment = time is not None
        if appointment and not service.is_appointment:
            raise InvalidField("serviceId", "This service does not support appointment booking.")
        customer = self._resolve_customer(customer_id, customer_external_id, required=appointment)
        if time is not None:
            time = truncate_ms(time.astimezone(UTC))
            self._check_appointment_time(time)
            if self.slot_remaining(service, time) <= 0:
                raise BookingRejected("slot_unavailable")
        else:
            # Opening state only gates the live queue; appointments are governed by slots.
            if not self.branch_of(service).is_open:
                raise BookingRejected("branch_closed")
            if not service.is_open:
                raise BookingRejected("service_closed")

        kind = APPOINTMENT if appointment else WALK_IN
        now = self.now()
        ticket = TicketRecord(
            id=self._new_ticket_id(),
            number=self._next_number(service, kind),
            type=kind,
            status="",
            status_at=now,
            booked_at=now,
            branch_id=self.branch_of(service).id,
            group_id=service.group_id,
            service_id=service.id,
            time=time,
            customer_id=customer.id if customer else None,
            customer_name=customer.name if customer else None,
            options=dict(options) if options is not None else None,
            location=dict(location) if location is not None else None,
        )
        self._set_status(ticket, UPCOMING if appointment else WAITING, new=True)
        self._tickets[ticket.id] = ticket
        if customer is not None:
            self._tickets_by_customer.setdefault(customer.id, []).append(ticket)
        self.tickets_created += 1
        return ticket

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
        service = self.services[ticket.service_id]
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


__all__ = [
    "APPOINTMENT",
    "BookingRejected",
    "CANCELLED",
    "FakeState",
    "InvalidField",
    "NotCancellable",
    "TreeGroup",
    "UPCOMING",
    "WAITING",
    "WALK_IN",
]
