"""The models as pydantic sees them (FastAPI's ``response_model=``, ``TypeAdapter``).

Built only when pydantic asks a model for its core schema; pydantic is not a dependency of
the SDK, so nothing here is imported otherwise. A model validates from an instance or from its
wire-format dict (``from_dict``), serializes to its wire format (``to_dict``: ``_id``,
camelCase keys, times as ``YYYY-MM-DDTHH:MM:SS.mmmZ``, unknown fields kept) and shows that
wire format, field by field, as its JSON schema (so the OpenAPI document of an app is right).
"""

from __future__ import annotations

import types
import typing
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from ._converter import to_wire
from ._modelbase import ModelBase
from ._wirefields import resolved, wire_name
from .errors import SkiplinoError

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

    from .models import _Model

__all__ = ["model_core_schema"]


def model_core_schema(cls: type[_Model], handler: GetCoreSchemaHandler) -> CoreSchema:
    """The core schema of one model class (validation's nested models through ``handler``)."""
    from pydantic_core import core_schema as cs

    def validate(value: Any) -> _Model:
        if isinstance(value, cls):
            return value
        try:
            return cls.from_dict(value)
        except SkiplinoError as exc:  # pydantic reports ValueErrors as validation errors
            raise ValueError(str(exc)) from None

    return cs.no_info_plain_validator_function(
        validate,
        json_schema_input_schema=_wire(cls, handler.generate_schema),
        serialization=cs.plain_serializer_function_ser_schema(
            _to_wire,
            when_used="always",
            return_schema=_wire(cls, lambda tp: _output(tp, handler)),
        ),
        ref=f"{cls.__module__}.{cls.__qualname__}",
    )


def _wire(cls: type, schema_of: typing.Callable[[Any], CoreSchema]) -> CoreSchema:
    """The wire format: camelCase keys (``_id`` for a customer), unknown keys allowed."""
    from pydantic_core import core_schema as cs

    fields = {
        wire_name(cls, field.name): cs.typed_dict_field(
            schema_of(field.type),
            required=field.default is attrs.NOTHING,
            metadata={"pydantic_js_updates": {"title": field.name.replace("_", " ").title()}},
        )
        for field in resolved(cls)
        if field.name != "extra"  # the unknown keys, kept at the top level on the wire
    }
    return cs.typed_dict_schema(fields, extra_behavior="allow", cls_name=cls.__name__)


def _output(tp: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
    """The schema of a value of type ``tp`` once ``to_dict`` made it wire data.

    It shows in a JSON schema exactly as the validation side's, so an app's OpenAPI document
    has one ``Customer``, not a ``Customer-Input`` and a ``Customer-Output``.
    """
    from pydantic_core import core_schema as cs

    args = typing.get_args(tp)
    if isinstance(tp, types.UnionType) and type(None) in args:
        (inner,) = (a for a in args if a is not type(None))
        return cs.nullable_schema(_output(inner, handler))
    if typing.get_origin(tp) is list:
        return cs.list_schema(_output(args[0], handler))
    if tp is datetime:  # already the wire's string
        return cs.str_schema(metadata={"pydantic_js_updates": {"format": "date-time"}})
    return handler.generate_schema(tp)  # str, int, dict, and models (see _to_wire)


def _to_wire(value: Any) -> Any:
    # A nested model arrives as the wire dict its parent's to_dict() made of it.
    return to_wire(value) if isinstance(value, ModelBase) else value
