"""The one cattrs converter: wire JSON <-> models. Hooks are generated per model on first use.

Hot path (every page of 100 customers goes through it): each model, and each ``list`` of a
model, gets a structure hook generated as straight-line code and registered with the cattrs
converter through a hook factory (any attrs subclass of the models' base gets one: subclassing
is the registration). Type checks are inlined (``type(v) is not str and v is not None``: one
test for a present value), timestamps go through ``datetime.fromisoformat``, nested models
call their own generated hook directly, a list inlines its model's body in the loop, the
instance is made with ``object.__new__`` and its slots are set in place (no ``__init__``
call), and unknown fields are looked for with one set union per page. No per-field dispatch
and no detailed validation happen there.

When the fast path fails, a second converter built by cattrs with detailed validation says
*where* it failed; the explanation is the message of the
:class:`~skiplino_async.APIResponseValidationError`. Its list hook first finds the failing
items with the fast hooks (one item at a time, nothing kept) and explains only the first
:data:`MAX_EXPLAINED` of them, so explaining a bad page of 200,000 rows costs about as much as
structuring one row. Both converters accept and refuse the same shapes.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.cols import list_structure_factory
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._wiretime import format_wire_time
from .errors import APIResponseValidationError
from .models import _Model

T = TypeVar("T")

#: Failing items of one array that are explained; the rest of the array is not looked at.
MAX_EXPLAINED: Final = 3
#: Longest explanation put in an error message (a hostile page must not make a huge one).
MAX_MESSAGE: Final = 1000
#: Longest description of one failure.
_MAX_NOTE: Final = 200

_CAMEL_RE: Final = re.compile(r"_([a-z])")


class ShapeError(Exception):
    """Raised by the strict scalar hooks; becomes an APIResponseValidationError."""


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, _Model) and attrs.has(tp)


def _camel(name: str) -> str:
    return _CAMEL_RE.sub(lambda m: m.group(1).upper(), name)


def _wire_name(cls: type, name: str) -> str:
    if name == "id":
        return str(getattr(cls, "_wire_id", "id"))
    return _camel(name)


def _resolved(cls: type) -> tuple[attrs.Attribute[Any], ...]:
    """The fields of ``cls`` with their annotations resolved (models postpone them)."""
    attrs.resolve_types(cls)
    fields: tuple[attrs.Attribute[Any], ...] = attrs.fields(cls)
    return fields


# --- strict scalars: cattrs' defaults would turn {"a": 1} into the string "{'a': 1}" ----------


def _str(value: Any, _: Any = None) -> str:
    if type(value) is str:
        return value
    raise ShapeError(f"expected a string, got {type(value).__name__}")


#: The documented integers are counts: a signed 64-bit range holds them, and what is outside
#: it could not be written by ``to_json()`` (orjson) or to an int64 Parquet column.
INT_MIN: Final = -(2**63)
INT_MAX: Final = 2**63 - 1


def _int(value: Any, _: Any = None) -> int:
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


def _to_utc(parsed: datetime) -> datetime:
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
    return parsed if parsed.tzinfo is UTC else _to_utc(parsed)


def _format_datetime(value: datetime, _: Any = None) -> str:
    return format_wire_time(value)


def _is_list(tp: Any) -> bool:
    return typing.get_origin(tp) is list


def _strict_list_factory(tp: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """cattrs' list hook, refusing anything but a JSON array (it would iterate a dict's keys)."""
    base = list_structure_factory(tp, conv)

    def structure_list(obj: Any, cls: Any) -> Any:
        if type(obj) is not list:
            raise ShapeError(f"expected an array, got {type(obj).__name__}")
        return base(obj, cls)

    return structure_list


def _register_scalars(conv: cattrs.Converter) -> None:
    conv.register_structure_hook(str, _str)
    conv.register_structure_hook(int, _int)
    conv.register_structure_hook(bool, _bool)
    # Metadata and other free-form objects: kept as they came, only their type is checked.
    conv.register_structure_hook_func(lambda t: t == dict[str, Any], _dict)
    conv.register_structure_hook(datetime, parse_datetime)
    conv.register_unstructure_hook(datetime, _format_datetime)


def _overrides(cls: type) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in _resolved(cls):
        if field.name == "extra":
            out["extra"] = override(omit=True)
        else:
            out[field.name] = override(rename=_wire_name(cls, field.name))
    return out


def _known_keys(cls: type) -> tuple[str, str | None, frozenset[str]]:
    """``(id key, its alias or None, every wire key the model knows)``."""
    names = [_wire_name(cls, f.name) for f in _resolved(cls) if f.name != "extra"]
    if "id" not in attrs.fields_dict(cls):
        return "", None, frozenset(names)
    id_key = _wire_name(cls, "id")
    alias = "id" if id_key == "_id" else "_id"
    return id_key, alias, frozenset([*names, alias])


# --- the hot-path converter: straight-line hooks generated per model -------------------------

_MISSING: Final = object()
_NONE_TYPE: Final = type(None)


def _optional_of(tp: Any) -> Any:
    """``X`` for ``X | None``, else ``None``."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not _NONE_TYPE]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0]
    return None


def _plain_slots(cls: type) -> bool:
    """Whether an instance may be made with ``object.__new__`` and its slots set directly:
    only when ``__init__`` would do nothing more than store the arguments."""
    return (
        "__slots__" in cls.__dict__
        and getattr(cls, "__setattr__") is object.__setattr__  # noqa: B009 - typed as Any
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        and all(
            f.validator is None and f.converter is None and f.on_setattr in (None, attrs.NOTHING)
            for f in attrs.fields(cls)
        )
    )


def _other_id(o: dict[str, Any], key: str, alias: str) -> str:
    """The id under its other spelling, when the documented key is absent."""
    if key in o:
        raise ShapeError(key)
    value = o[alias]
    if type(value) is not str:
        raise ShapeError(alias)
    return value


class _HookSource:
    """Accumulates the source and globals of one generated structure function."""

    def __init__(self, conv: cattrs.Converter, cls: type) -> None:
        self.conv = conv
        self.cls = cls
        self.lines: list[str] = []
        self.globs: dict[str, Any] = {
            "ShapeError": ShapeError,
            "_fromiso": datetime.fromisoformat,
            "_to_utc": _to_utc,
            "_int": _int,
            "_new": object.__new__,
            "_set": set,
            "UTC": UTC,
            "_MISSING": _MISSING,
        }

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def check(self, indent: int, var: str, tp: Any, key: str, *, optional: bool = False) -> None:
        """Lines that validate ``var`` as ``tp`` (``None`` too if ``optional``), converting it
        in place. Scalars test their type first: a present value then costs one test."""
        bad = f"raise ShapeError({key!r})"
        none_ok = f" and {var} is not None" if optional else ""
        if tp in (str, bool, dict[str, Any]):
            name = "dict" if tp == dict[str, Any] else tp.__name__
            self.emit(indent, f"if type({var}) is not {name}{none_ok}: {bad}")
            return
        if tp is int:
            in_range = f"type({var}) is int and {INT_MIN} <= {var} <= {INT_MAX}"
            self.emit(indent, f"if not ({in_range}){none_ok}: {var} = _int({var})")
            return
        if optional:
            self.emit(indent, f"if {var} is not None:")
            indent += 1
        if tp is datetime:
            # fromisoformat raises TypeError on anything but a str: no check of our own.
            self.emit(indent, f"{var} = _fromiso({var})")
            self.emit(indent, f"if {var}.tzinfo is not UTC: {var} = _to_utc({var})")
        elif attrs.has(tp):
            name = f"_s_{tp.__name__}"
            self.globs[name] = self.conv.get_structure_hook(tp)
            self.emit(indent, f"{var} = {name}({var})")
        elif _is_list(tp) and attrs.has(typing.get_args(tp)[0]):
            elem = typing.get_args(tp)[0]
            name = f"_s_{elem.__name__}"
            self.globs[name] = self.conv.get_structure_hook(elem)
            self.emit(indent, f"if type({var}) is not list: {bad}")
            self.emit(indent, f"{var} = [{name}(e) for e in {var}]")
        else:  # anything else: the converter's own hook, resolved once, here
            hook, typ = f"_h_{var}", f"_t_{var}"
            self.globs[hook] = self.conv.get_structure_hook(tp)
            self.globs[typ] = tp
            self.emit(indent, f"{var} = {hook}({var}, {typ})")


def _model_body(src: _HookSource, cls: type, at: int, clean: str) -> str:
    """Emit, at indent ``at``, the lines that check dict ``o`` and build the instance ``i``.

    ``clean`` is an expression that is true when ``o`` is known to have no unknown keys.
    Returns the name holding the built instance.
    """
    _, alias, known = _known_keys(cls)
    name = cls.__name__
    direct = _plain_slots(cls)
    src.globs.update(_cls=cls, _known=known)
    src.emit(at, "if type(o) is not dict:")
    src.emit(at + 1, f"raise ShapeError('expected an object for {name}, got ' + type(o).__name__)")
    src.emit(at, "g = o.get")
    args: list[str] = []
    has_extra = False
    for i, field in enumerate(_resolved(cls)):
        if field.name == "extra":
            has_extra = True
            continue
        var = f"v{i}"
        key = _wire_name(cls, field.name)
        args.append(var)
        inner = _optional_of(field.type)
        if field.name == "id" and alias is not None and field.type is str:
            # The documented key wins; the other spelling is accepted when it is absent
            # (looked at only when the documented one is not a string).
            src.globs["_other_id"] = _other_id
            src.emit(at, f"{var} = g({key!r})")
            src.emit(at, f"if type({var}) is not str: {var} = _other_id(o, {key!r}, {alias!r})")
        elif field.name == "id" and alias is not None:  # pragma: no cover - ids are strings
            src.emit(at, f"{var} = o[{key!r}] if {key!r} in o else o[{alias!r}]")
            src.check(at, var, field.type, key)
        elif field.default is attrs.NOTHING:
            src.emit(at, f"{var} = o[{key!r}]")
            src.check(at, var, field.type, key)
        elif inner is not None and field.default is None:
            src.emit(at, f"{var} = g({key!r})")
            src.check(at, var, inner, key, optional=True)
        elif isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            factory = f"_f_{var}"
            src.globs[factory] = field.default.factory  # type: ignore[union-attr]
            src.emit(at, f"{var} = g({key!r}, _MISSING)")
            src.emit(at, f"if {var} is _MISSING:")
            src.emit(at + 1, f"{var} = {factory}()")
            src.emit(at, "else:")
            src.check(at + 1, var, field.type, key)
        else:  # pragma: no cover - no model has such a field; refuse to guess its semantics
            raise TypeError(f"no fast structuring rule for {name}.{field.name}")
    if not has_extra:  # pragma: no cover - every model keeps unknown fields
        raise TypeError(f"{name} has no 'extra' field for the unknown ones")
    extra = f"{{}} if {clean} else {{k: o[k] for k in o if k not in _known}}"
    if not direct:
        src.emit(at, f"i = _cls({', '.join(args)}, {extra})")
        return "i"
    src.emit(at, "i = _new(_cls)")
    fields = [f.name for f in attrs.fields(cls) if f.name != "extra"]
    for attr, var in zip(fields, args, strict=True):
        src.emit(at, f"i.{attr} = {var}")
    src.emit(at, f"i.extra = {extra}")
    return "i"


def _compile(src: _HookSource, fn_name: str, params: str, doc: str) -> Callable[..., Any]:
    code = f"def {fn_name}({params}):\n" + "\n".join(src.lines) + "\n"
    namespace = dict(src.globs)
    exec(compile(code, f"<skiplino_async {fn_name}>", "exec"), namespace)
    fn: Callable[..., Any] = namespace[fn_name]
    fn.__doc__ = doc
    return fn


def _fast_model_hook(cls: type, conv: cattrs.Converter) -> Callable[..., Any]:
    """Generate ``structure_<Model>(o, _=None)``: validation and construction in one pass.

    It raises on any departure from the documented shape (the exception itself is not the
    message: :func:`structure` asks the detailed converter to explain the failure).
    """
    src = _HookSource(conv, cls)
    inst = _model_body(src, cls, 1, "_known.issuperset(o)")
    src.emit(1, f"return {inst}")
    name = cls.__name__
    return _compile(src, f"structure_{name}", "o, _=None", f"Structure a wire {name}.")


def _fast_list_factory(tp: Any, conv: cattrs.Converter) -> Callable[..., Any]:
    """``list[Model]``: the model's body inlined in the loop (a page is one call, not 100).

    Unknown keys are looked for once for the whole page (the union of its keys, built in C);
    only a page that has some pays for the per-object check.
    """
    elem = typing.get_args(tp)[0] if typing.get_args(tp) else Any
    if not attrs.has(elem):
        return _strict_list_factory(tp, conv)
    src = _HookSource(conv, elem)
    src.emit(1, "if type(d) is not list:")
    src.emit(2, "raise ShapeError('expected an array, got ' + type(d).__name__)")
    src.emit(1, "clean = _known.issuperset(_set().union(*d))")
    src.emit(1, "out = []")
    src.emit(1, "append = out.append")
    src.emit(1, "for o in d:")
    inst = _model_body(src, elem, 2, "clean or _known.issuperset(o)")
    src.emit(2, f"append({inst})")
    src.emit(1, "return out")
    name = elem.__name__
    return _compile(src, f"structure_list_{name}", "d, _=None", f"Structure a list of {name}.")


# --- the explaining converter: cattrs-generated hooks with detailed validation ---------------


def _detailed_model_hook(cls: type, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """Generated structure hook plus envelope leniency: id aliases and unknown fields kept."""
    base: Callable[[Any, Any], Any] = make_dict_structure_fn(
        cls, conv, _cattrs_detailed_validation=True, **_overrides(cls)
    )
    id_key, alias, known = _known_keys(cls)

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
            return _strict_list_factory(tp, conv)
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
            segment = f".{_wire_name(exc.cl, attr.name)}" if attr is not None else ""
            _notes(sub, path + segment, out)
    elif isinstance(exc, IterableValidationError):
        for sub in exc.exceptions:
            item = _note(sub, IterableValidationNote)
            _notes(sub, path + (f"[{item.index}]" if item is not None else ""), out)
        if isinstance(exc, _PartialIterableError):
            out.append(f"more items of {path} fail (not shown)")
    else:
        out.append(f"{_describe(exc)} @ {path}")


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
            lines: list[str] = []
            _notes(exc, "data", lines)
            text = "; ".join(lines)
        else:
            text = _describe(exc)
        if len(text) > MAX_MESSAGE:
            text = text[: MAX_MESSAGE - 14] + " ... (cut off)"
        return text
    return "unexpected shape"


# --- wire output -----------------------------------------------------------------------------


def _unstructure_hook(cls: type, conv: cattrs.Converter) -> Callable[[Any], dict[str, Any]]:
    base: Callable[[Any], dict[str, Any]] = make_dict_unstructure_fn(
        cls, conv, _cattrs_omit_if_default=True, **_overrides(cls)
    )

    def hook(inst: Any) -> dict[str, Any]:
        out: dict[str, Any] = base(inst)
        if inst.extra:
            out = {**inst.extra, **out}
        return out

    return hook


def _build(*, fast: cattrs.Converter | None) -> cattrs.Converter:
    """The hot-path converter (``fast=None``), or the explaining one that leans on ``fast``."""
    detailed = fast is not None
    conv = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)
    _register_scalars(conv)
    if fast is None:
        conv.register_structure_hook_factory(_is_list, _fast_list_factory)
        conv.register_structure_hook_factory(_is_model, _fast_model_hook)
        conv.register_unstructure_hook_factory(_is_model, _unstructure_hook)
    else:
        conv.register_structure_hook_factory(_is_list, _locating_list_factory(fast))
        conv.register_structure_hook_factory(_is_model, _detailed_model_hook)
    return conv


converter: Final = _build(fast=None)
_explainer: Final = _build(fast=converter)


#: ``cls`` -> its structure hook: skips cattrs' dispatch on every response.
_hooks: dict[Any, Callable[[Any, Any], Any]] = {}


def structure(
    data: Any, cls: type[T] | Any, *, status: int = 200, body: bytes = b"", headers: Any = None
) -> T:
    """Structure ``data`` as ``cls``; any failure is an :class:`APIResponseValidationError`."""
    try:
        hook = _hooks.get(cls)
        if hook is None:
            hook = converter.get_structure_hook(cls)
            if len(_hooks) < 64:  # the SDK structures a handful of types; callers could pass more
                _hooks[cls] = hook
        return hook(data, cls)  # type: ignore[no-any-return]
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
