"""Default pagination vs a sequential walk at 20 ms latency (the adaptive prefetch figure).

    python benchmarks/bench_latency.py            # 20,000 customers, 5 rounds
    python benchmarks/bench_latency.py --quick    # 3,000 customers, 1 round

The pre-rendered server of ``benchmarks/_server.py`` runs in its own process and adds 20 ms
before every answer, like a remote API. This process walks every customer with
``customers.list(limit=100)`` twice per round: with the default arguments (adaptive
prefetch) and with ``prefetch=1`` (one request at a time). Rounds alternate the two; the
medians and their ratio are printed (target: the default at least 3.5x the sequential
walk). Not a test: nothing is asserted, the figure is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_export import LATENCY, static_server  # noqa: E402

from skiplino_async import Skiplino  # noqa: E402

TARGET = 3.5


async def walk(url: str, key: str, options: dict[str, Any]) -> tuple[float, int, int]:
    """Seconds to walk every customer; the count and the most requests in flight."""
    async with Skiplino(api_key=key, base_url=url) as client:
        started = time.perf_counter()
        paginator = client.customers.list(limit=100, **options)
        count = 0
        async for _ in paginator:
            count += 1
        return time.perf_counter() - started, count, paginator.max_in_flight


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="small run (no figure to keep)")
    args = parser.parse_args()
    customers, rounds = (3_000, 1) if args.quick else (20_000, 5)
    runs: dict[str, dict[str, Any]] = {"default": {}, "sequential": {"prefetch": 1}}
    samples: dict[str, list[float]] = {name: [] for name in runs}
    widest: dict[str, int] = {}
    with static_server(customers, LATENCY) as (url, key):
        asyncio.run(walk(url, key, {}))  # warm-up: imports, first connection
        for _ in range(rounds):
            for name, options in runs.items():
                elapsed, count, most = asyncio.run(walk(url, key, options))
                if count != customers:
                    raise RuntimeError(f"walked {count} customers, expected {customers}")
                samples[name].append(elapsed)
                widest[name] = most
    default = statistics.median(samples["default"])
    sequential = statistics.median(samples["sequential"])
    print(f"{customers:,} customers, limit 100, {LATENCY * 1000:.0f} ms latency, {rounds} rounds")
    print("| walk | median s | most in flight |")
    print("|---|---|---|")
    print(f"| default (adaptive) | {default:.3f} | {widest['default']} |")
    print(f"| prefetch=1 | {sequential:.3f} | {widest['sequential']} |")
    ratio = sequential / default
    verdict = "meets" if ratio >= TARGET else "misses"
    print(f"default vs sequential: {ratio:.2f}x ({verdict} the {TARGET}x target)")


if __name__ == "__main__":
    main()
