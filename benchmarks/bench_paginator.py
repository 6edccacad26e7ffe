"""CPU of the paginator itself per 100-row page, against a bare async generator.

    python benchmarks/bench_paginator.py [--pages N] [--profile]

Pages are built once in memory and handed out by a fetch that does no I/O, so what is timed
is the walk: the decision, the id window, checkpoint bookkeeping and handing out each item,
with ``async for`` over the items (the export's ``.pages()`` walk is timed too). The floor
is a bare async generator yielding the same items. ``--profile`` prints where the time goes
(cProfile, sorted by own time); ``--memory`` the peak memory (tracemalloc) of walks of 100,
1,000 and 10,000 pages built on demand: it must not grow with the pages.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import operator
import pstats
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skiplino_async import AsyncPaginator, Page, Pagination

LIMIT = 100


class Row:
    __slots__ = ("id",)

    def __init__(self, id: str) -> None:
        self.id = id


def build(pages: int) -> list[Page[Row]]:
    total = pages * LIMIT
    return [
        Page(
            [Row(f"{p:06d}{i:026d}") for i in range(LIMIT)],
            Pagination(total, p, LIMIT, pages, p < pages, p > 1),
        )
        for p in range(1, pages + 1)
    ]


#: A C-level getter, as the resources use (a Python function would cost a frame per row).
key: Callable[[Row], str] = operator.attrgetter("id")


async def walk(pages: list[Page[Row]], prefetch: int | None, by_page: bool = False) -> int:
    """Walk the in-memory pages item by item (or with ``.pages()``); the items seen."""

    async def fetch(number: int, limit: int) -> Page[Row]:
        return pages[number - 1]

    options: dict[str, Any] = {} if prefetch is None else {"prefetch": prefetch}
    paginator = AsyncPaginator(fetch, page=1, limit=LIMIT, key=key, **options)
    count = 0
    if by_page:
        async for page in paginator.pages():
            count += len(page.items)
    else:
        async for _ in paginator:
            count += 1
    return count


async def bare(pages: list[Page[Row]]) -> int:
    async def gen() -> AsyncIterator[Row]:
        for page in pages:
            await asyncio.sleep(0)  # one loop turn per page, as a fetch would cost
            for row in page.items:
                yield row

    count = 0
    async for _ in gen():
        count += 1
    return count


def per_page(coro_factory: Any, pages: list[Page[Row]], rounds: int = 9) -> float:
    # CPU time of this process, best of several runs: other load on the machine moves
    # wall-clock figures by a fifth.
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        asyncio.run(coro_factory())
        best = min(best, time.process_time() - started)
    return best / len(pages) * 1e6


async def peak_during_walk(count: int) -> int:
    """Peak bytes allocated while walking ``count`` pages built on demand (one at a time)."""

    async def fetch(number: int, limit: int) -> Page[Row]:
        return Page(
            [Row(f"{number:07d}{i:025d}") for i in range(LIMIT)],
            Pagination(count * LIMIT, number, LIMIT, count, number < count, number > 1),
        )

    paginator = AsyncPaginator(fetch, page=1, limit=LIMIT, key=key)
    tracemalloc.start()
    async for _ in paginator:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=2_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--memory", action="store_true", help="peak memory vs pages walked")
    args = parser.parse_args()
    if args.memory:
        print("| pages walked | peak traced KiB |")
        print("|---|---|")
        for count in (100, 1_000, 10_000):
            print(f"| {count:,} | {asyncio.run(peak_during_walk(count)) / 1024:.0f} |")
        return
    pages = build(args.pages)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(walk(pages, 1))
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(14)
        return
    print(f"{args.pages:,} pages of {LIMIT} rows, CPU µs per page (best of 9)")
    print("| walk | µs/page |")
    print("|---|---|")
    print(f"| bare async generator | {per_page(lambda: bare(pages), pages):.1f} |")
    for prefetch in (1, None):
        label = "default" if prefetch is None else f"prefetch={prefetch}"
        items = per_page(lambda p=prefetch: walk(pages, p), pages)
        whole = per_page(lambda p=prefetch: walk(pages, p, by_page=True), pages)
        print(f"| paginator, items, {label} | {items:.1f} |")
        print(f"| paginator, .pages(), {label} | {whole:.1f} |")


if __name__ == "__main__":
    main()
