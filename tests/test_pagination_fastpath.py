"""The walk's fast path for pages of new ids gives exactly what the general path gives.

A page whose ids are all distinct and new to the window is claimed in two set operations
(``IdWindow.claim``) instead of being looked up id by id. Hypothesis throws page sequences
full of repeats, within and across pages, at in-memory walks twice, once with the fast path
and once with it switched off, and compares everything a caller can see: the items in
order, the live ``stats`` at every item, a checkpoint at every item, how the walk ended,
and a walk resumed from a checkpoint taken mid-way.
"""

from __future__ import annotations

import asyncio
import json
import operator
from typing import Any
from unittest import mock

from _page_scripts import LIMIT, Reply, Script, scripts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skiplino_async import AsyncPaginator, Page, Pagination, PaginationError
from skiplino_async.pagination._window import IdWindow


class Row:
    __slots__ = ("id",)

    def __init__(self, id: str) -> None:
        self.id = id


def page_of(reply: Reply, number: int) -> Page[Row]:
    rows = [Row(i) for i in reply.ids]
    if not reply.present:
        return Page(rows, Pagination())
    return Page(
        rows, Pagination(reply.total, number, LIMIT, reply.total_pages, reply.has_next, None)
    )


def stats_of(paginator: AsyncPaginator[Any]) -> dict[str, Any]:
    return {k: v for k, v in paginator.stats.as_dict().items() if k != "elapsed"}


async def walk(
    script: Script, mode: str, prefetch: int | None, max_items: int | None, cut: int
) -> list[Any]:
    """Everything observable of a walk, then of a walk resumed from a checkpoint at ``cut``."""

    async def fetch(number: int, limit: int) -> Page[Row]:
        await asyncio.sleep(0)
        return page_of(script.reply(number), number)

    seen: list[Any] = []
    resume: dict[str, Any] | None = None
    for _ in range(2):
        paginator = AsyncPaginator(
            fetch,
            page=1,
            limit=LIMIT,
            key=operator.attrgetter("id"),
            operation="rows.list",
            prefetch=prefetch,
            max_items=max_items,
            resume_from=resume,
        )
        got = 0
        try:
            if mode == "pages":
                async for page in paginator.pages():
                    got += len(page.items)
                    seen.append(([r.id for r in page.items], stats_of(paginator)))
                    seen.append(paginator.checkpoint())
            else:
                async for row in paginator:
                    got += 1
                    stats = stats_of(paginator)
                    # The live count is exact while the caller holds an item.
                    assert stats["items_yielded"] == stats["items_resumed"] + got
                    seen.append((row.id, stats, paginator.checkpoint()))
                    if resume is None and got == cut:
                        resume = json.loads(json.dumps(paginator.checkpoint()))
                        break
        except PaginationError as exc:
            seen.append((exc.kind, exc.page, exc.checkpoint))
        seen.append(("end", stats_of(paginator), paginator.checkpoint()))
        if resume is None:
            break
    return seen


def general_path(self: IdWindow, ids: list[Any]) -> bool:
    return False


def both(script: Script, mode: str, prefetch: int | None, max_items: int | None, cut: int) -> None:
    fast = asyncio.run(walk(script, mode, prefetch, max_items, cut))
    with mock.patch.object(IdWindow, "claim", general_path):
        general = asyncio.run(walk(script, mode, prefetch, max_items, cut))
    assert fast == general


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    script=scripts,
    mode=st.sampled_from(["items", "pages"]),
    prefetch=st.sampled_from([1, 3, None]),
    max_items=st.none() | st.integers(0, 20),
    cut=st.integers(1, 12),
)
def test_the_fast_path_is_the_general_path(
    script: Script, mode: str, prefetch: int | None, max_items: int | None, cut: int
) -> None:
    both(script, mode, prefetch, max_items, cut)


def test_a_page_repeating_an_id_of_its_own_or_of_the_window_is_not_claimed() -> None:
    window = IdWindow(10)
    assert window.claim(["a", "b"])
    window.add(["a", "b"])
    assert not window.claim(["c", "c"])
    assert not window.claim(["d", "a"])
    assert window.ids == {"a", "b"}
    assert window.claim(["c", "d", "e"])
    assert window.recent() == ["a", "b"]  # claimed ids count once their rows go out
    window.add(["d", "e"])  # only part of the page went out
    assert window.ids == {"a", "b", "d", "e"}
    assert window.recent() == ["a", "b", "d", "e"]
    assert window.claim(["f"])
    window.release()
    assert window.ids == {"a", "b", "d", "e"}
    # A refused claim leaves the window as it was, a claim still pending included.
    assert window.claim(["g", "h"])
    assert not window.claim(["i", "a", "g"])
    assert window.ids == {"a", "b", "d", "e", "g", "h"}
    window.add(["g", "h"])
    assert window.recent() == ["a", "b", "d", "e", "g", "h"]


class Shifting(Script):
    """Page 1 loses its first row after the first read: one row slides back onto it."""

    def reply(self, page: int) -> Reply:
        self.requests.append(page)
        if page == 1 and self.requests.count(1) > 1:
            return Reply(tuple(IDS[1:6]), 14, 3, True)
        return super().reply(page)


IDS = [f"{n:032x}" for n in range(20)]


def test_rows_sliding_back_are_recovered_alike() -> None:
    replies = [
        Reply(tuple(IDS[0:5]), 15, 3, True),
        Reply(tuple(IDS[6:11]), 14, 3, True),
        Reply(tuple(IDS[11:14]), 14, 3, False),
    ]
    for mode in ("items", "pages"):
        for prefetch in (1, None):
            script = Shifting(replies)
            fast = asyncio.run(walk(script, mode, prefetch, None, 99))
            if mode == "items":
                # The row that slid back goes out once, before the page it slid from.
                handed = [x[0] for x in fast if x[0] in IDS]
                assert handed == IDS[0:11] + IDS[11:14]
            with mock.patch.object(IdWindow, "claim", general_path):
                general = asyncio.run(walk(Shifting(replies), mode, prefetch, None, 99))
            assert fast == general


def test_the_fast_path_handles_the_sequences_that_matter() -> None:
    ids = [f"{n:032x}" for n in range(20)]
    cases = [
        # An insertion pushing the last row of page 1 onto page 2, then a clean page.
        [Reply(tuple(ids[0:5]), 16, 4, True), Reply(tuple(ids[4:9]), 17, 4, True)],
        # A repeat within a page, then a page of only repeats.
        [Reply((ids[0], ids[0], ids[1]), 9, 2, True), Reply((ids[1], ids[0]), 9, 2, False)],
        # A total that falls: the previous page is read again.
        [Reply(tuple(ids[0:5]), 15, 3, True), Reply(tuple(ids[6:11]), 14, 3, True)],
    ]
    for replies in cases:
        for mode in ("items", "pages"):
            for prefetch in (1, None):
                for max_items in (None, 3, 7):
                    both(Script(replies), mode, prefetch, max_items, 2)
