"""Plain records held by the fake server's in-memory state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs

from ..models import Customer

#: The fake company's timezone: "today", opening state and slot times are evaluated in it.
COMPANY_TZ = timezone(timedelta(hours=3))

#: Locale-independent key used for the English name in every ``names`` mapping.
DEFAULT_LOCALE = "en"


def truncate_ms(value: datetime) -> datetime:
    """Drop sub-millisecond precision so stored times equal their wire form."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


@dataclass(slots=True)
class BranchRecord:
    """A branch of the fake company; inactive branches are never listed."""

    id: str
    names: dict[str, str]
    is_open: bool = True
    active: bool = True

    def name(self, locale: str) -> str:
        """The branch name in ``locale``, falling back to English."""
        return self.names.get(locale) or self.names[DEFAULT_LOCALE]


@dataclass(slots=True)
class GroupRecord:
    """A service group inside a branch (``groupOfService`` on the wire)."""

    id: str
    branch_id: str
    names: dict[str, str]
    active: bool = True

    def name(self, locale: str) -> str:
        """The group name in ``locale``, falling back to English."""
        return self.names.get(locale) or self.names[DEFAULT_LOCALE]


@dataclass(slots=True)
class ServiceRecord:
    """A bookable service; ``prefix`` is the letter of its walk-in ticket numbers."""

    id: str
    group_id: str
    names: dict[str, str]
    prefix: str
    is_open: bool = True
    active: bool = True
    is_appointment: bool = False
    slot_capacity: int = 2

    def name(self, locale: str) -> str:
        """The service name in ``locale``, falling back to English."""
        return self.names.get(locale) or self.names[DEFAULT_LOCALE]


@attrs.define(slots=True)
class CustomerRecord(Customer):
    """A customer: the SDK's model, so a field added to it is stored and answered here too.

    ``None`` fields are "not stored" and absent from the wire form.
    """

    #: Insertion sequence number: the list order (newest first) is by descending ``seq``.
    seq: int = attrs.field(default=0, kw_only=True)


@dataclass(slots=True)
class TicketRecord:
    """A walk-in (``type="sequential"``) or appointment ticket."""

    id: str
    number: str
    type: str
    status: str
    status_at: datetime
    booked_at: datetime
    branch_id: str
    group_id: str
    service_id: str
    time: datetime | None = None
    customer_id: str | None = None
    #: Customer name at booking time, so tickets stay readable after the customer is deleted.
    customer_name: str | None = None
    options: dict[str, Any] | None = None
    location: dict[str, float] | None = None
    #: Position key in the service's waiting queue while ``status == "waiting"``.
    queue_seq: int | None = field(default=None, repr=False)
