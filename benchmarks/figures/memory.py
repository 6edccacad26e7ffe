"""Peak memory: RSS growth while exporting, each client in a fresh process."""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys

from _harness import (
    HERE,
    Config,
    Server,
)
from clients import registry


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


async def memory_child(name: str, url: str, total: int, limit: int) -> dict[str, float]:
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
                cmd = [sys.executable, str(HERE / "run.py"), "--memory-child", name, own.url(0.0)]
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


def table(cfg: Config, mem: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """The memory table."""
    lines: list[str] = []
    out = lines.append
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
    return lines
