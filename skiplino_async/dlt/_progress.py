"""Rows extracted so far, per resource, for ``skiplino load``'s progress line."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class ExtractProgress:
    """Counts rows per resource (as a dlt map step) and says so every ``interval`` seconds."""

    def __init__(
        self,
        say: Callable[[str], object],
        *,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.counts: dict[str, int] = {}
        self._say = say
        self._interval = interval
        self._clock = clock
        self._next = clock() + interval

    def counter(self, resource: str) -> Callable[[T], T]:
        """The map step of ``resource``: counts the rows of each item (a row, or an Arrow
        table of ``num_rows``) and hands it on unchanged."""
        self.counts.setdefault(resource, 0)

        def count(row: T) -> T:
            self.counts[resource] += getattr(row, "num_rows", 1)
            if self._clock() >= self._next:
                self._next = self._clock() + self._interval
                self._say(f"extracted {line(self.counts)}")
            return row

        return count


def line(counts: dict[str, Any]) -> str:
    """``customers 1,200, branches 3`` (or ``no rows``)."""
    return ", ".join(f"{name} {n:,}" for name, n in sorted(counts.items())) or "no rows"
