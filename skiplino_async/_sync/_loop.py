"""An event loop in a daemon thread that runs coroutines for blocking callers.

Each blocking call hands one coroutine to the loop and waits for its result in the calling
thread. The coroutine runs in a copy of the caller's context (so ``capture_responses`` and
context variables of the caller are seen). The loop ends with :meth:`LoopThread.close`, or at
interpreter exit at the latest.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextvars
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, Final, TypeVar

from .._backend import forks
from ..errors import ClientUsageError

T = TypeVar("T")

#: How long ``close`` waits for the loop thread to finish its cleanup.
JOIN_SECONDS: Final = 10.0

_live: weakref.WeakSet[LoopThread] = weakref.WeakSet()


class _Call(concurrent.futures.Future[T]):
    """The caller's side of one coroutine run on the loop (never set running: cancellable)."""

    task: asyncio.Task[T] | None = None


class LoopThread:
    """One event loop in one daemon thread, for the life of a sync client."""

    def __init__(self, name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()
        self._closed = False
        self._on_close: Callable[[], Coroutine[Any, Any, None]] | None = None
        self._forks = forks()
        self._thread = threading.Thread(target=_run, args=(self._loop,), name=name, daemon=True)
        self._thread.start()
        _live.add(self)

    @property
    def closed(self) -> bool:
        return self._closed

    def on_close(self, finish: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``finish()`` on the loop when it closes (after the calls in flight are stopped)."""
        self._on_close = finish

    def in_loop_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and return its result (or raise its error) in this thread."""
        if self.in_loop_thread():
            coro.close()
            raise ClientUsageError(
                "a blocking SyncSkiplino call was made on the client's own event loop (from an "
                "on_page or on_drift callback?); it would wait for itself"
            )
        call = self.submit(coro)
        try:
            return call.result()
        except concurrent.futures.CancelledError:
            raise ClientUsageError("the SyncSkiplino client was closed during this call") from None
        except BaseException:
            # KeyboardInterrupt (or any error raised in this thread while waiting): the call
            # must not go on unobserved on the loop.
            if not call.done():
                self._cancel(call)
            raise

    def submit(self, coro: Coroutine[Any, Any, T]) -> _Call[T]:
        """Start ``coro`` on the loop; the returned future settles with its outcome."""
        call: _Call[T] = _Call()
        context = contextvars.copy_context()
        with self._lock:
            if self._closed or forks() != self._forks:
                coro.close()
                raise ClientUsageError(
                    "this SyncSkiplino client is closed"
                    if self._closed
                    else "this SyncSkiplino client was created in another process (before a "
                    "fork); its event loop thread is not in this one. Create a new client in "
                    "each worker process"
                )
            self._loop.call_soon_threadsafe(self._start, coro, context, call)
        return call

    def _start(
        self, coro: Coroutine[Any, Any, T], context: contextvars.Context, call: _Call[T]
    ) -> None:
        if call.cancelled():
            coro.close()
            return
        task = self._loop.create_task(coro, context=context)
        call.task = task
        task.add_done_callback(lambda done: _settle(call, done))

    def _cancel(self, call: _Call[Any]) -> None:
        call.cancel()
        with self._lock:
            if not self._closed:
                self._loop.call_soon_threadsafe(_cancel_task, call)

    def close(self, *, wait: bool = True) -> None:
        """Stop the calls in flight, run the ``on_close`` hook and end the thread (idempotent).

        ``wait=False`` only schedules it (for finalizers, which may run on any thread).
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._loop.call_soon_threadsafe(self._start_shutdown)
        _live.discard(self)
        if wait and not self.in_loop_thread():
            self._thread.join(JOIN_SECONDS)

    def _start_shutdown(self) -> None:
        self._loop.create_task(self._shutdown())

    async def _shutdown(self) -> None:
        try:
            me = asyncio.current_task()
            others = [t for t in asyncio.all_tasks() if t is not me]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)
            if self._on_close is not None:
                await self._on_close()
        finally:
            self._loop.stop()


def _settle(call: _Call[T], task: asyncio.Task[T]) -> None:
    """Copy the task's outcome to the caller's future (unless the caller gave up on it)."""
    # Retrieved even when nobody waits any more: no "exception was never retrieved".
    exc = None if task.cancelled() else task.exception()
    if call.done():
        return
    try:
        if task.cancelled():
            call.cancel()
        elif exc is not None:
            call.set_exception(exc)
        else:
            call.set_result(task.result())
    except concurrent.futures.InvalidStateError:
        pass  # cancelled by the caller's thread in between: nobody waits for it


def _cancel_task(call: _Call[Any]) -> None:
    if call.task is not None:
        call.task.cancel()


def _run(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        try:
            leftovers = asyncio.all_tasks(loop)
            for task in leftovers:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


@atexit.register
def _close_all() -> None:
    # Daemon threads are frozen, not finished, at exit: close the sessions and loops first.
    for thread in list(_live):
        thread.close()
