"""The wire fields of the two exported lists, shared by the formats that give them a fixed
layout (CSV's leading columns, Parquet's schema). Read off the models, so the export's
layout and what the SDK structures are one list."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from ..._wirefields import wire_fields
from ...models import Customer, Ref, Ticket


def _wire_fields(cls: type) -> dict[str, Any]:
    """``{wire name: its type without None}`` of a model's documented fields, in order."""
    return {field.wire: field.type for field in wire_fields(cls)}


_TYPES: Final = {"customers": _wire_fields(Customer), "tickets": _wire_fields(Ticket)}
_ALL: Final = {name: tp for fields in _TYPES.values() for name, tp in fields.items()}

#: Top-level wire fields of each list, in the models' (the API documentation's) order.
FIELDS: Final[dict[str, tuple[str, ...]]] = {kind: tuple(f) for kind, f in _TYPES.items()}
#: Object fields with fixed keys.
OBJECTS: Final[dict[str, tuple[str, ...]]] = {
    name: tuple(_wire_fields(Ref)) for name, tp in _ALL.items() if tp is Ref
}
#: Object fields whose keys are the caller's own (customers' ``metadata``).
FREE_OBJECTS: Final = frozenset(name for name, tp in _ALL.items() if tp == dict[str, Any])
#: Fields holding an ISO-8601 time.
TIMES: Final = frozenset(name for name, tp in _ALL.items() if tp is datetime)
#: Fields holding a whole number.
INTEGERS: Final = frozenset(name for name, tp in _ALL.items() if tp is int)
