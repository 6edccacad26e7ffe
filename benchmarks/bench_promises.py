"""What each promise of the default walk costs per 100-row page, at 0 ms latency.

    python benchmarks/bench_promises.py [--rounds R] [--instructions] [--quick]

The export figure compares the SDK with a floor that keeps none of the SDK's promises: it
checks no type, keeps no unknown field, drops no repeated row, reuses a pooled connection
without looking, scrubs no key, never slows down for a throttling server and logs nothing
(nor does it know whether a failed request was sent: taking the middleware that tells out of
the SDK's own session changed neither its CPU time nor its instruction count measurably, so
it is not priced here). This script prices each promise: the default walk
(``customers.list(limit=100)``) is measured as it is, then with one promise taken out at a
time, then with all of them out, and the floor (raw aiohttp + orjson + hand-built models, two
requests in flight). Each variant runs in a child process of its own, the variants
interleaved over the rounds; the figure is the best of the rounds.

The promises are taken out by replacing private parts of the SDK in that child (on purpose:
this measures them, nothing else should do it). ``--instructions`` counts the instructions
the child executes per page under ``valgrind --tool=callgrind`` instead (one walk of 60
pages minus one of 10): the same count on every run, where CPU time moves by ±5%; the
server's own work is not counted. Differences under about 1.5% of the total move with any
change of the code (memory layout): such a price is marked, as an upper bound at most.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

LIMIT = 100
CUSTOMERS = 50_000
KEY = "sk_bench_0123456789"
#: Instruction counts move by up to this share with any change of the code (memory layout).
LAYOUT_NOISE = 0.015


# -- the promises, each as the change that takes it out -------------------------------------


def _replace(owner: Any, name: str, value: Any) -> None:
    """Set ``owner.name``; a name the SDK no longer has fails here, not silently."""
    if not hasattr(owner, name):
        raise AttributeError(f"{owner!r} has no {name!r}: update bench_promises.py")
    setattr(owner, name, value)


def _no_validation() -> None:
    """Customers built by hand as the floor builds them: no type check, no unknown field."""
    from clients.floor import build_customer

    import skiplino_async._converter as converter
    from skiplino_async.models import Customer

    converter.structure(  # fills the hook cache, then the floor's build replaces the hook
        [], list[Customer]
    )
    if list[Customer] not in converter._hooks:
        raise AttributeError("the converter's hook cache moved: update bench_promises.py")
    converter._hooks[list[Customer]] = lambda d, _=None: [build_customer(o) for o in d]


def _no_key_scrub() -> None:
    """Answers not searched for the API key."""
    from skiplino_async._redact import Scrubber

    _replace(Scrubber, "bytes", lambda self, data: data)
    _replace(Scrubber, "headers", lambda self, headers: headers)


def _no_stale_check() -> None:
    """A pooled connection reused without checking that the server has not closed it."""
    import aiohttp

    from skiplino_async._pool import FreshConnector

    _replace(FreshConnector, "_get", aiohttp.TCPConnector._get)


def _no_dedupe() -> None:
    """No id window: a row repeated by the server goes out twice."""
    from skiplino_async.pagination._window import IdWindow

    _replace(IdWindow, "claim", lambda self, ids: True)
    _replace(IdWindow, "add", lambda self, chunk: None)


def _no_throttling() -> None:
    """The server's pushback ignored: no slot taken, no answer looked at."""
    from skiplino_async._pushback import CallPushback

    async def before(self: Any, state: Any, pause: Any) -> None:
        return None

    _replace(CallPushback, "before", before)
    _replace(CallPushback, "after", lambda self, status, headers: None)


def _no_telemetry() -> None:
    """No call scope, attempt accounting or log checks (what serves logs and tracing)."""
    import skiplino_async._calllog as calllog
    import skiplino_async._telemetry as telemetry
    import skiplino_async.resources._base as base

    class Null:
        def __enter__(self) -> Null:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def ended(self, result: object) -> None:
            return None

        def close(self, exc: object) -> None:
            return None

    null = Null()
    _replace(telemetry, "attempt", lambda wire: null)
    _replace(telemetry, "waited", lambda kind, seconds: None)
    _replace(base, "page_call", lambda paginator, name, page: null)
    for name in ("sending", "answered", "call_ended"):
        _replace(calllog, name, lambda *args, **kwargs: None)


PROMISES: dict[str, Callable[[], None]] = {
    "type checks and unknown fields": _no_validation,
    "key scrubbed from answers": _no_key_scrub,
    "pooled connections checked before reuse": _no_stale_check,
    "repeated rows dropped (id window)": _no_dedupe,
    "throttling": _no_throttling,
    "logs and telemetry scope": _no_telemetry,
}
SDK, ALL_OUT, FLOOR = "SDK (default walk)", "SDK, all of these out", "floor (2 in flight)"


# -- the child: one variant, one or more walks ----------------------------------------------


async def _walk_sdk(url: str, pages: int) -> None:
    from skiplino_async import Skiplino

    async with Skiplino(api_key=KEY, base_url=url, max_retries=0) as client:
        count = 0
        async for _ in client.customers.list(limit=LIMIT, max_items=pages * LIMIT):
            count += 1
    if count != pages * LIMIT:
        raise AssertionError(f"walked {count} customers, not {pages * LIMIT}")


async def _walk_floor(url: str, pages: int) -> None:
    from clients.floor import floor_with

    floor = floor_with(2)(url, connection_limit=100)
    await floor.open(retries=False)
    count = 0
    try:
        async for _ in floor.customers():
            count += 1
            if count == pages * LIMIT:
                break
    finally:
        await floor.close()


def child(variant: str, url: str, pages: int, repeats: int) -> None:
    """Walk ``pages`` pages ``repeats`` times after a warm-up; print the best CPU µs/page."""
    if variant == FLOOR:
        walk = _walk_floor
    else:
        walk = _walk_sdk
        for name, take_out in PROMISES.items():
            if variant in (name, ALL_OUT):
                take_out()
    if repeats == 0:  # counted by callgrind: one walk, nothing else
        asyncio.run(walk(url, pages))
        return
    asyncio.run(walk(url, pages))
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        asyncio.run(walk(url, pages))
        best = min(best, time.process_time() - started)
    print(best / pages * 1e6)


# -- the parent: server, children, table ----------------------------------------------------


def _run_child(variant: str, url: str, pages: int, repeats: int, valgrind: bool) -> str:
    argv = [sys.executable, __file__, "--child", variant, "--url", url, "--pages", str(pages)]
    argv += ["--repeats", str(repeats)]
    if valgrind:
        argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv]
    env = dict(os.environ, PYTHONHASHSEED="0")
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise RuntimeError(f"{variant}: {done.stderr[-2000:]}")
    return done.stderr if valgrind else done.stdout


def _instructions(variant: str, url: str) -> float:
    """Instructions per page: a walk of 60 pages minus one of 10, over 50 pages."""
    counts = []
    for pages in (10, 60):
        found = re.search(r"Collected : (\d+)", _run_child(variant, url, pages, 0, True))
        if found is None:
            raise RuntimeError("valgrind printed no instruction count")
        counts.append(int(found.group(1)))
    return (counts[1] - counts[0]) / 50


def measure(url: str, rounds: int, instructions: bool, pages: int) -> dict[str, float]:
    variants = [SDK, *PROMISES, ALL_OUT, FLOOR]
    if instructions:
        return {v: _instructions(v, url) for v in variants}
    best: dict[str, float] = {}
    for round_ in range(rounds):
        for variant in variants if round_ % 2 == 0 else variants[::-1]:
            out = float(_run_child(variant, url, pages, 3, False))
            best[variant] = min(best.get(variant, out), out)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--instructions", action="store_true", help="count under valgrind")
    parser.add_argument(
        "--quick", action="store_true", help="one round of short walks: checks the script only"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--pages", type=int, default=CUSTOMERS // LIMIT, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.pages, args.repeats)
        return
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind (apt-get install valgrind)")
    from run import Server

    server = Server(CUSTOMERS, (0.0,))
    try:
        if args.quick:
            args.rounds = 1
        pages = 20 if args.quick else CUSTOMERS // LIMIT
        best = measure(server.url(0.0), args.rounds, args.instructions, pages)
    finally:
        server.close()
    _print(best, args)


def _print(best: dict[str, Any], args: argparse.Namespace) -> None:
    unit = "k instructions" if args.instructions else "µs CPU"
    scale = 1e-3 if args.instructions else 1.0
    sdk, floor = best[SDK], best[FLOOR]
    how = "callgrind" if args.instructions else f"best of {args.rounds} rounds"
    if args.quick:
        how += "; --quick: 20-page walks, the figures mean nothing"
    print(f"{unit} per {LIMIT}-row page, 0 ms latency ({how})\n")
    print(f"| walk | {unit} | price (SDK minus this) | floor / this |")
    print("|---|---:|---:|---:|")
    blurred = False
    for variant, value in best.items():
        saved = "" if variant in (SDK, FLOOR) else f"{(sdk - value) * scale:+.1f}"
        if saved and args.instructions and abs(sdk - value) < LAYOUT_NOISE * sdk:
            saved, blurred = saved + "*", True
        print(f"| {variant} | {value * scale:.1f} | {saved} | {floor / value:.2f} |")
    if blurred:
        print(f"\n*: under {LAYOUT_NOISE:.1%} of the total, which a change of layout alone moves.")
    print(f"\nThe goal of 0.9 leaves {(floor / 0.9 - floor) * scale:.1f} {unit} over the floor.")


if __name__ == "__main__":
    main()
