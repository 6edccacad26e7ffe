"""Scripted page sequences: adversarial servers for the pagination property tests.

A :class:`Script` says what a server answers for each page number (and, for servers whose
answers depend on how often they were asked, for each request). The same scripts drive the
pure decision (``test_pagination_decide``) and a real walk over TCP
(``test_pagination_hostile``), served by :func:`scripted_server`, a raw aiohttp.web server on
127.0.0.1.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web
from hypothesis import strategies as st

#: Ids the strategies draw from: fewer than the smallest id window (1,000 rows).
UNIVERSE = [f"{n:032x}" for n in range(48)]
#: The walks under test use this page size.
LIMIT = 5
#: A server answers at most this many requests with rows; then empty pages (a safety net:
#: a paginator that fails to stop makes a test fail on its assertions instead of hanging).
REQUEST_CAP = 1_500


@dataclass(frozen=True)
class Reply:
    """One answer: the row ids and the pagination block (``present=False``: no block)."""

    ids: tuple[str, ...]
    total: int | None = None
    total_pages: int | None = None
    has_next: bool | None = None
    present: bool = True

    def body(self, page: int, limit: int) -> bytes:
        payload: dict[str, Any] = {
            "message": "Customers fetched successfully.",
            "data": [{"_id": i, "companyId": "cmp"} for i in self.ids],
        }
        if self.present:
            block: dict[str, Any] = {"page": page, "limit": limit}
            if self.total is not None:
                block["total"] = self.total
            if self.total_pages is not None:
                block["totalPages"] = self.total_pages
            if self.has_next is not None:
                block["hasNextPage"] = self.has_next
            payload["pagination"] = block
        return orjson.dumps(payload)


@dataclass
class Script:
    """Page ``n`` is ``replies[(n-1) % len]`` when ``cycle``, else the last reply repeats."""

    replies: list[Reply]
    cycle: bool = False
    requests: list[int] = field(default_factory=list)

    def reply(self, page: int) -> Reply:
        n = len(self.replies)
        return self.replies[(page - 1) % n if self.cycle else min(page - 1, n - 1)]

    def distinct(self) -> set[str]:
        return {i for r in self.replies for i in r.ids}


# Weighted towards what keeps a naive walk going: rows on most pages, hasNextPage mostly
# true, totals that differ (drift) and pages far past them.
_rows = st.lists(st.sampled_from(UNIVERSE), min_size=1, max_size=LIMIT + 2).map(tuple)
replies = st.builds(
    Reply,
    ids=st.one_of(_rows, _rows, _rows, _rows, st.just(())),
    total=st.none() | st.integers(0, 250),
    total_pages=st.none() | st.integers(0, 50),
    has_next=st.sampled_from([True, True, True, None, False]),
    present=st.sampled_from([True, True, True, False]),
)
scripts = st.builds(
    Script,
    replies=st.lists(replies, min_size=1, max_size=12),
    cycle=st.sampled_from([True, True, False]),
)


@st.composite
def stable_lists(draw: st.DrawFn) -> tuple[list[str], Script]:
    """An honest server over a list that does not change: each page as the docs say."""
    size = draw(st.integers(0, len(UNIVERSE)))
    rows = draw(st.permutations(UNIVERSE))[:size]
    pages = max(1, -(-size // LIMIT))
    out = [
        Reply(
            tuple(rows[(p - 1) * LIMIT : p * LIMIT]),
            total=size,
            total_pages=-(-size // LIMIT),
            has_next=p < -(-size // LIMIT),
        )
        for p in range(1, pages + 2)
    ]
    return rows, Script(out)


Answerer = Callable[[int, int], bytes]


@asynccontextmanager
async def scripted_server(answer: Answerer) -> AsyncIterator[str]:
    """Serve ``answer(page, request_index)`` bodies on 127.0.0.1; yields the base URL."""
    count = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal count
        page = int(request.query.get("page", "1"))
        limit = int(request.query.get("limit", "10"))
        count += 1
        if count > REQUEST_CAP:
            body = Reply((), 0, 0, False).body(page, limit)
        else:
            body = answer(page, count)
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}/external/v1"
    finally:
        await runner.cleanup()


def script_answerer(script: Script, limit: int = LIMIT) -> Answerer:
    def answer(page: int, _count: int) -> bytes:
        script.requests.append(page)
        return script.reply(page).body(page, limit)

    return answer


def walk_bound(distinct: int, in_flight: int = 8) -> int:
    """Requests a walk may take: 3 pages per new id (and as many re-reads), plus in flight."""
    return 2 * 3 * (distinct + 1) + in_flight + 2
