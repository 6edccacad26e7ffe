"""The API's operations as one table: a row per operation, read by everything that knows them.

The resources build their requests from their row (method, path, key, idempotency, response
model, page limits); the fake server (:mod:`skiplino_async.testing`) routes, checks keys and
validates page sizes from it; its OpenAPI document lists the paths from it; the export takes
its kinds and page limits from it; the guard tests count it. A new operation is a new row
here, a resource method that reads it, and the fake's handler.

Pure data: this module imports only the models, so the fake server may read it without the
client.
"""

from __future__ import annotations

from typing import Any, Final, Generic, Literal, TypeVar

import attrs

from .models import Branch, BranchTreeGroup, Customer, Slot, Ticket

__all__ = ["API_DEFAULT_LIMIT", "MAX_PAGE", "OPERATIONS", "Operation", "Paging", "Param"]

T = TypeVar("T")

#: Which API keys may call an operation: secret keys only, or secret and public keys.
Keys = Literal["secret", "any"]


@attrs.frozen
class Param:
    """A path or query parameter: its wire name, the SDK argument that carries it, its rule."""

    wire: str
    arg: str
    where: Literal["path", "query"]
    #: ``"id"``: a non-empty string; ``"date"``: ``YYYY-MM-DD``.
    kind: Literal["id", "date"] = "id"
    doc: str = ""
    example: str | None = None


@attrs.frozen
class Paging:
    """A list operation's ``page``/``limit`` rules: ``limit`` is 1-``max_limit``."""

    max_limit: int
    #: The SDK's default page size (the API's own default is :data:`API_DEFAULT_LIMIT`).
    default_limit: int


#: The page size the API uses when none is sent.
API_DEFAULT_LIMIT: Final = 10
#: Highest ``page`` the API accepts (a 32-bit integer).
MAX_PAGE: Final = 2**31 - 1


@attrs.frozen
class Operation(Generic[T]):
    """One row of the table; ``T`` is the type of a success's ``data``."""

    #: ``namespace.method`` as the SDK calls it (also the name checkpoints record).
    name: str
    operation_id: str
    method: str
    #: The path template, parameters as ``{wire}`` (as in the OpenAPI document).
    path: str
    summary: str
    #: The ``data`` of a success: a model, ``list[Model]`` (a page's items, when paged), or
    #: ``NoneType``.
    response: type[T]
    keys: Keys = "any"
    #: Safe to send twice; ``idempotent_with`` names a body field whose presence makes it so.
    idempotent: bool = True
    idempotent_with: str | None = None
    params: tuple[Param, ...] = ()
    #: The request body's schema name (the body is a JSON object), or ``None``.
    body: str | None = None
    #: Error statuses the operation may answer with, besides 401 and 500 (any operation).
    errors: tuple[str, ...] = ()
    paging: Paging | None = None
    #: The success status.
    status: int = 200

    @property
    def secret_only(self) -> bool:
        """A public key gets 401."""
        return self.keys == "secret"

    @property
    def tag(self) -> str:
        """The namespace: ``customers.list`` is in ``customers``."""
        return self.name.partition(".")[0]

    @property
    def path_params(self) -> tuple[Param, ...]:
        """The parameters inside the path, in order."""
        return tuple(p for p in self.params if p.where == "path")


_ONE_CUSTOMER: Final = (
    "The customer; send id or externalId (at least one; id wins when both are sent)."
)
#: ``id`` or ``externalId`` naming one customer (at least one; ``id`` wins when both are sent).
_CUSTOMER: Final = (
    Param("id", "id", "query", doc=f"32-hex internal id. {_ONE_CUSTOMER}",
          example="9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"),
    Param("externalId", "external_id", "query", doc=f"Your own id. {_ONE_CUSTOMER}",
          example="crm-7741"),
)  # fmt: skip


_TICKET_ID: Final = Param("id", "ticket_id", "path", doc="Ticket id (10 characters).",
                          example="k7m2p9x4q1")  # fmt: skip

# fmt: off
LIST_BRANCHES: Final = Operation(
    "branches.list", "listBranches", "GET", "/branches", "List active branches", list[Branch])
BRANCH_TREE: Final = Operation(
    "branches.tree", "getBranchTree", "GET", "/branches/{branchId}/tree",
    "Get a branch's service tree", list[BranchTreeGroup], errors=("404",),
    params=(Param("branchId", "branch_id", "path", example="802b33af66",
                  doc="A branch id from List active branches."),))
SERVICE_SLOTS: Final = Operation(
    "services.slots", "getServiceSlots", "GET", "/services/{id}/slots",
    "Get available appointment slots", list[Slot], errors=("404", "422"),
    params=(Param("id", "service_id", "path", example="6fe8fb8b12",
                  doc="An appointment-enabled service id."),
            Param("date", "date", "query", kind="date",
                  doc="Day in company time, today or later; defaults to today.")))
BOOK_TICKET: Final = Operation(
    "tickets.book", "bookTicket", "POST", "/tickets/book",
    "Book a ticket (walk-in or appointment)", Ticket, idempotent=False,
    body="BookTicketRequest", errors=("400", "422"), status=201)
GET_TICKET: Final = Operation(
    "tickets.get", "getTicket", "GET", "/tickets/{id}", "Fetch a ticket", Ticket,
    params=(_TICKET_ID,), errors=("404",))
CANCEL_TICKET: Final = Operation(
    "tickets.cancel", "cancelTicket", "POST", "/tickets/{id}/cancel", "Cancel a ticket",
    Ticket, idempotent=False, params=(_TICKET_ID,), errors=("409", "422"))
RESCHEDULE_TICKET: Final = Operation(
    "tickets.reschedule", "changeTicketTime", "POST", "/tickets/{id}/change-time",
    "Reschedule an appointment", Ticket, idempotent=False, params=(_TICKET_ID,),
    body="ChangeTimeRequest", errors=("400", "404", "422"))
CREATE_CUSTOMER: Final = Operation(
    "customers.create", "createCustomer", "POST", "/customers/create", "Create a customer",
    Customer, keys="secret", idempotent=False, idempotent_with="externalId",
    body="CustomerWriteRequest", errors=("422",), status=201)
LIST_CUSTOMERS: Final = Operation(
    "customers.list", "listCustomers", "GET", "/customers/getAll",
    "List customers (paginated, newest first)", list[Customer], keys="secret",
    errors=("422",), paging=Paging(max_limit=100, default_limit=100))
GET_CUSTOMER: Final = Operation(
    "customers.get", "getCustomer", "GET", "/customers/getOne", "Fetch one customer",
    Customer, keys="secret", params=_CUSTOMER, errors=("422",))
UPDATE_CUSTOMER: Final = Operation(
    "customers.update", "updateCustomer", "PUT", "/customers/update",
    "Update a customer (partial)", Customer, keys="secret", body="CustomerUpdateRequest",
    errors=("404", "422"))
DELETE_CUSTOMER: Final = Operation(
    "customers.delete", "deleteCustomer", "DELETE", "/customers/delete", "Delete a customer",
    type(None), keys="secret", params=_CUSTOMER, errors=("422",))
CUSTOMER_TICKETS: Final = Operation(
    "customers.tickets", "listCustomerTickets", "GET", "/customers/tickets",
    "List a customer's tickets (paginated, newest first)", list[Ticket], params=_CUSTOMER,
    errors=("404", "422"), paging=Paging(max_limit=10, default_limit=10))
# fmt: on

#: Every operation, in the API reference's order.
OPERATIONS: Final[tuple[Operation[Any], ...]] = (
    LIST_BRANCHES, BRANCH_TREE, SERVICE_SLOTS, BOOK_TICKET, GET_TICKET, CANCEL_TICKET,
    RESCHEDULE_TICKET, CREATE_CUSTOMER, LIST_CUSTOMERS, GET_CUSTOMER, UPDATE_CUSTOMER,
    DELETE_CUSTOMER, CUSTOMER_TICKETS,
)  # fmt: skip
