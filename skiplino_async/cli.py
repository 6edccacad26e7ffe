"""The ``skiplino`` command: ``demo``, ``serve`` and ``export``."""

from __future__ import annotations

import argparse
import asyncio
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

    serve = sub.add_parser("serve", help="run the fake Skiplino server on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--customers", type=int, default=1000)
    serve.add_argument("--seed", type=int, default=0)
    serve.add_argument("--latency", type=float, default=0.0, help="seconds added to each answer")

    from .export._cli import add_export_parser

    add_export_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            from ._demo import run_demo

            return asyncio.run(run_demo(customers=args.customers))
        if args.command == "serve":
            from .testing import serve

            asyncio.run(
                serve(
                    port=args.port, customers=args.customers, seed=args.seed, latency=args.latency
                )
            )
            return 0
        from .export._cli import run_export

        return run_export(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
