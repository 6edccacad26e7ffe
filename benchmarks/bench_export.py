"""Bulk-export benchmark: prefetch speed-up under latency, and memory that does not grow.

    python benchmarks/bench_export.py            # full run (about two minutes)
    python benchmarks/bench_export.py --quick    # smaller sizes, same checks

Two measurements, each with the fake server (``python -m skiplino_async serve``) in its own
process so that only the client is measured:

* **speed**: the server adds 20 ms to every answer; this process walks every customer with
  ``customers.list(limit=100, prefetch=k)`` for k = 1 and k = 8, turning each one into its
  JSONL line as the export command does. Runs alternate between the two settings and the
  median of each is reported, with their ratio (target: at least 6x; the limit is 8x).
  It is measured against two servers: the fake server, whose Python handlers spend a few
  milliseconds of CPU per page on the same machine (with two cores, client and server then
  compete for them: the ratio depends on the machine's load), and the pre-rendered server of
  ``benchmarks/_server.py``, which answers in microseconds like a remote API whose CPU is
  not ours. The target applies to the latter: it measures the client's pipeline.
* **memory**: for each size, a separate child process runs the real command,
  ``skiplino export customers --output - --prefetch 8 --max-items N`` (stdout to /dev/null),
  against a server holding 1,000,000 customers; its peak resident set size comes from
  ``os.wait4``'s rusage. Target: the 1,000,000-customer export peaks within 1.2x of the
  100,000 one (streaming: nothing accumulates).

Prints a markdown table and writes the figures to ``benchmarks/results/export.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from skiplino_async import Skiplino  # noqa: E402

LATENCY = 0.020
SPEED_TARGET = 6.0
MEMORY_TARGET = 1.2


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("SKIPLINO_LOG", None)
    return env


@contextmanager
def static_server(customers: int, latency: float) -> Iterator[tuple[str, str]]:
    """``benchmarks/_server.py`` (pre-rendered answers) in a child; yields (URL, any key)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "_server.py"),
            "--customers",
            str(customers),
            "--latency",
            str(latency),
            "--one-ids",
            "0",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the benchmark server exited before printing its ports")
        port = next(iter(json.loads(line)["ports"].values()))
        yield f"http://127.0.0.1:{port}/external/v1", "sk_bench"
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # the server stops at end of input
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def fake_server(customers: int, latency: float) -> Iterator[tuple[str, str]]:
    """``skiplino serve`` in a child process; yields (base URL, secret key)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "skiplino_async",
            "serve",
            "--port",
            "0",
            "--customers",
            str(customers),
            "--latency",
            str(latency),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        url = key = ""
        while not (url and key):
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("the fake server exited before printing its address")
            if "listening on" in line:
                url = line.rsplit(" ", 1)[-1].strip()
            elif "secret key:" in line:
                key = line.rsplit(" ", 1)[-1].strip()
        yield url, key
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def walk(url: str, key: str, prefetch: int) -> tuple[float, int, int]:
    """Seconds to export every customer as JSONL lines (discarded); items and pages."""
    async with Skiplino(api_key=key, base_url=url) as client:
        started = time.perf_counter()
        paginator = client.customers.list(limit=100, prefetch=prefetch)
        count = 0
        dumps = orjson.dumps
        async for page in paginator.pages():
            for customer in page.items:
                dumps(customer.to_dict())
            count += len(page.items)
        elapsed = time.perf_counter() - started
        return elapsed, count, paginator.stats.pages_fetched


def measure_speed(
    server: Any, customers: int, rounds: int, *, judged: bool = True
) -> dict[str, Any]:
    """Median seconds of prefetch 1 and 8 against ``server``; ``judged``: the target applies."""
    samples: dict[int, list[float]] = {1: [], 8: []}
    pages = 0
    with server(customers, LATENCY) as (url, key):
        asyncio.run(walk(url, key, 8))  # warm-up: imports, first connection, server caches
        for _ in range(rounds):
            for prefetch in (1, 8):
                elapsed, count, pages = asyncio.run(walk(url, key, prefetch))
                if count != customers:
                    raise RuntimeError(f"exported {count} customers, expected {customers}")
                samples[prefetch].append(elapsed)
    p1, p8 = statistics.median(samples[1]), statistics.median(samples[8])
    return {
        "customers": customers,
        "pages": pages,
        "latency_s": LATENCY,
        "rounds": rounds,
        "prefetch_1_s": p1,
        "prefetch_8_s": p8,
        "prefetch_1_samples": samples[1],
        "prefetch_8_samples": samples[8],
        "speedup": p1 / p8,
        "target": SPEED_TARGET if judged else None,
        "ok": p1 / p8 >= SPEED_TARGET if judged else None,
    }


def export_peak_rss(url: str, key: str, items: int) -> dict[str, Any]:
    """Run the export command for ``items`` customers in a child; its peak RSS and time."""
    env = child_env()
    env["SKIPLINO_API_KEY"] = key
    env["SKIPLINO_BASE_URL"] = url
    argv = [
        sys.executable,
        "-m",
        "skiplino_async",
        "export",
        "customers",
        "--output",
        "-",
        "--prefetch",
        "8",
        "--max-items",
        str(items),
        "--no-progress",
    ]
    started = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(argv, stdout=devnull, stderr=subprocess.PIPE, env=env, cwd=REPO)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"export of {items} failed ({proc.returncode}): {err.decode()}")
    if f"{items:,}" not in err.decode():
        raise RuntimeError(f"export of {items} did not report {items:,} rows: {err.decode()}")
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return {
        "customers": items,
        "peak_rss_mib": usage.ru_maxrss * scale / 2**20,
        "seconds": elapsed,
        "rate_per_s": items / elapsed,
    }


def measure_memory(small: int, large: int) -> dict[str, Any]:
    with fake_server(large, 0.0) as (url, key):
        runs = [export_peak_rss(url, key, n) for n in (small, large)]
    ratio = runs[1]["peak_rss_mib"] / runs[0]["peak_rss_mib"]
    return {
        "runs": runs,
        "ratio": ratio,
        "target": MEMORY_TARGET,
        "ok": ratio <= MEMORY_TARGET,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 30 s)")
    args = parser.parse_args()
    if args.quick:
        speed_customers, rounds, small, large = 5_000, 1, 10_000, 100_000
    else:
        speed_customers, rounds, small, large = 20_000, 3, 100_000, 1_000_000

    print(f"speed: {speed_customers:,} customers, {LATENCY * 1000:.0f} ms latency ...", flush=True)
    speed = measure_speed(static_server, speed_customers, rounds)
    speed_fake = measure_speed(fake_server, speed_customers, rounds, judged=False)
    print(f"memory: {small:,} and {large:,} customers ...", flush=True)
    memory = measure_memory(small, large)

    small_run, large_run = memory["runs"]
    print()
    print("| measurement | value | target | ok |")
    print("|---|---|---|---|")
    for name, figures in (("pre-rendered server", speed), ("fake server", speed_fake)):
        target = figures["target"] is not None
        print(
            f"| {name}: prefetch 1, {speed_customers:,} customers, "
            f"{LATENCY * 1000:.0f} ms latency | {figures['prefetch_1_s']:.2f} s | | |"
        )
        print(f"| {name}: prefetch 8, same | {figures['prefetch_8_s']:.2f} s | | |")
        goal = f">= {SPEED_TARGET:g}x" if target else "(for information)"
        verdict = ("yes" if figures["ok"] else "NO") if target else ""
        print(
            f"| {name}: speed-up prefetch 8 / prefetch 1 | {figures['speedup']:.2f}x "
            f"| {goal} | {verdict} |"
        )
    for run in (small_run, large_run):
        print(
            f"| peak RSS, export of {run['customers']:,} customers | "
            f"{run['peak_rss_mib']:.1f} MiB ({run['seconds']:.1f} s, "
            f"{run['rate_per_s']:,.0f}/s) | | |"
        )
    print(
        f"| peak RSS ratio {large:,} / {small:,} | {memory['ratio']:.3f}x "
        f"| <= {MEMORY_TARGET:g}x | {'yes' if memory['ok'] else 'NO'} |"
    )

    results = {
        "benchmark": "export",
        "quick": args.quick,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "speed": speed,
        "speed_fake_server": speed_fake,
        "memory": memory,
    }
    out = HERE / "results" / "export.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(REPO)}")
    return 0 if speed["ok"] and memory["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
