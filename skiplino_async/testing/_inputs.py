"""Reading the fake server's requests: JSON body fields, query parameters and their rules,
each failure recorded by field for one 422."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any, Final

from .._operations import API_DEFAULT_LIMIT, MAX_PAGE, Paging
from ._i18n import translate
from ._records import CustomerRecord
from ._replies import ApiError, Json, Query, validation_error
from ._rules import SHOULD_NOT_BE_BLANK, BookingRejected, InvalidField
from ._state import FakeState

TYPE_STRING: Final = "This value should be of type string."
TYPE_OBJECT: Final = "This value should be of type object."
TYPE_INTEGER: Final = "This value should be of type integer."
MAX_STRING_LENGTH: Final = 255

_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?Z")
_INTEGER = re.compile(r"[+-]?\d{1,12}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


def object_body(body: object) -> Json:
    if not isinstance(body, dict):
        raise validation_error({"body": TYPE_OBJECT})
    return body


def optional_str(data: Json, key: str, errors: dict[str, str]) -> str | None:
    """A string field; absent and "" mean "not given", null is not a string."""
    if key not in data or data[key] == "":
        return None
    value = data[key]
    if not isinstance(value, str):
        errors[key] = TYPE_STRING
        return None
    return value


def required_str(data: Json, key: str, errors: dict[str, str]) -> str | None:
    value = optional_str(data, key, errors)
    if value is None and key not in errors:
        errors[key] = SHOULD_NOT_BE_BLANK
    return value


def parse_time(value: object, key: str, errors: dict[str, str]) -> datetime | None:
    """A request ``time``: ``YYYY-MM-DDTHH:MM:SS(.sss)?Z`` only (UTC, trailing Z)."""
    if not isinstance(value, str):
        errors[key] = TYPE_STRING
        return None
    match = _TIME.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
        millis = int(match.group(7) or 0)
        return datetime(year, month, day, hour, minute, second, millis * 1000, tzinfo=UTC)
    except ValueError:
        errors[key] = "This value is not a valid datetime (expected YYYY-MM-DDTHH:MM:SS.sssZ)."
        return None


def parse_location(value: object, errors: dict[str, str]) -> dict[str, float] | None:
    if not isinstance(value, dict):
        errors["location"] = TYPE_OBJECT
        return None
    coords: dict[str, float] = {}
    for key, bound in (("lat", 90.0), ("lng", 180.0)):
        number = value.get(key)
        if isinstance(number, bool) or not isinstance(number, int | float):
            errors["location"] = "Both lat and lng are required and must be numbers."
            return None
        if not (math.isfinite(number) and -bound <= number <= bound):
            errors["location"] = f"{key} must be between {-bound:g} and {bound:g}."
            return None
        coords[key] = number
    return coords


def int_param(
    query: Query, key: str, default: int, low: int, high: int, errors: dict[str, str]
) -> int:
    raw = query.get(key)
    if raw is None:
        return default
    # An empty value is no integer either: `?page=` is rejected like `?page=abc`.
    if not _INTEGER.fullmatch(raw):
        # Over-long digit strings are integers too, just far out of range.
        big = raw.lstrip("+-").isdigit()
        errors[key] = f"This value should be between {low} and {high}." if big else TYPE_INTEGER
        return default
    value = int(raw)
    if not low <= value <= high:
        errors[key] = f"This value should be between {low} and {high}."
        return default
    return value


def page_and_limit(query: Query, paging: Paging | None, errors: dict[str, str]) -> tuple[int, int]:
    """``page`` and ``limit`` of a list operation, checked against its row's rules."""
    assert paging is not None
    page = int_param(query, "page", 1, 1, MAX_PAGE, errors)
    limit = int_param(query, "limit", API_DEFAULT_LIMIT, 1, paging.max_limit, errors)
    return page, limit


def customer_fields(data: Json, errors: dict[str, str]) -> dict[str, Any]:
    """The writable customer fields present in ``data`` (snake_case); ``None`` = remove."""
    fields: dict[str, Any] = {}
    for key, name in (
        ("externalId", "external_id"),
        ("name", "name"),
        ("email", "email"),
        ("mobile", "mobile"),
    ):
        if key not in data:
            continue
        value = data[key]
        if value is None or value == "":
            fields[name] = None
        elif not isinstance(value, str):
            errors[key] = TYPE_STRING
        elif len(value) > MAX_STRING_LENGTH:
            errors[key] = f"This value is too long (at most {MAX_STRING_LENGTH} characters)."
        elif key == "email" and not _EMAIL.fullmatch(value):
            errors[key] = "This value is not a valid email address."
        else:
            fields[name] = value
    if "metadata" in data:
        metadata = data["metadata"]
        if metadata is None or metadata == {}:
            fields["metadata"] = None
        elif not isinstance(metadata, dict):
            errors["metadata"] = TYPE_OBJECT
        else:
            fields["metadata"] = metadata
    return fields


def locate_customer(
    state: FakeState, query: Query, errors: dict[str, str]
) -> tuple[CustomerRecord | None, str]:
    """Resolve ``id`` (wins) or ``externalId`` from a query; records a blank error if neither."""
    customer_id = query.get("id", "")
    if customer_id:
        return state.get_customer(id=customer_id), "id"
    external_id = query.get("externalId", "")
    if external_id:
        return state.get_customer(external_id=external_id), "externalId"
    errors["id"] = SHOULD_NOT_BE_BLANK
    return None, "id"


def invalid(exc: InvalidField) -> ApiError:
    return validation_error({exc.field: exc.message})


def rejected(exc: BookingRejected, locale: str) -> ApiError:
    reason = translate(exc.code, locale)
    return ApiError(400, reason, reason)
