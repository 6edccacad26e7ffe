"""Pure row shaping for the dlt resources: wire dicts in, table rows out (no I/O, no dlt);
and the page sizes their walks ask for."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from .._operations import CUSTOMER_TICKETS, LIST_CUSTOMERS, Operation
from ..models import Branch, BranchTreeGroup, Ticket

Row = dict[str, Any]

#: How many of the newest customer ids an incremental run remembers: the next run stops at
#: the first of them it meets, so several must be deleted before a run walks further back.
NEWEST_KEPT = 20


def largest_page(op: Operation[Any]) -> int:
    """The largest page list operation ``op`` gives, as the table of operations has it."""
    if op.paging is None:
        raise ValueError(f"{op.name} is not a paginated list")
    return op.paging.max_limit


#: Walks read the largest pages: fewer requests for the same rows.
CUSTOMERS_PAGE: Final = largest_page(LIST_CUSTOMERS)
TICKETS_PAGE: Final = largest_page(CUSTOMER_TICKETS)


def service_rows(branch: Branch, groups: Sequence[BranchTreeGroup]) -> list[Row]:
    """A branch's service tree flattened: one row per service with its branch and group ids."""
    return [
        {
            **service.to_dict(),
            "branchId": branch.id,
            "groupOfServiceId": group.id,
            "groupOfServiceName": group.name,
        }
        for group in groups
        for service in group.services
    ]


def ticket_rows(customer_id: str, tickets: Iterable[Ticket]) -> list[Row]:
    """A customer's tickets, each with the ``customerId`` it was listed under."""
    return [{**ticket.to_dict(), "customerId": customer_id} for ticket in tickets]


def newest_ids(seen: Sequence[str], previous: Sequence[str]) -> list[str]:
    """The ids the next incremental run stops at: this run's newest first, then the older."""
    merged = list(dict.fromkeys([*seen, *previous]))
    return merged[:NEWEST_KEPT]
