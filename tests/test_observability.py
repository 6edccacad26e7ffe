"""Observability: logging (SKIPLINO_LOG), aiohttp trace configs, raw responses."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

import skiplino_async as sk
from skiplino_async._logging import configure_from_env, logger
from skiplino_async.testing import FakeSkiplino

ROOT = Path(__file__).resolve().parents[1]
FAST_RETRIES = sk.RetryPolicy(initial_delay=0.001, max_delay=0.01)


@pytest.fixture
def restore_logger() -> Iterator[None]:
    """Undo what configure_from_env does to the process-wide logger."""
    level, handlers = logger.level, list(logger.handlers)
    yield
    for handler in logger.handlers:
        if handler not in handlers:
            logger.removeHandler(handler)
            handler.close()
    logger.setLevel(level)


# --- SKIPLINO_LOG ------------------------------------------------------------------------------


@pytest.mark.usefixtures("restore_logger")
@pytest.mark.parametrize(("value", "level"), [("debug", logging.DEBUG), (" INFO ", logging.INFO)])
def test_skiplino_log_switches_logging_on(value: str, level: int) -> None:
    handler = configure_from_env({"SKIPLINO_LOG": value})
    assert handler is not None
    assert handler in logger.handlers
    assert logger.level == level
    assert handler.level == level
    # Once only: a second call neither duplicates the handler nor loses it.
    assert configure_from_env({"SKIPLINO_LOG": value}) is handler
    assert logger.handlers.count(handler) == 1


@pytest.mark.usefixtures("restore_logger")
@pytest.mark.parametrize("environ", [{}, {"SKIPLINO_LOG": ""}, {"SKIPLINO_LOG": "verbose"}])
def test_without_skiplino_log_nothing_is_configured(environ: dict[str, str]) -> None:
    level, handlers = logger.level, list(logger.handlers)
    assert configure_from_env(environ) is None
    assert (logger.level, logger.handlers) == (level, handlers)


@pytest.mark.usefixtures("restore_logger")
async def test_the_env_handler_prints_request_lines(client: sk.Skiplino) -> None:
    handler = configure_from_env({"SKIPLINO_LOG": "debug"})
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)
    await client.branches.list()
    text = stream.getvalue()
    assert "skiplino_async DEBUG -> GET http://127.0.0.1:" in text
    assert "/external/v1/branches" in text
    line = (
        r"skiplino_async DEBUG GET /branches -> 200 in \d+\.\dms \(1 attempt, request id req_\d+\)"
    )
    assert re.search(line, text)


async def test_info_shows_retries_and_failures_not_every_successful_call(
    client: sk.Skiplino, fake: FakeSkiplino, caplog: pytest.LogCaptureFixture
) -> None:
    # An application at basicConfig(level=INFO) must not get a line per poll of watch().
    caplog.set_level(logging.INFO, logger="skiplino_async")
    for _ in range(5):
        await client.branches.list()
    assert caplog.records == []
    with pytest.raises(sk.NotFoundError):
        await client.tickets.get("zzzzzzzzzz")
    [failed] = caplog.records
    assert failed.levelno == logging.INFO
    assert re.fullmatch(r"GET /tickets/zzzzzzzzzz -> 404 in .*", failed.getMessage())


async def test_request_line_status_duration_and_retries_are_logged(
    client: sk.Skiplino, fake: FakeSkiplino, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="skiplino_async")
    fake.faults.status(503, path="/branches", times=1)
    await client.branches.list()
    lines = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "skiplino_async"]
    debug = [m for lvl, m in lines if lvl == logging.DEBUG]
    info = [m for lvl, m in lines if lvl == logging.INFO]
    assert sum(m.startswith("-> GET http://127.0.0.1:") for m in debug) == 2  # two attempts
    assert any(m.startswith("<- 503 /branches body=") for m in debug)
    assert any(re.fullmatch(r"GET /branches failed \(HTTP 503\); retry 1/2 in .*", m) for m in info)
    assert any(
        re.fullmatch(r"GET /branches -> 200 in \d+\.\dms \(2 attempts, request id \w+\)", m)
        for m in debug
    ), debug


async def test_bodies_are_only_logged_at_debug(
    client: sk.Skiplino, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="skiplino_async")
    await client.customers.create(external_id="obs-1", name="Private Person")
    with pytest.raises(sk.UnprocessableEntityError):  # a failure is logged at INFO
        await client.customers.create(external_id="obs-1", name="Private Person")
    assert caplog.records
    assert "Private Person" not in caplog.text
    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="skiplino_async")
    await client.customers.get(external_id="obs-1")
    assert "Private Person" in caplog.text


def test_the_library_is_silent_when_the_application_configures_nothing() -> None:
    # A fresh interpreter with no logging setup: failing calls, retries and a failing watch
    # must print nothing (Python's last-resort handler would print WARNING and above).
    code = textwrap.dedent(
        """
        import asyncio, os
        os.environ.pop("SKIPLINO_LOG", None)
        import skiplino_async as sk
        from skiplino_async.testing import FakeSkiplino

        async def main():
            async with FakeSkiplino(customers=3) as fake:
                policy = sk.RetryPolicy(initial_delay=0.001, max_delay=0.001)
                async with sk.Skiplino(
                    api_key=fake.secret_key, base_url=fake.url, retry_policy=policy
                ) as client:
                    fake.faults.status(500, path="/branches")
                    try:
                        await client.branches.list()
                    except sk.InternalServerError:
                        pass
                    try:
                        async for _ in client.tickets.watch("zzzzzzzzzz", max_errors=0):
                            pass
                    except sk.NotFoundError:
                        pass
            print("done")

        asyncio.run(main())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout == "done\n"
    assert out.stderr == ""


# --- trace configs -----------------------------------------------------------------------------


async def test_trace_configs_reach_the_session_the_sdk_creates(fake: FakeSkiplino) -> None:
    started: list[tuple[str, str]] = []
    ended: list[int] = []

    async def on_request_start(
        session: aiohttp.ClientSession,
        ctx: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        started.append((params.method, params.url.path))

    async def on_request_end(
        _: aiohttp.ClientSession, ctx: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        ended.append(params.response.status)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    trace.on_request_end.append(on_request_end)
    async with sk.Skiplino(
        api_key=fake.secret_key,
        base_url=fake.url,
        trace_configs=[trace],
        retry_policy=FAST_RETRIES,
    ) as client:
        fake.faults.status(502, path="/branches", times=1)
        await client.branches.list()
        await client.customers.get(external_id="crm-7741")
    assert started == [
        ("GET", "/external/v1/branches"),
        ("GET", "/external/v1/branches"),  # every attempt is traced, retries included
        ("GET", "/external/v1/customers/getOne"),
    ]
    assert ended == [502, 200, 200]


# --- raw responses -----------------------------------------------------------------------------


async def test_capture_gives_status_headers_request_id_and_retries(
    client: sk.Skiplino, fake: FakeSkiplino
) -> None:
    fake.faults.status(503, path="/customers/getOne", times=1)
    with client.capture_responses() as captured:
        customer = await client.customers.get(external_id="crm-7741")
        ticket = await client.tickets.book_walk_in(
            service_id="6fe8fb8b12", group_of_service_id="7c1f9a3b2d"
        )
    assert customer.external_id == "crm-7741"
    assert ticket.status == "waiting"
    first, second = captured.responses
    assert (first.method, first.path, first.status_code) == ("GET", "/customers/getOne", 200)
    assert (first.attempts, first.retries) == (2, 1)
    assert first.request_id == fake.requests[1].request_id  # the retry's id, not the 503's
    assert first.request_id != fake.requests[0].request_id
    assert first.headers["content-type"].startswith("application/json")
    assert (second.method, second.status_code, second.retries) == ("POST", 201, 0)
    assert second.request_id == fake.requests[-1].request_id
    assert captured.last is second
    assert len(captured) == 2
    assert first.elapsed >= 0


async def test_errors_carry_the_same_details(client: sk.Skiplino, fake: FakeSkiplino) -> None:
    with client.capture_responses() as captured, pytest.raises(sk.NotFoundError) as info:
        await client.tickets.get("zzzzzzzzzz")
    [failed] = captured.responses  # a failure is captured too...
    err = info.value  # ...and its details are on the exception as well
    assert (failed.status_code, failed.request_id, failed.error) == (404, err.request_id, err)
    assert err.status_code == 404
    assert err.request_id == fake.requests[-1].request_id
    assert err.attempts == 1
    assert err.headers["Content-Type"].startswith("application/json")


async def test_capture_is_off_outside_the_block(client: sk.Skiplino) -> None:
    with client.capture_responses() as captured:
        await client.branches.list()
    await client.branches.list()
    assert len(captured.responses) == 1


async def test_captures_are_isolated_between_concurrent_tasks(client: sk.Skiplino) -> None:
    both_inside = asyncio.Barrier(2)

    async def worker(call: Any) -> list[str]:
        with client.capture_responses() as captured:
            await both_inside.wait()  # the two blocks are open at the same time
            for _ in range(3):
                await call()
                await asyncio.sleep(0)
        return [r.path for r in captured.responses]

    branches, tickets = await asyncio.gather(
        worker(client.branches.list),
        worker(lambda: client.customers.tickets(external_id="crm-7741")),
    )
    assert branches == ["/branches"] * 3
    assert tickets == ["/customers/tickets"] * 3


async def test_tasks_started_inside_a_capture_are_captured(client: sk.Skiplino) -> None:
    with client.capture_responses() as captured:
        await asyncio.gather(client.branches.list(), client.branches.tree("802b33af66"))
    assert sorted(r.path for r in captured.responses) == ["/branches", "/branches/802b33af66/tree"]


async def test_nested_captures_record_in_the_innermost(client: sk.Skiplino) -> None:
    with client.capture_responses() as outer:
        await client.branches.list()
        with sk.capture_responses() as inner:  # the module-level form is the same thing
            await client.branches.tree("802b33af66")
        await client.branches.list()
    assert [r.path for r in inner.responses] == ["/branches/802b33af66/tree"]
    assert [r.path for r in outer.responses] == ["/branches", "/branches"]
