"""The API's timestamp format, in one place: ``YYYY-MM-DDTHH:MM:SS.mmmZ`` in UTC.

Every datetime the SDK writes for the wire (model output, request arguments) goes through
:func:`format_wire_time`, so the format cannot differ between call sites.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["format_wire_time"]


def format_wire_time(value: datetime) -> str:
    """``value`` in UTC with milliseconds and a trailing ``Z``; a naive value is read as UTC.

    ``isoformat`` rather than ``strftime``: it pads years below 1000 to four digits, which
    ``%Y`` does not do on every platform.
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"
