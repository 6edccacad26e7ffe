"""An aiohttp.web backend that uses one Skiplino client for every request.

What it shows:

* the client is created in the application's ``cleanup_ctx`` (on startup, inside the server's
  event loop) and closed on shutdown; handlers share it through ``request.app[SKIPLINO]``:
  one connection pool for the whole application, never a client per request;
* SDK errors mapped to HTTP answers of the backend's own API (422 for an unknown customer,
  409 for a ticket that can no longer be cancelled, 502/504 when Skiplino is unreachable);
* ``request_sent`` honoured for bookings: an ambiguous failure is not blindly retried.

Run as is, it starts the embedded fake Skiplino server (unless ``SKIPLINO_BASE_URL`` is set)
and exercises its own endpoints with aiohttp's in-process test client. ``--serve`` runs it on
http://127.0.0.1:8000 instead.

    python examples/aiohttp_app.py
    python examples/aiohttp_app.py --serve
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.typedefs import Handler

import skiplino_async as sk

SKIPLINO = web.AppKey("skiplino", sk.Skiplino)


async def skiplino_client(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: one client for the application's life, closed when it stops."""
    async with sk.Skiplino(timeout=10, max_retries=2) as client:  # SKIPLINO_API_KEY/_BASE_URL
        app[SKIPLINO] = client
        yield


async def list_branches(request: web.Request) -> web.Response:
    client = request.app[SKIPLINO]
    if locale := request.query.get("locale"):
        client = client.with_options(locale=locale)  # a cheap view sharing the same pool
    branches = await client.branches.list()
    return web.json_response([{"id": b.id, "name": b.name, "open": b.is_open} for b in branches])


async def book_walk_in(request: web.Request) -> web.Response:
    body = await request.json()
    try:
        ticket = await request.app[SKIPLINO].tickets.book_walk_in(
            service_id=body["service_id"], group_of_service_id=body["group_of_service_id"]
        )
    except sk.BadRequestError as exc:  # branch or service closed: the reason is for humans
        return web.json_response({"error": exc.message}, status=409)
    except sk.APIConnectionError as exc:
        if exc.request_sent:  # the ticket may exist: do not book again blindly
            return web.json_response({"error": "booking outcome unknown"}, status=504)
        raise
    return web.json_response(ticket.to_dict(), status=201)


async def get_ticket(request: web.Request) -> web.Response:
    ticket = await request.app[SKIPLINO].tickets.get(request.match_info["ticket_id"])
    return web.json_response(ticket.to_dict())


async def cancel_ticket(request: web.Request) -> web.Response:
    try:
        ticket = await request.app[SKIPLINO].tickets.cancel(request.match_info["ticket_id"])
    except sk.ConflictError:
        return web.json_response({"error": "the ticket can no longer be cancelled"}, status=409)
    return web.json_response(ticket.to_dict())


async def get_customer(request: web.Request) -> web.Response:
    try:
        customer = await request.app[SKIPLINO].customers.get(
            external_id=request.match_info["external_id"]
        )
    except sk.UnprocessableEntityError as exc:  # this API answers unknown customers with 422
        return web.json_response({"error": exc.field_errors}, status=404)
    return web.json_response(customer.to_dict())


@web.middleware
async def skiplino_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Whatever a handler did not handle: an upstream problem, not a crash of ours."""
    try:
        return await handler(request)
    except sk.NotFoundError:
        return web.json_response({"error": "not found"}, status=404)
    except sk.APITimeoutError:
        return web.json_response({"error": "Skiplino timed out"}, status=504)
    except sk.SkiplinoError as exc:
        return web.json_response({"error": f"Skiplino: {exc}"}, status=502)


def create_app() -> web.Application:
    app = web.Application(middlewares=[skiplino_errors])
    app.cleanup_ctx.append(skiplino_client)
    app.router.add_get("/branches", list_branches)
    app.router.add_post("/walk-ins", book_walk_in)
    app.router.add_get("/tickets/{ticket_id}", get_ticket)
    app.router.add_delete("/tickets/{ticket_id}", cancel_ticket)
    app.router.add_get("/customers/{external_id}", get_customer)
    return app


# --- running it: a self-check in-process, or a real server ------------------------------------


def check(condition: bool, detail: str = "") -> None:
    if not condition:
        raise SystemExit(f"self-check failed {detail}")


async def self_check() -> None:
    """Call every endpoint through aiohttp's in-process test client and check the answers."""
    async with TestClient(TestServer(create_app())) as http:
        response = await http.get("/branches", params={"locale": "ar"})
        check(response.status == 200, await response.text())
        branches = await response.json()
        print(f"GET /branches -> {len(branches)} branches, first: {branches[0]['name']}")

        walk_in = {"service_id": "6fe8fb8b12", "group_of_service_id": "7c1f9a3b2d"}
        response = await http.post("/walk-ins", json=walk_in)
        check(response.status == 201, await response.text())
        ticket = await response.json()
        print(f"POST /walk-ins -> ticket {ticket['ticketNumber']} ({ticket['status']})")

        response = await http.get(f"/tickets/{ticket['id']}")
        check(response.status == 200)
        response = await http.delete(f"/tickets/{ticket['id']}")
        check((await response.json())["status"] == "cancelled")
        response = await http.delete(f"/tickets/{ticket['id']}")
        check(response.status == 409)
        print("DELETE /tickets/{id} -> cancelled; a second time -> 409")

        response = await http.get("/customers/crm-7741")
        check((await response.json())["name"] == "Layla Hassan")
        response = await http.get("/customers/nobody-here")
        check(response.status == 404)
        response = await http.get("/tickets/zzzzzzzzzz")
        check(response.status == 404)
        print("GET /customers/{id} -> found, then 404 for an unknown one")
    print("all endpoints answered as expected")


@asynccontextmanager
async def skiplino_api() -> AsyncIterator[None]:
    """Use the API from the environment, or start the embedded fake server and point at it."""
    if os.environ.get("SKIPLINO_BASE_URL"):
        yield
        return
    from skiplino_async.testing import FakeSkiplino

    async with FakeSkiplino() as fake:
        os.environ["SKIPLINO_API_KEY"] = fake.secret_key
        os.environ["SKIPLINO_BASE_URL"] = fake.url
        print(f"(embedded fake Skiplino server on {fake.url})")
        yield


async def run(serve: bool) -> None:
    async with skiplino_api():
        if not serve:
            await self_check()
            return
        runner = web.AppRunner(create_app())
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 8000).start()
        print("serving on http://127.0.0.1:8000 (Ctrl-C to stop)")
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


if __name__ == "__main__":
    with suppress(KeyboardInterrupt):
        asyncio.run(run(serve="--serve" in sys.argv[1:]))
