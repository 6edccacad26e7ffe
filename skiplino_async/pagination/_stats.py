"""Progress counters of one paginated walk (:class:`PaginatorStats`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["PaginatorStats"]


@attrs.define(eq=False, repr=False)
class PaginatorStats:
    """Progress of one walk. ``items_yielded`` and the counters include the walk(s) the
    paginator resumed from; ``elapsed`` is this walk's time only."""

    pages_fetched: int = 0
    # ``items_yielded`` (a property): the walk counts a page's rows once, not row by row;
    # while a page goes out, ``_live`` says how many of its rows have been handed out.
    _items_yielded: int = attrs.field(default=0, alias="items_yielded")
    #: Of ``items_yielded``, those yielded before the checkpoint this walk resumed from.
    items_resumed: int = 0
    duplicates_dropped: int = 0
    drift_events: int = 0
    #: Retries the page requests needed (attempts beyond the first).
    retries: int = 0
    #: Of those, the answers that were the server throttling (429, 503 with Retry-After).
    throttled: int = 0
    #: ``pagination.total`` of the first page this walk saw (or of the checkpoint's walk).
    first_total: int | None = None
    #: ``pagination.total`` of the latest page taken; use it for an ETA.
    total: int | None = None
    #: ``pagination.totalPages`` of the latest page taken.
    total_pages: int | None = None
    _started: float | None = attrs.field(default=None)
    _ended: float | None = attrs.field(default=None)
    _live: Callable[[], int] | None = attrs.field(default=None, init=False)
    #: The client's paced request rate, when the server throttled it (see ``paced_rate``).
    _pace: Callable[[], float | None] | None = attrs.field(default=None, init=False)

    @property
    def items_yielded(self) -> int:
        """Items handed out, the one the caller holds included."""
        live = self._live
        return self._items_yielded if live is None else self._items_yielded + live()

    @items_yielded.setter
    def items_yielded(self, value: int) -> None:
        live = self._live
        self._items_yielded = value if live is None else value - live()

    def saw(self, total: int | None, total_pages: int | None) -> None:
        """A page answer's ``total`` and ``totalPages`` (the first total is kept too)."""
        if self.first_total is None:
            self.first_total = total
        self.total = total
        self.total_pages = total_pages

    @property
    def paced_rate(self) -> float | None:
        """The requests per second the client settled at while the server throttles it
        (``None``: nothing is paced)."""
        return self._pace() if self._pace is not None else None

    @property
    def elapsed(self) -> float:
        """Seconds since the first request of this walk (frozen when the walk ends)."""
        if self._started is None:
            return 0.0
        end = self._ended if self._ended is not None else time.monotonic()
        return end - self._started

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy, ``elapsed`` included."""
        return {
            "pages_fetched": self.pages_fetched,
            "items_yielded": self.items_yielded,
            "items_resumed": self.items_resumed,
            "duplicates_dropped": self.duplicates_dropped,
            "drift_events": self.drift_events,
            "retries": self.retries,
            "throttled": self.throttled,
            "first_total": self.first_total,
            "total": self.total,
            "total_pages": self.total_pages,
            "elapsed": round(self.elapsed, 6),
        }

    def _values(self) -> tuple[Any, ...]:
        return (
            self.pages_fetched,
            self.items_yielded,
            self.items_resumed,
            self.duplicates_dropped,
            self.drift_events,
            self.retries,
            self.throttled,
            self.first_total,
            self.total,
            self.total_pages,
            self._started,
            self._ended,
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, PaginatorStats)
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        names = (
            "pages_fetched",
            "items_yielded",
            "items_resumed",
            "duplicates_dropped",
            "drift_events",
            "retries",
            "throttled",
            "first_total",
            "total",
            "total_pages",
        )
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"PaginatorStats({inner})"
