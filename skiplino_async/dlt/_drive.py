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
from typing import Any, TypeVar

T = TypeVar("T")

_END: Any = object()


def drive(walk: Callable[[], AsyncGenerator[T, None]]) -> Iterator[T]:
    """The items of ``walk()``, created and run on a private event loop in a thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="skiplino-dlt", daemon=True)
    thread.start()
    agen: AsyncGenerator[T, None] | None = None
    try:
        agen = _call(loop, _start(walk))
        while (item := _call(loop, anext(agen, _END))) is not _END:
            yield item
    finally:
        try:
            _call(loop, _finish(agen))
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


async def _start(walk: Callable[[], AsyncGenerator[T, None]]) -> AsyncGenerator[T, None]:
    return walk()  # created on the loop, so whatever it binds to is this loop


async def _finish(agen: AsyncGenerator[Any, None] | None) -> None:
    """Let a cancelled step unwind, close the walk, then end every task left on the loop."""
    if agen is not None:
        while agen.ag_running:  # a step cancelled by an interrupt is still unwinding
            await asyncio.sleep(0.001)
        await agen.aclose()
    me = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not me]
    for task in others:
        task.cancel()
    if others:
        await asyncio.wait(others)
    await asyncio.get_running_loop().shutdown_asyncgens()
