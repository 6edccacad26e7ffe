"""The id window: the ids of the last rows a walk handed out, bounded in rows, not pages."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

__all__ = ["IdWindow", "window_rows"]

#: The window never remembers fewer rows than this, whatever the page size.
MIN_WINDOW_ROWS = 1_000
#: ... nor fewer than this many pages' worth (plus the pages in flight).
WINDOW_PAGES = 4


def window_rows(limit: int, in_flight: int) -> int:
    """Rows the window remembers for pages of ``limit`` with up to ``in_flight`` requests."""
    return max(MIN_WINDOW_ROWS, limit * (WINDOW_PAGES + in_flight))


class IdWindow:
    """The ids of at least the last ``capacity`` rows handed out (at most one page more).

    Ids are added a page at a time (only ids not in the window already, so every id is in
    exactly one chunk) and whole chunks are dropped from the oldest end once the rest still
    holds ``capacity`` rows: a page of duplicates adds nothing and pushes nothing out.
    """

    __slots__ = ("_chunks", "_count", "capacity", "ids")

    def __init__(self, capacity: int, seed: Iterable[Any] = ()) -> None:
        self.capacity = capacity
        #: Every id in the window, for membership tests (read-only for callers).
        self.ids: set[Any] = set()
        self._chunks: deque[list[Any]] = deque()
        self._count = 0
        first = list(dict.fromkeys(seed))
        if first:
            self.add(first[-capacity:])

    def __len__(self) -> int:
        return self._count

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.ids

    def add(self, chunk: list[Any]) -> None:
        """Remember ``chunk`` (ids not in the window: the caller checked)."""
        if not chunk:
            return
        self.ids.update(chunk)
        chunks = self._chunks
        chunks.append(chunk)
        self._count += len(chunk)
        while self._count - len(chunks[0]) >= self.capacity:
            old = chunks.popleft()
            self._count -= len(old)
            self.ids.difference_update(old)

    def recent(self, drop_last: int = 0) -> list[Any]:
        """The ids in the order they were added, oldest first, without the last ``drop_last``."""
        out = [item_id for chunk in self._chunks for item_id in chunk]
        if drop_last:
            del out[len(out) - drop_last :]
        return out[-self.capacity :]
