"""Segments: the rows of one page answer a walk hands out, cut to the budget, and where a
checkpoint taken while one goes out points."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence, Set
from typing import Generic, NamedTuple, TypeVar

from ..models import Page
from ._decide import Decision, fresh_indices, recovered_start
from ._window import ItemId

__all__ = ["Checkpointed", "Segment", "checkpointed", "page_of", "recovered", "trim"]

T = TypeVar("T")


class Segment(NamedTuple, Generic[T]):
    """Rows of one page answer to hand out, in order; ``next`` follows it."""

    number: int
    page: Page[T]
    start: int
    #: Indices (from ``start``) to hand out; ``None``: every row from ``start``.
    fresh: Sequence[int] | None
    next: int | None
    #: ``key(item)`` of every row of the page, computed once.
    ids: list[ItemId]

    def size(self) -> int:
        """The rows this segment hands out."""
        return len(self.ids) - self.start if self.fresh is None else len(self.fresh)


def trim(
    seg: Segment[T], produced: int, budget: int | None
) -> tuple[Segment[T], list[int] | None, int]:
    """The one cut to the item budget: the segment to hand out, its row indices (``None``:
    every row from ``seg.start``) and the index after the last row it passes."""
    end = len(seg.page.items)
    if seg.fresh is None and (budget is None or produced + end - seg.start <= budget):
        return seg, None, end
    picked = list(range(seg.start, end) if seg.fresh is None else seg.fresh)
    if budget is not None and produced + len(picked) > budget:
        picked = picked[: budget - produced]
        end = picked[-1] + 1 if picked else seg.start
    return seg._replace(fresh=picked), picked, end


def page_of(seg: Segment[T], picked: list[int] | None, end: int) -> tuple[Page[T], int]:
    """The page handing out ``seg`` cut by :func:`trim` (``picked``, ``end``), and its rows."""
    page, start = seg.page, seg.start
    items = page.items
    if picked is None:
        return (Page(items[start:], page.pagination) if start else page), end - start
    if len(picked) != len(items):
        page = Page([items[i] for i in picked], page.pagination)
    return page, len(picked)


class Checkpointed(NamedTuple):
    """Where a checkpoint taken at row ``offset`` of the segment going out resumes."""

    page: int
    offset: int
    done: bool
    #: Rows of the segment not handed out yet (left out of the checkpoint's window).
    unpassed: int


def checkpointed(cur: Segment[T] | None, page: int, offset: int, done: bool) -> Checkpointed:
    """The resume point at row ``offset`` of ``page``: past the segment's last row, the start
    of the page after it (or the end of the walk)."""
    if cur is None:
        return Checkpointed(page, offset, done, 0)
    count = len(cur.page.items)
    if cur.fresh is None:
        unpassed = count - max(offset, cur.start)
    else:
        unpassed = len(cur.fresh) - bisect_left(cur.fresh, offset)
    if not done and offset >= count:
        if cur.next is None:
            done = True
        else:
            page, offset = cur.next, 0
    return Checkpointed(page, offset, done, unpassed)


def recovered(
    decision: Decision,
    page: Page[T],
    ids: list[ItemId],
    anchor: ItemId | None,
    current: tuple[int, list[ItemId]],
    seen: Set[ItemId],
) -> tuple[Segment[T] | None, Decision]:
    """Page ``decision.reread`` read again (``page``, ``ids``): rows after ``anchor`` slid back
    across the boundary onto it.

    Returns the segment of those rows (``None``: nothing slid back), to hand out before the
    current page, and the decision for the current page (``current``: its number and ids)
    with them counted as seen.
    """
    assert decision.reread is not None
    start = recovered_start(ids, anchor)
    if start is None:
        return None, decision
    fresh = fresh_indices(ids, start, seen)
    back = set(ids[start:] if fresh is None else [ids[i] for i in fresh])
    if not back:
        return None, decision
    following, current_ids = current
    segment = Segment(decision.reread, page, start, fresh, following, ids)
    # The current page (read at another moment) may hold some of them too.
    here = fresh_indices(current_ids, decision.start, seen | back)
    rest = len(current_ids) - decision.start
    before = rest if decision.fresh is None else len(decision.fresh)
    after = rest if here is None else len(here)
    return segment, decision._replace(fresh=here, skipped=decision.skipped + before - after)
