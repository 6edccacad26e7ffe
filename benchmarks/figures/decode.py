"""Decode cost per record: one 100-customer page, from parsed JSON and from bytes."""

from __future__ import annotations

import time
from typing import Any

import orjson
from _harness import (
    FLOOR,
    REFERENCE,
    SDK,
    Bench,
    Samples,
    collected_heap,
    rotated,
)
from _payloads import PAGE_LIMIT, customers_page
from clients import decoders

from figures._format import x


def decode(bench: Bench) -> dict[str, Samples]:
    """One 100-customer page: from parsed JSON (structuring only) and from bytes."""
    cfg = bench.cfg
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


def table(res: dict[str, Any], targets: dict[str, float]) -> list[str]:
    """The decode table; its targets go in ``targets``."""
    lines: list[str] = []
    out = lines.append
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
                f"| {name} | {parsed.best(name) * 1e6:.3f} | {x(parsed.cost_ratio(name))} "
                f"| {x(parsed.cost_ratio(name, REFERENCE))} | {raw.best(name) * 1e6:.3f} "
                f"| {x(raw.cost_ratio(name))} | {x(raw.cost_ratio(name, REFERENCE))} |"
            )
        out("")
        targets["sdk_decode_vs_pydantic"] = parsed.cost_ratio(SDK, REFERENCE)
        targets["sdk_decode_bytes_vs_pydantic"] = raw.cost_ratio(SDK, REFERENCE)
        targets["sdk_structuring_us_per_page"] = parsed.best(SDK) * 1e6 * PAGE_LIMIT
    return lines
