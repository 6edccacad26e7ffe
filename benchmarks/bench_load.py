"""Load benchmark: 100,000 customers into DuckDB and PostgreSQL through the dlt source,
against the JSONL file export of the same data (one run each).

    python benchmarks/bench_load.py                    # 100,000 customers
    python benchmarks/bench_load.py --customers 20000  # quicker

The fake server runs in its own process (``skiplino serve``); each load is the real command
in a child process, so its wall time includes starting Python and importing dlt, and its peak
resident set size comes from ``os.wait4``:

* baseline: ``skiplino export customers --output customers.jsonl``;
* ``skiplino load customers --destination duckdb`` (a DuckDB file);
* ``skiplino load customers --destination postgres``, into ``$SKIPLINO_TEST_POSTGRES``, else
  a throwaway server started with ``.ci/postgres.sh`` (skipped, with the reason, if none).

Each destination's row count is checked against the server's. Prints a markdown table with
rows/s and peak memory, each also as a ratio to the JSONL export's; writes the figures to
``benchmarks/results/load.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_export import REPO, child_env, fake_server  # noqa: E402


def measure(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Run ``argv``; (wall seconds, peak RSS in MiB). Raises if it fails."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv[2:])} failed: {err}")
    return elapsed, usage.ru_maxrss / 1024  # Linux: KiB


@contextmanager
def postgres() -> Iterator[str | None]:
    """A PostgreSQL URL: ``$SKIPLINO_TEST_POSTGRES``, else a throwaway server, else None."""
    url = os.environ.get("SKIPLINO_TEST_POSTGRES")
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o711)  # as root the server runs as the postgres user
        folder = Path(tmp) / "pg"
        folder.mkdir()
        script = str(REPO / ".ci" / "postgres.sh")
        started = subprocess.run(["bash", script, "start", str(folder)], capture_output=True)
        if started.returncode != 0:
            print(f"PostgreSQL skipped: {started.stderr.decode().strip()}", file=sys.stderr)
            yield None
            return
        try:
            yield started.stdout.decode().strip()
        finally:
            subprocess.run(["bash", script, "stop", str(folder)], check=False)


def count_duckdb(path: Path) -> int:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM skiplino_data.customers").fetchone()
    return int(row[0]) if row else 0


def count_postgres(url: str, dataset: str) -> int:
    import psycopg2

    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {dataset}.customers")
        row = cur.fetchone()
    con.close()
    return int(row[0]) if row else 0


@contextmanager
def quiet_server(customers: int) -> Iterator[tuple[str, str]]:
    """The fake server with its access log (its stderr) silenced."""
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # the child inherits it
    try:
        server = fake_server(customers, 0.0)
        address = server.__enter__()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    try:
        yield address
    finally:
        server.__exit__(None, None, None)


def run(customers: int) -> dict[str, Any]:
    results: dict[str, dict[str, float]] = {}
    cli = [sys.executable, "-m", "skiplino_async"]
    with quiet_server(customers) as (url, key), tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = child_env() | {"SKIPLINO_API_KEY": key, "SKIPLINO_BASE_URL": url}
        env["DLT_DATA_DIR"] = str(work / "dlt")
        jsonl = work / "customers.jsonl"
        seconds, mib = measure([*cli, "export", "customers", "-o", str(jsonl)], env, work)
        assert sum(1 for _ in jsonl.open("rb")) == customers
        results["jsonl export"] = {"seconds": seconds, "peak_mib": mib}

        load = [*cli, "load", "customers", "--pipeline", "bench"]
        seconds, mib = measure([*load, "--destination", "duckdb"], env, work)
        assert count_duckdb(work / "bench.duckdb") == customers
        results["dlt -> duckdb"] = {"seconds": seconds, "peak_mib": mib}

        with postgres() as pg:
            if pg is not None:
                dataset = f"bench_{os.getpid()}"
                pg_env = env | {"DESTINATION__POSTGRES__CREDENTIALS": pg}
                argv = [*load, "--destination", "postgres", "--pipeline", "bench_pg"]
                seconds, mib = measure([*argv, "--dataset", dataset], pg_env, work)
                assert count_postgres(pg, dataset) == customers
                results["dlt -> postgres"] = {"seconds": seconds, "peak_mib": mib}
    base = results["jsonl export"]
    for figures in results.values():
        figures["rows_per_s"] = customers / figures["seconds"]
        figures["speed_vs_jsonl"] = base["seconds"] / figures["seconds"]
        figures["memory_vs_jsonl"] = figures["peak_mib"] / base["peak_mib"]
    return {
        "customers": customers,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "results": results,
    }


def table(report: dict[str, Any]) -> str:
    lines = [
        f"{report['customers']:,} customers, one run each (wall time of the whole command)",
        "",
        "| path | seconds | rows/s | vs JSONL | peak MiB | vs JSONL |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, f in report["results"].items():
        lines.append(
            f"| {name} | {f['seconds']:.1f} | {f['rows_per_s']:,.0f} | "
            f"{f['speed_vs_jsonl']:.2f}x | {f['peak_mib']:.0f} | {f['memory_vs_jsonl']:.2f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    report = run(args.customers)
    print(table(report))
    out = HERE / "results" / "load.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
