"""Auto-pagination over TCP: the fake server's real listings, and servers that lie about pages.

The lying servers are tiny aiohttp.web apps (or the fake's ``raw`` fault). Each one stops
answering with data after a hard cap of requests, so that a paginator that fails to stop makes
the test fail on its assertions instead of hanging it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

import orjson
import pytest
from aiohttp import web

from skiplino_async import (
    AsyncPaginator,
    Customer,
    Page,
    Pagination,
    PaginationError,
    Skiplino,
    UnprocessableEntityError,
)
from skiplino_async.testing import FakeSkiplino

RawClient = Callable[[Callable[[web.Request], Awaitable[web.StreamResponse]]], Awaitable[Skiplino]]

LAYLA_ID = "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"
#: A broken server answers at most this many requests with data; then an empty last page.
REQUEST_CAP = 60


def server_order(fake: FakeSkiplino) -> list[str]:
    """Every customer id in the order the server lists them (newest first)."""
    return [c.id for c in fake.state.iter_customers()]


def list_requests(fake: FakeSkiplino, path: str = "/customers/getAll") -> list[dict[str, str]]:
    return [
        {k: v[0] for k, v in parse_qs(r.query_string).items()}
        for r in fake.requests
        if r.path == path
    ]


# --- the fake server's listings ----------------------------------------------------------------


async def test_137_customers_limit_10_walks_14_pages_in_server_order(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    paginator = client.customers.list(limit=10)
    assert isinstance(paginator, AsyncPaginator)
    assert fake.requests == []  # nothing is sent until the paginator is used
    ids = [c.id async for c in paginator]
    assert len(ids) == 137
    assert len(set(ids)) == 137
    assert ids == server_order(fake)
    assert ids[0] == LAYLA_ID  # the newest seed customer heads the list
    # Requests in flight together may arrive in any order: each page once, none past 14.
    requests = sorted(list_requests(fake), key=lambda q: int(q["page"]))
    assert requests == [{"page": str(n), "limit": "10"} for n in range(1, 15)]


async def test_pages_walk(client: Skiplino, fake: FakeSkiplino) -> None:
    pages = [page async for page in client.customers.list(limit=10).pages()]
    assert len(pages) == 14
    assert [len(p) for p in pages] == [10] * 13 + [7]
    assert [p.pagination.page for p in pages] == list(range(1, 15))
    assert all(p.pagination.total == 137 for p in pages)
    assert all(p.pagination.total_pages == 14 for p in pages)
    assert [p.pagination.has_next_page for p in pages] == [True] * 13 + [False]
    assert [p.pagination.has_prev_page for p in pages] == [False] + [True] * 13
    assert [c.id for p in pages for c in p] == server_order(fake)
    assert all(isinstance(c, Customer) for p in pages for c in p.items)


async def test_default_limit_is_100(client: Skiplino, fake: FakeSkiplino) -> None:
    ids = [c.id async for c in client.customers.list()]
    assert ids == server_order(fake)
    assert list_requests(fake) == [{"page": "1", "limit": "100"}, {"page": "2", "limit": "100"}]


async def test_await_gives_one_page(client: Skiplino, fake: FakeSkiplino) -> None:
    page = await client.customers.list(limit=10, page=3)
    assert isinstance(page, Page)
    assert [c.id for c in page] == server_order(fake)[20:30]
    assert page.pagination == Pagination(
        total=137, page=3, limit=10, total_pages=14, has_next_page=True, has_prev_page=True
    )
    assert list_requests(fake) == [{"page": "3", "limit": "10"}]


async def test_await_past_the_end_gives_an_empty_page(client: Skiplino) -> None:
    page = await client.customers.list(limit=10, page=15)
    assert page.items == []
    assert page.pagination.has_next_page is False


async def test_iteration_starts_at_page(client: Skiplino, fake: FakeSkiplino) -> None:
    ids = [c.id async for c in client.customers.list(limit=10, page=13)]
    assert ids == server_order(fake)[120:]
    assert list_requests(fake) == [{"page": "13", "limit": "10"}, {"page": "14", "limit": "10"}]


async def test_exact_multiple_of_limit(fake: FakeSkiplino, client: Skiplino) -> None:
    for n in range(3):  # 140 customers: the last page is full, and still the last one
        fake.state.add_customer(name=f"Extra {n}")
    pages = [p async for p in client.customers.list(limit=20).pages()]
    assert [len(p) for p in pages] == [20] * 7
    assert len(list_requests(fake)) == 7


async def test_empty_listing(client: Skiplino, fake: FakeSkiplino) -> None:
    async with FakeSkiplino(customers=0) as empty:
        async with Skiplino(api_key=empty.secret_key, base_url=empty.url) as c:
            assert [x async for x in c.customers.list()] == []
            assert [p async for p in c.customers.list().pages()] == []
            page = await c.customers.list()
            assert page.items == []
            assert page.pagination.total == 0
        assert len(empty.requests) == 3


async def test_customer_tickets_paginate(client: Skiplino, fake: FakeSkiplino) -> None:
    customer = await client.customers.create(external_id="pg-tickets", name="Many Tickets")
    booked = [
        await client.tickets.book(
            service_id="6fe8fb8b12", group_of_service_id="7c1f9a3b2d", customer_id=customer.id
        )
        for _ in range(23)
    ]
    fake.requests.clear()
    tickets = [t async for t in client.customers.tickets(id=customer.id)]
    assert [t.id for t in tickets] == [t.id for t in reversed(booked)]
    assert list_requests(fake, "/customers/tickets") == [
        {"id": customer.id, "page": str(n), "limit": "10"} for n in (1, 2, 3)
    ]
    pages = [p async for p in client.customers.tickets(external_id="pg-tickets", limit=5).pages()]
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    third = await client.customers.tickets(id=customer.id, limit=10, page=3)
    assert [t.id for t in third] == [t.id for t in reversed(booked[:3])]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"limit": 0}, ValueError, "limit must be between 1 and 100, got 0"),
        ({"limit": 101}, ValueError, "limit must be between 1 and 100, got 101"),
        ({"page": 0}, ValueError, "page must be >= 1, got 0"),
        ({"page": -3}, ValueError, "page must be >= 1"),
        ({"limit": "10"}, TypeError, "limit must be an int"),
        ({"page": 1.0}, TypeError, "page must be an int"),
        ({"limit": True}, TypeError, "limit must be an int"),
    ],
)
async def test_limit_and_page_checked_at_once(
    client: Skiplino, fake: FakeSkiplino, kwargs: dict[str, Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        client.customers.list(**kwargs)  # raises at call time, before any await
    assert fake.requests == []


async def test_limit_bounds_are_accepted(client: Skiplino) -> None:
    assert len(await client.customers.list(limit=1)) == 1
    assert len(await client.customers.list(limit=100)) == 100


async def test_paginator_is_single_pass(client: Skiplino, fake: FakeSkiplino) -> None:
    paginator = client.customers.list(limit=50)
    first = [c.id async for c in paginator]
    assert len(first) == 137
    with pytest.raises(RuntimeError, match="iterated once"):
        [c async for c in paginator]
    with pytest.raises(RuntimeError, match="iterated once"):
        [p async for p in paginator.pages()]
    assert len(list_requests(fake)) == 3  # the refused passes sent nothing


async def test_pages_then_items_is_refused(client: Skiplino) -> None:
    paginator = client.customers.list(limit=100)
    assert len([p async for p in paginator.pages()]) == 2
    with pytest.raises(RuntimeError):
        [c async for c in paginator]


async def test_early_break_fetches_no_further(client: Skiplino, fake: FakeSkiplino) -> None:
    seen = []
    async for customer in client.customers.list(limit=10):
        seen.append(customer.id)
        if len(seen) == 15:
            break
    assert seen == server_order(fake)[:15]
    # Pages 1 and 2, plus at most the one page fetched ahead (never more).
    assert 2 <= len(list_requests(fake)) <= 3


async def test_insert_during_walk_does_not_repeat_items(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    """A customer created mid-walk pushes one row onto the next page; it is yielded once."""
    ids: list[str] = []
    async for customer in client.customers.list(limit=10):
        ids.append(customer.id)
        if len(ids) == 10:
            fake.state.add_customer(name="Inserted Meanwhile")
    assert len(ids) == len(set(ids))
    assert len(ids) == 137  # the newcomer sits on page 1, already walked past


# --- lying servers ----------------------------------------------------------------------------


async def until_error(walk: AsyncIterator[Any]) -> tuple[list[str], PaginationError]:
    """The ids a walk yields before it ends with :class:`PaginationError` (which it must)."""
    ids: list[str] = []

    async def run() -> None:
        async for item in walk:
            ids.extend([c.id for c in item] if isinstance(item, Page) else [item.id])

    with pytest.raises(PaginationError) as info:
        await run()
    return ids, info.value


def _customers(prefix: str, n: int) -> list[dict[str, Any]]:
    return [{"_id": f"{prefix}{i:02d}".ljust(32, "0"), "companyId": "cmp"} for i in range(n)]


def _envelope(items: list[dict[str, Any]], page: int, *, has_next: bool) -> bytes:
    return orjson.dumps(
        {
            "message": "Customers fetched successfully.",
            "data": items,
            "pagination": {
                "total": 1000,
                "page": page,
                "limit": len(items),
                "totalPages": 100,
                "hasNextPage": has_next,
                "hasPrevPage": page > 1,
            },
        }
    )


def lying_server(
    pages: Callable[[int], list[dict[str, Any]]], requests: list[int]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A server whose page ``n`` is ``pages(n)`` and that always claims there is more."""

    async def handler(request: web.Request) -> web.Response:
        page = int(request.query.get("page", "1"))
        requests.append(page)
        if len(requests) > REQUEST_CAP:  # safety net: make a broken paginator fail, not hang
            return web.Response(
                body=_envelope([], page, has_next=False), content_type="application/json"
            )
        body = _envelope(pages(page), page, has_next=True)
        return web.Response(body=body, content_type="application/json")

    return handler


async def test_has_next_page_with_empty_page_terminates(raw_client: RawClient) -> None:
    requests: list[int] = []
    items = _customers("a", 3)
    client = await raw_client(lying_server(lambda n: items if n == 1 else [], requests))
    ids = [c.id async for c in client.customers.list(limit=3, prefetch=1)]
    assert ids == [c["_id"] for c in items]
    assert requests == [1, 2]


async def test_empty_first_page_claiming_more_terminates(raw_client: RawClient) -> None:
    requests: list[int] = []
    client = await raw_client(lying_server(lambda n: [], requests))
    assert [c async for c in client.customers.list(prefetch=1)] == []
    assert [p async for p in client.customers.list(prefetch=1).pages()] == []
    assert requests == [1, 1]


async def test_same_page_forever_terminates(raw_client: RawClient) -> None:
    requests: list[int] = []
    items = _customers("b", 5)
    client = await raw_client(lying_server(lambda n: items, requests))
    ids, error = await until_error(aiter(client.customers.list(limit=5, prefetch=1)))
    assert ids == [c["_id"] for c in items]  # each item once
    assert error.kind == "stale"
    assert len(requests) <= 4


async def test_same_page_forever_terminates_pages_walk(raw_client: RawClient) -> None:
    requests: list[int] = []
    items = _customers("c", 5)
    client = await raw_client(lying_server(lambda n: items, requests))
    ids, error = await until_error(client.customers.list(limit=5, prefetch=1).pages())
    assert ids == [c["_id"] for c in items]
    assert error.kind == "stale"
    assert len(requests) <= 4


async def test_two_pages_alternating_forever_terminates(raw_client: RawClient) -> None:
    requests: list[int] = []
    a, b = _customers("d", 4), _customers("e", 4)
    client = await raw_client(lying_server(lambda n: a if n % 2 else b, requests))
    ids, error = await until_error(aiter(client.customers.list(limit=4, prefetch=1)))
    assert ids == [c["_id"] for c in a + b]
    assert error.kind == "stale"
    assert len(requests) <= 6


async def test_partly_repeating_pages_yield_each_item_once(raw_client: RawClient) -> None:
    """Pages overlapping their predecessor (drift) yield only the new rows."""
    requests: list[int] = []

    def overlapping(n: int) -> list[dict[str, Any]]:
        if n > 5:
            return []
        return _customers("f", 10)[n - 1 : n + 2]  # 3 rows, 2 of them already seen

    client = await raw_client(lying_server(overlapping, requests))
    ids = [c.id async for c in client.customers.list(limit=3, prefetch=1)]
    assert ids == [c["_id"] for c in _customers("f", 10)[:7]]
    assert requests == [1, 2, 3, 4, 5, 6]


async def test_long_cycle_of_pages_terminates(raw_client: RawClient) -> None:
    requests: list[int] = []
    cycle = [_customers(f"g{k}", 2) for k in range(6)]
    client = await raw_client(lying_server(lambda n: cycle[(n - 1) % 6], requests))
    ids, error = await until_error(aiter(client.customers.list(limit=2)))
    assert len(ids) == len(set(ids)) == 12
    assert error.kind == "stale"
    assert len(requests) < REQUEST_CAP


async def test_same_page_forever_from_the_fake_raw_fault(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    body = _envelope(_customers("h", 10), 1, has_next=True)
    fake.faults.raw(
        200, body, headers={"Content-Type": "application/json"}, path="/customers/getAll"
    )
    ids, error = await until_error(aiter(client.customers.list(limit=10, prefetch=1)))
    assert ids == [c["_id"] for c in _customers("h", 10)]
    assert error.kind == "stale"
    assert len(list_requests(fake)) <= 4


async def test_pagination_block_missing_falls_back_to_full_pages(raw_client: RawClient) -> None:
    requests: list[int] = []
    rows = _customers("i", 7)

    async def handler(request: web.Request) -> web.Response:
        page = int(request.query["page"])
        requests.append(page)
        chunk = rows[(page - 1) * 3 : page * 3] if page < REQUEST_CAP else []
        return web.Response(
            body=orjson.dumps({"message": "ok", "data": chunk}), content_type="application/json"
        )

    client = await raw_client(handler)
    ids = [c.id async for c in client.customers.list(limit=3)]
    assert ids == [r["_id"] for r in rows]
    assert requests == [1, 2, 3]  # the short third page ends the walk


async def test_total_pages_fallback(raw_client: RawClient) -> None:
    requests: list[int] = []
    rows = _customers("j", 6)

    async def handler(request: web.Request) -> web.Response:
        page = int(request.query["page"])
        requests.append(page)
        chunk = rows[(page - 1) * 2 : page * 2] if page < REQUEST_CAP else []
        payload = {"message": "ok", "data": chunk, "pagination": {"totalPages": 3, "page": page}}
        return web.Response(body=orjson.dumps(payload), content_type="application/json")

    client = await raw_client(handler)
    ids = [c.id async for c in client.customers.list(limit=2)]
    assert ids == [r["_id"] for r in rows]
    assert requests == [1, 2, 3]


async def test_error_mid_walk_is_raised(raw_client: RawClient) -> None:
    requests: list[int] = []
    rows = _customers("k", 10)

    async def handler(request: web.Request) -> web.Response:
        page = int(request.query["page"])
        requests.append(page)
        if page == 1:
            body = _envelope(rows, 1, has_next=True)
            return web.Response(body=body, content_type="application/json")
        error = {"message": "The given data was invalid.", "error": {"page": "Too far."}}
        return web.Response(status=422, body=orjson.dumps(error), content_type="application/json")

    client = await raw_client(handler)
    seen: list[Customer] = []

    async def walk() -> None:
        async for customer in client.customers.list(limit=10, prefetch=1):
            seen.append(customer)

    with pytest.raises(UnprocessableEntityError) as info:
        await walk()
    assert info.value.field_errors == {"page": "Too far."}
    assert [c.id for c in seen] == [r["_id"] for r in rows]  # page 1 was delivered first
    assert requests == [1, 2]
