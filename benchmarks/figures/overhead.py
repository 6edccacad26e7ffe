"""Per-request overhead: ``GET /branches``, one request at a time."""

from __future__ import annotations

from typing import Any

from _harness import (
    EXPORT_ONLY,
    SDK,
    Bench,
    Samples,
    check_same,
    rotated,
    time_async,
)
from clients import BenchClient, canon_branch

from figures._format import x


async def overhead(bench: Bench) -> Samples:
    """``GET /branches`` (one small object), one request at a time, SDK defaults."""
    cfg = bench.cfg
    clients = bench.clients(figure="overhead", skip=EXPORT_ONLY)
    samples = Samples("s/request")
    await bench.opened(clients, retries=True)
    try:
        got = {c.name: [canon_branch(b) for b in await c.branches()] for c in clients}
        check_same("overhead", got)
        for client in clients:  # warm-up: connections, caches, specialisation
            for _ in range(max(10, cfg.overhead_requests // 10)):
                await client.branches()
        for r in range(cfg.repeats):
            for client in rotated(clients, r):

                async def loop(client: BenchClient = client) -> None:
                    for _ in range(cfg.overhead_requests):
                        await client.branches()

                wall, cpu = await time_async(loop)
                n = cfg.overhead_requests
                samples.add(client.name, wall / n, cpu / n)
    finally:
        await bench.closed(clients)
    return samples


def table(res: dict[str, Any], targets: dict[str, float]) -> list[str]:
    """The overhead table; its targets go in ``targets``."""
    lines: list[str] = []
    out = lines.append
    if "overhead" in res:
        s: Samples = res["overhead"]
        out("### Per-request overhead: GET /branches (136-byte body), concurrency 1\n")
        out("| client | µs/request | cost vs floor | CPU cost vs floor |")
        out("|---|---:|---:|---:|")
        for name in s.values:
            out(
                f"| {name} | {s.best(name) * 1e6:.1f} | {x(s.cost_ratio(name))} "
                f"| {x(s.cost_ratio(name, cpu=True))} |"
            )
        out("")
        targets["sdk_overhead_vs_floor"] = s.cost_ratio(SDK)
        targets["sdk_overhead_cpu_vs_floor"] = s.cost_ratio(SDK, cpu=True)
    return lines
