"""The documented wire fields of the two exported lists, shared by the formats that give
them a fixed layout (CSV's leading columns, Parquet's schema)."""

from __future__ import annotations

from typing import Final

#: Top-level wire fields of each list, in the API documentation's order.
FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "customers": (
        "_id",
        "externalId",
        "companyId",
        "name",
        "email",
        "mobile",
        "metadata",
        "createdAt",
        "updatedAt",
    ),
    "tickets": (
        "id",
        "ticketNumber",
        "status",
        "statusAt",
        "type",
        "time",
        "branch",
        "service",
        "groupOfService",
        "customer",
        "bookedAt",
        "queueSize",
        "waitingTime",
    ),
}
#: Object fields with fixed keys.
OBJECTS: Final[dict[str, tuple[str, ...]]] = dict.fromkeys(
    ("branch", "service", "groupOfService", "customer"), ("id", "name")
)
#: Object fields whose keys are the caller's own (customers' ``metadata``).
FREE_OBJECTS: Final = frozenset({"metadata"})
#: Fields holding an ISO-8601 time.
TIMES: Final = frozenset({"createdAt", "updatedAt", "statusAt", "time", "bookedAt"})
#: Fields holding a whole number.
INTEGERS: Final = frozenset({"queueSize", "waitingTime"})
