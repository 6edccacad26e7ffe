"""Saying where a response departs from its model: a second converter, built by cattrs with
detailed validation, structures the data again only after the fast hooks failed.

Its list hook first finds the failing items with the fast hooks (one item at a time, nothing
kept) and explains only the first :data:`MAX_EXPLAINED` of them, so explaining a bad page of
200,000 rows costs about as much as structuring one row. Both converters accept and refuse
the same shapes.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

from .._wirefields import wire_name
from ._scalars import (
    ShapeError,
    is_list,
    is_model,
    known_keys,
    overrides,
    register_scalars,
    strict_list_factory,
)

__all__ = ["MAX_EXPLAINED", "MAX_MESSAGE", "Explainer", "type_name"]

#: Failing items of one array that are explained; the rest of the array is not looked at.
MAX_EXPLAINED: Final = 3
#: Longest explanation put in an error message (a hostile page must not make a huge one).
MAX_MESSAGE: Final = 1000
#: Longest description of one failure.
_MAX_NOTE: Final = 200


def _detailed_model_hook(cls: type, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """Generated structure hook plus envelope leniency: id aliases and unknown fields kept."""
    base: Callable[[Any, Any], Any] = make_dict_structure_fn(
        cls, conv, _cattrs_detailed_validation=True, **overrides(cls)
    )
    id_key, alias, known = known_keys(cls)

    def hook(obj: Any, _: Any) -> Any:
        if type(obj) is not dict:
            raise ShapeError(f"expected an object for {cls.__name__}, got {type(obj).__name__}")
        if alias is not None and id_key not in obj and alias in obj:
            obj = {**obj, id_key: obj[alias]}
        inst = base(obj, cls)
        unknown = obj.keys() - known
        if unknown:
            inst.extra = {key: obj[key] for key in unknown}
        return inst

    return hook


class _PartialIterableError(IterableValidationError):
    """An array explained only up to its first :data:`MAX_EXPLAINED` failing items."""


def _locating_list_factory(fast: cattrs.Converter) -> Callable[..., Any]:
    """``list[Model]`` for the explaining converter: the fast hook finds the failing items
    one at a time (nothing is kept), the detailed hook explains only the first few."""

    def factory(tp: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
        elem = typing.get_args(tp)[0] if typing.get_args(tp) else Any
        if not attrs.has(elem):
            return strict_list_factory(tp, conv)
        quick = fast.get_structure_hook(elem)
        detailed = conv.get_structure_hook(elem)
        whole = fast.get_structure_hook(tp)

        def structure_list(obj: Any, cls: Any) -> Any:
            if type(obj) is not list:
                raise ShapeError(f"expected an array, got {type(obj).__name__}")
            errors: list[Exception] = []
            stopped = False
            for index, item in enumerate(obj):
                try:
                    quick(item, elem)
                    continue
                except Exception:  # noqa: BLE001 - any failure is one to explain
                    pass
                if len(errors) == MAX_EXPLAINED:
                    stopped = True
                    break
                try:
                    detailed(item, elem)
                    exc: Exception = ShapeError("unexpected shape")
                except Exception as failure:  # noqa: BLE001 - what we are describing
                    exc = failure
                note = IterableValidationNote(f"Structuring {tp} @ index {index}", index, elem)
                exc.__notes__ = [*getattr(exc, "__notes__", []), note]
                errors.append(exc)
            if errors:
                group = _PartialIterableError if stopped else IterableValidationError
                raise group(f"While structuring {tp!r}", errors, cls)
            return whole(obj, tp)  # every item is valid: the failure is elsewhere

        return structure_list

    return factory


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ShapeError):
        text = str(exc)
    elif isinstance(exc, KeyError):
        text = "required field missing"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= _MAX_NOTE else text[: _MAX_NOTE - 3] + "..."


N = TypeVar("N", AttributeValidationNote, IterableValidationNote)


def _note(exc: BaseException, kind: type[N]) -> N | None:
    """The note of ``kind`` cattrs attached to ``exc`` (where in its parent it failed)."""
    return next((n for n in getattr(exc, "__notes__", ()) if isinstance(n, kind)), None)


def _notes(exc: BaseException, path: str, out: list[str]) -> None:
    """Flatten cattrs' exception tree into ``"<what> @ <JSON path>"`` lines, naming the JSON
    keys (``data[17]._id``), not the Python attributes."""
    if isinstance(exc, ClassValidationError):
        for sub in exc.exceptions:
            attr = _note(sub, AttributeValidationNote)
            segment = f".{wire_name(exc.cl, attr.name)}" if attr is not None else ""
            _notes(sub, path + segment, out)
    elif isinstance(exc, IterableValidationError):
        for sub in exc.exceptions:
            item = _note(sub, IterableValidationNote)
            _notes(sub, path + (f"[{item.index}]" if item is not None else ""), out)
        if isinstance(exc, _PartialIterableError):
            out.append(f"more items of {path} fail (not shown)")
    else:
        out.append(f"{_describe(exc)} @ {path}")


def type_name(cls: Any) -> str:
    """``Customer``, ``list[Customer]``: the model's name as an error message gives it."""
    if isinstance(cls, type):
        return cls.__name__
    return str(cls).replace("skiplino_async.models.", "")


class Explainer:
    """Says where data departs from a model (slow path: only called after a failure), with a
    converter of cattrs' detailed validation that leans on the ``fast`` one for arrays."""

    def __init__(self, fast: cattrs.Converter) -> None:
        self._conv = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
        register_scalars(self._conv)
        self._conv.register_structure_hook_factory(is_list, _locating_list_factory(fast))
        self._conv.register_structure_hook_factory(is_model, _detailed_model_hook)

    def __call__(self, data: Any, cls: Any) -> str:
        try:
            self._conv.structure(data, cls)
        except Exception as exc:  # noqa: BLE001 - any failure is what we are describing
            if isinstance(exc, cattrs.BaseValidationError):
                lines: list[str] = []
                _notes(exc, "data", lines)
                text = "; ".join(lines)
            else:
                text = _describe(exc)
            if len(text) > MAX_MESSAGE:
                text = text[: MAX_MESSAGE - 14] + " ... (cut off)"
            return text
        return "unexpected shape"
