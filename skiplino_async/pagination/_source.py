"""A walk's page answers, counted: each answer (or failure) lands in the walk's stats, and a
page that fails carries the checkpoint to resume from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from ..errors import SkiplinoError
from ..models import Page
from ._checkpoint import Checkpoint, attach_checkpoint
from ._fetcher import PageFetcher, PageResult
from ._stats import PaginatorStats

__all__ = ["PageSource"]

T = TypeVar("T")


class PageSource(Generic[T]):
    """The fetcher's answers as the walk takes them, accounted for in ``stats``."""

    __slots__ = ("_checkpoint", "_fetcher", "_stats")

    def __init__(
        self,
        fetcher: PageFetcher[T],
        stats: PaginatorStats,
        checkpoint: Callable[[], Checkpoint],
    ) -> None:
        self._fetcher = fetcher
        self._stats = stats
        #: The walk's position now, for the error of a page that failed.
        self._checkpoint = checkpoint

    def ready(self, number: int) -> Page[T] | None:
        """Page ``number`` if its answer is in already (``None``: :meth:`take` it)."""
        try:
            result = self._fetcher.ready(number)
        except SkiplinoError as exc:
            self._failed(exc)
            raise
        return None if result is None else self._count(result)

    async def take(self, number: int) -> Page[T]:
        """Await page ``number`` (scheduling it if needed)."""
        try:
            result = await self._fetcher.take(number)
        except SkiplinoError as exc:
            self._failed(exc)
            raise
        return self._count(result)

    async def reread(self, number: int) -> Page[T]:
        """Fetch a page again, outside the requests in flight (drift recovery)."""
        try:
            result = await self._fetcher.fetch(number)
        except SkiplinoError as exc:
            attach_checkpoint(exc, self._checkpoint())
            raise
        return self._count(result)

    def _failed(self, exc: SkiplinoError) -> None:
        self._stats.retries += max(getattr(exc, "attempts", 1) - 1, 0)
        attach_checkpoint(exc, self._checkpoint())

    def _count(self, result: PageResult[T]) -> Page[T]:
        stats = self._stats
        stats.pages_fetched += 1
        stats.retries += result.attempts - 1 if result.attempts > 1 else 0
        stats.throttled += result.throttles
        return result.page
