"""The converter: wire JSON <-> models. Hooks are made per model on first use.

The package's interface is :func:`structure` (wire ``data`` to a model, or a list of models;
any failure is an :class:`~skiplino_async.APIResponseValidationError`), :func:`from_wire` and
:func:`to_wire`. Inside it: :mod:`._generate` makes the hot-path hooks (straight-line code per
model: every page of 100 customers goes through them, no per-field dispatch and no detailed
validation), :mod:`._explain` says where a failed structuring departs from the model (the
message of the error), and :mod:`._scalars` holds what both share. Any attrs subclass of
:class:`~skiplino_async._modelbase.ModelBase` gets hooks: subclassing is the registration.
The field names on the wire come from :mod:`skiplino_async._wirefields`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

import cattrs
from cattrs.gen import make_dict_unstructure_fn

from ..errors import APIResponseValidationError
from ._explain import Explainer, type_name
from ._generate import fast_list_factory, fast_model_hook
from ._scalars import is_list, is_model, overrides, register_scalars

__all__ = ["converter", "from_wire", "structure", "to_wire"]

T = TypeVar("T")


def _unstructure_hook(cls: type, conv: cattrs.Converter) -> Callable[[Any], dict[str, Any]]:
    base: Callable[[Any], dict[str, Any]] = make_dict_unstructure_fn(
        cls, conv, _cattrs_omit_if_default=True, **overrides(cls)
    )

    def hook(inst: Any) -> dict[str, Any]:
        out: dict[str, Any] = base(inst)
        if inst.extra:
            out = {**inst.extra, **out}
        return out

    return hook


def _build() -> cattrs.Converter:
    """The hot-path converter: generated hooks for models and lists of models."""
    conv = cattrs.Converter(forbid_extra_keys=False)
    register_scalars(conv)
    conv.register_structure_hook_factory(is_list, fast_list_factory)
    conv.register_structure_hook_factory(is_model, fast_model_hook)
    conv.register_unstructure_hook_factory(is_model, _unstructure_hook)
    return conv


converter: Final = _build()
_explain: Final = Explainer(converter)


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
        raise APIResponseValidationError(
            f"response data is not a valid {type_name(cls)}: {_explain(data, cls)}",
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
