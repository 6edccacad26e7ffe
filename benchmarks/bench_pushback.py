"""The server pushing back: how much of a rate limit the SDK's default walk gets.

The benchmark server (``_server.py``, its own process) sits behind a token bucket of 50
requests a second (holding 50) and answers each request after a server-side delay (this
machine's kernel has no netem). Figures, each a ratio from one run (min / median / max over
``--repeats``):

- **rate limit**: the share of the permitted page rate (``burst + 50/s x time``) a default
  ``async for`` over ``customers.list()`` gets in a fixed time, for ``Retry-After: 1``, the
  exact seconds to the next token, and a bare ``429``; the walks that failed; the throttled
  share of all requests and of the second half (once settled);
- **three processes**: three processes walking at once (started together once imported)
  against the one bucket: their total
  share, and the smallest process's rate over its fair third;
- **single calls**: ``customers.get`` every 0.25 s while a walk is throttled, the median and
  worst latency over the same call's latency without the walk;
- **latency**: no limit, 20 and 40 ms per answer: the SDK's default walk over a floor (raw
  aiohttp, ``clients/floor.py``) keeping 32 page requests in flight (the fastest of
  :data:`WALKS` walks of the floor / the fastest of as many of the SDK, alternating).

The SDK measured is whichever ``skiplino_async`` imports (``PYTHONPATH=../other/checkout``
measures another one). ``--quick`` runs every figure for a second or two.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _server import launch, stop  # noqa: E402
from clients import API_KEY  # noqa: E402
from clients.floor import floor_with  # noqa: E402

from skiplino_async import Skiplino, SkiplinoError  # noqa: E402

LIMIT = 50.0
LATENCY = 0.02
STYLES = ("1", "exact", "none")


class LimitedServer:
    """``_server.py`` with the given extra arguments, as a context manager."""

    def __init__(self, customers: int, latency: float, *extra: str) -> None:
        args = ["--customers", str(customers), "--latency", repr(latency), "--one-ids", "100"]
        self.proc, info = launch(*args, *extra)
        port = next(iter(info["ports"].values()))
        self.url = f"http://127.0.0.1:{port}/external/v1"

    def __enter__(self) -> LimitedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        stop(self.proc)


def limited(customers: int, style: str) -> LimitedServer:
    return LimitedServer(customers, LATENCY, "--rate-limit", str(LIMIT), "--retry-after", style)


async def stats(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(url + "/_stats") as resp:
        result: dict[str, Any] = await resp.json(content_type=None)
        return result


async def walk_for(url: str, seconds: float) -> dict[str, Any]:
    """A default walk over every customer for ``seconds`` (or to the end): pages and errors."""
    items, error = 0, None
    started = time.monotonic()
    async with Skiplino(api_key=API_KEY, base_url=url) as client:
        try:
            async for _ in client.customers.list(limit=100):
                items += 1
                if time.monotonic() - started >= seconds:
                    break
        except SkiplinoError as exc:
            error = f"{type(exc).__name__} after {items} customers"
    return {"items": items, "elapsed": time.monotonic() - started, "error": error}


def permitted_pages(elapsed: float) -> float:
    return LIMIT + LIMIT * elapsed  # the bucket starts full


def run_worker(url: str, seconds: float) -> None:
    """One of the three processes: imported and ready, it waits for the word to start."""
    print("ready", flush=True)
    sys.stdin.readline()
    print(json.dumps(asyncio.run(walk_for(url, seconds))), flush=True)


# --- the figures ---------------------------------------------------------------------------


def rate_limit_figure(style: str, seconds: float, customers: int) -> dict[str, float]:
    with limited(customers, style) as server:
        walk = asyncio.run(walk_for(server.url, seconds))
        seen = asyncio.run(stats(server.url))
    pages = walk["items"] / 100
    return {
        "share": pages / permitted_pages(walk["elapsed"]),
        "failed": 1.0 if walk["error"] else 0.0,
        "throttled": seen["throttled"] / max(1, seen["limited"]),
        "throttled_late": seen["throttled_late"] / max(1, seen["late"]),
    }


def processes_figure(seconds: float, customers: int) -> dict[str, float]:
    with limited(customers, "exact") as server:
        cmd = [sys.executable, __file__, "--worker", server.url, "--seconds", str(seconds)]
        procs = [
            subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE) for _ in range(3)
        ]
        for proc in procs:  # every one imported: they start together
            assert proc.stdout is not None
            proc.stdout.readline()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, _ = proc.communicate(timeout=seconds + 120)
            results.append(json.loads(out))
    elapsed = max(r["elapsed"] for r in results)
    rates = [r["items"] / 100 / r["elapsed"] for r in results]
    return {
        "total": sum(r["items"] / 100 for r in results) / permitted_pages(elapsed),
        "smallest": min(rates) / (LIMIT / 3),
        "failed": float(sum(1 for r in results if r["error"])),
    }


async def _single_calls(url: str, seconds: float, with_walk: bool) -> list[float]:
    latencies: list[float] = []
    async with Skiplino(api_key=API_KEY, base_url=url) as client:
        ids = [c.id for c in (await client.customers.list(limit=100)).items[:20]]
        walk = None
        if with_walk:

            async def background() -> None:
                async for _ in client.customers.list(limit=100):
                    pass

            walk = asyncio.create_task(background())
            await asyncio.sleep(min(1.0, seconds / 3))  # the walk is throttled by now
        end = time.monotonic() + seconds
        i = 0
        while time.monotonic() < end:
            started = time.monotonic()
            await client.customers.get(id=ids[i % len(ids)])
            latencies.append(time.monotonic() - started)
            i += 1
            await asyncio.sleep(0.25)
        if walk is not None:
            walk.cancel()
            await asyncio.gather(walk, return_exceptions=True)
    return latencies


def single_call_figure(seconds: float, customers: int) -> dict[str, float]:
    with limited(customers, "exact") as server:
        alone = asyncio.run(_single_calls(server.url, min(seconds, 2.0), with_walk=False))
    with limited(customers, "exact") as server:
        during = asyncio.run(_single_calls(server.url, seconds, with_walk=True))
    base = statistics.median(alone)
    return {
        "median": statistics.median(during) / base,
        "worst": max(during) / base,
        "median_ms": statistics.median(during) * 1000,
        "worst_ms": max(during) * 1000,
    }


async def _timed_walk(url: str, floor: bool) -> float:
    started = time.monotonic()
    if floor:
        client = floor_with(32)(url, connection_limit=100)
        await client.open(retries=False)
        try:
            async for _ in client.customers():
                pass
        finally:
            await client.close()
    else:
        async with Skiplino(api_key=API_KEY, base_url=url) as sdk:
            async for _ in sdk.customers.list(limit=100):
                pass
    return time.monotonic() - started


#: Walks per side in one latency run, alternating: the fastest of each is compared (a walk
#: takes half a second, so another process's burst of CPU on this machine would otherwise
#: decide the figure).
WALKS = 3


def latency_figure(latency: float, customers: int) -> dict[str, float]:
    floor, sdk = [], []
    with LimitedServer(customers, latency) as server:
        for _ in range(WALKS):
            floor.append(asyncio.run(_timed_walk(server.url, floor=True)))
            sdk.append(asyncio.run(_timed_walk(server.url, floor=False)))
    return {"ratio": min(floor) / min(sdk)}


# --- the run -------------------------------------------------------------------------------


def spread(values: Sequence[float]) -> str:
    if not values:
        return "-"
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def repeat(times: int, figure: Callable[[], dict[str, float]]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for _ in range(times):
        for key, value in figure().items():
            out.setdefault(key, []).append(value)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a second or two per figure")
    parser.add_argument("--repeats", type=int, default=None, help="runs per figure (3)")
    parser.add_argument("--seconds", type=float, default=None, help="walk time per run (8)")
    parser.add_argument("--output", type=Path, help="write every sample here as JSON")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    seconds = args.seconds or (1.5 if args.quick else 8.0)
    if args.worker:
        run_worker(args.worker, seconds)
        return
    repeats = args.repeats or (1 if args.quick else 3)
    customers = 5_000 if args.quick else 100_000
    walk_customers = 2_000 if args.quick else 20_000
    results: dict[str, dict[str, list[float]]] = {}
    for style in STYLES:
        results[f"retry-after {style}"] = repeat(
            repeats, lambda style=style: rate_limit_figure(style, seconds, customers)
        )
    results["three processes"] = repeat(repeats, lambda: processes_figure(seconds, customers))
    results["single calls"] = repeat(repeats, lambda: single_call_figure(seconds, customers))
    for latency in (0.02, 0.04):
        results[f"latency {latency * 1000:g} ms"] = repeat(
            repeats, lambda latency=latency: latency_figure(latency, walk_customers)
        )
    print(f"pushback, {LIMIT:g} req/s limit, {repeats} run(s) of {seconds:g}s: min / median / max")
    print("| figure | value | min / median / max |\n|---|---|---|")
    for name, figures in results.items():
        for key, values in figures.items():
            print(f"| {name} | {key} | {spread(values)} |")
    if args.output:
        args.output.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
