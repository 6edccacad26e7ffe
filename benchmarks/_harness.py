"""What every figure of ``run.py`` shares: the run's configuration, the server process, the
clients of a figure, and samples with their ratios against the floor of the same run."""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _payloads import customer_id  # noqa: E402
from clients import BenchClient, registry  # noqa: E402
from clients.floor import FloorClient, build_pagination  # noqa: E402

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

    async def opened(self, clients: list[BenchClient], *, retries: bool) -> None:
        for client in clients:
            await client.open(retries=retries)

    async def closed(self, clients: list[BenchClient]) -> None:
        for client in clients:
            await client.close()
