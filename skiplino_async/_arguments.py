"""A call's arguments, checked and encoded before anything is sent: times and dates in the
API's form, path segments, the "exactly one of" rules, integer ranges and locations. Pure
functions; a bad argument is a ``TypeError`` or ``ValueError`` naming it."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Final
from urllib.parse import quote

from ._wiretime import format_wire_time

_DATE_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def encode_time(value: datetime | str, name: str = "time") -> str:
    """A request ``time`` in UTC as ``YYYY-MM-DDTHH:MM:SS.mmmZ``.

    Takes an aware datetime or an ISO-8601 string with ``Z`` or an offset (so a slot time read
    from the API can be sent back). A naive value is refused: guessing its timezone would book
    the wrong hour.
    """
    if isinstance(value, str):
        if not value:
            raise ValueError(f"{name} must not be empty")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"{name} must be an ISO-8601 time with 'Z' or an offset, got {value!r}"
            ) from None
        if parsed.utcoffset() is None:
            raise ValueError(
                f"{name} {value!r} has no timezone; add 'Z' or an offset such as '+03:00'"
            )
        value = parsed
    if isinstance(value, datetime):
        offset = value.utcoffset()
        if offset is None:
            raise ValueError(
                f"{name} must be a timezone-aware datetime (got a naive one); "
                "use datetime(..., tzinfo=UTC) or .astimezone()"
            )
        return format_wire_time(value)
    raise TypeError(f"{name} must be a datetime or a string, not {type(value).__name__}")


def encode_date(value: date | str | None, name: str = "date") -> str | None:
    """A slots ``date`` as ``YYYY-MM-DD``; ``None`` means the API's default (today)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        # A datetime is a date to the type checker, so it is taken: its own calendar day.
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        if not _DATE_RE.fullmatch(value):
            raise ValueError(f"{name} must look like 'YYYY-MM-DD', got {value!r}")
        return value
    raise TypeError(f"{name} must be a date or a 'YYYY-MM-DD' string, not {type(value).__name__}")


def path_segment(value: str, name: str) -> str:
    """Percent-encode an id as exactly one path segment.

    ``/``, ``?``, ``#`` and ``%`` are encoded by ``quote``; dots are encoded too so that ``.``
    and ``..`` can never be collapsed into a different route by URL normalisation.
    """
    require_str(value, name)
    return quote(value, safe="").replace(".", "%2E")


def require_str(value: object, name: str) -> None:
    """Refuse a non-string, empty or unsendable id before anything is sent."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    require_utf8(value, name)


def require_utf8(value: str, name: str) -> None:
    """A string with a lone surrogate has no UTF-8 form: URL and JSON encoders would drop or
    replace it, and ``"crm-7\\udcff"`` would address customer ``crm-7``."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"{name} {value!r} contains a lone surrogate and cannot be sent as UTF-8"
        ) from None


def exactly_one(a_name: str, a: object, b_name: str, b: object) -> None:
    if (a is None) == (b is None):
        raise ValueError(f"pass exactly one of {a_name}= or {b_name}=")


def at_most_one(a_name: str, a: object, b_name: str, b: object) -> None:
    if a is not None and b is not None:
        raise ValueError(f"pass at most one of {a_name}= or {b_name}=, not both")


def at_least_one(a_name: str, a: object, b_name: str, b: object) -> None:
    if a is None and b is None:
        raise ValueError(f"pass {a_name}= or {b_name}= to say which customer")


def check_int_range(value: object, name: str, low: int, high: int | None = None) -> int:
    """``page``/``limit`` checks with the API's ranges, so a typo fails before a round trip."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def encode_location(location: Mapping[str, float] | tuple[float, float]) -> dict[str, float]:
    """``location`` as ``{"lat", "lng"}``; both members are required and range-checked."""
    if isinstance(location, tuple):
        if len(location) != 2:
            raise ValueError("location must be a (lat, lng) pair")
        lat, lng = location
    elif isinstance(location, Mapping):
        if "lat" not in location or "lng" not in location:
            raise ValueError("location needs both 'lat' and 'lng'")
        lat, lng = location["lat"], location["lng"]
    else:
        raise TypeError("location must be a {'lat': ..., 'lng': ...} mapping or a (lat, lng) tuple")
    for part, val, bound in (("lat", lat, 90.0), ("lng", lng, 180.0)):
        if isinstance(val, bool) or not isinstance(val, int | float) or not math.isfinite(val):
            raise ValueError(f"location {part} must be a finite number")
        if not -bound <= val <= bound:
            raise ValueError(f"location {part} must be between {-bound:g} and {bound:g}")
    return {"lat": float(lat), "lng": float(lng)}
