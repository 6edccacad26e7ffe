"""Fetch one customer: ``GET /customers/getOne`` at concurrency 1, 8 and 32."""

from __future__ import annotations

import asyncio
from typing import Any

from _harness import (
    EXPORT_ONLY,
    Bench,
    Samples,
    check_same,
    rotated,
    time_async,
)
from clients import BenchClient

from figures._format import x


async def fetch(bench: Bench) -> dict[int, Samples]:
    """``GET /customers/getOne`` at concurrency 1, 8 and 32; retries off."""
    cfg = bench.cfg
    clients = bench.clients(figure="fetch", skip=EXPORT_ONLY)
    out: dict[int, Samples] = {}
    await bench.opened(clients, retries=False)
    try:
        got = {c.name: [c.canon(await c.get_customer(i)) for i in bench.ids[:5]] for c in clients}
        check_same("fetch", got)
        ids = bench.ids
        for concurrency in (1, 8, 32):
            samples = out[concurrency] = Samples("s/request")
            n = cfg.fetch_requests

            async def run(client: BenchClient, n: int = n, c: int = concurrency) -> None:
                async def worker(w: int) -> None:
                    for i in range(w, n, c):
                        await client.get_customer(ids[i % len(ids)])

                await asyncio.gather(*(worker(w) for w in range(c)))

            warm = concurrency if cfg.quick else max(concurrency * 4, 32)
            for client in clients:  # warm-up: open `concurrency` connections
                await run(client, warm)
            for r in range(cfg.repeats):
                for client in rotated(clients, r):
                    wall, cpu = await time_async(lambda cl=client: run(cl))
                    samples.add(client.name, wall / n, cpu / n)
    finally:
        await bench.closed(clients)
    return out


def table(res: dict[str, Any]) -> list[str]:
    """The fetch table."""
    lines: list[str] = []
    out = lines.append
    if "fetch" in res:
        fetch: dict[int, Samples] = res["fetch"]
        levels = list(fetch)
        out("### Fetch one customer: requests/s, retries off\n")
        out("| client | " + " | ".join(f"c={c} | vs floor" for c in levels) + " |")
        out("|---|" + "---:|---:|" * len(levels))
        for name in fetch[levels[0]].values:
            cells = [
                f"{1 / fetch[c].best(name):,.0f} | {x(fetch[c].speed_ratio(name))}" for c in levels
            ]
            out(f"| {name} | " + " | ".join(cells) + " |")
        out("")
    return lines
