"""Numbers from the server are checked like the rest of a body.

An integer field above 64 bits, or a float where the API documents an integer, is an
``APIResponseValidationError`` naming the field (before, one became a Python int that
``to_json()`` and the Parquet writer then refused with an untyped error). Whatever a model
the SDK returned holds, ``to_json()`` and every export format write it. A ``204`` to a delete
is success. A tiny aiohttp.web server on 127.0.0.1 sends the bodies.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from skiplino_async import APIResponseValidationError, Skiplino, SkiplinoError, export
from skiplino_async.export import formats
from skiplino_async.testing._openapi import CUSTOMER_EXAMPLE, TICKET_EXAMPLE

Make = Callable[[Callable[[web.Request], Awaitable[web.StreamResponse]]], Awaitable[Skiplino]]


def answering(body: Any) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.json_response(body)

    return handler


@pytest.mark.parametrize(
    "value",
    [2**63, 2**64 + 1, 10**25, -(2**63) - 1, 18.0, 3.5],
    ids=["2**63", "over u64", "1e25", "below i64", "18.0", "3.5"],
)
@pytest.mark.parametrize("field", ["queueSize", "waitingTime"])
async def test_an_integer_field_out_of_range_or_a_float_is_refused(
    raw_client: Make, field: str, value: Any
) -> None:
    ticket = {**TICKET_EXAMPLE, field: value}
    client = await raw_client(answering({"message": "ok", "data": ticket}))
    with pytest.raises(APIResponseValidationError, match=field):
        await client.tickets.get("k7m2p9x4q1")


@pytest.mark.parametrize("value", [2**63 - 1, -(2**63), 0])
async def test_integers_within_64_bits_are_taken(raw_client: Make, value: int) -> None:
    client = await raw_client(
        answering({"message": "ok", "data": {**TICKET_EXAMPLE, "queueSize": value}})
    )
    ticket = await client.tickets.get("k7m2p9x4q1")
    assert ticket.queue_size == value
    assert ticket.to_json()


async def test_a_page_total_over_64_bits_is_refused(raw_client: Make) -> None:
    page = {
        "message": "ok",
        "data": [CUSTOMER_EXAMPLE],
        "pagination": {"total": 2**70, "page": 1, "limit": 10, "totalPages": 1},
    }
    client = await raw_client(answering(page))
    with pytest.raises(APIResponseValidationError, match="total"):
        await client.customers.list(limit=10)


LARGE = {
    "u64": 2**64 - 1,
    "i64": -(2**63),
    "beyond": 10**30,
    "tiny": 5e-324,
    "huge": 1.7976931348623157e308,
    "nested": [{"x": 2**63}],
}


def page_of(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "message": "ok",
        "data": [row],
        "pagination": {"total": 1, "page": 1, "limit": 100, "totalPages": 1},
    }


@pytest.mark.parametrize("fmt", formats.names())
async def test_a_returned_model_is_always_written(
    raw_client: Make, tmp_path: Path, fmt: str
) -> None:
    customer = copy.deepcopy(CUSTOMER_EXAMPLE)
    customer["metadata"] = dict(LARGE)
    customer["unknownField"] = dict(LARGE)
    client = await raw_client(answering(page_of(customer)))
    returned = (await client.customers.list(limit=100)).items[0]
    assert returned.to_json()
    result = await export.customers(client, tmp_path / f"out.{fmt}", format=fmt)
    assert result.rows == 1


@pytest.mark.parametrize("fmt", formats.names())
@pytest.mark.parametrize("value", [2**63, 2**64 + 1], ids=["2**63", "over u64"])
async def test_an_export_of_a_ticket_out_of_range_fails_typed(
    raw_client: Make, tmp_path: Path, fmt: str, value: int
) -> None:
    client = await raw_client(answering(page_of({**TICKET_EXAMPLE, "queueSize": value})))
    with pytest.raises(SkiplinoError, match="queueSize"):
        await export.customer_tickets(
            client, tmp_path / f"out.{fmt}", id="9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b", format=fmt
        )


async def test_a_204_to_a_delete_is_success(raw_client: Make) -> None:
    async def no_content(request: web.Request) -> web.StreamResponse:
        return web.Response(status=204)

    client = await raw_client(no_content)
    assert await client.customers.delete(id="9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b") is None
