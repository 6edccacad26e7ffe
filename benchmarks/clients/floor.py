"""The floor: raw aiohttp + ``orjson.loads`` + the SDK's attrs classes built by hand.

This is what a careful engineer would write without an SDK and without validation: one
session, headers and URLs built once, fields copied out of the dicts, timestamps parsed with
``datetime.fromisoformat``. Every other client is measured as a ratio against it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Final

import aiohttp
import orjson
from yarl import URL

from skiplino_async.models import Branch, BranchStatus, Customer, Pagination

from . import API_KEY, BenchClient, Decoder

_fromiso: Final = datetime.fromisoformat


def build_customer(d: dict[str, Any]) -> Customer:
    """A wire customer as the SDK's ``Customer``, by hand (no validation)."""
    created = d.get("createdAt")
    updated = d.get("updatedAt")
    return Customer(
        d["_id"],
        d.get("externalId"),
        d.get("companyId"),
        d.get("name"),
        d.get("email"),
        d.get("mobile"),
        d.get("metadata"),
        _fromiso(created) if created is not None else None,
        _fromiso(updated) if updated is not None else None,
    )


def build_pagination(p: dict[str, Any]) -> Pagination:
    return Pagination(
        p.get("total"),
        p.get("page"),
        p.get("limit"),
        p.get("totalPages"),
        p.get("hasNextPage"),
        p.get("hasPrevPage"),
    )


def build_branch(d: dict[str, Any]) -> Branch:
    status = d.get("branchStatus")
    return Branch(
        d["id"],
        d.get("name"),
        BranchStatus(status.get("isBranchOpen")) if status is not None else None,
    )


class FloorDecoder(Decoder):
    name = "floor"

    def from_parsed(self, parsed: dict[str, Any]) -> list[Any]:
        build_pagination(parsed["pagination"])
        return [build_customer(d) for d in parsed["data"]]

    def from_bytes(self, body: bytes) -> list[Any]:
        return self.from_parsed(orjson.loads(body))


class FloorClient(BenchClient):
    name = "floor"
    description = "raw aiohttp + orjson + attrs classes built by hand, one page ahead"
    #: Page requests kept in flight during an export (1: the next page is requested before
    #: the current page's customers are handed out, like the SDK's default).
    pages_in_flight = 1

    def __init__(self, base_url: str, *, connection_limit: int) -> None:
        super().__init__(base_url, connection_limit=connection_limit)
        self._session: aiohttp.ClientSession | None = None
        self._headers = {"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"}
        self._branches_url = URL(base_url + "/branches")
        self._one_url = URL(base_url + "/customers/getOne")
        self._all_url = URL(base_url + "/customers/getAll")

    async def open(self, *, retries: bool) -> None:
        connector = aiohttp.TCPConnector(limit=self.connection_limit)
        self._session = aiohttp.ClientSession(connector=connector)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _read(self, url: URL, params: dict[str, Any] | None = None) -> bytes:
        assert self._session is not None
        async with self._session.get(url, params=params, headers=self._headers) as resp:
            body = await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}: {body[:200]!r}")
        return body

    async def _get(self, url: URL, params: dict[str, Any] | None = None) -> Any:
        return orjson.loads(await self._read(url, params))

    async def branches(self) -> list[Any]:
        return [build_branch(d) for d in (await self._get(self._branches_url))["data"]]

    async def get_customer(self, customer_id: str) -> Any:
        return build_customer((await self._get(self._one_url, {"id": customer_id}))["data"])

    async def _page(self, page: int) -> tuple[list[Any], Any]:
        parsed = await self._get(self._all_url, {"page": page, "limit": 100})
        return [build_customer(d) for d in parsed["data"]], build_pagination(parsed["pagination"])

    async def customers(self) -> AsyncIterator[Any]:
        """Every customer, page after page, ``pages_in_flight`` page requests ahead (0: each
        page is requested only once the previous one has been handed out)."""
        items, pagination = await self._page(1)
        last_page = pagination.total_pages or 1
        if self.pages_in_flight == 0:
            for number in range(2, last_page + 2):
                for customer in items:
                    yield customer
                if number > last_page:
                    return
                items, _ = await self._page(number)
        pending: deque[asyncio.Task[tuple[list[Any], Any]]] = deque()
        next_page = 2
        try:
            while True:
                scheduled = False
                while next_page <= last_page and len(pending) < self.pages_in_flight:
                    pending.append(asyncio.ensure_future(self._page(next_page)))
                    next_page += 1
                    scheduled = True
                if scheduled:
                    # One loop turn sends the new requests now, not after this page is used.
                    await asyncio.sleep(0)
                for customer in items:
                    yield customer
                if not pending:
                    break
                items, _ = await pending.popleft()
        finally:
            for task in pending:
                task.cancel()


class FloorSequentialClient(FloorClient):
    name = "floor-seq"
    description = "the floor requesting each page after handing out the previous one"
    pages_in_flight = 0


class FloorPrefetchClient(FloorClient):
    name = "floor-prefetch"
    description = "the floor with 4 page requests in flight during exports"
    pages_in_flight = 4


def floor_with(pages_ahead: int) -> type[FloorClient]:
    """A floor that keeps ``pages_ahead`` page requests ahead (the same strategy as a client
    whose walk was measured to do so)."""
    known = {
        c.pages_in_flight: c for c in (FloorSequentialClient, FloorClient, FloorPrefetchClient)
    }
    if pages_ahead in known:
        return known[pages_ahead]
    return type(
        f"Floor{pages_ahead}Client",
        (FloorClient,),
        {
            "name": f"floor-{pages_ahead}ahead",
            "description": f"the floor with {pages_ahead} page requests in flight",
            "pages_in_flight": pages_ahead,
        },
    )
