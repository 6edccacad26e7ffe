"""``skiplino export``: its flags, the client they describe, running the export with a
progress display and SIGTERM handling, and mapping how it ended to an exit code and a message
that names the command's own flags.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import signal
import sys
from typing import Any, Final

from .._client import Skiplino
from ..errors import (
    APIConnectionError,
    AuthenticationError,
    PermissionDeniedError,
    SkiplinoError,
)
from ..pagination import DriftError
from . import formats
from ._api import infer_format
from ._engine import run
from ._errors import ExportError, ExportUsageError, FormatUnavailableError
from ._job import MAX_LIMIT, ExportJob, Kind
from ._progress import Display
from ._result import ExportProgress, ExportResult

EXIT_OK: Final = 0
EXIT_API_ERROR: Final = 1
EXIT_USAGE: Final = 2
EXIT_AUTH: Final = 3
EXIT_UNREACHABLE: Final = 4
EXIT_INTERRUPTED: Final = 130
EXIT_PIPE_CLOSED: Final = 141  # 128 + SIGPIPE, as a shell reports a tool its reader left

EXIT_CODES: Final = (
    "exit codes: 0 done; 1 API, file or checkpoint error; 2 bad flags or arguments; "
    "3 authentication failure; 4 server unreachable; 130 interrupted (Ctrl-C or SIGTERM: "
    "run the same command with --resume); 141 the reader of stdout stopped reading"
)

#: Library wording in SDK messages, and what the command line calls the same thing.
_FLAG_WORDS: Final = (
    (
        "pass api_key=... or set the SKIPLINO_API_KEY environment variable",
        "give --api-key or set SKIPLINO_API_KEY",
    ),
    ("pass allow_insecure_http=True", "give --allow-insecure-http"),
    ("pass strict=False to de-duplicate and go on", "run without --strict to de-duplicate"),
    ("base_url", "--base-url"),
)


def add_export_parser(sub: Any) -> None:
    """Add ``export customers`` and ``export tickets`` to the ``skiplino`` command."""
    export_p = sub.add_parser(
        "export",
        help="export every customer, or one customer's tickets, to JSONL, CSV or Parquet",
        description="Export a list durably and resumably. " + EXIT_CODES,
    )
    kinds = export_p.add_subparsers(dest="what", required=True, metavar="{customers,tickets}")
    customers = kinds.add_parser(
        "customers", help="every customer of the company (secret key)", **_texts("customers")
    )
    _common_flags(customers, "customers")
    tickets = kinds.add_parser("tickets", help="one customer's tickets", **_texts("tickets"))
    who = tickets.add_mutually_exclusive_group(required=True)
    who.add_argument("--customer", metavar="ID", help="the customer's id")
    who.add_argument("--external-id", metavar="X", help="the customer's external id")
    _common_flags(tickets, "tickets")


def _texts(kind: Kind) -> dict[str, Any]:
    return {
        "description": (
            f"Write {kind} (newest first) to a file, durably: rows go to <output>.partial with "
            "a checkpoint beside it, and <output> is replaced only when the export is "
            "complete, so a failed or killed run leaves the previous file as it was. After "
            "Ctrl-C, a crash or a kill, run the same command with --resume; --resume with "
            "nothing unfinished starts a fresh export. A complete export leaves "
            "<output>.checkpoint.json, a marker of about 1 KB that --since reads. JSONL "
            "keeps the API's field names; CSV has fixed columns (objects one level deep as "
            "branch.id, metadata and new fields as JSON cells; --flatten for "
            "metadata.<key> columns); Parquet writes a dataset directory. Key and URL come "
            "from SKIPLINO_API_KEY / SKIPLINO_BASE_URL unless given as flags. To load into "
            "a database or object storage (s3://...), use skiplino load."
        ),
        "epilog": EXIT_CODES,
    }


def _common_flags(parser: argparse.ArgumentParser, kind: Kind) -> None:
    top = MAX_LIMIT[kind]
    parser.add_argument(
        "--output", "-o", required=True, help="target file or directory ('-': stdout)"
    )
    parser.add_argument(
        "--format",
        choices=formats.names(),
        help="output format (default: from the extension of --output, else jsonl); "
        "parquet needs pip install 'skiplino-async[parquet]'",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the unfinished export recorded in <output>.partial.checkpoint.json; "
        "without one, start a fresh export (so the same command every night gives that "
        "night's data; a complete <output> is replaced only when the new one is complete)",
    )
    parser.add_argument(
        "--since",
        metavar="PREVIOUS",
        help="write only the rows inserted after the newest rows of PREVIOUS, a complete "
        "earlier export of the same list, reading only the pages that hold them. Updates "
        "to older rows are NOT seen: only a full export sees them",
    )
    parser.add_argument("--max-items", type=_positive_int, help="stop after this many rows")
    parser.add_argument(
        "--limit", type=_positive_int, default=None, help=f"page size, 1-{top} (default {top})"
    )
    parser.add_argument(
        "--prefetch", type=_positive_int, default=8, help="page requests in flight (default 8)"
    )
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
    parser.add_argument(
        "--part-rows",
        type=_positive_int,
        default=50_000,
        metavar="N",
        help="rows per Parquet part file, one checkpoint each (default 50000)",
    )
    parser.add_argument(
        "--flatten",
        action="store_true",
        help="csv to a file: one column per metadata key and new field (default: fixed "
        "columns, metadata and _extra as JSON cells; stdout takes only the fixed columns)",
    )
    parser.add_argument("--api-key", help="API key (default: $SKIPLINO_API_KEY)")
    parser.add_argument("--base-url", help="API base URL (default: $SKIPLINO_BASE_URL)")
    parser.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow a plain-http --base-url other than localhost (the key travels unencrypted)",
    )
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


def job_from_args(args: argparse.Namespace) -> ExportJob:
    """The :class:`ExportJob` the flags describe (flag names in its errors)."""
    kind: Kind = args.what
    top = MAX_LIMIT[kind]
    if args.limit is not None and not 1 <= args.limit <= top:
        raise ExportUsageError(f"--limit must be between 1 and {top} for {kind}")
    if args.rate_limit is not None and not (args.rate_limit > 0 and math.isfinite(args.rate_limit)):
        raise ExportUsageError("--rate-limit must be a positive number of requests per second")
    if not (args.checkpoint_interval >= 0 and math.isfinite(args.checkpoint_interval)):
        raise ExportUsageError("--checkpoint-interval must be a number of seconds >= 0")
    if args.output == "-" and (args.resume or args.since):
        raise ExportUsageError("--resume and --since need a file --output, not stdout")
    return ExportJob(
        kind=kind,
        path=args.output,
        format=infer_format(args.output, args.format),
        resume=args.resume,
        since=args.since,
        customer_id=getattr(args, "customer", None),
        external_id=getattr(args, "external_id", None),
        limit=args.limit,
        prefetch=args.prefetch,
        max_items=args.max_items,
        strict=args.strict,
        checkpoint_interval=args.checkpoint_interval,
        part_rows=args.part_rows,
        flatten=args.flatten,
    )


def run_export(args: argparse.Namespace) -> int:
    """Run ``skiplino export ...``; returns the process exit code."""
    try:
        job = job_from_args(args)
        formats.get(job.format).check()
        client = Skiplino(
            api_key=args.api_key,
            base_url=args.base_url,
            rate_limit=args.rate_limit,
            allow_insecure_http=args.allow_insecure_http,
        )
    except (ExportUsageError, ValueError) as exc:
        return _fail(EXIT_USAGE, str(exc))
    except FormatUnavailableError as exc:
        return _fail(EXIT_USAGE, str(exc))
    tty = args.progress if args.progress is not None else sys.stderr.isatty()
    display = Display(sys.stderr, tty=tty, kind=job.kind)
    try:
        result = asyncio.run(_with_signals(client, job, display))
    except KeyboardInterrupt:
        return _stopped(display, job, "interrupted")
    except _Terminated:
        return _stopped(display, job, "terminated")
    except (AuthenticationError, PermissionDeniedError) as exc:
        return _failed(
            display,
            EXIT_AUTH,
            # The error says why: the server's reason, or that a public key cannot do this.
            f"authentication failed ({exc}); check --api-key or SKIPLINO_API_KEY",
        )
    except APIConnectionError as exc:
        return _failed(
            display,
            EXIT_UNREACHABLE,
            f"cannot reach the API ({exc.message}); check --base-url or SKIPLINO_BASE_URL"
            + _resume_hint(display),
        )
    except (DriftError, SkiplinoError) as exc:
        return _failed(display, EXIT_API_ERROR, f"API error: {exc}{_resume_hint(display)}")
    except ExportUsageError as exc:
        return _failed(display, EXIT_USAGE, str(exc))
    except ExportError as exc:
        return _failed(display, EXIT_API_ERROR, str(exc))
    except BrokenPipeError:
        if job.path != "-":
            raise
        return _reader_gone(display)
    except OSError as exc:
        return _failed(display, EXIT_API_ERROR, f"file error: {exc}{_resume_hint(display)}")
    _report(display, result)
    return EXIT_OK


class _Terminated(Exception):
    """SIGTERM stopped the export (after saving its checkpoint)."""


async def _with_signals(client: Skiplino, job: ExportJob, display: Display) -> ExportResult:
    """The export, with SIGTERM stopping it cleanly like Ctrl-C."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    terminated = False

    def on_sigterm() -> None:
        nonlocal terminated
        terminated = True
        if task is not None:
            task.cancel()

    installed = False
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        installed = True
    try:
        async with client:
            return await run(client, job, on_progress=display, on_resume=_say_resuming)
    except asyncio.CancelledError:
        if terminated:
            raise _Terminated from None
        raise
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGTERM)


def _say_resuming(rows: int) -> None:
    print(f"skiplino export: resuming after {rows:,} rows", file=sys.stderr)


def _report(display: Display, result: ExportResult) -> None:
    final = display.last or ExportProgress(
        result.rows, result.resumed_rows, result.rows, result.stats.elapsed, result.stats
    )
    if result.already_complete:
        display.close(final=None)
        print(
            f"skiplino export: {result.path} is already complete ({result.rows:,} rows)",
            file=sys.stderr,
        )
        return
    display.close(final=final)
    for event in result.drift:
        print(
            f"skiplino export: warning: the list changed during the export at page "
            f"{event.page} (total {event.previous_total} -> {event.total}"
            + (f", {event.recovered} rows re-read" if event.recovered else "")
            + "); duplicates were dropped, but rows added or removed meanwhile may be "
            "missing or stale",
            file=sys.stderr,
        )
    if result.anchor_missing:
        print(
            "skiplino export: warning: none of the newest rows of the --since export still "
            "exist; this delta holds every row",
            file=sys.stderr,
        )


def _flag_words(message: str) -> str:
    for library, flag in _FLAG_WORDS:
        message = message.replace(library, flag)
    return message


def _fail(code: int, message: str) -> int:
    print(f"skiplino export: error: {_flag_words(message)}", file=sys.stderr)
    return code


def _failed(display: Display, code: int, message: str) -> int:
    display.close(final=None)
    return _fail(code, message)


def _stopped(display: Display, job: ExportJob, how: str) -> int:
    display.close(final=None)
    hint = "; run the same command with --resume to finish" if job.path != "-" else ""
    print(f"skiplino export: {how}{hint}", file=sys.stderr)
    return EXIT_INTERRUPTED


def _reader_gone(display: Display) -> int:
    """Standard output's reader stopped (``| head``): end quietly, as other Unix tools do."""
    display.close(final=None)
    # Nothing more may reach the closed pipe, not even the interpreter's flush at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_PIPE_CLOSED


def _resume_hint(display: Display) -> str:
    """How to go on, when rows were saved before the failure."""
    rows = display.last.rows if display.last is not None else 0
    if rows == 0:
        return ""
    return "; rows written so far are saved: run the same command with --resume to continue"
