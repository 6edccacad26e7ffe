"""The walk: :class:`AsyncPaginator` ties the fetcher, the id window and the decision together."""

from __future__ import annotations

import asyncio
import operator
import time
from collections.abc import AsyncIterator, Callable, Generator, Mapping
from typing import Any, Generic, TypeVar

import attrs

from .. import _telemetry
from ..models import Page
from ._checkpoint import (
    Checkpoint,
    Position,
    checkpoint_dict,
    load_checkpoint,
    resume_position,
    resume_state,
)
from ._decide import Answer, Decision, WalkState, decide
from ._drift import DriftError, DriftEvent
from ._errors import PaginationError
from ._fetcher import Fetch, PageFetcher
from ._iterator import call, iterator
from ._options import WalkOptions, walk_width
from ._segment import Segment, checkpointed, page_of, recovered, trim
from ._source import PageSource
from ._stats import PaginatorStats
from ._window import IdWindow, ItemId, window_rows

__all__ = ["AsyncPaginator"]

T = TypeVar("T")


class AsyncPaginator(Generic[T]):
    """A single-pass walk over a paginated list.

    Iteration follows ``pagination.hasNextPage`` (then ``totalPages``, then "the page was
    full") and ends on an empty page. Page requests are kept in flight ahead of the walk:
    by default adaptively (two at first, more each time the walk had to wait for a page,
    half as many after a long run of pages that were ready with the next answer waiting too,
    half as many at once after a throttled answer, at most 32 and never more than the
    client's ``rate_limit`` per second, never past what ``totalPages`` says exists);
    ``prefetch=k`` keeps up to ``k`` (``1``: one request at a time, each sent once the
    previous one was answered). Items still come in page order and at most about
    ``prefetch + 1`` pages are held in memory. Leaving the loop (``break``, an exception,
    cancellation) cancels the requests in flight at once.

    No id is yielded twice within the id window, every walk ends, and a server that
    provably does not paginate ends the walk with :class:`PaginationError`; drift (``total``
    changing between pages) is counted and reported to ``on_drift`` (or raised as
    :class:`DriftError` with ``strict=True``); see :mod:`skiplino_async.pagination` for
    exactly what can and cannot be guaranteed.

    :meth:`checkpoint` returns the position after the last item yielded; the list call's
    ``resume_from=`` continues from it. A page that still fails after the retries raises its
    :class:`~skiplino_async.SkiplinoError` with ``exc.checkpoint`` set to that position.

    Args:
        fetch: ``fetch(page, limit)`` returning a :class:`PageResult` (or a :class:`Page`,
            or ``(page, attempts)``).
        page: the first page (ignored when resuming).
        limit: the page size.
        key: the id of an item, for de-duplication and resume anchors.
        operation: the operation name recorded in checkpoints (``"customers.list"``).
        params: the operation parameters recorded in checkpoints (``limit`` included).
        prefetch: page requests kept in flight (>= 1), or ``None`` for adaptive.
        rate_limit: the client's requests per second, if limited (caps adaptive prefetch).
        pace: the client's paced request rate now, for ``stats.paced_rate``.
        resume_from: a checkpoint of the same operation to continue from.
        on_page: called with each page's raw :class:`Page` (sync or async) as it is taken,
            in page order, before its items are yielded.
        on_drift: called with each :class:`DriftEvent` (sync or async).
        strict: raise :class:`DriftError` at the first drift event instead of going on.
        max_items: stop after yielding this many items (in this pass).
    """

    def __init__(
        self,
        fetch: Fetch[T],
        *,
        page: int,
        limit: int,
        key: Callable[[T], ItemId],
        operation: str = "",
        params: Mapping[str, ItemId] | None = None,
        prefetch: int | None = None,
        rate_limit: float | None = None,
        pace: Callable[[], float | None] | None = None,
        resume_from: Mapping[str, Any] | None = None,
        on_page: Callable[[Page[T]], object] | None = None,
        on_drift: Callable[[DriftEvent], object] | None = None,
        strict: bool = False,
        max_items: int | None = None,
    ) -> None:
        self._options = options = WalkOptions(
            limit=limit,
            key=key,
            operation=operation,
            params=dict(params) if params is not None else {"limit": limit},
            prefetch=prefetch,
            rate_limit=rate_limit,
            on_page=on_page,
            on_drift=on_drift,
            strict=strict,
            max_items=max_items,
        )
        width = walk_width(options)
        self._fetcher: PageFetcher[T] = PageFetcher(fetch, limit, width)
        self._started = False
        self._stats = PaginatorStats()
        self._stats._pace = pace
        self._source = PageSource(self._fetcher, self._stats, self.checkpoint)
        rows = window_rows(limit, width.high)
        checkpoint = load_checkpoint(resume_from, operation) if resume_from is not None else None
        self._window = IdWindow(rows, checkpoint["recent_ids"] if checkpoint else ())
        self._state = WalkState(limit=limit, window_rows=rows, concurrent=width.high > 1)
        if checkpoint is None:
            self._pos = Position(page=page)
        else:
            self._pos = resume_position(checkpoint, self._stats)
            self._state = resume_state(self._state, self._pos, seeded=len(self._window) > 0)
        # The segment being handed out, to normalise checkpoints taken after its last row
        # into "start of the next page" and to leave its unpassed ids out of the window.
        self._cur: Segment[T] | None = None

    @property
    def limit(self) -> int:
        """The page size."""
        return self._options.limit

    @property
    def prefetch(self) -> int:
        """The most page requests this walk keeps in flight."""
        return self._fetcher.width.high

    @property
    def max_in_flight(self) -> int:
        """The most page requests that were in flight at once so far."""
        return self._fetcher.max_in_flight

    @property
    def stats(self) -> PaginatorStats:
        """Live progress counters of this walk."""
        return self._stats

    def __await__(self) -> Generator[Any, None, Page[T]]:
        """``await paginator``: just the starting page."""
        return self._one_page().__await__()

    async def _one_page(self) -> Page[T]:
        return (await self._fetcher.fetch(self._pos.page)).page

    def __aiter__(self) -> AsyncIterator[T]:
        return iterator(self, self._walk(pages=False))

    def pages(self) -> AsyncIterator[Page[T]]:
        """Walk the pages themselves (each with its ``pagination`` block), de-duplicated."""
        return iterator(self, self._walk(pages=True))

    def checkpoint(self) -> Checkpoint:
        """The position after the last item yielded, as a JSON-serialisable dict.

        Pass it as ``resume_from=`` to the same list call to continue exactly after that
        item, mid-page or at a page boundary. See :class:`Checkpoint` for the keys.
        """
        pos = self._pos
        pos.settle()
        at = checkpointed(self._cur, pos.page, pos.offset, pos.done)
        options = self._options
        return checkpoint_dict(
            operation=options.operation,
            params=options.params,
            page_size=options.limit,
            pos=pos,
            next_page=at.page,
            offset=at.offset,
            done=at.done,
            stats=self._stats,
            recent_ids=self._window.recent(at.unpassed),
        )

    def cancel(self) -> None:
        """Cancel the page requests in flight (done for you when the loop is left)."""
        self._fetcher.cancel()

    # -- one page ------------------------------------------------------------------------------
    # The walk (``_walk``, for items and for pages) is one async generator; the steps that need
    # no await are plain methods, so a page costs no second generator or coroutine of ours.

    def _begin(self) -> int | None:
        """Start the one pass: the first page to take (``None``: the checkpoint was the end)."""
        if self._started:
            raise RuntimeError("a paginator can be iterated once; call the list method again")
        self._started = True
        self._stats._started = time.monotonic()
        _telemetry.walk_started(self, self._options.operation)
        return None if self._pos.done else self._pos.page

    async def _end(self) -> None:
        """However the walk ended: no request outlives it."""
        self._stats._ended = time.monotonic()
        _telemetry.walk_ended(self, self._stats.pages_fetched, self._stats.items_yielded)
        self._fetcher.cancel()
        await self._fetcher.wait()

    def _answer(
        self, number: int, page: Page[T], state: WalkState
    ) -> tuple[Decision, list[ItemId]]:
        """The decision on page ``number`` and the page's ids; a refused page raises here."""
        pagination = page.pagination
        total = pagination.total
        self._stats.saw(total, pagination.total_pages)
        ids = list(map(self._options.key, page.items))
        window = self._window
        # The common page (every id new): no id looked up one by one.
        claimed = window.claim(ids)
        decision = decide(
            state,
            Answer(number, ids, total, pagination.total_pages, pagination.has_next_page),
            None if claimed else window.ids,
        )
        if claimed and (decision.error is not None or decision.reread is not None):
            window.release()
        error = decision.error
        if error is not None:
            self._fetcher.cancel()
            raise PaginationError(error.message, error.kind, number, dict(self.checkpoint()))
        return decision, ids

    async def _drifted(
        self, number: int, ids: list[ItemId], decision: Decision, anchor: ItemId | None
    ) -> tuple[Segment[T] | None, Decision]:
        """Re-read the previous page if the decision says so, then report the drift event."""
        back: Segment[T] | None = None
        event = decision.event
        if decision.reread is not None:
            page = await self._source.reread(decision.reread)
            reread = list(map(self._options.key, page.items))
            seen = self._window.ids
            back, decision = recovered(decision, page, reread, anchor, (number, ids), seen)
            if event is not None and back is not None:
                event = attrs.evolve(event, recovered=back.size())
        if event is not None:
            await self._report(event)
        return back, decision

    async def _report(self, event: DriftEvent) -> None:
        self._stats.drift_events += 1
        if self._options.strict:
            raise DriftError(event, dict(self.checkpoint()))
        if self._options.on_drift is not None:
            await call(self._options.on_drift, event)

    def _plan(self, number: int, page: Page[T], decision: Decision, produced: int) -> bool:
        """Keep requests in flight for the pages after ``number``; whether one was added."""
        nxt = decision.next
        if nxt is None:
            self._fetcher.drop_after(number)
            return False
        budget = None
        max_items = self._options.max_items
        if max_items is not None:
            fresh = decision.fresh
            left = len(page.items) - decision.start if fresh is None else len(fresh)
            budget = max_items - produced - left
        return self._fetcher.plan(number, nxt, page.pagination.total_pages, budget)

    def _enter(self, seg: Segment[T]) -> None:
        """Start handing out a segment: remember its fresh ids in the window."""
        self._cur = seg
        ids, fresh, start = seg.ids, seg.fresh, seg.start
        if fresh is None:
            self._window.add(ids[start:] if start else ids)
        else:
            self._window.add([ids[i] for i in fresh])

    def _handed(self) -> int:
        """Rows of the clean page going out that the caller has been handed so far."""
        pos = self._pos
        rows = pos.rows
        if rows is None or self._cur is None:
            return 0
        # ``rows`` iterates the page from the segment's start: what it has left is not handed.
        return len(pos.ids) - operator.length_hint(rows) - self._cur.start

    def _rows(self, seg: Segment[T], produced: int) -> list[int] | None:
        """Start handing out ``seg`` item by item: the indices to hand out one at a time, or
        ``None`` when every row from ``seg.start`` goes out (``pos.rows`` then iterates them)."""
        pos = self._pos
        pos.page, pos.offset, pos.total = seg.number, seg.start, seg.page.pagination.total
        seg, picked, _ = trim(seg, produced, self._options.max_items)
        self._enter(seg)
        if picked is None:
            # Nothing moves per row: offset and last_id (Position.settle) and the count
            # (``_handed``) are read off the iterator when asked for.
            items, start = seg.page.items, seg.start
            pos.rows, pos.ids = iter(items[start:] if start else items), seg.ids
        return picked

    def _page_out(self, seg: Segment[T], produced: int) -> tuple[Page[T], int]:
        """Start handing out ``seg`` as one page: that page and the rows it holds."""
        seg, picked, end = trim(seg, produced, self._options.max_items)
        self._enter(seg)
        page, count = page_of(seg, picked, end)
        pos = self._pos
        if end > seg.start:
            pos.last_id = seg.ids[end - 1]
        pos.page, pos.offset, pos.total = seg.number, end, page.pagination.total
        self._stats._items_yielded += count
        return page, count

    async def _take_page(
        self, number: int, state: WalkState, produced: int
    ) -> tuple[Decision, tuple[Segment[T], ...]]:
        """Take page ``number`` and act on the decision: the segments to hand out, in order
        (the rows a re-read previous page got back first), and the decision itself."""
        page = self._source.ready(number)
        if page is None:
            page = await self._source.take(number)
        decision, ids = self._answer(number, page, state)
        recovered = None
        if decision.reread is not None or decision.event is not None:
            recovered, decision = await self._drifted(number, ids, decision, state.anchor)
        self._stats.duplicates_dropped += decision.skipped
        on_page = self._options.on_page
        if on_page is not None:
            await call(on_page, page)
        if self._plan(number, page, decision, produced):
            # One loop turn lets the new requests go out before the caller spends its time on
            # this page, rather than after (a fifth of the wall time of a prefetch-8 walk at
            # 20 ms latency).
            await asyncio.sleep(0)
        cur = Segment(number, page, decision.start, decision.fresh, decision.next, ids)
        return decision, (cur,) if recovered is None else (recovered, cur)

    # -- the walk ------------------------------------------------------------------------------

    async def _walk(self, pages: bool) -> AsyncIterator[Any]:
        """The one walk: each segment's rows one by one, or (``pages``) as one page each."""
        stats = self._stats
        budget = self._options.max_items
        if budget == 0:
            return
        number = self._begin()
        state = self._state
        pos = self._pos
        # The one counter is the stats' own; the walk(s) resumed from are not this pass's.
        resumed = stats.items_resumed
        if not pages:
            stats._live = self._handed
        try:
            while number is not None:
                produced = stats._items_yielded - resumed
                decision, segments = await self._take_page(number, state, produced)
                for seg in segments:
                    if pages:
                        out, count = self._page_out(seg, produced)
                        produced += count
                        if count:
                            yield out
                    else:
                        picked = self._rows(seg, produced)
                        items = seg.page.items
                        if picked is None:
                            assert pos.rows is not None
                            for item in pos.rows:
                                yield item
                            pos.settle()
                            pos.rows = None
                            stats._items_yielded += len(items) - seg.start
                            produced = stats._items_yielded - resumed
                        else:
                            row_ids = seg.ids
                            for idx in picked:
                                # The position moves before the yield: a checkpoint taken
                                # while the caller holds this item counts it as yielded.
                                pos.offset = idx + 1
                                pos.last_id = row_ids[idx]
                                stats._items_yielded += 1
                                yield items[idx]
                            produced = stats._items_yielded - resumed
                            if budget is None or produced < budget:
                                pos.offset = len(items)
                                if items:
                                    pos.last_id = row_ids[-1]
                    if budget is not None and produced >= budget:
                        return
                state = decision.state
                number = decision.next
            pos.done = True
        finally:
            if not pages:
                # The walk is over: the count stops depending on the page iterator.
                stats._items_yielded, stats._live = stats.items_yielded, None
            await self._end()
