"""Export durability benchmark: what checkpoints cost, per-format throughput, and the pages a
``since=`` delta reads.

    python benchmarks/bench_durability.py            # full run (about a minute)
    python benchmarks/bench_durability.py --quick    # smaller sizes

Three measurements, each a ratio within one run:

* **cost of durability**: ``export.customers()`` to JSONL against the pre-rendered server
  (``benchmarks/_server.py``, its own process, no added latency, so the client's own work is
  what is measured), with a checkpoint after every page (``checkpoint_interval=0``: an fsync
  of the output and an atomic checkpoint replace per page) versus none between the first and
  the final one. Runs alternate; medians are compared.
* **per-format throughput**: the same export to JSONL, CSV and Parquet (default checkpoint
  interval), as rows per second and as a ratio to JSONL.
* **incremental export**: against the fake server in this process, a full export, then 1% new
  customers and a ``since=`` delta; the list requests each one made, counted by the server.

Prints a markdown table and writes the figures to ``benchmarks/results/durability.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from bench_export import static_server  # noqa: E402

from skiplino_async import Skiplino, export  # noqa: E402
from skiplino_async.testing import FakeSkiplino  # noqa: E402

NEVER = 1e9  # a checkpoint interval no run reaches


async def timed_export(url: str, key: str, path: Path, **options: Any) -> float:
    async with Skiplino(api_key=key, base_url=url) as client:
        started = time.perf_counter()
        result = await export.customers(client, path, limit=100, **options)
        elapsed = time.perf_counter() - started
    assert result.complete
    return elapsed


def medians(
    url: str, key: str, variants: dict[str, dict[str, Any]], rounds: int
) -> dict[str, float]:
    """Median seconds of each variant, runs interleaved so that drift in load hits all."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(rounds):
            for name, options in variants.items():
                path = Path(tmp) / f"{name}-{i}.{options.get('format', 'jsonl')}"
                times[name].append(asyncio.run(timed_export(url, key, path, **options)))
    return {name: statistics.median(values) for name, values in times.items()}


async def delta_pages(customers: int) -> dict[str, Any]:
    """List requests of a full export and of a 1% ``since=`` delta after it."""
    async with (
        FakeSkiplino(customers=customers, request_log_size=None) as fake,
        Skiplino(api_key=fake.secret_key, base_url=fake.url) as client,
    ):

        def list_requests() -> int:
            return sum(1 for r in fake.requests if r.path == "/customers/getAll")

        with tempfile.TemporaryDirectory() as tmp:
            full = Path(tmp) / "full.jsonl"
            await export.customers(client, full, limit=100)
            full_pages = list_requests()
            new = customers // 100
            for i in range(new):
                fake.state.add_customer(name=f"New {i}")
            delta = await export.customers(client, Path(tmp) / "delta.jsonl", since=full)
            delta_pages = list_requests() - full_pages
    assert delta.rows == new
    return {
        "customers": customers,
        "new_customers": new,
        "full_export_pages": full_pages,
        "delta_pages": delta_pages,
        "ratio": delta_pages / full_pages,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    customers, rounds, delta_size = (5_000, 3, 20_000) if args.quick else (50_000, 5, 100_000)

    formats: dict[str, dict[str, Any]] = {
        "jsonl": {"format": "jsonl"},
        "csv": {"format": "csv"},
    }
    try:
        import pyarrow  # noqa: F401

        formats["parquet"] = {"format": "parquet"}
    except ImportError:
        print("(pyarrow not installed: no Parquet figure)", flush=True)

    print(f"durability and formats: {customers:,} customers, {rounds} rounds ...", flush=True)
    with static_server(customers, 0.0) as (url, key):
        cost = medians(
            url,
            key,
            {"every_page": {"checkpoint_interval": 0}, "none": {"checkpoint_interval": NEVER}},
            rounds,
        )
        per_format = medians(url, key, formats, rounds)
    print(f"incremental: {delta_size:,} customers, 1% new ...", flush=True)
    delta = asyncio.run(delta_pages(delta_size))

    durability_ratio = cost["every_page"] / cost["none"]
    print()
    print("| measurement | value |")
    print("|---|---|")
    for name, seconds in cost.items():
        print(f"| JSONL, checkpoint {name.replace('_', ' ')} | {customers / seconds:,.0f} rows/s |")
    print(f"| cost of a checkpoint after every page (time ratio) | {durability_ratio:.2f}x |")
    for name, seconds in per_format.items():
        ratio = per_format["jsonl"] / seconds
        print(f"| {name} | {customers / seconds:,.0f} rows/s ({ratio:.2f}x JSONL) |")
    print(
        f"| full export of {delta['customers']:,} customers | "
        f"{delta['full_export_pages']} list requests |"
    )
    print(
        f"| since= delta of {delta['new_customers']:,} new (1%) | {delta['delta_pages']} list "
        f"requests ({delta['ratio']:.3f}x the full export) |"
    )
    results = {
        "benchmark": "durability",
        "quick": args.quick,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "customers": customers,
        "rounds": rounds,
        "seconds": {"checkpoints": cost, "formats": per_format},
        "durability_time_ratio": durability_ratio,
        "format_throughput_vs_jsonl": {n: per_format["jsonl"] / s for n, s in per_format.items()},
        "delta": delta,
    }
    out = HERE / "results" / "durability.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
