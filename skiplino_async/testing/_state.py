"""In-memory state of the fake Skiplino server (no HTTP in here): three stores and a clock.

The catalogue (:mod:`._catalogue`), the customer directory (:mod:`._customers`) and the tickets
with their queues and slots (:mod:`._tickets`) each keep their own records; :class:`FakeState`
holds them with the keys and the clock. Tests may use it directly to arrange data ("drift"
during an export, moving a ticket to ``served``, closing a service) and to inspect what the
SDK did.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from ._catalogue import Catalogue, TreeGroup
from ._customers import CustomerStore
from ._records import COMPANY_TZ, TicketRecord, truncate_ms
from ._rules import (
    ALREADY_TAKEN,
    APPOINTMENT,
    CANCELLED,
    DOES_NOT_EXIST,
    MINUTES_PER_TICKET,
    SHOULD_NOT_BE_BLANK,
    UPCOMING,
    WAITING,
    WALK_IN,
    BookingRejected,
    InvalidField,
    NotCancellable,
)
from ._seed import COMPANY_ID, api_keys
from ._tickets import SLOT_TIMES, TicketStore


def _utc_now() -> datetime:
    return datetime.now(UTC)


class FakeState:
    """Everything the fake server knows: catalogue, customers, tickets and slot bookings.

    ``customers`` seed customers are generated lazily from ``seed``; the same ``seed`` always
    gives the same ids, keys and data. ``clock`` (returning an aware datetime) replaces the real
    clock, e.g. to pin "today" for slot tests. Records returned by the methods are for reading:
    change state through the methods. The stores' methods are the state's own
    (``state.add_customer`` is ``state.customer_store.add_customer``).
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
        #: Test hook: the next valid customer update finds its record deleted just before the
        #: write, as the API documents (HTTP 404 with ``error: null``). Reset when it fires.
        self.vanish_on_next_update = False
        self.catalogue = Catalogue()
        self.customer_store = CustomerStore(customers, seed, self.company_id, self.now)
        self.ticket_store = TicketStore(self.catalogue, self.customer_store, self.now, seed)
        self._expose(self.catalogue, self.customer_store, self.ticket_store)

    def _expose(self, catalogue: Catalogue, customers: CustomerStore, tickets: TicketStore) -> None:
        """The stores' records and operations, reachable on the state itself."""
        self.branches, self.groups, self.services = (
            catalogue.branches, catalogue.groups, catalogue.services,
        )  # fmt: skip
        self.active_branches = catalogue.active_branches
        self.branch_tree = catalogue.branch_tree
        self.find_service = catalogue.find_service
        self.service_is_open = catalogue.service_is_open
        self.group_of = catalogue.group_of
        self.branch_of = catalogue.branch_of
        self.set_service_open = catalogue.set_service_open
        self.set_branch_open = catalogue.set_branch_open
        self.get_customer = customers.get_customer
        self.add_customer = customers.add_customer
        self.update_customer = customers.update_customer
        self.delete_customer = customers.delete_customer
        self.customers_page = customers.customers_page
        self.iter_customers = customers.iter_customers
        self.get_ticket = tickets.get_ticket
        self.customer_tickets = tickets.customer_tickets
        self.customer_tickets_page = tickets.customer_tickets_page
        self.queue_size = tickets.queue_size
        self.slot_times = tickets.slot_times
        self.is_slot_time = tickets.is_slot_time
        self.slot_remaining = tickets.slot_remaining
        self.slots = tickets.slots
        self.book_ticket = tickets.book_ticket
        self.cancel_ticket = tickets.cancel_ticket
        self.reschedule_ticket = tickets.reschedule_ticket
        self.set_ticket_status = tickets.set_ticket_status

    def now(self) -> datetime:
        """The current time (UTC, millisecond precision) from the configured clock."""
        return truncate_ms(self._clock().astimezone(UTC))

    def today(self) -> date:
        """Today's date in the company timezone (UTC+03:00)."""
        return self.now().astimezone(COMPANY_TZ).date()

    @property
    def customer_count(self) -> int:
        """Number of customers currently stored."""
        return self.customer_store.customer_count

    @property
    def tickets(self) -> list[TicketRecord]:
        """Every ticket ever created, oldest first."""
        return self.ticket_store.tickets

    @property
    def tickets_created(self) -> int:
        """Number of tickets ever created (compare with client-side booking successes)."""
        return self.ticket_store.tickets_created


__all__ = [
    "ALREADY_TAKEN",
    "APPOINTMENT",
    "CANCELLED",
    "DOES_NOT_EXIST",
    "MINUTES_PER_TICKET",
    "SHOULD_NOT_BE_BLANK",
    "SLOT_TIMES",
    "UPCOMING",
    "WAITING",
    "WALK_IN",
    "BookingRejected",
    "FakeState",
    "InvalidField",
    "NotCancellable",
    "TreeGroup",
]
