"""What the fake server's stores share: the API's fixed words and values, and the errors its
business rules raise (the operations turn them into 422, 400 and 409 responses)."""

from __future__ import annotations

from typing import Final

WALK_IN: Final = "sequential"
APPOINTMENT: Final = "appointment"
WAITING: Final = "waiting"
UPCOMING: Final = "upcoming"
CANCELLED: Final = "cancelled"

#: Estimated minutes per person ahead in a walk-in queue (``waitingTime = queueSize * 3``).
MINUTES_PER_TICKET: Final = 3

DOES_NOT_EXIST: Final = "This value does not exist."
SHOULD_NOT_BE_BLANK: Final = "This value should not be blank."
ALREADY_TAKEN: Final = "This value is already taken."


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
