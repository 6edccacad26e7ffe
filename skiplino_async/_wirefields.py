"""The models' fields as the wire spells them: the one place that maps attribute names to JSON
keys (``external_id`` travels as ``externalId``, ``Customer.id`` as ``_id``).

The converter structures with it; the export's fixed columns, the fake server's records and
its OpenAPI document's schemas are read off it, so a field added to a model reaches them all.
"""

from __future__ import annotations

import functools
import re
import types
import typing
from typing import Any, Final

import attrs

__all__ = ["WireField", "optional_of", "resolved", "wire_fields", "wire_name"]

_CAMEL_RE: Final = re.compile(r"_([a-z])")
_NONE_TYPE: Final = type(None)


@attrs.frozen
class WireField:
    """A documented field of a model (``extra`` aside)."""

    attr: str
    wire: str
    #: The field's type without ``| None``.
    type: Any
    #: The model has no default for it: the wire must carry it.
    required: bool


def wire_name(cls: type, name: str) -> str:
    """The JSON key of attribute ``name`` of model ``cls``."""
    if name == "id":
        return str(getattr(cls, "_wire_id", "id"))
    return _CAMEL_RE.sub(lambda m: m.group(1).upper(), name)


def resolved(cls: type) -> tuple[attrs.Attribute[Any], ...]:
    """The fields of ``cls`` with their annotations resolved (models postpone them)."""
    attrs.resolve_types(cls)
    fields: tuple[attrs.Attribute[Any], ...] = attrs.fields(cls)
    return fields


def optional_of(tp: Any) -> Any:
    """``X`` for ``X | None``, else ``None``."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not _NONE_TYPE]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0]
    return None


@functools.cache
def wire_fields(cls: type) -> tuple[WireField, ...]:
    """The documented fields of model ``cls``, in its (the API documentation's) order."""
    out = []
    for field in resolved(cls):
        if field.name != "extra":
            inner = optional_of(field.type)
            out.append(
                WireField(
                    attr=field.name,
                    wire=wire_name(cls, field.name),
                    type=field.type if inner is None else inner,
                    required=field.default is attrs.NOTHING,
                )
            )
    return tuple(out)
