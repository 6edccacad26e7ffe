"""Benchmarks: this SDK against raw aiohttp (the floor) and the clients a user would pick.

    python benchmarks/run.py            # the full run (a few minutes)
    python benchmarks/run.py --quick    # smoke test: seconds; checks the harness, not timings
    python benchmarks/run.py --only memory --memory-sizes 100000,1000000   # memory at 1M

Prints markdown tables and writes every sample as JSON to ``benchmarks/results/``. A server
process (``_server.py``) answers on 127.0.0.1 with pre-rendered bodies; the clients run one
after the other in this process. Each figure is a median over several runs after a warm-up,
and each client is reported as a ratio against the floor measured in the same run, because
absolute times on a shared machine are noise. Exports are also compared with the floor that
follows the same strategy (as many page requests ahead as the client was measured to keep).
See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs
import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _harness import FIGURES, FLOOR, FLOOR_SEQ, FULL, QUICK, SDK, Bench, Config, Server  # noqa: E402
from _payloads import customers_page  # noqa: E402
from _report import report  # noqa: E402
from clients import registry  # noqa: E402
from figures import decode, export, fetch, overhead  # noqa: E402
from figures.memory import memory, memory_child  # noqa: E402


async def run_figures(bench: Bench) -> None:
    """The figures asked for, each within the run's time limit per figure."""
    timeout = bench.cfg.figure_timeout
    if "overhead" in bench.only:
        async with asyncio.timeout(timeout):
            bench.results["overhead"] = await overhead.overhead(bench)
    if "decode" in bench.only:
        bench.results["decode"] = decode.decode(bench)
    if "fetch" in bench.only:
        async with asyncio.timeout(timeout):
            bench.results["fetch"] = await fetch.fetch(bench)
    if "export" in bench.only:
        for latency in bench.cfg.latencies:
            async with asyncio.timeout(timeout):
                bench.results[f"export@{latency * 1000:g}ms"] = await export.export(bench, latency)


def environment() -> dict[str, Any]:
    versions = {}
    for dist in ("skiplino-async", "aiohttp", "httpx", "pydantic", "cattrs", "attrs", "orjson"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "versions": versions,
    }


def profile(cfg: Config, name: str) -> int:
    """Profile one client walking every customer (after a warm-up walk) with pyinstrument."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("--profile needs pyinstrument: pip install pyinstrument", file=sys.stderr)
        return 2
    if name not in registry():
        print(f"unknown client {name!r}; one of {', '.join(registry())}", file=sys.stderr)
        return 2
    server = Server(cfg.customers, (0.0,))

    async def walk() -> str:
        client = registry()[name](server.url(0.0), connection_limit=cfg.connection_limit)
        await client.open(retries=False)
        try:
            await client.export(check=False)
            profiler = Profiler(interval=0.0005, async_mode="disabled")
            with profiler:
                await client.export(check=False)
        finally:
            await client.close()
        return str(profiler.output_text(unicode=True, show_all=False))

    try:
        print(asyncio.run(walk()))
    finally:
        server.close()
    return 0


def profile_structuring(pages: int = 3000) -> int:
    """cProfile of the SDK structuring one 100-customer page ``pages`` times.

    The generated hook's own time is its bytecode: dict reads, type tests, slot stores and
    the loop; C functions it calls (``fromisoformat``, ``object.__new__``, the key union) are
    listed apart. Profiling slows the hook's many small calls down more than the rest, so read
    the shares, not the absolute times.
    """
    import cProfile
    import pstats

    from skiplino_async import Customer, Pagination
    from skiplino_async._converter import structure

    parsed = orjson.loads(orjson.dumps(customers_page(1, 100_000)))
    many = list[Customer]

    def run() -> None:
        for _ in range(pages):
            structure(parsed["pagination"], Pagination)
            structure(parsed["data"], many)

    run()  # warm: hooks generated, caches filled
    started = time.perf_counter()
    run()
    plain = (time.perf_counter() - started) / pages
    prof = cProfile.Profile()
    prof.runcall(run)
    stats = pstats.Stats(prof)
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])  # type: ignore[attr-defined]
    total = sum(v[2] for _, v in rows)
    print(f"structuring one 100-customer page: {plain * 1e6:.1f} µs (unprofiled)\n")
    print("| function | share of profiled time | µs/page (profiled) |")
    print("|---|---:|---:|")
    for (file, line, func), (_cc, _nc, tottime, _ct, _callers) in rows[:12]:
        where = func if file == "~" else f"{func} ({Path(file).name}:{line})"
        print(f"| {where} | {tottime / total:.0%} | {tottime / pages * 1e6:.1f} |")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke test: seconds, no timings")
    parser.add_argument(
        "--only", default=",".join(FIGURES), help=f"comma-separated subset of {','.join(FIGURES)}"
    )
    parser.add_argument("--repeats", type=int, help="runs per figure (default: 5, quick: 1)")
    parser.add_argument("--output", type=Path, help="JSON file (default: benchmarks/results/)")
    parser.add_argument(
        "--profile",
        metavar="CLIENT",
        help="instead of the figures: profile one client's export at 0 ms (needs pyinstrument)",
    )
    parser.add_argument(
        "--profile-structuring",
        action="store_true",
        help="instead of the figures: where the SDK's structuring of one page spends its time",
    )
    parser.add_argument(
        "--memory-sizes",
        help="comma-separated directory sizes for the memory figure (default: 100000; "
        "1000000 adds a few minutes)",
    )
    parser.add_argument(
        "--memory-repeats",
        type=int,
        help="fresh processes per client and size in the memory figure, reported as their "
        "median (default: 5, quick: 1)",
    )
    parser.add_argument("--memory-child", nargs=4, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)

    if args.memory_child:
        name, url, total, limit = args.memory_child
        print(json.dumps(asyncio.run(memory_child(name, url, int(total), int(limit)))))
        return 0

    if args.profile_structuring:
        return profile_structuring()
    cfg = QUICK if args.quick else FULL
    if args.repeats:
        cfg = attrs.evolve(cfg, repeats=args.repeats, export_repeats=args.repeats)
    if args.memory_sizes:
        sizes = tuple(int(n) for n in args.memory_sizes.split(","))
        cfg = attrs.evolve(cfg, memory_sizes=sizes)
    if args.memory_repeats:
        cfg = attrs.evolve(cfg, memory_repeats=args.memory_repeats)
    only = {f.strip() for f in args.only.split(",") if f.strip()}
    unknown = only - set(FIGURES)
    if unknown:
        parser.error(f"unknown figures: {', '.join(sorted(unknown))}")

    try:
        import httpx  # noqa: F401 - the reference client's dependencies
        import pydantic  # noqa: F401
    except ImportError as exc:
        print(f"{exc.name} is missing: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    if args.profile:
        return profile(cfg, args.profile)

    started = time.perf_counter()
    env_before = environment()
    server = Server(cfg.customers, cfg.latencies)
    try:
        bench = Bench(cfg, server, only)
        asyncio.run(run_figures(bench))
        mem: dict[str, dict[str, dict[str, float]]] = {}
        if "memory" in only:
            skip = frozenset({FLOOR_SEQ, "floor-prefetch"})
            names = [c.name for c in bench.clients(figure="memory", skip=skip)]
            if cfg.quick:  # the harness is checked; every client was checked in the export
                names = [n for n in names if n in (FLOOR, SDK)]
            mem = memory(cfg, server, names)
    finally:
        server.close()
    table, data = report(cfg, bench, mem)
    elapsed = time.perf_counter() - started
    print(table)
    data["config"] = attrs.asdict(cfg)
    data["environment"] = env_before
    data["load_average_after"] = os.getloadavg()
    data["elapsed_s"] = elapsed
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.output or HERE / "results" / f"{'quick' if cfg.quick else 'full'}-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))
    print(f"{elapsed:.1f}s; samples written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
