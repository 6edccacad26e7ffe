"""Export every customer at 0 ms and 20 ms latency, against the floor of the same strategy."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import orjson
from _harness import (
    FLOOR,
    ORJSON,
    REFERENCE,
    SDK,
    SDK_TUNED,
    Bench,
    Config,
    RawTransportClient,
    Samples,
    check_same,
    rotated,
    time_async,
)
from _payloads import PAGE_LIMIT
from clients import BenchClient
from clients.floor import floor_with

from figures._format import span, x


async def _page_requests(bench: Bench, session: Any) -> int:
    async with session.get(bench.server.url(0.0) + "/_stats") as resp:
        stats: dict[str, int] = await resp.json()
    return stats["pages"]


async def pages_ahead(bench: Bench, client: BenchClient, session: Any) -> int:
    """How many page requests ``client`` has sent beyond the page it is handing out,
    at most, over the first ``probe_pages`` pages of a walk (0: strictly sequential)."""
    start = await _page_requests(bench, session)
    ahead = seen = 0
    walk = client.customers()
    try:
        async for _customer in walk:
            if seen % PAGE_LIMIT == 0:
                page = seen // PAGE_LIMIT + 1
                await asyncio.sleep(0.01)  # whatever was requested has arrived by now
                ahead = max(ahead, await _page_requests(bench, session) - start - page)
                if page >= bench.cfg.probe_pages:
                    break
            seen += 1
    finally:
        await walk.aclose()  # type: ignore[attr-defined]
    return ahead


async def _same_strategy_floors(bench: Bench, clients: list[BenchClient], latency: float) -> None:
    """Measure each client's strategy (once, at 0 ms) and add the floors it needs."""
    import aiohttp

    if not bench.ahead:
        async with aiohttp.ClientSession() as session:
            for client in clients:
                bench.ahead[client.name] = await pages_ahead(bench, client, session)
    present = {c.name for c in clients}
    for name in list(bench.ahead):
        floor = floor_with(bench.ahead[name])
        bench.same_floor[name] = floor.name
        if floor.name not in present:
            extra = floor(bench.server.url(latency), connection_limit=bench.cfg.connection_limit)
            await extra.open(retries=False)
            clients.append(extra)
            present.add(floor.name)
            bench.ahead.setdefault(floor.name, floor.pages_in_flight)


async def export(bench: Bench, latency: float) -> Samples:
    """Every customer, ``limit=100`` pages; retries off.

    With latency the walks are waiting, not computing, so all clients walk at the same
    time (each on its own connections) to keep the run short.
    """
    cfg = bench.cfg
    clients = bench.clients(latency)
    samples = Samples("s/customer")
    total = cfg.customers
    await bench.opened(clients, retries=False)
    try:
        await _same_strategy_floors(bench, clients, latency)
        if latency == 0:
            got = {c.name: attrs.astuple(await c.export(check=True)) for c in clients}
            check_same("export", got)
            if got[FLOOR][0] != total:
                raise AssertionError(f"export: {got[FLOOR][0]} customers, not {total}")
            raw = RawTransportClient(bench.server.url(0.0), connection_limit=cfg.connection_limit)
            await raw.open(retries=False)
            clients.append(raw)  # closed with the others
            runs: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
                (c.name, lambda cl=c: _counted(cl, total)) for c in clients
            ]
            runs.append((ORJSON, await _parse_all(raw, total)))
            for r in range(cfg.export_repeats):
                for name, timed in rotated(runs, r):
                    wall, cpu = await time_async(timed)
                    samples.add(name, wall / total, cpu / total)
        else:
            for client in clients:  # open the connections
                await client.warm()
            for _ in range(cfg.slow_export_repeats):
                times = await asyncio.gather(*(_timed_export(c, total) for c in clients))
                for client, elapsed in zip(clients, times, strict=True):
                    samples.add(client.name, elapsed / total)
    finally:
        await bench.closed(clients)
    return samples


async def _counted(client: BenchClient, total: int) -> None:
    result = await client.export(check=False)
    if result.count != total:
        raise AssertionError(f"{client.name} exported {result.count} customers, not {total}")


async def _parse_all(raw: RawTransportClient, total: int) -> Callable[[], Awaitable[None]]:
    """A limit: ``orjson.loads`` of every page body, the bodies already in memory."""
    bodies = [
        await raw._read(raw._all_url, {"page": page, "limit": 100})
        for page in range(1, -(-total // PAGE_LIMIT) + 1)
    ]

    async def parse_all() -> None:
        for body in bodies:
            orjson.loads(body)

    return parse_all


async def _timed_export(client: BenchClient, total: int) -> float:
    started = time.perf_counter()
    await _counted(client, total)
    return time.perf_counter() - started


def table(cfg: Config, bench: Bench, targets: dict[str, float]) -> list[str]:
    """The export tables; their targets go in ``targets``."""
    lines: list[str] = []
    out = lines.append
    res = bench.results
    for key in [k for k in res if k.startswith("export@")]:
        e: Samples = res[key]
        latency = key.split("@", 1)[1]
        timed_apart = latency == "0ms"
        out(f"### Export {cfg.customers:,} customers at {latency} latency: customers/s\n")
        out(
            "Ratios are speed ratios, median (min-max) over the repeats; `ahead`: page requests "
            "the client was measured to keep beyond the page it hands out.\n"
        )
        head = "| client | ahead | customers/s | vs floor | vs same-strategy floor |"
        rule = "|---|---:|---:|---:|---|"
        if timed_apart:
            head += " CPU vs floor |"
            rule += "---:|"
        out(head + f" vs {REFERENCE} |")
        out(rule + "---:|")
        for name in e.values:
            same = bench.same_floor.get(name, FLOOR)
            ahead = bench.ahead.get(name)
            row = (
                f"| {name} | {'' if ahead is None else ahead} | {1 / e.best(name):,.0f} "
                f"| {span(e.speed_range(name, FLOOR))} "
                f"| {span(e.speed_range(name, same))} vs `{same}` |"
            )
            if timed_apart:
                row += f" {x(e.speed_ratio(name, cpu=True))} |"
            out(row + f" {x(e.speed_ratio(name, REFERENCE))} |")
        out("")
        if timed_apart:
            for name in (SDK, SDK_TUNED):
                if name in e.values:
                    same = bench.same_floor.get(name, FLOOR)
                    targets[f"{name}_export_vs_floor"] = e.speed_ratio(name)
                    targets[f"{name}_export_cpu_vs_floor"] = e.speed_ratio(name, cpu=True)
                    targets[f"{name}_export_vs_same_floor"] = e.speed_ratio(name, same)
                    targets[f"{name}_export_vs_reference"] = e.speed_ratio(name, REFERENCE)
    return lines
