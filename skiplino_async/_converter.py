"""The one cattrs converter: wire JSON <-> models. Hooks are generated once, at import.

Hot-path choices (a page of 100 customers goes through here per request): generated hooks
without detailed validation, strict-but-cheap scalar hooks, and ``datetime.fromisoformat``.
When structuring fails, the data is run again through a detailed-validation converter only to
explain *where* it failed; the explanation is the message of the
:class:`~skiplino_async.APIResponseValidationError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from .errors import APIResponseValidationError
from .models import (
    Branch,
    BranchStatus,
    BranchTreeGroup,
    Customer,
    Pagination,
    Ref,
    Service,
    Slot,
    Ticket,
)

T = TypeVar("T")

_MODELS: Final = (
    Ref,
    BranchStatus,
    Branch,
    Service,
    BranchTreeGroup,
    Slot,
    Ticket,
    Customer,
    Pagination,
)
# Models whose identifier travels as ``_id`` (everything else uses ``id``); either is accepted.
_UNDERSCORE_ID: Final = frozenset({Customer})

_CAMEL_RE: Final = re.compile(r"_([a-z])")


class ShapeError(Exception):
    """Raised by the strict scalar hooks; becomes an APIResponseValidationError."""


def _camel(name: str) -> str:
    return _CAMEL_RE.sub(lambda m: m.group(1).upper(), name)


def _wire_name(cls: type, name: str) -> str:
    if name == "id" and cls in _UNDERSCORE_ID:
        return "_id"
    return _camel(name)


# --- strict scalars: cattrs' defaults would turn {"a": 1} into the string "{'a': 1}" ----------


def _str(value: Any, _: Any) -> str:
    if type(value) is str:
        return value
    raise ShapeError(f"expected a string, got {type(value).__name__}")


def _int(value: Any, _: Any) -> int:
    if type(value) is int:
        return value
    # 18.0 from a JSON encoder that writes floats is still a whole number.
    if type(value) is float and value.is_integer():
        return int(value)
    raise ShapeError(f"expected an integer, got {type(value).__name__}")


def _bool(value: Any, _: Any) -> bool:
    if type(value) is bool:
        return value
    raise ShapeError(f"expected a boolean, got {type(value).__name__}")


def _dict(value: Any, _: Any) -> dict[str, Any]:
    if type(value) is dict:
        return value
    raise ShapeError(f"expected an object, got {type(value).__name__}")


def parse_datetime(value: Any, _: Any = None) -> datetime:
    """ISO-8601 to an aware UTC datetime; a missing offset is read as UTC (the API's zone)."""
    if type(value) is not str:
        raise ShapeError(f"expected an ISO-8601 string, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ShapeError(f"not an ISO-8601 datetime: {value[:40]!r}") from None
    tz = parsed.tzinfo
    if tz is UTC:
        return parsed
    if tz is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """The API's timestamp format: UTC, milliseconds, trailing ``Z``."""
    utc = value.astimezone(UTC) if value.tzinfo is not None else value
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _register_scalars(conv: cattrs.Converter) -> None:
    conv.register_structure_hook(str, _str)
    conv.register_structure_hook(int, _int)
    conv.register_structure_hook(bool, _bool)
    # Metadata and other free-form objects: kept as they came, only their type is checked.
    conv.register_structure_hook_func(lambda t: t == dict[str, Any], _dict)
    conv.register_structure_hook(datetime, parse_datetime)
    conv.register_unstructure_hook(datetime, format_datetime)


def _overrides(cls: type) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.name == "extra":
            out["extra"] = override(omit=True)
        else:
            out[field.name] = override(rename=_wire_name(cls, field.name))
    return out


def _model_hook(conv: cattrs.Converter, cls: type, *, detailed: bool) -> Callable[[Any, Any], Any]:
    """Generated structure hook plus envelope leniency: id aliases and unknown fields kept."""
    base: Callable[[Any, Any], Any] = make_dict_structure_fn(
        cls, conv, _cattrs_detailed_validation=detailed, **_overrides(cls)
    )
    names = [_wire_name(cls, f.name) for f in attrs.fields(cls) if f.name != "extra"]
    id_key = "_id" if cls in _UNDERSCORE_ID else "id"
    alias = "id" if id_key == "_id" else "_id"
    has_id = "id" in attrs.fields_dict(cls)
    known = frozenset([*names, alias])

    def hook(obj: Any, _: Any) -> Any:
        if type(obj) is not dict:
            raise ShapeError(f"expected an object for {cls.__name__}, got {type(obj).__name__}")
        if has_id and id_key not in obj and alias in obj:
            obj = {**obj, id_key: obj[alias]}
        inst = base(obj, cls)
        unknown = obj.keys() - known
        if unknown:
            inst.extra = {key: obj[key] for key in unknown}
        return inst

    return hook


def _unstructure_hook(conv: cattrs.Converter, cls: type) -> Callable[[Any], dict[str, Any]]:
    base: Callable[[Any], dict[str, Any]] = make_dict_unstructure_fn(
        cls, conv, _cattrs_omit_if_default=True, **_overrides(cls)
    )

    def hook(inst: Any) -> dict[str, Any]:
        out: dict[str, Any] = base(inst)
        if inst.extra:
            out = {**inst.extra, **out}
        return out

    return hook


def _build(*, detailed: bool) -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)
    _register_scalars(conv)
    for cls in _MODELS:
        conv.register_structure_hook(cls, _model_hook(conv, cls, detailed=detailed))
        conv.register_unstructure_hook(cls, _unstructure_hook(conv, cls))
    return conv


converter: Final = _build(detailed=False)
_explainer: Final = _build(detailed=True)


def _describe(exc: BaseException, _type: Any) -> str:
    if isinstance(exc, ShapeError):
        return str(exc)
    if isinstance(exc, KeyError):
        return "required field missing"
    return f"{type(exc).__name__}: {exc}"


def _type_name(cls: Any) -> str:
    if isinstance(cls, type):
        return cls.__name__
    return str(cls).replace("skiplino_async.models.", "")


def _explain(data: Any, cls: Any) -> str:
    """Say where ``data`` departs from ``cls`` (slow path: only called after a failure)."""
    try:
        _explainer.structure(data, cls)
    except Exception as exc:  # noqa: BLE001 - any failure is what we are describing
        if isinstance(exc, cattrs.BaseValidationError):
            notes = cattrs.transform_error(exc, path="data", format_exception=_describe)
            return "; ".join(notes)
        return _describe(exc, cls)
    return "unexpected shape"


def structure(
    data: Any, cls: type[T] | Any, *, status: int = 200, body: bytes = b"", headers: Any = None
) -> T:
    """Structure ``data`` as ``cls``; any failure is an :class:`APIResponseValidationError`."""
    try:
        return converter.structure(data, cls)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - a converter failure of any kind means "wrong shape"
        name = _type_name(cls)
        raise APIResponseValidationError(
            f"response data is not a valid {name}: {_explain(data, cls)}",
            status_code=status,
            body=body,
            headers=headers,
        ) from None


def from_wire(data: Any, cls: type[T]) -> T:
    """Public ``Model.from_dict``."""
    return structure(data, cls)


def to_wire(model: Any) -> dict[str, Any]:
    """Public ``model.to_dict()``."""
    out: dict[str, Any] = converter.unstructure(model)
    return out
