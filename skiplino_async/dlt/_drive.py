"""Drive an async generator from a plain generator, on an event loop in a thread of its own.

dlt runs async generator resources on one loop of its own and, when one resource fails,
cancels the others and shuts their generators down in the same breath: generators still
unwinding are abandoned with their connections open. A plain generator is closed by dlt
(``GeneratorExit`` at its ``yield``) and can finish properly: here the walk and its client
live on a private loop, which goes on fetching (prefetch) while dlt writes the page it was
given, and the walk is closed, its tasks finished and the loop stopped before the generator
returns.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Callable, Coroutine, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_END: Any = object()


def drive(walk: Callable[[], AsyncGenerator[T, None]]) -> Iterator[T]:
    """The items of ``walk()``, created and run on a private event loop in a thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="skiplino-dlt", daemon=True)
    thread.start()
    steps = _Steps(walk)
    try:
        while (item := _call(loop, steps.next())) is not _END:
            yield item
    finally:
        try:
            _call(loop, steps.close())
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()


def _call(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    future = asyncio.run_coroutine_threadsafe(coro, loop)
    try:
        return future.result()
    except BaseException:
        future.cancel()  # e.g. KeyboardInterrupt while waiting: the step stops too
        raise


class _Steps(Generic[T]):
    """The walk, created on the loop (what it binds to is that loop), one step at a time."""

    def __init__(self, walk: Callable[[], AsyncGenerator[T, None]]) -> None:
        self._walk = walk
        self._agen: AsyncGenerator[T, None] | None = None
        self._step: asyncio.Task[Any] | None = None

    async def next(self) -> T:
        self._step = asyncio.current_task()
        if self._agen is None:
            self._agen = self._walk()
        item: T = await anext(self._agen, _END)
        return item

    async def close(self) -> None:
        """Let a cancelled step unwind, close the walk, then end every task left on the loop."""
        me = asyncio.current_task()
        if self._step is not None and not self._step.done():
            await asyncio.wait([self._step])
        if self._agen is not None:
            await self._agen.aclose()
        others = [task for task in asyncio.all_tasks() if task is not me]
        for task in others:
            task.cancel()
        if others:
            await asyncio.wait(others)
        await asyncio.get_running_loop().shutdown_asyncgens()
