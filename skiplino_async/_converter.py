"""The one cattrs converter: wire JSON <-> models. Hooks are generated once, at import.

Hot path (every page of 100 customers goes through it): each model, and each ``list`` of a
model, gets a structure hook generated as straight-line code and registered with the cattrs
converter. Type checks are inlined (``type(v) is not str and v is not None``: one test for a
present value), timestamps go through ``datetime.fromisoformat``, nested models call their own
generated hook directly, a list inlines its model's body in the loop, and unknown fields are
looked for with ``frozenset.issuperset`` (once per page for lists). No per-field dispatch and
no detailed validation happen there.

When the fast path fails, the data is run again through a second converter built by cattrs
with detailed validation, only to explain *where* it failed; the explanation is the message
of the :class:`~skiplino_async.APIResponseValidationError`. Both converters accept and refuse
the same shapes.
"""

from __future__ import annotations

import itertools
import re
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.cols import list_structure_factory
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

#: In dependency order: a model's nested models come before it.
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
_WIRE_SEGMENT: Final = re.compile(r"\.([a-z][a-z0-9_]*)")

for _cls in _MODELS:
    attrs.resolve_types(_cls)  # the models use postponed annotations


class ShapeError(Exception):
    """Raised by the strict scalar hooks; becomes an APIResponseValidationError."""


def _camel(name: str) -> str:
    return _CAMEL_RE.sub(lambda m: m.group(1).upper(), name)


def _wire_name(cls: type, name: str) -> str:
    if name == "id" and cls in _UNDERSCORE_ID:
        return "_id"
    return _camel(name)


# --- strict scalars: cattrs' defaults would turn {"a": 1} into the string "{'a': 1}" ----------


def _str(value: Any, _: Any = None) -> str:
    if type(value) is str:
        return value
    raise ShapeError(f"expected a string, got {type(value).__name__}")


def _int(value: Any, _: Any = None) -> int:
    if type(value) is int:
        return value
    # 18.0 from a JSON encoder that writes floats is still a whole number.
    if type(value) is float and value.is_integer():
        return int(value)
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


def format_datetime(value: datetime) -> str:
    """The API's timestamp format: UTC, milliseconds, trailing ``Z``."""
    utc = value.astimezone(UTC) if value.tzinfo is not None else value
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


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
    conv.register_unstructure_hook(datetime, format_datetime)
    conv.register_structure_hook_factory(_is_list, _strict_list_factory)


def _overrides(cls: type) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.name == "extra":
            out["extra"] = override(omit=True)
        else:
            out[field.name] = override(rename=_wire_name(cls, field.name))
    return out


def _known_keys(cls: type) -> tuple[str, str | None, frozenset[str]]:
    """``(id key, its alias or None, every wire key the model knows)``."""
    names = [_wire_name(cls, f.name) for f in attrs.fields(cls) if f.name != "extra"]
    if "id" not in attrs.fields_dict(cls):
        return "", None, frozenset(names)
    id_key = "_id" if cls in _UNDERSCORE_ID else "id"
    alias = "id" if id_key == "_id" else "_id"
    return id_key, alias, frozenset([*names, alias])


# --- the explaining converter: cattrs-generated hooks with detailed validation ---------------


def _detailed_model_hook(conv: cattrs.Converter, cls: type) -> Callable[[Any, Any], Any]:
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
            self.emit(indent, f"if type({var}) is not int{none_ok}: {var} = _int({var})")
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


def _model_body(src: _HookSource, cls: type, at: int) -> str:
    """Emit, at indent ``at``, the lines that check dict ``o`` and bind ``v0, v1, ...``.

    Returns the constructor's positional arguments (all fields but ``extra``).
    """
    _, alias, known = _known_keys(cls)
    name = cls.__name__
    src.globs.update(_cls=cls, _known=known)
    src.emit(at, "if type(o) is not dict:")
    src.emit(at + 1, f"raise ShapeError('expected an object for {name}, got ' + type(o).__name__)")
    args: list[str] = []
    for i, field in enumerate(attrs.fields(cls)):
        if field.name == "extra":
            continue
        var = f"v{i}"
        key = _wire_name(cls, field.name)
        args.append(var)
        inner = _optional_of(field.type)
        if field.name == "id" and alias is not None:
            # The documented key wins; the other spelling is accepted when it is absent.
            src.emit(at, f"{var} = o[{key!r}] if {key!r} in o else o[{alias!r}]")
            src.check(at, var, field.type, key)
        elif field.default is attrs.NOTHING:
            src.emit(at, f"{var} = o[{key!r}]")
            src.check(at, var, field.type, key)
        elif inner is not None and field.default is None:
            src.emit(at, f"{var} = o.get({key!r})")
            src.check(at, var, inner, key, optional=True)
        elif isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            factory = f"_f_{var}"
            src.globs[factory] = field.default.factory
            src.emit(at, f"{var} = o.get({key!r}, _MISSING)")
            src.emit(at, f"if {var} is _MISSING:")
            src.emit(at + 1, f"{var} = {factory}()")
            src.emit(at, "else:")
            src.check(at + 1, var, field.type, key)
        else:  # pragma: no cover - no model has such a field; refuse to guess its semantics
            raise TypeError(f"no fast structuring rule for {name}.{field.name}")
    return ", ".join(args)


def _compile(src: _HookSource, fn_name: str, params: str, doc: str) -> Callable[..., Any]:
    code = f"def {fn_name}({params}):\n" + "\n".join(src.lines) + "\n"
    namespace = dict(src.globs)
    exec(compile(code, f"<skiplino_async {fn_name}>", "exec"), namespace)
    fn: Callable[..., Any] = namespace[fn_name]
    fn.__doc__ = doc
    return fn


def _fast_model_hook(conv: cattrs.Converter, cls: type) -> Callable[..., Any]:
    """Generate ``structure_<Model>(o, _=None)``: validation and construction in one pass.

    It raises on any departure from the documented shape (the exception itself is not the
    message: :func:`structure` asks the detailed converter to explain the failure).
    """
    src = _HookSource(conv, cls)
    call = _model_body(src, cls, 1)
    src.emit(1, "if _known.issuperset(o):")
    src.emit(2, f"return _cls({call}, {{}})")
    src.emit(1, f"return _cls({call}, {{k: o[k] for k in o if k not in _known}})")
    name = cls.__name__
    return _compile(src, f"structure_{name}", "o, _=None", f"Structure a wire {name}.")


def _fast_list_factory(tp: Any, conv: cattrs.Converter) -> Callable[..., Any]:
    """``list[Model]``: the model's body inlined in the loop (a page is one call, not 100).

    Unknown keys are looked for once for the whole page; only a page that has some pays
    for the per-object check.
    """
    elem = typing.get_args(tp)[0] if typing.get_args(tp) else Any
    if not attrs.has(elem):
        return _strict_list_factory(tp, conv)
    src = _HookSource(conv, elem)
    src.globs["_chain"] = itertools.chain.from_iterable
    src.emit(1, "if type(d) is not list:")
    src.emit(2, "raise ShapeError('expected an array, got ' + type(d).__name__)")
    src.emit(1, "clean = _known.issuperset(_chain(d))")
    src.emit(1, "out = []")
    src.emit(1, "append = out.append")
    src.emit(1, "for o in d:")
    call = _model_body(src, elem, 2)
    src.emit(2, "if clean or _known.issuperset(o):")
    src.emit(3, f"append(_cls({call}, {{}}))")
    src.emit(2, "else:")
    src.emit(3, f"append(_cls({call}, {{k: o[k] for k in o if k not in _known}}))")
    src.emit(1, "return out")
    name = elem.__name__
    return _compile(src, f"structure_list_{name}", "d, _=None", f"Structure a list of {name}.")


# --- wire output -----------------------------------------------------------------------------


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
    if not detailed:
        conv.register_structure_hook_factory(_is_list, _fast_list_factory)
    for cls in _MODELS:
        if detailed:
            conv.register_structure_hook(cls, _detailed_model_hook(conv, cls))
        else:
            conv.register_structure_hook(cls, _fast_model_hook(conv, cls))
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
            # cattrs names Python attributes; the reader is looking at the JSON.
            return "; ".join(
                _WIRE_SEGMENT.sub(lambda m: "." + _camel(m.group(1)), n) for n in notes
            )
        return _describe(exc, cls)
    return "unexpected shape"


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
