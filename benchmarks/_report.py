"""The report of a ``run.py`` run: the headline summary, each figure's table, the targets,
and the JSON document with every sample."""

from __future__ import annotations

from typing import Any

from _harness import (
    FLOOR,
    FLOOR_SEQ,
    GENERATED,
    MSGSPEC,
    ORJSON,
    RAW,
    REFERENCE,
    SDK,
    SDK_TUNED,
    Bench,
    Config,
    Samples,
)
from figures import decode, export, fetch, memory, overhead
from figures._format import mmm


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
                        mmm(e.speed_range(name, same)),
                    )
                )
        for peer in (GENERATED, REFERENCE, MSGSPEC):
            if peer in e.values:
                rows.append((f"`{SDK}` export vs `{peer}` at 0 ms", mmm(e.speed_range(SDK, peer))))
        for limit in (ORJSON, RAW):
            if limit in e.values:
                rows.append(
                    (f"`{SDK}` export as a fraction of `{limit}`", mmm(e.speed_range(SDK, limit)))
                )
    slow: Samples | None = res.get("export@20ms")
    if slow is not None:
        for name, base in ((SDK, FLOOR_SEQ), (SDK_TUNED, FLOOR_SEQ), (SDK_TUNED, SDK)):
            if name in slow.values and base in slow.values:
                rows.append((f"at 20 ms: `{name}` vs `{base}`", mmm(slow.speed_range(name, base))))
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
        lines += overhead.table(res, targets)
    if "decode" in res:
        lines += decode.table(res, targets)
    if "fetch" in res:
        lines += fetch.table(res)
    lines += export.table(cfg, bench, targets)
    if mem:
        lines += memory.table(cfg, mem)
    if bench.skipped:
        out("Skipped: " + "; ".join(f"{k} ({v})" for k, v in bench.skipped.items()) + "\n")
    if targets and not cfg.quick:
        lines += _targets(targets)
    data = {
        "samples": {k: _jsonable(v) for k, v in res.items()},
        "memory": mem,
        "pages_ahead": bench.ahead,
        "same_strategy_floor": bench.same_floor,
        "targets": targets,
        "skipped": bench.skipped,
    }
    return "\n".join(lines), data


def _targets(targets: dict[str, float]) -> list[str]:
    lines = ["### Targets\n", "| target | measured | met |", "|---|---:|---|"]
    for key, label, ok in TARGETS:
        if key in targets:
            v = targets[key]
            lines.append(f"| {label} | {v:.2f}x | {'yes' if ok(v) else '**no**'} |")
    return [*lines, ""]


def _jsonable(value: Any) -> Any:
    if isinstance(value, Samples):
        return {"unit": value.unit, "wall": value.values, "cpu": value.cpu}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
