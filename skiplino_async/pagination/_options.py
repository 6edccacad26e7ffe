"""A walk's options, checked once: what :class:`AsyncPaginator` was asked to do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import attrs

from ..models import Page
from ._drift import DriftEvent
from ._fetcher import ADAPTIVE_MAX, Width
from ._window import ItemId

__all__ = ["WalkOptions", "walk_width"]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class WalkOptions(Generic[T]):
    """The options of one walk (see :class:`AsyncPaginator` for each); checked when built."""

    limit: int
    key: Callable[[T], ItemId]
    operation: str
    #: The operation parameters recorded in checkpoints (``limit`` included).
    params: dict[str, ItemId]
    prefetch: int | None = attrs.field(default=None, validator=lambda _, __, v: _prefetch(v))
    rate_limit: float | None = None
    on_page: Callable[[Page[T]], object] | None = None
    on_drift: Callable[[DriftEvent], object] | None = None
    strict: bool = False
    max_items: int | None = attrs.field(default=None, validator=lambda _, __, v: _max_items(v))


def walk_width(options: WalkOptions[T]) -> Width:
    """How many page requests the walk keeps in flight: ``prefetch``, or adaptive."""
    if options.prefetch is not None:
        return Width.fixed(options.prefetch)
    high = ADAPTIVE_MAX
    if options.rate_limit is not None:
        # More requests in flight than may start per second only queue in the limiter.
        high = max(1, min(high, int(options.rate_limit)))
    return Width.adaptive(high)


def _is_count(value: object, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _prefetch(value: object) -> None:
    if value is not None and not _is_count(value, 1):
        raise ValueError(f"prefetch must be an int >= 1 or None, got {value!r}")


def _max_items(value: object) -> None:
    if value is not None and not _is_count(value, 0):
        raise ValueError(f"max_items must be an int >= 0 or None, got {value!r}")
