"""The page fetcher: which page requests are in flight, and how many.

It starts requests ahead of the walk, hands their answers over in the order the walk asks
for them, and cancels (and waits for) what the walk no longer needs. The number of
requests kept in flight is fixed (``prefetch=k``; ``1``: one request at a time) or adaptive
(the default, see :class:`Width`).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final, Generic, NamedTuple, TypeVar

import attrs

from .._throttle import WalkMark, walk_request
from ..models import Page

__all__ = ["ADAPTIVE_MAX", "Fetch", "FetchResult", "PageFetcher", "PageResult", "Width"]

T = TypeVar("T")

#: The widest an adaptive walk goes (requests in flight): the memory bound. Each request in
#: flight holds at most one page of answers (about 27 KB of JSON, 100 customers, for
#: ``limit=100``), so a walk holds at most 33 pages however long it is.
ADAPTIVE_MAX: Final = 32
#: Where an adaptive walk starts.
ADAPTIVE_START: Final = 2


class PageResult(NamedTuple, Generic[T]):
    """One page answer and how it went: the attempts it took and whether any met throttling
    (429, 503 or ``Retry-After``)."""

    page: Page[T]
    attempts: int = 1
    throttled: bool = False
    #: The request waited for a paced slot (the client sends at the rate the server allows).
    paced: bool = False
    #: Throttled answers (429, 503 with ``Retry-After``) it met before its answer.
    throttles: int = 0


# The generated __new__ claims a module of its own: the API reference (and get_type_hints)
# resolve its annotations (``Page[T]``) in this one.
PageResult.__new__.__module__ = __name__


#: What a page fetch returns: a :class:`PageResult`, or (older form) a page or
#: ``(page, attempts)``.
FetchResult = PageResult[T] | Page[T] | tuple[Page[T], int]
Fetch = Callable[[int, int], Awaitable[FetchResult[T]]]


@attrs.define
class Width:
    """How many page requests to keep in flight.

    Fixed (``low == high``) or adaptive: start at ``ADAPTIVE_START``, widen each time the
    walk had to wait for a page within ``2 * current`` pages of the last wait or change (the
    walk is latency-bound: more requests in flight help): until it first narrows or is
    throttled, by as many pages as the walk could have taken in the time it waited (the
    link's bandwidth times its delay: at 40 ms a walk that takes a page a millisecond goes
    to 32 on its second wait, on a fast link it widens by one or two), doubling while
    nothing is measured yet; then by one;
    narrow by half (not below the start) once it has not waited for ``2 * current`` pages in
    a row and the next answer is already there too (the walk, not the network, is the
    bottleneck: answers it cannot use yet only hold memory), halve at once on a throttled
    answer, never above ``high`` (nor the client's requests-per-second limit, applied by the
    caller through ``high``). A wait for a paced slot (the server throttles: the client sends
    at the rate it found) widens nothing: more requests in flight would only queue.
    """

    current: int
    low: int
    high: int
    #: Pages taken in a row without waiting, since the last change.
    unwaited: int = 0
    #: Still finding the link's width: it doubles, not widens by one.
    growing: bool = True

    @classmethod
    def fixed(cls, k: int) -> Width:
        return cls(k, k, k)

    @classmethod
    def adaptive(cls, high: int = ADAPTIVE_MAX) -> Width:
        high = max(1, high)
        return cls(min(ADAPTIVE_START, high), 1, high)

    def waited(self, paced: bool = False, *, idle: float = 0.0, busy: float = 0.0) -> None:
        """The walk waited ``idle`` seconds for the page; it had worked ``busy`` seconds per
        page since its last wait (``0.0``: not measured)."""
        # One wait after a long run without any is a stall (the server or this process was
        # not scheduled for a moment), not latency: a latency-bound walk waits about every
        # ``current`` pages. Widening on every stall would creep back to ``high`` in a long
        # walk, and hold that many answers at once after the next stall.
        isolated = self.unwaited >= 2 * self.current
        self.unwaited = 0
        if paced or isolated or self.current >= self.high:
            return
        if not self.growing:
            step = 1
        elif busy > 0.0:
            step = max(1, math.ceil(idle / busy))
        else:
            step = self.current
        self.current = min(self.high, self.current + step)

    def ready(self, answered: Callable[[], int]) -> None:
        """The page was answered before the walk asked; ``answered()`` more answers are waiting
        (only asked for once the run is long enough to matter: this runs on every page)."""
        # Without narrowing, a walk that waited a few times (a stall, the first pages) would
        # hold ``high`` answered pages for the rest of it, however fast the server answers.
        # Answers waiting alone do not show that: a latency-bound walk gets its answers in
        # bursts (the requests sent together come back together), finding all but the first
        # of each burst ready, and it still waits once per burst, every ``current`` pages.
        self.unwaited += 1
        if self.unwaited >= 2 * self.current and self.current > self.floor and answered():
            self.current = max(self.floor, self.current // 2)
            self.unwaited = 0
            self.growing = False

    def throttled(self) -> None:
        self.current = max(self.low, self.current // 2)
        self.growing = False

    @property
    def floor(self) -> int:
        """The narrowest :meth:`ready` goes: one request ahead of the page being handed out
        keeps the next answer coming while the walk works on this one."""
        return max(self.low, min(ADAPTIVE_START, self.high))


def _normalise(result: FetchResult[T]) -> PageResult[T]:
    if isinstance(result, PageResult):
        return result
    if isinstance(result, tuple):
        return PageResult(result[0], result[1])
    return PageResult(result)


class PageFetcher(Generic[T]):
    """Page requests in flight for one walk."""

    def __init__(self, fetch: Fetch[T], limit: int, width: Width) -> None:
        self._fetch = fetch
        self._limit = limit
        self.width = width
        self._inflight: dict[int, asyncio.Task[PageResult[T]]] = {}
        # Cancelled requests not finished yet: the walk waits for them before it ends.
        self._draining: set[asyncio.Task[PageResult[T]]] = set()
        #: The most requests that were in flight at once.
        self.max_in_flight = 0
        # When the walk last stopped waiting, and the pages it took since: its time per page.
        self._resumed: float | None = None
        self._since = 0

    async def fetch(self, number: int) -> PageResult[T]:
        """Fetch one page now, outside the requests in flight."""
        return _normalise(await self._fetch(number, self._limit))

    async def _marked(self, number: int, mark: WalkMark) -> PageResult[T]:
        # Set in the task's own copy of the context (a task copies it when created): cheaper
        # than a copy and a run of our own per page.
        walk_request.set(mark)
        result = _normalise(await self._fetch(number, self._limit))
        if mark.paced or mark.throttles:
            return result._replace(paced=mark.paced, throttles=mark.throttles)
        return result

    def schedule(self, number: int) -> bool:
        """Start the request for page ``number`` unless it is in flight; whether it started."""
        if number in self._inflight:
            return False
        # Marked as a walk's request: paced when the server throttles, and a single call
        # made meanwhile goes ahead of it.
        task = asyncio.get_running_loop().create_task(
            self._marked(number, WalkMark()), name=f"skiplino page {number}"
        )
        self._inflight[number] = task
        self.max_in_flight = max(self.max_in_flight, len(self._inflight))
        return True

    def ready(self, number: int) -> PageResult[T] | None:
        """The answer for page ``number`` if it is in already (``None``: :meth:`take` it).

        Raises what the request raised. No coroutine to run: the usual case of a walk that
        keeps requests ahead of it.
        """
        task = self._inflight.get(number)
        if task is None or not task.done():
            return None
        del self._inflight[number]
        result = task.result()
        self._account(result, waited=False)
        return result

    async def take(self, number: int) -> PageResult[T]:
        """The answer for page ``number`` (requested now if it is not in flight)."""
        self.schedule(number)
        task = self._inflight[number]
        if task.done():
            del self._inflight[number]
            result = task.result()
            self._account(result, waited=False)
            return result
        started = time.monotonic()
        try:
            result = await task
        finally:
            if self._inflight.get(number) is task:
                del self._inflight[number]
            if not task.done():  # we were cancelled while waiting
                self._drain(task)
        resumed = time.monotonic()
        busy = 0.0
        if self._resumed is not None and self._since:
            busy = (started - self._resumed) / self._since
        self._resumed, self._since = resumed, 0
        self._account(result, waited=True, idle=resumed - started, busy=busy)
        return result

    def _account(
        self, result: PageResult[T], *, waited: bool, idle: float = 0.0, busy: float = 0.0
    ) -> None:
        """What taking this answer says about the width: throttled, waited for, or ready."""
        self._since += 1
        if result.throttled:
            self.width.throttled()
        elif waited:
            self.width.waited(result.paced, idle=idle, busy=busy)
        else:
            self.width.ready(self._answered)

    def _answered(self) -> int:
        """Answers in that the walk has not taken yet."""
        return sum(1 for task in self._inflight.values() if task.done())

    def plan(self, number: int, nxt: int, last_page: int | None, budget_rows: int | None) -> bool:
        """Keep requests in flight for the pages after ``number``, never past the end.

        ``last_page`` is what ``totalPages`` says exists (``None``: only ``nxt`` is known to
        be wanted); ``budget_rows`` the rows still wanted (``max_items``). Returns whether a
        request was added.
        """
        width = self.width.current
        last = nxt
        if width > 1 and last_page is not None:
            last = max(nxt, last_page)
        last = min(last, number + width)
        if budget_rows is not None:
            # No request for pages the remaining item budget cannot reach (a page short of
            # items after de-duplication is still fetched on demand).
            last = min(last, number + max(0, math.ceil(budget_rows / self._limit)))
        added = False
        inflight = self._inflight
        for later in range(nxt, last + 1):
            if len(inflight) >= width:
                break
            if later not in inflight:  # most are, on every page but the first
                self.schedule(later)
                added = True
        return added

    def drop_after(self, number: int) -> None:
        """Cancel the requests for pages after ``number``."""
        for later in [n for n in self._inflight if n > number]:
            self._drain(self._inflight.pop(later))

    def cancel(self) -> None:
        """Cancel every request in flight (they finish in the background; see :meth:`wait`)."""
        tasks, self._inflight = self._inflight, {}
        for task in tasks.values():
            self._drain(task)

    async def wait(self) -> None:
        """Wait for the cancelled requests to land, so none outlives the walk."""
        if self._draining:
            await asyncio.wait(set(self._draining))

    def _drain(self, task: asyncio.Task[Any]) -> None:
        # A request the walk lets go of is not an unretrieved exception, even if it failed
        # (the ones the walk awaits have theirs retrieved by the await, so no callback each).
        if task.done():
            _consume_exception(task)
        else:
            task.cancel()
            self._draining.add(task)
            task.add_done_callback(self._draining.discard)
            task.add_done_callback(_consume_exception)


def _consume_exception(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()
