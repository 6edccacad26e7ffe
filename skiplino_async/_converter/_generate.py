"""The hot-path structure hooks: straight-line code generated per model.

Each model, and each ``list`` of a model, gets a structure hook generated as straight-line
code. Type checks are inlined (``type(v) is not str and v is not None``: one test for a present
value), timestamps go through ``datetime.fromisoformat``, nested models call their own
generated hook directly, a list inlines its model's body in the loop, the instance is made
with ``object.__new__`` and its slots are set in place (no ``__init__`` call), and unknown
fields are looked for with one set union per page. A hook raises on any departure from the
documented shape; saying where is :mod:`._explain`'s job.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

import attrs
import cattrs

from .._wirefields import optional_of, resolved, wire_name
from ._scalars import (
    INT_MAX,
    INT_MIN,
    ShapeError,
    int_value,
    is_list,
    known_keys,
    strict_list_factory,
    to_utc,
)

__all__ = ["fast_list_factory", "fast_model_hook"]


_MISSING: Final = object()


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
            "_to_utc": to_utc,
            "_int": int_value,
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
        elif is_list(tp) and attrs.has(typing.get_args(tp)[0]):
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
    _, alias, known = known_keys(cls)
    name = cls.__name__
    direct = _plain_slots(cls)
    src.globs.update(_cls=cls, _known=known)
    src.emit(at, "if type(o) is not dict:")
    src.emit(at + 1, f"raise ShapeError('expected an object for {name}, got ' + type(o).__name__)")
    src.emit(at, "g = o.get")
    args: list[str] = []
    has_extra = False
    for i, field in enumerate(resolved(cls)):
        if field.name == "extra":
            has_extra = True
            continue
        var = f"v{i}"
        key = wire_name(cls, field.name)
        args.append(var)
        inner = optional_of(field.type)
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


def fast_model_hook(cls: type, conv: cattrs.Converter) -> Callable[..., Any]:
    """Generate ``structure_<Model>(o, _=None)``: validation and construction in one pass.

    It raises on any departure from the documented shape (the exception itself is not the
    message: :func:`structure` asks the detailed converter to explain the failure).
    """
    src = _HookSource(conv, cls)
    inst = _model_body(src, cls, 1, "_known.issuperset(o)")
    src.emit(1, f"return {inst}")
    name = cls.__name__
    return _compile(src, f"structure_{name}", "o, _=None", f"Structure a wire {name}.")


def fast_list_factory(tp: Any, conv: cattrs.Converter) -> Callable[..., Any]:
    """``list[Model]``: the model's body inlined in the loop (a page is one call, not 100).

    Unknown keys are looked for once for the whole page (the union of its keys, built in C);
    only a page that has some pays for the per-object check.
    """
    elem = typing.get_args(tp)[0] if typing.get_args(tp) else Any
    if not attrs.has(elem):
        return strict_list_factory(tp, conv)
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
