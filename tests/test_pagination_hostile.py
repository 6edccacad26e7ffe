"""Servers that do not paginate, over TCP: every walk ends and never yields an id twice.

Each case seen against an earlier version (``?page=`` ignored, pages cycling, ``limit``
ignored, ``hasNextPage`` contradicting ``totalPages``, ``pagination`` missing) is walked in
every mode: items, pages, ``prefetch=8`` and a resumed walk. Then hypothesis throws arbitrary
page sequences at a real walk. Servers are raw aiohttp.web apps on 127.0.0.1 with a request
cap, so a paginator that fails to stop fails the assertions instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from typing import Any

import pytest
from _page_scripts import (
    LIMIT,
    REQUEST_CAP,
    Reply,
    Script,
    scripted_server,
    scripts,
    stable_lists,
    walk_bound,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skiplino_async import Page, PaginationError, RetryPolicy, Skiplino, SkiplinoError

FAST = RetryPolicy(initial_delay=0.001, max_delay=0.01)
MODES = ["items", "pages", "prefetch8", "resume"]


def ids_of(n: int, prefix: str) -> list[str]:
    return [f"{prefix}{i:04d}".ljust(32, "0") for i in range(n)]


async def walk(url: str, mode: str, limit: int) -> tuple[list[str], BaseException | None]:
    """Walk the list at ``url`` in ``mode``; the ids yielded (in order) and how it ended."""
    got: list[str] = []
    async with Skiplino(
        api_key="sk_test_hostile", base_url=url, retry_policy=FAST, max_retries=0
    ) as client:

        async def run(paginator: Any, stop_after: int | None = None) -> BaseException | None:
            try:
                if mode == "pages":
                    async for page in paginator.pages():
                        assert isinstance(page, Page)
                        got.extend(c.id for c in page)
                    return None
                async for customer in paginator:
                    got.append(customer.id)
                    if stop_after is not None and len(got) >= stop_after:
                        return None
            except SkiplinoError as exc:
                return exc
            return None

        if mode != "resume":
            options: dict[str, Any] = {"prefetch": 8} if mode == "prefetch8" else {}
            return got, await run(client.customers.list(limit=limit, **options))
        first = client.customers.list(limit=limit)
        error = await run(first, stop_after=7)
        checkpoint = error.checkpoint if isinstance(error, SkiplinoError) else None
        saved = json.loads(json.dumps(checkpoint or first.checkpoint()))
        return got, await run(client.customers.list(resume_from=saved))


def run_case(
    answer: Callable[[int, int], bytes], mode: str, limit: int = 10
) -> tuple[list[str], BaseException | None, int]:
    requests = 0

    def counted(page: int, count: int) -> bytes:
        nonlocal requests
        requests = count
        return answer(page, count)

    async def main() -> tuple[list[str], BaseException | None]:
        async with scripted_server(counted) as url:
            return await walk(url, mode, limit)

    got, error = asyncio.run(main())
    return got, error, requests


def assert_clean(got: list[str], error: BaseException | None, kind: str | None) -> None:
    assert len(got) == len(set(got)), f"{len(got) - len(set(got))} ids yielded twice"
    if kind is None:
        assert error is None
    else:
        assert isinstance(error, PaginationError), error
        assert error.kind == kind
        assert isinstance(error.checkpoint, dict)


# --- the cases seen ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_server_ignoring_page_ends_with_stale(mode: str) -> None:
    rows = ids_of(10, "pg")

    def answer(page: int, count: int) -> bytes:
        total = 30 + count % 2  # the total flaps 30/31
        return Reply(tuple(rows), total, 4, True).body(page, 10)

    got, error, requests = run_case(answer, mode)
    assert_clean(got, error, "stale")
    assert sorted(got) == sorted(rows)
    assert requests <= 2 * 10 + 8  # not 300


@pytest.mark.parametrize("mode", MODES)
def test_a_server_cycling_shuffled_pages_yields_each_row_once(mode: str) -> None:
    pages = [ids_of(10, f"c{k:02d}") for k in range(20)]
    order = list(range(20))
    random.Random(3).shuffle(order)
    shuffle = random.Random(5)

    def answer(page: int, count: int) -> bytes:
        rows = list(pages[order[(page - 1) % 20]])
        shuffle.shuffle(rows)
        return Reply(tuple(rows), 200, 20, True).body(page, 10)

    got, error, requests = run_case(answer, mode)
    assert_clean(got, error, "past_end")
    assert sorted(got) == sorted(i for p in pages for i in p)  # 200, not 30,000
    assert requests <= 21 + 8 + 2


@pytest.mark.parametrize("mode", MODES)
def test_a_server_ignoring_limit_is_refused(mode: str) -> None:
    rows = tuple(ids_of(1000, "lim"))

    def answer(page: int, count: int) -> bytes:
        return Reply(rows, 1000, 100, True).body(page, 10)

    got, error, requests = run_case(answer, mode)
    assert_clean(got, error, "over_limit")
    assert got == []  # nothing of a refused page is yielded (not 57,950 duplicates)
    assert requests <= 2 * (1 + 8)
    assert isinstance(error, PaginationError)
    assert "1000 rows for limit=10" in str(error)


@pytest.mark.parametrize("mode", MODES)
def test_has_next_page_contradicting_total_pages_ends_at_the_end(mode: str) -> None:
    def answer(page: int, count: int) -> bytes:
        # Fresh rows for every page, forever, while each answer says there are 3 pages.
        return Reply(tuple(ids_of(10, f"x{page:03d}")), 30, 3, True).body(page, 10)

    got, error, requests = run_case(answer, mode)
    assert_clean(got, error, "past_end")
    assert sorted(got) == sorted(i for p in (1, 2, 3) for i in ids_of(10, f"x{p:03d}"))
    assert requests <= 2 * (4 + 8)


@pytest.mark.parametrize("mode", MODES)
def test_missing_pagination_with_full_pages_repeating_ends(mode: str) -> None:
    cycle = [ids_of(10, f"m{k}") for k in range(5)]

    def answer(page: int, count: int) -> bytes:
        return Reply(tuple(cycle[(page - 1) % 5]), present=False).body(page, 10)

    got, error, requests = run_case(answer, mode)
    assert_clean(got, error, "stale")
    assert sorted(got) == sorted(i for p in cycle for i in p)
    assert requests <= 2 * (8 + 8)


@pytest.mark.parametrize("mode", MODES)
def test_missing_pagination_and_new_rows_forever_stop_within_the_window(mode: str) -> None:
    def answer(page: int, count: int) -> bytes:
        return Reply(tuple(ids_of(10, f"n{page:05d}")), present=False).body(page, 10)

    got, error, requests = run_case(answer, mode)
    assert_clean(got, error, "no_end")
    # The walk stops before it could no longer recognise a row coming back.
    assert 0 < len(got) < 1000
    assert requests < REQUEST_CAP


# --- any page sequence ------------------------------------------------------------------------


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(script=scripts, mode=st.sampled_from(MODES))
def test_any_page_sequence_ends_without_repeating_an_id(script: Script, mode: str) -> None:
    def answer(page: int, count: int) -> bytes:
        return script.reply(page).body(page, LIMIT)

    got, error, requests = run_case(answer, mode, limit=LIMIT)
    assert len(got) == len(set(got))
    assert set(got) <= script.distinct()
    assert error is None or isinstance(error, PaginationError), error
    # Two walks in resume mode.
    assert requests <= (2 if mode == "resume" else 1) * walk_bound(len(script.distinct()))


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(case=stable_lists(), mode=st.sampled_from(MODES))
def test_a_stable_list_yields_every_id_exactly_once_in_order(
    case: tuple[list[str], Script], mode: str
) -> None:
    rows, script = case

    def answer(page: int, count: int) -> bytes:
        return script.reply(page).body(page, LIMIT)

    got, error, _ = run_case(answer, mode, limit=LIMIT)
    assert error is None
    assert got == rows


def test_the_errors_of_a_walk_survive_pickling() -> None:
    import pickle

    from skiplino_async import DriftError, DriftEvent
    from skiplino_async.pagination import InvalidCheckpointError

    def answer(page: int, count: int) -> bytes:
        return Reply(tuple(ids_of(10, "pk")), 300, 30, True).body(page, 10)

    _, error, _ = run_case(answer, "items")
    assert isinstance(error, PaginationError)
    back = pickle.loads(pickle.dumps(error))
    assert (type(back), str(back), back.kind, back.page) == (
        PaginationError,
        str(error),
        "stale",
        error.page,
    )
    assert back.checkpoint == error.checkpoint
    drift = DriftError(DriftEvent(3, 10, 12), {"done": False})
    again = pickle.loads(pickle.dumps(drift))
    assert (str(again), again.event, again.checkpoint) == (str(drift), drift.event, {"done": False})
    invalid = pickle.loads(pickle.dumps(InvalidCheckpointError("offset", "'offset' is bad")))
    assert (invalid.field, str(invalid)) == ("offset", "invalid checkpoint: 'offset' is bad")
