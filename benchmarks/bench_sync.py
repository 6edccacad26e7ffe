"""The blocking client's walk against the async client's, on the same server, in one run.

    python benchmarks/bench_sync.py            # 20,000 customers, 5 rounds
    python benchmarks/bench_sync.py --quick    # 2,000 customers, 1 round

The pre-rendered server of ``benchmarks/_server.py`` runs in its own process (no latency:
this measures the SDK's own cost). Each round walks every customer with
``customers.list(limit=100)`` three ways: ``async for`` on ``Skiplino`` (the baseline),
``for`` on ``SyncSkiplino`` (each item handed from the client's loop thread to the caller),
and ``for page in ...pages()`` on ``SyncSkiplino`` (one hand-over per page). Medians and
their ratios to the baseline are printed. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_export import static_server  # noqa: E402

from skiplino_async import Skiplino, SyncSkiplino  # noqa: E402


async def async_items(url: str, key: str) -> int:
    async with Skiplino(api_key=key, base_url=url) as client:
        return sum([1 async for _ in client.customers.list(limit=100)])


def sync_items(url: str, key: str) -> int:
    with SyncSkiplino(api_key=key, base_url=url) as client:
        return sum(1 for _ in client.customers.list(limit=100))


def sync_pages(url: str, key: str) -> int:
    with SyncSkiplino(api_key=key, base_url=url) as client:
        return sum(len(page) for page in client.customers.list(limit=100).pages())


WALKS: dict[str, Callable[[str, str], int]] = {
    "async for (baseline)": lambda url, key: asyncio.run(async_items(url, key)),
    "SyncSkiplino, for item": sync_items,
    "SyncSkiplino, for page in .pages()": sync_pages,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small run (no figure to keep)")
    args = parser.parse_args()
    customers, rounds = (2_000, 1) if args.quick else (20_000, 5)
    samples: dict[str, list[float]] = {name: [] for name in WALKS}
    with static_server(customers, 0.0) as (url, key):
        for walk in WALKS.values():  # warm-up: imports, first connections
            walk(url, key)
        for _ in range(rounds):
            for name, walk in WALKS.items():
                started = time.perf_counter()
                count = walk(url, key)
                samples[name].append(time.perf_counter() - started)
                if count != customers:
                    raise RuntimeError(f"{name}: walked {count} customers, not {customers}")
    base = statistics.median(samples["async for (baseline)"])
    print(f"{customers:,} customers, limit=100, median of {rounds} round(s)\n")
    print("| walk | seconds | vs async |\n|---|---|---|")
    for name, times in samples.items():
        median = statistics.median(times)
        print(f"| {name} | {median:.3f} | {median / base:.2f}x |")


if __name__ == "__main__":
    main()
