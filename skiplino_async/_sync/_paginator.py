"""``SyncPaginator``: an :class:`AsyncPaginator` walked from blocking code.

The walk itself (prefetch, de-duplication, checkpoints) stays on the client's event loop: the
page requests in flight go on while the calling thread works on the items already handed out.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from ..errors import ClientUsageError
from ..models import Page
from ..pagination import AsyncPaginator, Checkpoint, PaginatorStats

if TYPE_CHECKING:
    from ._loop import LoopThread

T = TypeVar("T")

__all__ = ["SyncPaginator", "iterate"]

_END: Final = object()


class SyncPaginator(Generic[T]):
    """A single-pass walk over a paginated list, for blocking code.

    ``for item in paginator`` walks every item across pages, :meth:`pages` walks the pages,
    :meth:`page` gives just the starting page. Page requests are prefetched on the client's
    event loop exactly as for the :class:`AsyncPaginator` it wraps (same ``prefetch`` and
    paging options, same guarantees). Leaving a ``for`` loop early stops the requests in
    flight. One walk belongs to one thread at a time.
    """

    __slots__ = ("_paginator", "_runner")

    def __init__(self, paginator: AsyncPaginator[T], runner: LoopThread) -> None:
        self._paginator = paginator
        self._runner = runner

    @property
    def limit(self) -> int:
        """The page size."""
        return self._paginator.limit

    @property
    def prefetch(self) -> int:
        """The most page requests this walk keeps in flight."""
        return self._paginator.prefetch

    @property
    def max_in_flight(self) -> int:
        """The most page requests that were in flight at once so far."""
        return self._paginator.max_in_flight

    @property
    def stats(self) -> PaginatorStats:
        """Live progress counters of this walk."""
        return self._paginator.stats

    def page(self) -> Page[T]:
        """Just the starting page (``await paginator`` of the async client)."""
        return self._runner.run(_await(self._paginator))

    def __iter__(self) -> Iterator[T]:
        return iterate(self._runner, self._paginator.__aiter__())

    def pages(self) -> Iterator[Page[T]]:
        """Walk the pages themselves (each with its ``pagination`` block), de-duplicated."""
        return iterate(self._runner, self._paginator.pages())

    def checkpoint(self) -> Checkpoint:
        """The position after the last item yielded; see :meth:`AsyncPaginator.checkpoint`."""
        return self._runner.run(_checkpoint(self._paginator))

    def cancel(self) -> None:
        """Cancel the page requests in flight (done for you when the loop is left)."""
        self._runner.run(_cancel(self._paginator))

    def __repr__(self) -> str:
        return f"<SyncPaginator limit={self.limit} stats={self.stats!r}>"


def iterate(runner: LoopThread, walk: AsyncIterator[T]) -> Iterator[T]:
    """Hand out ``walk``'s items in this thread; closing the iterator closes the walk."""
    try:
        while True:
            item = runner.run(_next(walk))
            if item is _END:
                return
            yield item
    finally:
        _close(runner, walk)


def _close(runner: LoopThread, walk: AsyncIterator[Any]) -> None:
    aclose = getattr(walk, "aclose", None)
    if aclose is None or runner.closed:
        return
    if runner.in_loop_thread():  # dropped by a finalizer on the loop: do not wait for it
        runner.submit(aclose())
        return
    with contextlib.suppress(ClientUsageError):  # closed meanwhile, and the walk with it
        runner.run(aclose())


async def _next(walk: AsyncIterator[T]) -> Any:
    try:
        return await walk.__anext__()
    except StopAsyncIteration:
        return _END


async def _await(paginator: AsyncPaginator[T]) -> Page[T]:
    return await paginator


async def _checkpoint(paginator: AsyncPaginator[Any]) -> Checkpoint:
    return paginator.checkpoint()


async def _cancel(paginator: AsyncPaginator[Any]) -> None:
    paginator.cancel()
