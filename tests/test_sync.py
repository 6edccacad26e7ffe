"""``SyncSkiplino``: the async client from blocking code, over real TCP.

The servers run on the test's event loop; the blocking calls run in worker threads
(``asyncio.to_thread``), as a Django view or a Celery task would make them.
"""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
import textwrap
import threading
import typing
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web
from conftest import FAST_RETRIES, Handler

import skiplino_async as sk
from skiplino_async._sync._client import SyncSkiplino
from skiplino_async._sync._generate import COMMAND
from skiplino_async._sync._mirror import SyncResource, public_methods
from skiplino_async.resources._base import Resource
from skiplino_async.testing import FakeSkiplino


def sync_client(fake: FakeSkiplino, **options: Any) -> SyncSkiplino:
    options.setdefault("retry_policy", FAST_RETRIES)
    return sk.SyncSkiplino(fake.secret_key, base_url=fake.url, timeout=10, **options)


def loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "skiplino-sync"]


async def test_many_threads_share_one_client_and_one_pool(
    fake: FakeSkiplino, client: sk.Skiplino
) -> None:
    connections = 0

    async def connected(session: Any, ctx: SimpleNamespace, params: Any) -> None:
        nonlocal connections
        connections += 1

    trace = aiohttp.TraceConfig()
    trace.on_connection_create_end.append(connected)
    expected = {c.id async for c in client.customers.list()}
    branches = len(await client.branches.list())

    def work(sync: SyncSkiplino, n: int) -> tuple[int, set[str]]:
        listed = sync.branches.list()
        customer = sync.customers.get(id=sorted(expected)[n % len(expected)])
        walked = {c.id for c in sync.customers.list(limit=20)}
        return len(listed) + (customer.id in expected), walked

    def run() -> list[tuple[int, set[str]]]:
        with (
            sync_client(fake, connection_limit=4, trace_configs=[trace]) as sync,
            ThreadPoolExecutor(16) as pool,
        ):
            return list(pool.map(lambda n: work(sync, n), range(48)))

    results = await asyncio.to_thread(run)
    assert [r[0] for r in results] == [branches + 1] * 48
    assert all(r[1] == expected for r in results)
    # 48 concurrent callers, 7 pages each, through one pool of at most 4 connections.
    assert 1 <= connections <= 4
    assert loop_threads() == []


async def test_a_sync_walk_prefetches_pages_on_the_clients_loop(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    in_flight = 0
    most = 0

    async def pages(request: web.Request) -> web.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            await asyncio.sleep(0.05)  # a real network's latency
        finally:
            in_flight -= 1
        page, limit = int(request.query["page"]), int(request.query["limit"])
        rows = [{"_id": f"{n:032x}"} for n in range((page - 1) * limit, page * limit)]
        block = {"total": 12 * limit, "page": page, "limit": limit, "totalPages": 12}
        body = {"data": rows if page <= 12 else [], "pagination": block}
        return web.Response(body=orjson.dumps(body), content_type="application/json")

    url = await serve(pages)

    def walk() -> tuple[int, int]:
        with sk.SyncSkiplino("sk_test_sync", base_url=url, max_retries=0) as client:
            paginator = client.customers.list(limit=5)
            count = sum(1 for _ in paginator)
            return count, paginator.max_in_flight

    count, client_side = await asyncio.to_thread(walk)
    assert count == 60
    assert most >= 2, "the server never saw two page requests at once"
    assert client_side >= most


async def test_errors_are_the_async_clients_raised_in_the_callers_thread(
    fake: FakeSkiplino,
) -> None:
    def run() -> BaseException:
        with sync_client(fake) as client:
            with pytest.raises(sk.UnprocessableEntityError) as caught:
                client.customers.get(id="no-such-customer")
            with pytest.raises(ValueError, match="id"):
                client.customers.get()
            return caught.value

    error = await asyncio.to_thread(run)
    assert error.request_id is not None  # type: ignore[attr-defined]
    assert error.__traceback__ is not None


async def test_closed_client_raises_client_usage_error_and_its_thread_ends(
    fake: FakeSkiplino,
) -> None:
    def run() -> None:
        client = sync_client(fake)
        walk = iter(client.customers.list(limit=5))
        next(walk)
        client.close()
        client.close()  # idempotent
        with pytest.raises(sk.ClientUsageError, match="closed"):
            client.branches.list()
        with pytest.raises(sk.ClientUsageError):
            next(walk)

    await asyncio.to_thread(run)
    assert loop_threads() == []


async def test_close_during_a_call_in_another_thread_is_a_client_usage_error(
    fake: FakeSkiplino,
) -> None:
    fake.faults.delay(5.0, path="/branches")

    def run() -> BaseException:
        client = sync_client(fake)
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(client.branches.list)
            while not fake.faults.fired:
                threading.Event().wait(0.01)
            client.close()
            exc = pending.exception(timeout=5)
        assert exc is not None
        return exc

    error = await asyncio.to_thread(run)
    # Never a CancelledError (asyncio's or concurrent.futures'): the client was closed.
    assert isinstance(error, sk.ClientUsageError)


async def test_leaving_a_for_loop_early_stops_the_walk(fake: FakeSkiplino) -> None:
    def run() -> int:
        with sync_client(fake) as client:
            paginator = client.customers.list(limit=5, prefetch=3)
            for n, _ in enumerate(paginator):
                if n == 7:
                    break
            return paginator.checkpoint()["next_page"]

    assert await asyncio.to_thread(run) == 2


async def test_calls_from_a_callback_on_the_loop_are_refused(fake: FakeSkiplino) -> None:
    def run() -> None:
        with sync_client(fake) as client:

            def on_page(page: sk.Page[sk.Customer]) -> None:
                client.branches.list()

            with pytest.raises(sk.ClientUsageError, match="own event loop"):
                list(client.customers.list(limit=50, on_page=on_page))

    await asyncio.to_thread(run)


async def test_capture_responses_sees_the_calls_of_its_thread(fake: FakeSkiplino) -> None:
    def run() -> sk.ResponseCapture:
        with sync_client(fake) as client, client.capture_responses() as captured:
            client.branches.list()
            client.with_options(max_retries=0).branches.list()
        return captured

    captured = await asyncio.to_thread(run)
    assert len(captured) == 2
    assert captured.last is not None
    assert captured.last.request_id is not None


async def test_an_unclosed_client_warns_and_its_loop_ends(fake: FakeSkiplino) -> None:
    def run() -> None:
        client = sync_client(fake)
        client.branches.list()
        with pytest.warns(ResourceWarning, match="unclosed SyncSkiplino"):
            del client  # a plain reference: freed at once

    await asyncio.to_thread(run)
    for thread in loop_threads():
        thread.join(5)
    assert loop_threads() == []


def test_a_bad_argument_fails_at_construction_without_leaving_a_thread() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        sk.SyncSkiplino("sk_test_x", max_retries=-1)
    assert loop_threads() == []


def test_every_async_operation_has_a_declared_sync_counterpart() -> None:
    """A new operation works in SyncSkiplino at once; this makes its typed line be generated."""
    async_client = sk.Skiplino("sk_test_x")
    namespaces = {n: type(v) for n, v in vars(async_client).items() if isinstance(v, Resource)}
    hints = typing.get_type_hints(SyncSkiplino)
    for name, cls in namespaces.items():
        sync_cls = hints.get(name)
        assert isinstance(sync_cls, type), f"SyncSkiplino declares no {name!r} namespace"
        assert issubclass(sync_cls, SyncResource)
        assert sync_cls.mirrors is cls
        for method in public_methods(cls):
            declared = sync_cls.__dict__.get(method)
            missing = declared is None or getattr(declared, "undeclared", False)
            assert not missing, f"{sync_cls.__name__}.{method}: run {COMMAND}"


def test_the_client_level_surface_matches_the_async_one() -> None:
    def public(cls: type) -> set[str]:
        return {n for n in dir(cls) if not n.startswith("_")}

    async_only = {"aclose"}  # the blocking client's is close()
    assert public(sk.Skiplino) - async_only <= public(SyncSkiplino)
    expected = dict(inspect.signature(sk.Skiplino).parameters)
    del expected["session"]  # a session belongs to the caller's loop, not to the client's
    assert dict(inspect.signature(SyncSkiplino).parameters) == expected
    async_options = inspect.signature(sk.Skiplino.with_options).parameters
    assert inspect.signature(SyncSkiplino.with_options).parameters == async_options


def test_help_shows_the_sync_signature_and_docstring() -> None:
    from skiplino_async._sync._namespaces import SyncCustomers

    signature = inspect.signature(SyncCustomers.list)
    assert "SyncPaginator[Customer]" in str(signature.return_annotation)
    assert SyncCustomers.get.__doc__ == sk.Skiplino("sk_test_x").customers.get.__doc__


def test_the_loop_ends_at_interpreter_exit_without_close() -> None:
    program = textwrap.dedent(
        """\
        import atexit, threading
        import skiplino_async as sk
        client = sk.SyncSkiplino("sk_test_x", base_url="http://127.0.0.1:9/v1")
        atexit._run_exitfuncs()  # what the interpreter does on its way out
        assert client._runner.closed
        assert not [t for t in threading.enumerate() if t.name == "skiplino-sync"]
        print("ended")
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ended\n"
    assert done.stderr == ""


def test_a_client_used_after_fork_says_so_instead_of_hanging() -> None:
    program = textwrap.dedent(
        """\
        import os, sys
        import skiplino_async as sk
        client = sk.SyncSkiplino("sk_test_x", base_url="http://127.0.0.1:9/v1")
        pid = os.fork()
        if pid == 0:
            try:
                client.branches.list()
            except sk.ClientUsageError as exc:
                os._exit(0 if "another process" in str(exc) else 1)
            os._exit(2)
        _, status = os.waitpid(pid, 0)
        client.close()
        print(os.waitstatus_to_exitcode(status))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.stdout == "0\n", done.stderr


async def test_watch_is_a_plain_iterator(fake: FakeSkiplino, client: sk.Skiplino) -> None:
    branch = (await client.branches.list())[0]
    group = (await client.branches.tree(branch.id))[0]
    ticket = await client.tickets.book_walk_in(
        service_id=group.services[0].id, group_of_service_id=group.id
    )
    await client.tickets.cancel(ticket.id)

    def run() -> list[str | None]:
        with sync_client(fake) as sync:
            return [t.status for t in sync.tickets.watch(ticket.id, interval=0.5)]

    assert await asyncio.to_thread(run) == ["cancelled"]


def test_ctrl_c_while_waiting_stops_the_call_on_the_loop() -> None:
    program = textwrap.dedent(
        """\
        import asyncio, os, signal, socket, threading, time
        import skiplino_async as sk
        silent = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
        url = "http://127.0.0.1:%d/v1" % silent.getsockname()[1]
        with sk.SyncSkiplino("sk_test_x", base_url=url, timeout=30, max_retries=0) as client:
            threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
            try:
                client.branches.list()
            except KeyboardInterrupt:
                async def others():
                    return len(asyncio.all_tasks()) - 1
                for _ in range(200):
                    pending = client._runner.run(others())
                    if not pending:
                        break
                    time.sleep(0.01)
                print("interrupted; calls left on the loop:", pending)
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.stdout == "interrupted; calls left on the loop: 0\n", done.stderr


async def test_request_and_with_options_block_too(fake: FakeSkiplino) -> None:
    def run() -> tuple[list[sk.Branch], Any, str | None]:
        with sync_client(fake) as client:
            typed = client.request("GET", "/branches", cast_to=list[sk.Branch])
            raw = client.request("GET", "/branches")
            arabic = client.with_options(locale="ar")
            return typed, raw, arabic.locale

    typed, raw, locale = await asyncio.to_thread(run)
    assert [b.to_dict() for b in typed] == raw
    assert locale == "ar"
