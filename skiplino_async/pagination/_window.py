"""The id window: the ids of the last rows a walk handed out, bounded in rows, not pages."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

__all__ = ["IdWindow", "ItemId", "window_rows"]

#: The id of a row, as ``key(item)`` gives it.
ItemId = str | int

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

    __slots__ = ("_chunks", "_claimed", "_count", "capacity", "ids")

    def __init__(self, capacity: int, seed: Iterable[ItemId] = ()) -> None:
        self.capacity = capacity
        #: Every id in the window, for membership tests (read-only for callers).
        self.ids: set[ItemId] = set()
        self._chunks: deque[list[ItemId]] = deque()
        self._count = 0
        #: Ids :meth:`claim` put in ``ids`` ahead of their chunk (their rows not handed out yet).
        self._claimed: list[ItemId] | None = None
        first = list(dict.fromkeys(seed))
        if first:
            self.add(first[-capacity:])

    def __len__(self) -> int:
        return self._count

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.ids

    def claim(self, ids: list[ItemId]) -> bool:
        """Whether every id of ``ids`` is new to the window and distinct; if so they join ``ids``.

        Two set operations in C (the common page): no per-id Python work. The chunk itself
        is only recorded by :meth:`add` when its rows start going out, so :meth:`recent` (a
        checkpoint) does not count them before; :meth:`release` undoes the claim.
        """
        seen = self.ids
        if not seen.isdisjoint(ids):
            return False
        before = len(seen)
        seen.update(ids)
        if len(seen) - before != len(ids):  # repeats within the page
            seen.difference_update(ids)  # exact: none of them was in the window
            return False
        self._claimed = ids
        return True

    def release(self) -> None:
        """Forget the ids of a pending :meth:`claim` (the page is not handed out after all)."""
        claimed, self._claimed = self._claimed, None
        if claimed is not None:
            self.ids.difference_update(claimed)

    def add(self, chunk: list[ItemId]) -> None:
        """Remember ``chunk`` (ids not in the window: the caller checked, or claimed them)."""
        claimed = self._claimed
        if claimed is not None:
            self._claimed = None
            if chunk is not claimed:
                # Only part of the claimed page goes out (``max_items``): keep just that.
                self.ids.difference_update(claimed)
                self.ids.update(chunk)
        elif chunk:
            self.ids.update(chunk)
        if not chunk:
            return
        chunks = self._chunks
        chunks.append(chunk)
        self._count += len(chunk)
        while self._count - len(chunks[0]) >= self.capacity:
            old = chunks.popleft()
            self._count -= len(old)
            self.ids.difference_update(old)

    def recent(self, drop_last: int = 0) -> list[ItemId]:
        """The ids in the order they were added, oldest first, without the last ``drop_last``."""
        out = [item_id for chunk in self._chunks for item_id in chunk]
        if drop_last:
            del out[len(out) - drop_last :]
        return out[-self.capacity :]
