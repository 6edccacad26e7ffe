"""What both converters share: strict scalar hooks (cattrs' defaults would turn ``{"a": 1}``
into the string ``"{'a': 1}"``), wire-name overrides, and the keys each model knows."""

from __future__ import annotations

import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

import attrs
import cattrs
from cattrs.cols import list_structure_factory
from cattrs.gen import override

from .._modelbase import ModelBase
from .._wirefields import resolved, wire_name
from .._wiretime import format_wire_time


class ShapeError(Exception):
    """Raised by the strict scalar hooks; becomes an APIResponseValidationError."""


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, ModelBase) and attrs.has(tp)


def _str(value: Any, _: Any = None) -> str:
    if type(value) is str:
        return value
    raise ShapeError(f"expected a string, got {type(value).__name__}")


#: The documented integers are counts: a signed 64-bit range holds them, and what is outside
#: it could not be written by ``to_json()`` (orjson) or to an int64 Parquet column.
INT_MIN: Final = -(2**63)
INT_MAX: Final = 2**63 - 1


def int_value(value: Any, _: Any = None) -> int:
    if type(value) is int:
        if INT_MIN <= value <= INT_MAX:
            return value
        raise ShapeError("expected an integer within 64 bits, got a larger one")
    # A float (orjson's reading of a number beyond 64 bits, too) is not a documented integer.
    raise ShapeError(f"expected an integer, got {type(value).__name__}")


def _bool(value: Any, _: Any = None) -> bool:
    if type(value) is bool:
        return value
    raise ShapeError(f"expected a boolean, got {type(value).__name__}")


def _dict(value: Any, _: Any = None) -> dict[str, Any]:
    if type(value) is dict:
        return value
    raise ShapeError(f"expected an object, got {type(value).__name__}")


def to_utc(parsed: datetime) -> datetime:
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_datetime(value: Any, _: Any = None) -> datetime:
    """ISO-8601 to an aware UTC datetime; a missing offset is read as UTC (the API's zone)."""
    if type(value) is not str:
        raise ShapeError(f"expected an ISO-8601 string, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ShapeError(f"not an ISO-8601 datetime: {value[:40]!r}") from None
    # "...Z" and "+00:00" already parse to the UTC singleton: the common case costs one test.
    return parsed if parsed.tzinfo is UTC else to_utc(parsed)


def _format_datetime(value: datetime, _: Any = None) -> str:
    return format_wire_time(value)


def is_list(tp: Any) -> bool:
    return typing.get_origin(tp) is list


def strict_list_factory(tp: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """cattrs' list hook, refusing anything but a JSON array (it would iterate a dict's keys)."""
    base = list_structure_factory(tp, conv)

    def structure_list(obj: Any, cls: Any) -> Any:
        if type(obj) is not list:
            raise ShapeError(f"expected an array, got {type(obj).__name__}")
        return base(obj, cls)

    return structure_list


def register_scalars(conv: cattrs.Converter) -> None:
    conv.register_structure_hook(str, _str)
    conv.register_structure_hook(int, int_value)
    conv.register_structure_hook(bool, _bool)
    # Metadata and other free-form objects: kept as they came, only their type is checked.
    conv.register_structure_hook_func(lambda t: t == dict[str, Any], _dict)
    conv.register_structure_hook(datetime, parse_datetime)
    conv.register_unstructure_hook(datetime, _format_datetime)


def overrides(cls: type) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in resolved(cls):
        if field.name == "extra":
            out["extra"] = override(omit=True)
        else:
            out[field.name] = override(rename=wire_name(cls, field.name))
    return out


def known_keys(cls: type) -> tuple[str, str | None, frozenset[str]]:
    """``(id key, its alias or None, every wire key the model knows)``."""
    names = [wire_name(cls, f.name) for f in resolved(cls) if f.name != "extra"]
    if "id" not in attrs.fields_dict(cls):
        return "", None, frozenset(names)
    id_key = wire_name(cls, "id")
    alias = "id" if id_key == "_id" else "_id"
    return id_key, alias, frozenset([*names, alias])
