"""The ``skiplino export`` command line: its flags, turning them into :class:`ExportOptions`,
running the export in a fresh event loop and mapping how it ended to an exit code and a
message on stderr.

Exit codes: 0 done, 1 API or file error, 2 bad flags or arguments, 3 authentication failure,
4 server unreachable, 130 interrupted (Ctrl-C or SIGTERM; run again with ``--resume``).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from typing import Any, Final

import orjson

from ..errors import (
    APIConnectionError,
    AuthenticationError,
    PermissionDeniedError,
    SkiplinoError,
)
from ._job import _export_with_signals, _Terminated
from ._options import ExportOptions, Format, Kind, UsageError
from ._sinks import ExportFileError, checkpoint_path

EXIT_OK: Final = 0
EXIT_API_ERROR: Final = 1
EXIT_USAGE: Final = 2
EXIT_AUTH: Final = 3
EXIT_UNREACHABLE: Final = 4
EXIT_INTERRUPTED: Final = 130


def add_export_parser(sub: Any) -> None:
    """Add ``export customers`` and ``export tickets`` to the ``skiplino`` command."""
    export_p = sub.add_parser(
        "export",
        help="export every customer, or one customer's tickets, to JSONL or CSV",
        description=(
            "Stream a paginated list to a file, resumably: after Ctrl-C, a crash or a kill, "
            "run the same command with --resume. JSONL keeps the API's field names; CSV "
            "flattens objects one level deep (metadata.<key>, branch.id, ...). Key and base "
            "URL come from SKIPLINO_API_KEY / SKIPLINO_BASE_URL unless given as flags. Exit "
            "codes: 0 done, 1 API or file error, 2 bad flags, 3 authentication failure, "
            "4 server unreachable, 130 interrupted."
        ),
    )
    kinds = export_p.add_subparsers(dest="what", required=True, metavar="{customers,tickets}")
    customers = kinds.add_parser("customers", help="every customer of the company (secret key)")
    _common_flags(customers, max_limit=100)
    tickets = kinds.add_parser("tickets", help="one customer's tickets")
    who = tickets.add_mutually_exclusive_group(required=True)
    who.add_argument("--customer", metavar="ID", help="the customer's id")
    who.add_argument("--external-id", metavar="X", help="the customer's external id")
    _common_flags(tickets, max_limit=10)


def _common_flags(parser: argparse.ArgumentParser, *, max_limit: int) -> None:
    parser.add_argument(
        "--output",
        "-o",
        required=True,
        help="file to write ('-' for stdout, without checkpoints)",
    )
    parser.add_argument(
        "--format",
        choices=("jsonl", "csv"),
        help="output format (default: from the file extension, else jsonl)",
    )
    parser.add_argument(
        "--prefetch",
        type=_positive_int,
        default=8,
        help="page requests in flight (default 8)",
    )
    parser.add_argument(
        "--limit",
        type=_positive_int,
        default=max_limit,
        help=f"page size, 1-{max_limit} (default {max_limit})",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the export recorded in <output>.checkpoint.json (starts afresh if none)",
    )
    parser.add_argument("--max-items", type=_positive_int, help="stop after this many rows")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail if the list changes during the export instead of de-duplicating",
    )
    parser.add_argument(
        "--rate-limit", type=float, metavar="RPS", help="at most this many requests per second"
    )
    parser.add_argument(
        "--checkpoint-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="seconds between checkpoints; 0 saves one after every page (default 1)",
    )
    parser.add_argument("--api-key", help="API key (default: $SKIPLINO_API_KEY)")
    parser.add_argument("--base-url", help="API base URL (default: $SKIPLINO_BASE_URL)")
    bar = parser.add_mutually_exclusive_group()
    bar.add_argument(
        "--progress", dest="progress", action="store_true", default=None, help="progress bar"
    )
    bar.add_argument(
        "--no-progress", dest="progress", action="store_false", help="one-line summaries only"
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def options_from_args(args: argparse.Namespace) -> ExportOptions:
    """Check the flags argparse cannot check and build :class:`ExportOptions`."""
    kind: Kind = args.what
    max_limit = 100 if kind == "customers" else 10
    if not 1 <= args.limit <= max_limit:
        raise UsageError(f"--limit must be between 1 and {max_limit} for {kind}")
    if args.rate_limit is not None and not (args.rate_limit > 0 and math.isfinite(args.rate_limit)):
        raise UsageError("--rate-limit must be a positive number of requests per second")
    if not (args.checkpoint_interval >= 0 and math.isfinite(args.checkpoint_interval)):
        raise UsageError("--checkpoint-interval must be a number of seconds >= 0")
    fmt: Format = args.format or ("csv" if args.output.lower().endswith(".csv") else "jsonl")
    if args.output == "-" and args.resume:
        raise UsageError("--resume needs a file --output (stdout cannot be resumed)")
    return ExportOptions(
        kind=kind,
        output=args.output,
        format=fmt,
        prefetch=args.prefetch,
        limit=args.limit,
        resume=args.resume,
        customer_id=getattr(args, "customer", None),
        external_id=getattr(args, "external_id", None),
        api_key=args.api_key,
        base_url=args.base_url,
        max_items=args.max_items,
        strict=args.strict,
        rate_limit=args.rate_limit,
        checkpoint_interval=args.checkpoint_interval,
        progress=args.progress,
    )


def run_export(args: argparse.Namespace) -> int:
    """Run ``skiplino export ...``; returns the process exit code."""
    try:
        options = options_from_args(args)
    except UsageError as exc:
        return _fail(EXIT_USAGE, str(exc))
    return run_export_options(options)


def run_export_options(options: ExportOptions) -> int:
    """Run an export in a fresh event loop and map its outcome to an exit code."""
    try:
        result = asyncio.run(_export_with_signals(options))
    except KeyboardInterrupt:
        print("skiplino export: interrupted" + _resume_hint(options, saved=True), file=sys.stderr)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        return _fail(EXIT_USAGE, str(exc))
    except (AuthenticationError, PermissionDeniedError) as exc:
        return _fail(
            EXIT_AUTH,
            f"authentication failed ({exc}); check SKIPLINO_API_KEY or --api-key "
            "(exporting customers needs a secret key, sk_...)",
        )
    except APIConnectionError as exc:
        return _fail(
            EXIT_UNREACHABLE,
            f"cannot reach the API ({exc.message}); check SKIPLINO_BASE_URL or --base-url"
            + _resume_hint(options),
        )
    except SkiplinoError as exc:
        return _fail(EXIT_API_ERROR, f"API error: {exc}{_resume_hint(options)}")
    except ExportFileError as exc:
        return _fail(EXIT_API_ERROR, str(exc))
    except OSError as exc:
        return _fail(EXIT_API_ERROR, f"file error: {exc}")
    except _Terminated:
        print("skiplino export: terminated" + _resume_hint(options, saved=True), file=sys.stderr)
        return EXIT_INTERRUPTED
    del result
    return EXIT_OK


def _fail(code: int, message: str) -> int:
    print(f"skiplino export: error: {message}", file=sys.stderr)
    return code


def _resume_hint(options: ExportOptions, *, saved: bool = False) -> str:
    """How to go on, when a checkpoint with some rows was left behind."""
    if options.output == "-":
        return ""
    try:
        rows = int(orjson.loads(checkpoint_path(options.output).read_bytes()).get("rows", 0))
    except (OSError, ValueError, AttributeError):
        return ""
    if saved:
        return "; run the same command with --resume to finish"
    if rows == 0:
        return ""
    return f"; {rows:,} rows are saved: run the same command with --resume to continue"
