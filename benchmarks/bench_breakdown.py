"""Where the SDK's CPU per 100-row page goes, layer by layer, against the floor doing the same.

    python benchmarks/bench_breakdown.py [--pages N] [--rounds R]

Against the benchmark server (``_server.py``, 0 ms latency, its own process), so CPU time
per page is the client's own; the first three layers send one request at a time. Each
layer adds one step to the one before, for the floor (raw aiohttp + orjson + hand-built
models) and for the SDK, and the table gives what the SDK spends more at each step:

1. ``exchange``: the request built and sent, the body read (the SDK also checks its size and
   scrubs the key out of it);
2. ``+ JSON``: the body parsed (the SDK: its call state machine, status handling and envelope);
3. ``+ models``: one page of customers built (the SDK: structured and checked, the page object);
4. ``walk``: every page walked item by item with two page requests in flight
   (``prefetch=2`` against the floor keeping two in flight): adds the paginator.

The SDK layers are reached through private parts (``Backend.exchange``,
``Resource._page``) on purpose: this script measures the layers themselves. Rounds are
interleaved and the best of them is reported, because other load moves single figures.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from clients.floor import FloorClient, floor_with  # noqa: E402
from clients.sdk import SdkClient  # noqa: E402
from run import Server  # noqa: E402

from skiplino_async import Customer, Skiplino  # noqa: E402
from skiplino_async._request import Request  # noqa: E402

LIMIT = 100
#: Page requests in flight in the walk layer, for both (the same strategy).
WALK_PREFETCH = 2
Layer = Callable[[int], Awaitable[Any]]


def _sdk_layers(client: Skiplino) -> dict[str, Layer]:
    transport = client._transport
    settings = client._resolve({})
    timeout = aiohttp.ClientTimeout(total=60, sock_connect=10)
    resource = client.customers
    rows: Any = list[Customer]

    def request(page: int) -> Request:
        return Request("GET", "/customers/getAll", params={"page": page, "limit": LIMIT})

    async def exchange(page: int) -> Any:
        session = transport.backend.session()
        return await transport.backend.exchange(
            session, transport.wire(request(page), settings), timeout
        )

    return {
        "exchange": exchange,
        "+ JSON": lambda page: transport.send(request(page), settings),
        "+ models": lambda page: resource._page(request(page), rows, settings),
    }


def _floor_layers(floor: FloorClient) -> dict[str, Layer]:
    url = floor._all_url

    def params(page: int) -> dict[str, int]:
        return {"page": page, "limit": LIMIT}

    return {
        "exchange": lambda page: floor._read(url, params(page)),
        "+ JSON": lambda page: floor._get(url, params(page)),
        "+ models": floor._page,
    }


async def _cpu_per_page(fn: Layer, pages: int, total_pages: int) -> float:
    started = time.process_time()
    for i in range(pages):
        await fn(i % total_pages + 1)
    return (time.process_time() - started) / pages * 1e6


async def _walk_cpu(client: Any, total_pages: int) -> float:
    started = time.process_time()
    count = 0
    async for _ in client.customers():
        count += 1
    if count != total_pages * LIMIT:
        raise AssertionError(f"walked {count} customers, not {total_pages * LIMIT}")
    return (time.process_time() - started) / total_pages * 1e6


async def measure(url: str, pages: int, rounds: int, total_pages: int) -> dict[str, list[float]]:
    floor = floor_with(WALK_PREFETCH)(url, connection_limit=100)
    sdk = SdkClient(url, connection_limit=100)
    sdk.prefetch = WALK_PREFETCH
    await floor.open(retries=False)
    await sdk.open(retries=False)
    try:
        assert sdk._client is not None
        layers = {"floor": _floor_layers(floor), "sdk": _sdk_layers(sdk._client)}
        best: dict[str, list[float]] = {}
        for round_ in range(rounds + 1):  # the first round warms up and is not counted
            for who, steps in layers.items():
                figures = [await _cpu_per_page(fn, pages, total_pages) for fn in steps.values()]
                figures.append(await _walk_cpu(floor if who == "floor" else sdk, total_pages))
                if round_:
                    old = best.get(who, figures)
                    best[who] = [min(a, b) for a, b in zip(old, figures, strict=True)]
        return best
    finally:
        await floor.close()
        await sdk.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=500, help="requests timed per layer")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--customers", type=int, default=50_000, help="walked in the last layer")
    args = parser.parse_args()
    total_pages = -(-args.customers // LIMIT)
    server = Server(args.customers, (0.0,))
    try:
        best = asyncio.run(measure(server.url(0.0), args.pages, args.rounds, total_pages))
    finally:
        server.close()
    names = ["exchange", "+ JSON", "+ models", f"walk ({WALK_PREFETCH} requests in flight)"]
    print(f"CPU µs per {LIMIT}-row page at 0 ms latency, best of {args.rounds} rounds")
    print("| layer | floor | SDK | SDK - floor | of which this layer |")
    print("|---|---:|---:|---:|---:|")
    previous = 0.0
    for name, f, s in zip(names, best["floor"], best["sdk"], strict=True):
        gap = s - f
        print(f"| {name} | {f:.0f} | {s:.0f} | {gap:+.0f} | {gap - previous:+.0f} |")
        previous = gap


if __name__ == "__main__":
    main()
