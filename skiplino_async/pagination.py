"""Auto-pagination over the API's page/limit lists.

``client.customers.list()`` returns an :class:`AsyncPaginator` at once: ``await`` it for one
:class:`~skiplino_async.models.Page`, ``async for`` over it for every item, or walk
:meth:`AsyncPaginator.pages`. Only the pages in flight are held in memory.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar

from ._protocol import next_page_number
from .models import Page

__all__ = ["AsyncPaginator"]

T = TypeVar("T")

#: Ids of this many recent pages are remembered to drop rows that drift onto a later page.
DEDUP_WINDOW_PAGES = 4
#: A listing that brings nothing new this many pages in a row is a server looping on itself.
MAX_STALE_PAGES = 2


class AsyncPaginator(Generic[T]):
    """A single-pass walk over a paginated list, starting at ``page``.

    Iteration follows ``pagination.hasNextPage`` (then ``totalPages``, then "the page was
    full"), ends on an empty page, and never yields the same id twice in one pass, so rows
    that newer inserts push onto the next page are not repeated. A server that keeps saying
    ``hasNextPage`` while returning nothing new cannot loop it forever.
    """

    def __init__(
        self,
        fetch: Callable[[int, int], Awaitable[Page[T]]],
        *,
        page: int,
        limit: int,
        key: Callable[[T], Any],
    ) -> None:
        self._fetch = fetch
        self._page = page
        self._limit = limit
        self._key = key
        self._started = False

    @property
    def limit(self) -> int:
        return self._limit

    def __await__(self) -> Generator[Any, None, Page[T]]:
        """``await paginator``: just the starting page."""
        return self._fetch(self._page, self._limit).__await__()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    def pages(self) -> AsyncIterator[Page[T]]:
        """Walk the pages themselves (each with its ``pagination`` block)."""
        return self._walk()

    def _claim(self) -> None:
        if self._started:
            raise RuntimeError("a paginator can be iterated once; call the list method again")
        self._started = True

    async def _items(self) -> AsyncIterator[T]:
        async for page in self._walk():
            for item in page.items:
                yield item

    async def _walk(self) -> AsyncIterator[Page[T]]:
        """Fetch pages in order, dropping rows already yielded in this pass."""
        self._claim()
        key = self._key
        recent: deque[set[Any]] = deque(maxlen=DEDUP_WINDOW_PAGES)
        stale = 0
        page_no: int | None = self._page
        while page_no is not None:
            page = await self._fetch(page_no, self._limit)
            fresh: list[T] = []
            ids: set[Any] = set()
            for item in page.items:
                item_id = key(item)
                if item_id in ids or any(item_id in seen for seen in recent):
                    continue
                ids.add(item_id)
                fresh.append(item)
            recent.append(ids)
            stale = stale + 1 if page.items and not fresh else 0
            if stale >= MAX_STALE_PAGES:
                return
            next_no = next_page_number(page.pagination, page_no, self._limit, len(page.items))
            if fresh:
                yield page if len(fresh) == len(page.items) else Page(fresh, page.pagination)
            page_no = next_no
