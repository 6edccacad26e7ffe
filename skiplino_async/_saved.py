"""Documents the SDK writes and reads back (checkpoints), checked through cattrs with detailed
validation.

A document is a TypedDict or an attrs class; each field's type, and its rule when it has one
(``Annotated[int, at_least(1)]``), is declared there and nowhere else. :func:`load` structures
a saved mapping as that type and turns the first failure into a :class:`BadField` naming the
field's path (``stats.retries``, ``params.id``) and what it must be (``an int >= 0``).
Scalars are strict: ``True`` is no int, ``50.0`` no int, ``"2"`` neither.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Final, TypeVar

import attrs
import cattrs
from cattrs.cols import list_structure_factory, mapping_structure_factory
from cattrs.errors import AttributeValidationNote, IterableValidationNote
from cattrs.gen.typeddicts import make_dict_structure_fn as typeddict_structure_fn

__all__ = [
    "MISSING",
    "Absent",
    "BadField",
    "Rule",
    "absent_defaults",
    "at_least",
    "at_most_items",
    "load",
    "one_of",
]

T = TypeVar("T")


def _always(_: Any) -> bool:
    return True


@attrs.frozen
class Rule:
    """What a saved value must be, in words (``an int >= 1``), and the test of it."""

    says: str
    holds: Callable[[Any], bool] = attrs.field(default=_always, eq=False)


@attrs.frozen(eq=False)  # hashed by identity: typing hashes the metadata, ``value`` may be a list
class Absent:
    """What a saved field that may be missing (an older version wrote none) is taken to be."""

    value: Any


def absent_defaults(cls: type) -> dict[str, Any]:
    """The values of ``cls``'s fields marked :class:`Absent`, by field name."""
    hints = typing.get_type_hints(cls, include_extras=True)
    return {
        name: meta.value
        for name, tp in hints.items()
        if _is_annotated(tp)
        for meta in tp.__metadata__
        if isinstance(meta, Absent)
    }


def at_least(low: int) -> Rule:
    """An int of at least ``low``."""
    return Rule(f"an int >= {low}", lambda value: value >= low)


def at_most_items(most: int, what: str) -> Rule:
    """A list of at most ``most`` items."""
    return Rule(f"a list of at most {most} {what}", lambda value: len(value) <= most)


def one_of(*choices: str) -> Rule:
    """One of ``choices``."""
    return Rule(f"one of {choices}", lambda value: value in choices)


class BadField(Exception):
    """A saved field that breaks its type or rule: ``path``, what it ``must`` be, ``value``
    (:data:`MISSING` when it is absent); ``problem`` is the message without the path."""

    def __init__(self, path: str, must: str, value: object) -> None:
        self.problem = f"must be {must}, got {_shown(value)}"
        super().__init__(f"{path!r} {self.problem}")
        self.path = path
        self.must = must
        self.value = value


class _Broken(Exception):
    """A leaf failure inside the converter: what the value must be, and the value."""

    def __init__(self, must: str, value: object) -> None:
        super().__init__(must)
        self.must = must
        self.value = value


#: Stands for an absent field: it is no value of any type, so every field refuses it.
MISSING: Final = object()


def _shown(value: object) -> str:
    if value is MISSING:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 80 else f"a {type(value).__name__} of {len(text)} characters"


def _scalar(tp: type, must: str) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        if type(value) is not tp:
            raise _Broken(must, value)
        return value

    return hook


def _is_id(tp: Any) -> bool:
    """``str | int``, or ``str | int | None``: an item id."""
    args = set(typing.get_args(tp))
    unions = (typing.Union, types.UnionType)
    return typing.get_origin(tp) in unions and args in ({str, int}, {str, int, type(None)})


def _id(value: Any, tp: Any) -> Any:
    if type(value) in (str, int) or (value is None and type(None) in typing.get_args(tp)):
        return value
    optional = type(None) in typing.get_args(tp)
    raise _Broken("a string or an int" + (" or null" if optional else ""), value)


def _must(tp: Any) -> str:
    """What a value of ``tp`` must be, in words."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return typing.get_args(tp)[1].says  # type: ignore[no-any-return]
    if origin in (dict, Mapping) or typing.is_typeddict(tp) or attrs.has(tp):
        return "a mapping"
    if origin is list:
        return "a list"
    return "valid"


def _annotated(tp: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    base = typing.get_args(tp)[0]
    inner = conv.get_structure_hook(base)
    rules = [meta for meta in tp.__metadata__ if isinstance(meta, Rule)]
    if not rules:
        return lambda value, _: inner(value, base)
    rule = rules[0]

    def hook(value: Any, _: Any) -> Any:
        try:
            out = inner(value, base)
        except Exception:  # noqa: BLE001 - any failure of the base type breaks the rule
            raise _Broken(rule.says, value) from None
        if out is not None and not rule.holds(out):
            raise _Broken(rule.says, value)
        return out

    return hook


def _container(kind: type, factory: Callable[[Any, cattrs.Converter], Any]) -> Any:
    """cattrs' own hook for a container, refusing anything but a ``kind`` first (it would
    iterate a string's characters or a dict's keys)."""

    def make(tp: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
        inner = factory(tp, conv)

        def hook(value: Any, cls: Any) -> Any:
            if not isinstance(value, kind):
                raise _Broken(_must(tp), value)
            return inner(value, cls)

        return hook

    return make


def _is_annotated(tp: Any) -> bool:
    return typing.get_origin(tp) is Annotated


def _is_list(tp: Any) -> bool:
    return typing.get_origin(tp) is list


def _is_mapping(tp: Any) -> bool:
    return typing.get_origin(tp) is dict and tp != dict[str, Any]


def _is_free_object(tp: Any) -> bool:
    return bool(tp == dict[str, Any])


def _typeddict(tp: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """cattrs' hook for a TypedDict, keeping only the keys it declares."""
    inner = typeddict_structure_fn(tp, conv, _cattrs_detailed_validation=True)
    keys = frozenset(typing.get_type_hints(tp))

    def hook(value: Any, cls: Any) -> Any:
        return inner({k: v for k, v in value.items() if k in keys}, cls)

    return hook


def _converter() -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
    conv.register_structure_hook(int, _scalar(int, "an int"))
    conv.register_structure_hook(str, _scalar(str, "a string"))
    conv.register_structure_hook(bool, _scalar(bool, "true or false"))
    conv.register_structure_hook_func(_is_id, _id)
    conv.register_structure_hook_func(_is_free_object, _scalar(dict, "a mapping"))
    conv.register_structure_hook_factory(_is_annotated, _annotated)
    conv.register_structure_hook_factory(_is_list, _container(list, list_structure_factory))
    conv.register_structure_hook_factory(
        _is_mapping, _container(Mapping, mapping_structure_factory)
    )
    conv.register_structure_hook_factory(typing.is_typeddict, _container(Mapping, _typeddict))
    return conv


def _first(exc: BaseException, path: str) -> BadField:
    """The first leaf failure of cattrs' exception tree, with the path of keys to it."""
    subs = getattr(exc, "exceptions", None)
    if isinstance(exc, cattrs.BaseValidationError) and subs:
        sub = subs[0]
        for note in getattr(sub, "__notes__", ()):
            if isinstance(note, AttributeValidationNote):
                return _first(sub, f"{path}.{note.name}" if path else note.name)
            if isinstance(note, IterableValidationNote) and note.startswith("Structuring mapping"):
                return _first(sub, f"{path}.{note.index}")
        return _first(sub, path)
    if isinstance(exc, _Broken):
        return BadField(path, exc.must, exc.value)
    if isinstance(exc, KeyError):
        return BadField(path, "present", MISSING)
    return BadField(path, "valid", MISSING)


_CONVERTER: Final = _converter()


def load(data: object, cls: type[T]) -> T:
    """``data`` structured as ``cls``; a :class:`BadField` for its first bad field."""
    try:
        return _CONVERTER.structure(data, cls)
    except Exception as exc:  # noqa: BLE001 - every failure is reported as a bad field
        raise _first(exc, "") from None
