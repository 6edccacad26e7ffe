"""Explaining a bad page costs about one row, whatever the size of the page.

A raw server on 127.0.0.1 sends a 7 MB page of 200,000 customers without ``_id``. The client
runs in a subprocess that measures its own peak memory (the high-water mark is reset through
``/proc/self/clear_refs`` just before the call, so the interpreter's start-up does not count)
and reports the error it got.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest

ROWS = 200_000

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc to measure peak memory"
)


def _page(rows: list[dict[str, object]], page: int) -> bytes:
    return orjson.dumps(
        {
            "message": "Customers fetched successfully.",
            "data": rows,
            "pagination": {
                "total": 100 + len(rows),
                "page": page,
                "limit": 100,
                "totalPages": 2,
                "hasNextPage": page == 1,
                "hasPrevPage": page == 2,
            },
        }
    )


GOOD = _page([{"_id": f"{i:032x}", "name": f"Customer {i}"} for i in range(100)], 1)
# Every row lacks the required ``_id``: the worst case for an explanation.
BAD = _page([{"externalId": f"crm-{i:07d}", "name": None} for i in range(ROWS)], 2)


def _response(body: bytes) -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Request-Id: req-bad-page\r\n\r\n"
    )
    return head.encode() + body


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ", 2)[1]
            writer.write(_response(BAD if b"page=2" in target else GOOD))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@pytest.fixture
async def raw_server() -> AsyncIterator[str]:
    server = await asyncio.start_server(_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/external/v1"
    finally:
        server.close()
        await server.wait_closed()


CHILD = r"""
import asyncio, json, sys, time
import orjson
from skiplino_async import APIResponseValidationError, Skiplino

def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(field)

async def main(url):
    async with Skiplino(api_key="sk_test_bad_page", base_url=url, max_retries=0, timeout=60) as c:
        await c.customers.list(page=1, limit=100)  # warm: connection, imports, hooks
        reset_peak()
        before = status("VmRSS")
        started = time.perf_counter()
        try:
            await c.customers.list(page=2, limit=100)
        except APIResponseValidationError as exc:
            error = exc
        else:
            raise SystemExit("the bad page was accepted")
        elapsed = time.perf_counter() - started
        growth = status("VmHWM") - before
    body = error.body
    del error.body
    # What the body costs in any case: the bytes and orjson's parse of them.
    reset_peak()
    before = status("VmRSS")
    parsed = orjson.loads(body)
    parse_growth = status("VmHWM") - before
    del parsed
    print(json.dumps({
        "growth": growth, "parse_growth": parse_growth, "seconds": elapsed,
        "message": error.message, "status": error.status_code, "body_len": len(body),
        "request_id": error.headers.get("X-Request-Id"),
    }))

asyncio.run(main(sys.argv[1]))
"""


async def test_a_bad_page_of_200000_rows_is_explained_in_bounded_memory(raw_server: str) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        raw_server,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(child.communicate(), 120)
    assert child.returncode == 0, err.decode()[-2000:]
    got = json.loads(out.decode().strip().splitlines()[-1])

    assert got["status"] == 200
    assert got["body_len"] == len(BAD)
    assert got["request_id"] == "req-bad-page"
    message = got["message"]
    assert message.startswith("response data is not a valid list[Customer]: ")
    assert "required field missing @ data[0]._id" in message
    assert "@ data[2]._id" in message
    assert "data[3]" not in message
    assert "more items of data fail" in message
    assert len(message) <= 1200
    # Reading and parsing the body is unavoidable; explaining it must add little to that
    # (before: ~790 MiB for this page, against ~60 MiB to parse it).
    mib = 1024 * 1024
    assert got["growth"] <= 2 * got["parse_growth"] + 48 * mib, got
