"""Response models: attrs classes, structured from the wire by :mod:`._converter`.

Attribute names are the snake_case of the wire names (``Customer._id`` is ``Customer.id``).
Timestamps are aware UTC datetimes. Every field the API may omit is optional and ``None`` when
absent. Fields the SDK does not know yet are kept, untouched, in ``extra``. Enumerations are
plain strings: :class:`TicketStatus` and :class:`TicketType` only name the known values.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, Literal, Self, TypeVar, overload

import attrs
import orjson

from ._converter import from_wire, to_wire
from ._modelbase import ModelBase

__all__ = [
    "Branch",
    "BranchStatus",
    "BranchTreeGroup",
    "Customer",
    "Page",
    "Pagination",
    "Ref",
    "Service",
    "Slot",
    "Ticket",
    "TicketStatus",
    "TicketType",
]

T = TypeVar("T")


class TicketStatus(StrEnum):
    """Known ``Ticket.status`` values. The API may send others; compare with ``==``."""

    WAITING = "waiting"
    UPCOMING = "upcoming"
    SERVING = "serving"
    SERVED = "served"
    CANCELLED = "cancelled"


class TicketType(StrEnum):
    """Known ``Ticket.type`` values (``sequential`` is a walk-in)."""

    APPOINTMENT = "appointment"
    SEQUENTIAL = "sequential"


class _Model(ModelBase):
    """Wire-format conversion shared by every model.

    Subclassing is the registration: the converter makes structure and unstructure hooks for
    any attrs subclass of this class on first use, so no list of models has to be kept in
    dependency order.
    """

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The wire-format dict (``_id``, camelCase keys, ISO-8601 times), extras included."""
        return to_wire(self)

    @overload
    def to_json(self, *, as_str: Literal[False] = False) -> bytes: ...

    @overload
    def to_json(self, *, as_str: Literal[True]) -> str: ...

    def to_json(self, *, as_str: bool = False) -> bytes | str:
        """:meth:`to_dict` as compact JSON: UTF-8 ``bytes``, or ``str`` with ``as_str=True``.

        Times are ``YYYY-MM-DDTHH:MM:SS.mmmZ`` as the API sends them, so
        ``Model.from_dict(json.loads(m.to_json()))`` gives back an equal model.
        """
        data = orjson.dumps(self.to_dict())
        return data.decode() if as_str else data

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """pydantic's hook, so FastAPI's ``response_model=Customer`` works (wire format)."""
        from ._pydantic import model_core_schema

        return model_core_schema(cls, handler)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Build the model from a wire-format dict, as the SDK does with responses.

        Raises :class:`~skiplino_async.APIResponseValidationError` when ``data`` does not
        have the documented shape.
        """
        return from_wire(data, cls)


@attrs.define(slots=True, eq=True)
class Ref(_Model):
    """The small ``{id, name}`` objects inside a ticket (branch, service, group, customer)."""

    id: str
    name: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.define(slots=True)
class BranchStatus(_Model):
    """A branch's live state, computed by the server in the company's timezone."""

    is_branch_open: bool | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.define(slots=True)
class Branch(_Model):
    """An active branch of the key's company."""

    id: str
    name: str | None = None
    branch_status: BranchStatus | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def is_open(self) -> bool:
        """Shortcut for ``branch_status.is_branch_open`` (``False`` when not reported)."""
        return bool(self.branch_status is not None and self.branch_status.is_branch_open)


@attrs.define(slots=True)
class Service(_Model):
    """A service in a branch tree."""

    id: str
    name: str | None = None
    is_open: bool | None = None
    is_appointment: bool | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.define(slots=True)
class BranchTreeGroup(_Model):
    """A service group of a branch; its ``id`` is what booking calls ``group_of_service_id``."""

    id: str
    name: str | None = None
    services: list[Service] = attrs.field(factory=list)
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.define(slots=True)
class Slot(_Model):
    """A bookable appointment time; pass ``time`` (as is) back to booking."""

    time: datetime
    remaining: int | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.define(slots=True)
class Ticket(_Model):
    """A walk-in (``type == "sequential"``) or appointment ticket.

    ``queue_size`` (people ahead) and ``waiting_time`` (minutes) are only reported while the
    ticket is waiting. ``customer`` is ``None`` for an anonymous walk-in.
    """

    id: str
    ticket_number: str | None = None
    status: str | None = None
    status_at: datetime | None = None
    type: str | None = None
    time: datetime | None = None
    branch: Ref | None = None
    service: Ref | None = None
    group_of_service: Ref | None = None
    customer: Ref | None = None
    booked_at: datetime | None = None
    queue_size: int | None = None
    waiting_time: int | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.define(slots=True)
class Customer(_Model):
    """A customer of the company directory. ``id`` is the wire's ``_id`` (32 hex chars)."""

    _wire_id: ClassVar[str] = "_id"
    id: str
    external_id: str | None = None
    company_id: str | None = None
    name: str | None = None
    email: str | None = None
    mobile: str | None = None
    metadata: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.define(slots=True)
class Pagination(_Model):
    """The ``pagination`` block of a list response."""

    total: int | None = None
    page: int | None = None
    limit: int | None = None
    total_pages: int | None = None
    has_next_page: bool | None = None
    has_prev_page: bool | None = None
    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)


@attrs.define(slots=True)
class Page(Generic[T]):
    """One page of a list: its ``items`` and the server's ``pagination`` block."""

    items: list[T]
    pagination: Pagination

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
