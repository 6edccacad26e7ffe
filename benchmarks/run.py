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
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import attrs
import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _payloads import PAGE_LIMIT, customer_id, customers_page  # noqa: E402
from clients import (  # noqa: E402
    BenchClient,
    canon_branch,
    decoders,
    registry,
)
from clients.floor import FloorClient, build_pagination, floor_with  # noqa: E402

FLOOR = "floor"
FLOOR_SEQ = "floor-seq"
REFERENCE = "httpx-pydantic"
GENERATED = "openapi-client"
MSGSPEC = "aiohttp-msgspec"
SDK = "sdk"
SDK_TUNED = "sdk-prefetch"
RAW = "limit: raw transport"
ORJSON = "limit: orjson.loads"
#: Clients measured only in exports (other strategies of a client that is already there).
EXPORT_ONLY = frozenset({"floor-prefetch", FLOOR_SEQ, SDK_TUNED})


@attrs.frozen
class Config:
    """How much work each figure does. ``quick`` only proves the harness runs."""

    quick: bool
    customers: int
    repeats: int
    overhead_requests: int
    fetch_requests: int
    decode_loops: int
    export_repeats: int
    slow_export_repeats: int
    latencies: tuple[float, float] = (0.0, 0.02)
    #: Directory sizes of the peak-memory figure (1,000,000 takes a few minutes).
    memory_sizes: tuple[int, ...] = ()
    #: Fresh processes per client and size; the figure is their median (one peak is noise:
    #: where the allocator happens to place a few pages moves it by a tenth or more).
    memory_repeats: int = 5
    #: Pages walked to measure how many page requests a client keeps ahead.
    probe_pages: int = 12
    connection_limit: int = 100
    #: Seconds any one figure may take before the run is abandoned.
    figure_timeout: float = 600.0


FULL = Config(
    quick=False,
    customers=100_000,
    repeats=5,
    overhead_requests=2000,
    fetch_requests=2000,
    decode_loops=300,
    export_repeats=5,
    slow_export_repeats=3,
    memory_sizes=(100_000,),
)
QUICK = Config(
    quick=True,
    customers=2_000,
    repeats=1,
    overhead_requests=20,
    fetch_requests=32,
    decode_loops=3,
    export_repeats=1,
    slow_export_repeats=1,
    memory_sizes=(2_000,),
    memory_repeats=1,
    figure_timeout=60.0,
)
FIGURES = ("overhead", "decode", "fetch", "export", "memory")


# --- the server process ----------------------------------------------------------------------


class Server:
    """``_server.py`` in its own process; it exits when our end of its stdin closes."""

    def __init__(self, customers: int, latencies: tuple[float, ...]) -> None:
        cmd = [sys.executable, str(HERE / "_server.py"), "--customers", str(customers)]
        for latency in latencies:
            cmd += ["--latency", repr(latency)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        timer = threading.Timer(120.0, self.proc.kill)  # never wait forever for a start-up line
        timer.start()
        try:
            line = self.proc.stdout.readline() if self.proc.stdout else b""
        finally:
            timer.cancel()
        if not line:
            self.close()
            raise RuntimeError("the benchmark server did not start")
        info = json.loads(line)
        self.ports: dict[float, int] = {float(k): v for k, v in info["ports"].items()}

    def url(self, latency: float) -> str:
        return f"http://127.0.0.1:{self.ports[latency]}/external/v1"

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --- measuring -------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@attrs.define
class Samples:
    """Per client, one value per repeat: wall seconds per unit, and (when measured) this
    process's CPU seconds per unit. Ratios pair each repeat with the floor's in that repeat."""

    unit: str
    values: dict[str, list[float]] = attrs.field(factory=dict)
    cpu: dict[str, list[float]] = attrs.field(factory=dict)

    def add(self, name: str, value: float, cpu: float | None = None) -> None:
        self.values.setdefault(name, []).append(value)
        if cpu is not None:
            self.cpu.setdefault(name, []).append(cpu)

    def _pairs(self, name: str, base: str, cpu: bool) -> list[tuple[float, float]]:
        table = self.cpu if cpu else self.values
        return list(zip(table.get(name, []), table.get(base, []), strict=False))

    def cost_ratio(self, name: str, base: str = FLOOR, *, cpu: bool = False) -> float:
        """Median over repeats of ``cost(name) / cost(base)`` (>1: slower than ``base``)."""
        return median([a / b for a, b in self._pairs(name, base, cpu)])

    def speed_ratio(self, name: str, base: str = FLOOR, *, cpu: bool = False) -> float:
        """Median over repeats of ``speed(name) / speed(base)`` (>1: faster than ``base``)."""
        return median([b / a for a, b in self._pairs(name, base, cpu)])

    def speed_range(self, name: str, base: str = FLOOR) -> tuple[float, float, float]:
        """Min, median and max over repeats of ``speed(name) / speed(base)``."""
        ratios = [b / a for a, b in self._pairs(name, base, False)]
        if not ratios:
            return (float("nan"),) * 3
        return min(ratios), median(ratios), max(ratios)

    def best(self, name: str) -> float:
        """The median value (the name is kept short for the report code)."""
        return median(self.values.get(name, []))


def rotated(items: list[Any], shift: int) -> list[Any]:
    """Change who runs first in each repeat, so drift in machine load is spread evenly."""
    shift %= len(items)
    return items[shift:] + items[:shift]


@contextmanager
def collected_heap() -> Iterator[None]:
    """Start every timed section from a collected heap (the collector stays enabled)."""
    gc.collect()
    yield


async def time_async(fn: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Wall and CPU seconds of ``await fn()``. CPU time is this process's only (the server's
    is not included): on a busy machine it is steadier than wall time."""
    with collected_heap():
        wall, cpu = time.perf_counter(), time.process_time()
        await fn()
        return time.perf_counter() - wall, time.process_time() - cpu


def check_same(figure: str, results: dict[str, Any]) -> None:
    """Every client must have returned the same data as the floor."""
    expected = results[FLOOR]
    for name, got in results.items():
        if got != expected:
            raise AssertionError(f"{figure}: {name} returned different data than the floor")


class RawTransportClient(FloorClient):
    """A limit, not a client: the floor's walk (one page ahead) reading every body and
    parsing none but the first (for ``totalPages``). What moving the bytes costs."""

    name = RAW

    async def _page(self, page: int) -> tuple[list[Any], Any]:
        body = await self._read(self._all_url, {"page": page, "limit": 100})
        placeholders: list[Any] = [None] * body.count(b'"_id":')
        if page == 1:
            return placeholders, build_pagination(orjson.loads(body)["pagination"])
        return placeholders, None


class Bench:
    """The figures. Each opens its clients, checks they agree, warms up, then measures."""

    def __init__(self, cfg: Config, server: Server, only: set[str]) -> None:
        self.cfg = cfg
        self.server = server
        self.only = only
        self.results: dict[str, Any] = {}
        self.skipped: dict[str, str] = {}
        self.ids = [customer_id(i) for i in range(min(1000, cfg.customers))]
        #: Page requests each client keeps ahead of the page it hands out (measured).
        self.ahead: dict[str, int] = {}
        #: The floor with the same strategy, per client.
        self.same_floor: dict[str, str] = {}

    def clients(
        self, latency: float = 0.0, figure: str = "export", skip: frozenset[str] = frozenset()
    ) -> list[BenchClient]:
        out = []
        for name, factory in registry().items():
            if name in skip:
                continue
            client = factory(self.server.url(latency), connection_limit=self.cfg.connection_limit)
            if figure not in client.figures:
                continue
            why = client.available()
            if why is None:
                out.append(client)
            else:
                self.skipped[name] = why
        return out

    async def _opened(self, clients: list[BenchClient], *, retries: bool) -> None:
        for client in clients:
            await client.open(retries=retries)

    async def _closed(self, clients: list[BenchClient]) -> None:
        for client in clients:
            await client.close()

    # -- per-request overhead --

    async def overhead(self) -> Samples:
        """``GET /branches`` (one small object), one request at a time, SDK defaults."""
        cfg = self.cfg
        clients = self.clients(figure="overhead", skip=EXPORT_ONLY)
        samples = Samples("s/request")
        await self._opened(clients, retries=True)
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
            await self._closed(clients)
        return samples

    # -- decode --

    def decode(self) -> dict[str, Samples]:
        """One 100-customer page: from parsed JSON (structuring only) and from bytes."""
        cfg = self.cfg
        body = orjson.dumps(customers_page(1, 100_000))
        parsed = orjson.loads(body)
        records = len(parsed["data"])
        contenders = decoders()
        floor = contenders[0]
        expected = [floor.canon(c) for c in floor.from_bytes(body)]
        for dec in contenders:
            for got in (dec.from_parsed(parsed), dec.from_bytes(body)):
                if [dec.canon(c) for c in got] != expected:
                    raise AssertionError(f"decode: {dec.name} built different customers")
        check_strict(contenders, parsed)
        out = {"parsed": Samples("s/record"), "bytes": Samples("s/record")}
        for r in range(cfg.repeats):
            for dec in rotated(contenders, r):
                for kind, fn, arg in (
                    ("parsed", dec.from_parsed, parsed),
                    ("bytes", dec.from_bytes, body),
                ):
                    fn(arg)  # warm
                    with collected_heap():
                        started = time.perf_counter()
                        for _ in range(cfg.decode_loops):
                            fn(arg)
                        elapsed = time.perf_counter() - started
                    out[kind].add(dec.name, elapsed / cfg.decode_loops / records)
        return out

    # -- fetch one customer --

    async def fetch(self) -> dict[int, Samples]:
        """``GET /customers/getOne`` at concurrency 1, 8 and 32; retries off."""
        cfg = self.cfg
        clients = self.clients(figure="fetch", skip=EXPORT_ONLY)
        out: dict[int, Samples] = {}
        await self._opened(clients, retries=False)
        try:
            got = {
                c.name: [c.canon(await c.get_customer(i)) for i in self.ids[:5]] for c in clients
            }
            check_same("fetch", got)
            ids = self.ids
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
            await self._closed(clients)
        return out

    # -- export --

    async def _page_requests(self, session: Any) -> int:
        async with session.get(self.server.url(0.0) + "/_stats") as resp:
            stats: dict[str, int] = await resp.json()
        return stats["pages"]

    async def pages_ahead(self, client: BenchClient, session: Any) -> int:
        """How many page requests ``client`` has sent beyond the page it is handing out,
        at most, over the first ``probe_pages`` pages of a walk (0: strictly sequential)."""
        start = await self._page_requests(session)
        ahead = seen = 0
        walk = client.customers()
        try:
            async for _customer in walk:
                if seen % PAGE_LIMIT == 0:
                    page = seen // PAGE_LIMIT + 1
                    await asyncio.sleep(0.01)  # whatever was requested has arrived by now
                    ahead = max(ahead, await self._page_requests(session) - start - page)
                    if page >= self.cfg.probe_pages:
                        break
                seen += 1
        finally:
            await walk.aclose()  # type: ignore[attr-defined]
        return ahead

    async def _same_strategy_floors(self, clients: list[BenchClient], latency: float) -> None:
        """Measure each client's strategy (once, at 0 ms) and add the floors it needs."""
        import aiohttp

        if not self.ahead:
            async with aiohttp.ClientSession() as session:
                for client in clients:
                    self.ahead[client.name] = await self.pages_ahead(client, session)
        present = {c.name for c in clients}
        for name in list(self.ahead):
            floor = floor_with(self.ahead[name])
            self.same_floor[name] = floor.name
            if floor.name not in present:
                extra = floor(self.server.url(latency), connection_limit=self.cfg.connection_limit)
                await extra.open(retries=False)
                clients.append(extra)
                present.add(floor.name)
                self.ahead.setdefault(floor.name, floor.pages_in_flight)

    async def export(self, latency: float) -> Samples:
        """Every customer, ``limit=100`` pages; retries off.

        With latency the walks are waiting, not computing, so all clients walk at the same
        time (each on its own connections) to keep the run short.
        """
        cfg = self.cfg
        clients = self.clients(latency)
        samples = Samples("s/customer")
        total = cfg.customers
        await self._opened(clients, retries=False)
        try:
            await self._same_strategy_floors(clients, latency)
            if latency == 0:
                got = {c.name: attrs.astuple(await c.export(check=True)) for c in clients}
                check_same("export", got)
                if got[FLOOR][0] != total:
                    raise AssertionError(f"export: {got[FLOOR][0]} customers, not {total}")
                raw = RawTransportClient(
                    self.server.url(0.0), connection_limit=cfg.connection_limit
                )
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
            await self._closed(clients)
        return samples

    async def run(self) -> None:
        timeout = self.cfg.figure_timeout
        if "overhead" in self.only:
            async with asyncio.timeout(timeout):
                self.results["overhead"] = await self.overhead()
        if "decode" in self.only:
            self.results["decode"] = self.decode()
        if "fetch" in self.only:
            async with asyncio.timeout(timeout):
                self.results["fetch"] = await self.fetch()
        if "export" in self.only:
            for latency in self.cfg.latencies:
                async with asyncio.timeout(timeout):
                    self.results[f"export@{latency * 1000:g}ms"] = await self.export(latency)


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


def check_strict(contenders: list[Any], parsed: dict[str, Any]) -> None:
    """The decoders that validate must refuse a page with a wrong shape."""
    broken = orjson.loads(orjson.dumps(parsed))
    broken["data"][37]["name"] = {"first": "Layla"}
    for dec in contenders:
        if dec.name == FLOOR or not dec.validates:
            continue
        try:
            dec.from_parsed(broken)
        except Exception:  # noqa: BLE001 - each library has its own validation error
            continue
        raise AssertionError(f"decode: {dec.name} accepted a wrong shape")


# --- peak memory: one child process per client -------------------------------------------


def _reset_peak() -> None:
    """Reset this process's peak-RSS mark: ``ru_maxrss`` would include the parent's peak,
    which fork+exec passes on to the child."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


async def _memory_child(name: str, url: str, total: int, limit: int) -> dict[str, float]:
    client = registry()[name](url, connection_limit=limit)
    await client.open(retries=False)
    try:
        await client.warm()
        gc.collect()
        _reset_peak()
        before = _status_kib("VmRSS")
        result = await client.export(check=False)
        peak = _status_kib("VmHWM")
    finally:
        await client.close()
    if result.count != total:
        raise AssertionError(f"{name} exported {result.count}, not {total}")
    return {"baseline_mib": before / 1024, "peak_growth_mib": max(0, peak - before) / 1024}


def memory(cfg: Config, server: Server, names: list[str]) -> dict[str, dict[str, dict[str, float]]]:
    """Peak RSS growth while exporting every customer, each client in a fresh process, for
    each directory size of ``cfg.memory_sizes``: ``{size: {client: figures}}``."""
    if not os.path.exists("/proc/self/clear_refs"):
        return {}
    out: dict[str, dict[str, dict[str, float]]] = {}
    for size in cfg.memory_sizes:
        own = server if size == cfg.customers else Server(size, (0.0,))
        try:
            out[str(size)] = {}
            for name in names:
                cmd = [sys.executable, __file__, "--memory-child", name, own.url(0.0)]
                cmd += [str(size), str(cfg.connection_limit)]
                runs = []
                for _ in range(cfg.memory_repeats):
                    done = subprocess.run(
                        cmd, capture_output=True, timeout=cfg.figure_timeout * 4, check=True
                    )
                    runs.append(json.loads(done.stdout.decode().strip().splitlines()[-1]))
                out[str(size)][name] = _median_run(runs)
        finally:
            if own is not server:
                own.close()
    return out


def _median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """The median of each figure over the child processes, and the spread of the peaks."""
    out = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    peaks = [run["peak_growth_mib"] for run in runs]
    out.update(peak_growth_min_mib=min(peaks), peak_growth_max_mib=max(peaks))
    return out


# --- report ------------------------------------------------------------------------------


def _x(value: float) -> str:
    return "-" if value != value else f"{value:.2f}x"  # NaN: no pair in that run


def _span(values: tuple[float, float, float]) -> str:
    """``median (min-max)`` of a ratio over the repeats."""
    low, mid, high = values
    if mid != mid:
        return "-"
    return f"{mid:.2f}x ({low:.2f}-{high:.2f})"


def _summary(bench: Bench, mem: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """The headline figures, min / median / max over the repeats of the same run."""
    res = bench.results
    rows: list[tuple[str, str]] = []
    e: Samples | None = res.get("export@0ms")
    if e is not None:
        for name in (SDK, SDK_TUNED):
            if name in e.values:
                same = bench.same_floor.get(name, FLOOR)
                rows.append(
                    (
                        f"`{name}` export vs the same-strategy floor (`{same}`) at 0 ms",
                        _mmm(e.speed_range(name, same)),
                    )
                )
        for peer in (GENERATED, REFERENCE, MSGSPEC):
            if peer in e.values:
                rows.append((f"`{SDK}` export vs `{peer}` at 0 ms", _mmm(e.speed_range(SDK, peer))))
        for limit in (ORJSON, RAW):
            if limit in e.values:
                rows.append(
                    (f"`{SDK}` export as a fraction of `{limit}`", _mmm(e.speed_range(SDK, limit)))
                )
    slow: Samples | None = res.get("export@20ms")
    if slow is not None:
        for name, base in ((SDK, FLOOR_SEQ), (SDK_TUNED, FLOOR_SEQ), (SDK_TUNED, SDK)):
            if name in slow.values and base in slow.values:
                rows.append((f"at 20 ms: `{name}` vs `{base}`", _mmm(slow.speed_range(name, base))))
    sizes = sorted(mem, key=int)
    if len(sizes) >= 2 and SDK in mem[sizes[0]] and SDK in mem[sizes[-1]]:
        small, large = mem[sizes[0]][SDK], mem[sizes[-1]][SDK]
        ratio = large["peak_growth_mib"] / max(small["peak_growth_mib"], 1e-9)
        rows.append(
            (f"`{SDK}` peak RSS growth, {int(sizes[-1]):,} vs {int(sizes[0]):,}", f"{ratio:.2f}x")
        )
    if not rows:
        return []
    out = [
        "### Summary (min / median / max over the repeats)\n",
        "| figure | ratio |",
        "|---|---:|",
    ]
    out += [f"| {label} | {value} |" for label, value in rows]
    return [*out, ""]


def _mmm(values: tuple[float, float, float]) -> str:
    low, mid, high = values
    return "-" if mid != mid else f"{low:.2f} / {mid:.2f} / {high:.2f}"


TARGETS = (
    ("sdk_overhead_vs_floor", "SDK per-request cost ≤ 1.2x the floor", lambda v: v <= 1.2),
    (
        "sdk_decode_vs_pydantic",
        "SDK decode cost per record ≤ pydantic v2 (parsed JSON in, objects out)",
        lambda v: v <= 1.0,
    ),
    (
        "sdk_export_vs_same_floor",
        "SDK export speed @0 ms ≥ 0.9x the same-strategy floor",
        lambda v: v >= 0.9,
    ),
    ("sdk_export_vs_reference", f"SDK export speed @0 ms ≥ 3x {REFERENCE}", lambda v: v >= 3.0),
    (
        "sdk-prefetch_export_vs_same_floor",
        "SDK (prefetch=4) export speed @0 ms ≥ 0.9x the same-strategy floor",
        lambda v: v >= 0.9,
    ),
)


def report(
    cfg: Config, bench: Bench, mem: dict[str, dict[str, dict[str, float]]]
) -> tuple[str, dict[str, Any]]:
    """The markdown tables, and the JSON document with every sample."""
    lines: list[str] = []
    targets: dict[str, float] = {}
    out = lines.append
    res = bench.results
    if cfg.quick:
        out("_Quick mode: a smoke test of the harness; the timings below mean nothing._\n")
    lines += _summary(bench, mem)
    if "overhead" in res:
        s: Samples = res["overhead"]
        out("### Per-request overhead: GET /branches (136-byte body), concurrency 1\n")
        out("| client | µs/request | cost vs floor | CPU cost vs floor |")
        out("|---|---:|---:|---:|")
        for name in s.values:
            out(
                f"| {name} | {s.best(name) * 1e6:.1f} | {_x(s.cost_ratio(name))} "
                f"| {_x(s.cost_ratio(name, cpu=True))} |"
            )
        out("")
        targets["sdk_overhead_vs_floor"] = s.cost_ratio(SDK)
        targets["sdk_overhead_cpu_vs_floor"] = s.cost_ratio(SDK, cpu=True)
    if "decode" in res:
        parsed: Samples = res["decode"]["parsed"]
        raw: Samples = res["decode"]["bytes"]
        out("### Decode cost per record: one 100-customer page\n")
        out(
            "| decoder | µs/record, parsed JSON in | vs floor | vs pydantic "
            "| µs/record, bytes in | vs floor | vs pydantic |"
        )
        out("|---|---:|---:|---:|---:|---:|---:|")
        for name in parsed.values:
            out(
                f"| {name} | {parsed.best(name) * 1e6:.3f} | {_x(parsed.cost_ratio(name))} "
                f"| {_x(parsed.cost_ratio(name, REFERENCE))} | {raw.best(name) * 1e6:.3f} "
                f"| {_x(raw.cost_ratio(name))} | {_x(raw.cost_ratio(name, REFERENCE))} |"
            )
        out("")
        targets["sdk_decode_vs_pydantic"] = parsed.cost_ratio(SDK, REFERENCE)
        targets["sdk_decode_bytes_vs_pydantic"] = raw.cost_ratio(SDK, REFERENCE)
        targets["sdk_structuring_us_per_page"] = parsed.best(SDK) * 1e6 * PAGE_LIMIT
    if "fetch" in res:
        fetch: dict[int, Samples] = res["fetch"]
        levels = list(fetch)
        out("### Fetch one customer: requests/s, retries off\n")
        out("| client | " + " | ".join(f"c={c} | vs floor" for c in levels) + " |")
        out("|---|" + "---:|---:|" * len(levels))
        for name in fetch[levels[0]].values:
            cells = [
                f"{1 / fetch[c].best(name):,.0f} | {_x(fetch[c].speed_ratio(name))}" for c in levels
            ]
            out(f"| {name} | " + " | ".join(cells) + " |")
        out("")
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
                f"| {_span(e.speed_range(name, FLOOR))} "
                f"| {_span(e.speed_range(name, same))} vs `{same}` |"
            )
            if timed_apart:
                row += f" {_x(e.speed_ratio(name, cpu=True))} |"
            out(row + f" {_x(e.speed_ratio(name, REFERENCE))} |")
        out("")
        if timed_apart:
            for name in (SDK, SDK_TUNED):
                if name in e.values:
                    same = bench.same_floor.get(name, FLOOR)
                    targets[f"{name}_export_vs_floor"] = e.speed_ratio(name)
                    targets[f"{name}_export_cpu_vs_floor"] = e.speed_ratio(name, cpu=True)
                    targets[f"{name}_export_vs_same_floor"] = e.speed_ratio(name, same)
                    targets[f"{name}_export_vs_reference"] = e.speed_ratio(name, REFERENCE)
    if mem:
        sizes = sorted(mem, key=int)
        out("### Peak memory: RSS growth while exporting, each client in a fresh process\n")
        runs = cfg.memory_repeats
        each = f"the median of {runs} fresh processes" if runs > 1 else "one fresh process"
        out(f"The high-water mark is reset in the child just before the walk; each: {each}.\n")
        cols = " | ".join(f"{int(size):,} customers, MiB" for size in sizes)
        extra = f" | {int(sizes[-1]):,} vs {int(sizes[0]):,} |" if len(sizes) > 1 else " |"
        out(f"| client | {cols}{extra}")
        out("|---|" + "---:|" * (len(sizes) + (len(sizes) > 1)))
        for name in mem[sizes[0]]:
            cells = [
                f"{mem[size][name]['peak_growth_mib']:.1f}" if name in mem[size] else "-"
                for size in sizes
            ]
            row = f"| {name} | " + " | ".join(cells) + " |"
            if len(sizes) > 1 and name in mem[sizes[-1]]:
                small = mem[sizes[0]][name]["peak_growth_mib"]
                large = mem[sizes[-1]][name]["peak_growth_mib"]
                row += f" {large / max(small, 1e-9):.2f}x |"
            out(row)
        out("")
    if bench.skipped:
        out("Skipped: " + "; ".join(f"{k} ({v})" for k, v in bench.skipped.items()) + "\n")
    if targets and not cfg.quick:
        out("### Targets\n")
        out("| target | measured | met |")
        out("|---|---:|---|")
        for key, label, ok in TARGETS:
            if key in targets:
                v = targets[key]
                out(f"| {label} | {v:.2f}x | {'yes' if ok(v) else '**no**'} |")
        out("")
    data = {
        "samples": {k: _jsonable(v) for k, v in res.items()},
        "memory": mem,
        "pages_ahead": bench.ahead,
        "same_strategy_floor": bench.same_floor,
        "targets": targets,
        "skipped": bench.skipped,
    }
    return "\n".join(lines), data


def _jsonable(value: Any) -> Any:
    if isinstance(value, Samples):
        return {"unit": value.unit, "wall": value.values, "cpu": value.cpu}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


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


def main(argv: list[str] | None = None) -> int:
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
    args = parser.parse_args(argv)

    if args.memory_child:
        name, url, total, limit = args.memory_child
        print(json.dumps(asyncio.run(_memory_child(name, url, int(total), int(limit)))))
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
        asyncio.run(bench.run())
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
