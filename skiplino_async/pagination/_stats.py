"""Progress counters of one paginated walk (:class:`PaginatorStats`)."""

from __future__ import annotations

import time
from typing import Any

import attrs

__all__ = ["PaginatorStats"]


@attrs.define
class PaginatorStats:
    """Progress of one walk. ``items_yielded`` and the counters include the walk(s) the
    paginator resumed from; ``elapsed`` is this walk's time only."""

    pages_fetched: int = 0
    items_yielded: int = 0
    #: Of ``items_yielded``, those yielded before the checkpoint this walk resumed from.
    items_resumed: int = 0
    duplicates_dropped: int = 0
    drift_events: int = 0
    #: Retries the page requests needed (attempts beyond the first).
    retries: int = 0
    #: ``pagination.total`` of the first page this walk saw (or of the checkpoint's walk).
    first_total: int | None = None
    #: ``pagination.total`` of the latest page taken; use it for an ETA.
    total: int | None = None
    #: ``pagination.totalPages`` of the latest page taken.
    total_pages: int | None = None
    _started: float | None = attrs.field(default=None, repr=False)
    _ended: float | None = attrs.field(default=None, repr=False)

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
            "first_total": self.first_total,
            "total": self.total,
            "total_pages": self.total_pages,
            "elapsed": round(self.elapsed, 6),
        }
