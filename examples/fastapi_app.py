"""A FastAPI backend that uses one Skiplino client for every request.

What it shows:

* the client is created in the app's ``lifespan`` (inside the server's event loop) and closed
  when the app shuts down; endpoints get it through a dependency: one connection pool for
  the whole application, never a client per request;
* per-request options without a new client: ``client.with_options(locale=...)``;
* SDK models returned as they are: ``-> sk.Ticket`` (or ``response_model=sk.Ticket``) makes
  FastAPI serialize the ticket to the API's wire format and show its schema in ``/docs``;
* SDK errors turned into HTTP answers by exception handlers (422 from Skiplino for an unknown
  customer becomes this API's 404; Skiplino being down becomes a 502/504).

Needs ``pip install fastapi httpx uvicorn`` (the ``examples`` extra). Run as is, it starts the
embedded fake Skiplino server (unless ``SKIPLINO_BASE_URL`` is set) and exercises its own
endpoints with an in-process HTTP client (httpx on the ASGI app, lifespan included).
``--serve`` runs it with uvicorn on http://127.0.0.1:8000 instead.

    python examples/fastapi_app.py
    python examples/fastapi_app.py --serve
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

import skiplino_async as sk


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """One client for the application's life, closed when it stops."""
    async with sk.Skiplino(timeout=10, max_retries=2) as client:  # SKIPLINO_API_KEY/_BASE_URL
        app.state.skiplino = client
        yield


app = FastAPI(title="Queue backend", lifespan=lifespan)


def skiplino(request: Request) -> sk.Skiplino:
    """Dependency: the application's shared client."""
    client: sk.Skiplino = request.app.state.skiplino
    return client


Skiplino = Annotated[sk.Skiplino, Depends(skiplino)]


class WalkIn(BaseModel):
    service_id: str
    group_of_service_id: str


@app.get("/branches")
async def list_branches(client: Skiplino, locale: str | None = None) -> list[dict[str, Any]]:
    if locale:
        client = client.with_options(locale=locale)  # a cheap view sharing the same pool
    branches = await client.branches.list()
    return [{"id": b.id, "name": b.name, "open": b.is_open} for b in branches]


@app.post("/walk-ins", status_code=201)
async def book_walk_in(walk_in: WalkIn, client: Skiplino) -> sk.Ticket:
    return await client.tickets.book_walk_in(
        service_id=walk_in.service_id, group_of_service_id=walk_in.group_of_service_id
    )


@app.get("/tickets/{ticket_id}")
async def get_ticket(ticket_id: str, client: Skiplino) -> sk.Ticket:
    return await client.tickets.get(ticket_id)


@app.delete("/tickets/{ticket_id}")
async def cancel_ticket(ticket_id: str, client: Skiplino) -> sk.Ticket:
    return await client.tickets.cancel(ticket_id)


@app.get("/customers/{external_id}", response_model=sk.Customer)
async def get_customer(external_id: str, client: Skiplino) -> sk.Customer:
    return await client.customers.get(external_id=external_id)


# --- SDK errors as HTTP answers --------------------------------------------------------------


@app.exception_handler(sk.UnprocessableEntityError)
async def unknown_customer(request: Request, exc: Exception) -> JSONResponse:
    # This API answers an unknown customer with 422 "This value does not exist.", not 404.
    assert isinstance(exc, sk.UnprocessableEntityError)
    return JSONResponse({"error": exc.field_errors or exc.message}, status_code=404)


@app.exception_handler(sk.NotFoundError)
async def not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": "not found"}, status_code=404)


@app.exception_handler(sk.ConflictError)
async def conflict(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": "the ticket can no longer be cancelled"}, status_code=409)


@app.exception_handler(sk.BadRequestError)
async def rejected(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, sk.BadRequestError)  # e.g. the branch or service is closed
    return JSONResponse({"error": exc.message}, status_code=409)


@app.exception_handler(sk.SkiplinoError)
async def upstream(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, sk.APIConnectionError) and exc.request_sent:
        # For a booking this means "may have happened": never retry it blindly.
        return JSONResponse({"error": "Skiplino outcome unknown"}, status_code=504)
    return JSONResponse({"error": f"Skiplino: {exc}"}, status_code=502)


# --- running it: a self-check in-process, or a real server ------------------------------------


def check(condition: bool, detail: str = "") -> None:
    if not condition:
        raise SystemExit(f"self-check failed {detail}")


async def self_check() -> None:
    """Start the lifespan, call every endpoint in-process over httpx, then shut down."""
    async with app.router.lifespan_context(app):  # what uvicorn runs on startup/shutdown
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://backend") as http:
            schemas = (await http.get("/openapi.json")).json()["components"]["schemas"]
            check({"Ticket", "Customer"} <= schemas.keys(), str(sorted(schemas)))
            print(f"GET /openapi.json -> Ticket fields {sorted(schemas['Ticket']['properties'])}")

            response = await http.get("/branches", params={"locale": "ar"})
            check(response.status_code == 200, response.text)
            print(f"GET /branches -> {len(response.json())} branches")

            walk_in = {"service_id": "6fe8fb8b12", "group_of_service_id": "7c1f9a3b2d"}
            response = await http.post("/walk-ins", json=walk_in)
            check(response.status_code == 201, response.text)
            ticket = response.json()
            print(f"POST /walk-ins -> ticket {ticket['ticketNumber']} ({ticket['status']})")

            response = await http.get(f"/tickets/{ticket['id']}")
            check(response.status_code == 200, response.text)
            response = await http.delete(f"/tickets/{ticket['id']}")
            check(response.json()["status"] == "cancelled", response.text)
            response = await http.delete(f"/tickets/{ticket['id']}")
            check(response.status_code == 409, response.text)
            print("DELETE /tickets/{id} -> cancelled; a second time -> 409")

            response = await http.get("/customers/crm-7741")
            check(response.json()["name"] == "Layla Hassan", response.text)
            response = await http.get("/customers/nobody-here")
            check(response.status_code == 404, response.text)
            response = await http.get("/tickets/zzzzzzzzzz")
            check(response.status_code == 404, response.text)
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
        import uvicorn

        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=8000))
        await server.serve()


if __name__ == "__main__":
    asyncio.run(run(serve="--serve" in sys.argv[1:]))
