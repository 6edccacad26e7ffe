"""The ``skiplino`` command: ``demo``, ``serve``, ``export`` and ``load``."""

from __future__ import annotations

import argparse
import asyncio
import errno
import sys
from collections.abc import Sequence

from ._version import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skiplino", description="Skiplino external API v1 from the command line."
    )
    parser.add_argument("--version", action="version", version=f"skiplino-async {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo",
        help="walk through the main flows against the embedded fake server",
        description=(
            "Start the embedded fake Skiplino server and walk through branches, trees, slots, "
            "bookings and customers. With SKIPLINO_API_KEY and SKIPLINO_BASE_URL set, run the "
            "read-only part against that API instead."
        ),
    )
    demo.add_argument("--customers", type=int, default=250, help="seed customers (fake server)")

    _add_serve_parser(sub)

    from .export._cli import add_export_parser

    add_export_parser(sub)

    from .dlt._cli import add_load_parser

    add_load_parser(sub)
    return parser


def _port(text: str) -> int:
    port = _integer(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a TCP port (0-65535; 0 picks a free one)")
    return port


def _count(text: str) -> int:
    count = _integer(text)
    if count < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative (0 or more)")
    return count


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a finite number of seconds >= 0")
    return seconds


def _rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of requests") from None
    if not 0 < rate < float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a positive number of requests")
    return rate


def _add_serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser(
        "serve",
        help="run the fake Skiplino server (on 127.0.0.1 by default)",
        description=(
            "Run the fake Skiplino API (in-memory data, every operation) until interrupted. "
            "It prints its base URL and a secret and a public key, serves its OpenAPI "
            "document at /openapi.json, and logs one line per request."
        ),
    )
    serve.add_argument(
        "--port", type=_port, default=8080, help="TCP port, 0 for a free one (default: 8080)"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument(
        "--customers", type=_count, default=1000, help="seed customers (default: 1000)"
    )
    serve.add_argument(
        "--seed", type=_integer, default=0, help="seed of the generated data (default: 0)"
    )
    serve.add_argument(
        "--latency",
        type=_seconds,
        default=0.0,
        help="seconds added to each answer (default: 0)",
    )
    serve.add_argument(
        "--rate-limit",
        type=_rate,
        default=None,
        metavar="N",
        help=(
            "answer 429 beyond N requests per second, with the seconds to the next free "
            "request in Retry-After (a token bucket holding one second of requests)"
        ),
    )


def _run_serve(args: argparse.Namespace) -> int:
    from .testing import serve

    try:
        asyncio.run(
            serve(
                port=args.port,
                customers=args.customers,
                seed=args.seed,
                latency=args.latency,
                host=args.host,
                rate_limit=args.rate_limit,
            )
        )
    except OSError as exc:
        # Cannot listen: the port is taken, the address is not this machine's, ...
        reason = "the port is already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        print(
            f"skiplino serve: cannot listen on {args.host}:{args.port}: {reason or exc}",
            file=sys.stderr,
        )
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            from ._demo import run_demo

            return asyncio.run(run_demo(customers=args.customers))
        if args.command == "serve":
            return _run_serve(args)
        if args.command == "load":
            from .dlt._cli import run_load

            return run_load(args)
        from .export._cli import run_export

        return run_export(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
