"""Deterministic wire payloads shared by the benchmark server and the decode benchmark.

Customers look like the API's (``_id``, camelCase, ISO-8601 UTC times with milliseconds and a
trailing ``Z``); like a real directory, a share of the optional fields is absent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

import orjson

from skiplino_async._wiretime import format_wire_time as _time

BASE_PATH: Final = "/external/v1"
PAGE_LIMIT: Final = 100

_FIRST: Final = ("Ahmed", "Fatima", "Mohammed", "Maryam", "Ali", "Noora", "Hassan", "Zainab")
_LAST: Final = ("Haddad", "Mansoor", "Al Sayed", "Abdulla", "Jaber", "Nasser", "Karim", "Fakhro")
_TIERS: Final = ("standard", "silver", "gold", "platinum")
_NEWEST: Final = datetime(2026, 6, 23, 11, 0, tzinfo=UTC)


def customer_id(i: int) -> str:
    """The 32-hex ``_id`` of customer ``i`` (0 is the newest)."""
    return f"{(i * 0x9E3779B97F4A7C15) & ((1 << 64) - 1):016x}{i:016x}"


def customer(i: int) -> dict[str, Any]:
    """Customer ``i`` as the API sends it; some optional fields are left out."""
    first, last = _FIRST[i % 8], _LAST[(i // 8) % 8]
    created = _NEWEST - timedelta(minutes=i, milliseconds=i % 1000)
    out: dict[str, Any] = {"_id": customer_id(i)}
    if i % 20 != 11:
        out["externalId"] = f"crm-{i + 1:07d}"
    out["companyId"] = "cmp_5f3a91"
    if i % 50 != 17:
        out["name"] = f"{first} {last}"
    if i % 7 != 3:
        out["email"] = f"{first}.{last.replace(' ', '')}.{i + 1}@example.com".lower()
    if i % 10 != 9:
        out["mobile"] = f"+9733{(i * 7919) % 10_000_000:07d}"
    out["metadata"] = None if i % 3 == 0 else {"tier": _TIERS[i % 4]}
    out["createdAt"] = _time(created)
    out["updatedAt"] = _time(created + timedelta(seconds=i % 3600))
    return out


def pages(total: int, limit: int = PAGE_LIMIT) -> int:
    """How many pages of ``limit`` hold ``total`` customers."""
    return max(1, -(-total // limit))


def customers_page(page: int, total: int, limit: int = PAGE_LIMIT) -> dict[str, Any]:
    """The ``/customers/getAll`` envelope of page ``page`` (1-based)."""
    total_pages = pages(total, limit)
    start = (page - 1) * limit
    data = [customer(i) for i in range(start, min(start + limit, total))]
    return {
        "message": "Customers fetched successfully.",
        "data": data,
        "pagination": {
            "total": total,
            "page": page,
            "limit": limit,
            "totalPages": total_pages,
            "hasNextPage": page < total_pages,
            "hasPrevPage": page > 1,
        },
    }


def customer_body(i: int) -> bytes:
    """The ``/customers/getOne`` body of customer ``i``."""
    return orjson.dumps({"message": "Customer fetched successfully.", "data": customer(i)})


#: The small response of the per-request overhead figure: one branch (about 150 bytes).
BRANCHES_BODY: Final = orjson.dumps(
    {
        "message": "Branches fetched successfully.",
        "data": [
            {"id": "802b33af66", "name": "Seef Mall Branch", "branchStatus": {"isBranchOpen": True}}
        ],
    }
)
