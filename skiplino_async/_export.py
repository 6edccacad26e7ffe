"""``skiplino export``: stream every customer (or a customer's tickets) to a JSONL or CSV file.

The export is resumable. After each batch of pages the output is flushed and fsync'd, *then*
a checkpoint is written beside it (``<output>.checkpoint.json``, atomically: temp file +
``os.replace``) recording the paginator position and the output's byte size at that moment.
``--resume`` truncates the output back to that size (dropping a torn tail written after the
checkpoint) and continues the walk from the checkpoint, so after Ctrl-C, a crash or a SIGKILL
the finished file holds every row exactly once.

Formats:

* ``jsonl``: one JSON object per line, the wire field names (``model.to_dict()``: ``_id``,
  ``externalId``, ISO-8601 times); fields the server omitted are left out.
* ``csv``: UTF-8 with a header row. Top-level fields are columns under their wire names;
  object fields are flattened one level as ``<field>.<key>`` columns: ``metadata.tier``,
  ``metadata.source`` for customers, ``branch.id``, ``branch.name`` ... for tickets. Deeper
  values and arrays are written as JSON text in their cell; a missing or null value is an
  empty cell (so ``metadata: null`` and ``metadata: {}`` look alike). Columns appear in a
  fixed order for the documented fields, then in the order new keys were first met; when a
  key first appears after the header was written, the file is rewritten once at the end with
  the full header and every row padded to it. (With ``--output -`` nothing can be rewritten:
  rows then carry the later columns beyond the end of the header.)

Exit codes: 0 done, 1 API or file error, 2 bad flags or arguments, 3 authentication failure,
4 server unreachable, 130 interrupted (Ctrl-C or SIGTERM; run again with ``--resume``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import math
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal, TextIO

import attrs
import orjson

from ._client import Skiplino
from .errors import (
    APIConnectionError,
    AuthenticationError,
    PermissionDeniedError,
    SkiplinoError,
)
from .models import Customer, Page, Ticket
from .pagination import AsyncPaginator, DriftEvent, PaginatorStats

__all__ = ["ExportOptions", "ExportResult", "add_export_parser", "export", "run_export"]

EXIT_OK: Final = 0
EXIT_API_ERROR: Final = 1
EXIT_USAGE: Final = 2
EXIT_AUTH: Final = 3
EXIT_UNREACHABLE: Final = 4
EXIT_INTERRUPTED: Final = 130

CHECKPOINT_KIND: Final = "skiplino-export"
CHECKPOINT_VERSION: Final = 1

Format = Literal["jsonl", "csv"]
Kind = Literal["customers", "tickets"]

#: CSV columns always present, in this order; other keys follow as they are met.
BASE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "customers": (
        "_id",
        "externalId",
        "companyId",
        "name",
        "email",
        "mobile",
        "createdAt",
        "updatedAt",
    ),
    "tickets": (
        "id",
        "ticketNumber",
        "status",
        "statusAt",
        "type",
        "time",
        "branch.id",
        "branch.name",
        "service.id",
        "service.name",
        "groupOfService.id",
        "groupOfService.name",
        "customer.id",
        "customer.name",
        "bookedAt",
        "queueSize",
        "waitingTime",
    ),
}


class UsageError(Exception):
    """Bad flags or arguments (exit code 2)."""


class ExportFileError(Exception):
    """The output or its checkpoint cannot be used (exit code 1)."""


@attrs.frozen
class ExportOptions:
    """What to export and where; built from the command line or directly in code."""

    kind: Kind
    output: str
    format: Format = "jsonl"
    prefetch: int = 8
    limit: int | None = None
    resume: bool = False
    customer_id: str | None = None
    external_id: str | None = None
    api_key: str | None = None
    base_url: str | None = None
    max_items: int | None = None
    strict: bool = False
    rate_limit: float | None = None
    #: Seconds between checkpoints (0: after every page).
    checkpoint_interval: float = 1.0
    #: ``None``: a progress bar when stderr is a terminal, one-line summaries otherwise.
    progress: bool | None = None


@attrs.define
class ExportResult:
    """How an export ended."""

    rows: int
    stats: PaginatorStats
    complete: bool
    resumed: bool
    drift: list[DriftEvent] = attrs.field(factory=list)
    output: str = ""


def checkpoint_path(output: str) -> Path:
    """Where the checkpoint of ``output`` lives: beside it, ``<output>.checkpoint.json``."""
    return Path(output + ".checkpoint.json")


# -- command line ----------------------------------------------------------------------------


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


class _Terminated(Exception):
    """SIGTERM stopped the export (after saving its checkpoint)."""


async def _export_with_signals(options: ExportOptions) -> ExportResult:
    """:func:`export`, with SIGTERM stopping it cleanly like Ctrl-C."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    terminated = False

    def on_sigterm() -> None:
        nonlocal terminated
        terminated = True
        if task is not None:
            task.cancel()

    installed = False
    if hasattr(signal, "SIGTERM"):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
            installed = True
    try:
        return await export(options)
    except asyncio.CancelledError:
        if terminated:
            # Our own SIGTERM cancellation, at the top of the program: report it as such.
            raise _Terminated from None
        raise
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGTERM)


# -- the export ------------------------------------------------------------------------------


async def export(
    options: ExportOptions,
    *,
    client: Skiplino | None = None,
    on_page: Callable[[Page[Any]], object] | None = None,
    stderr: TextIO | None = None,
) -> ExportResult:
    """Run one export (or resume it). ``client`` replaces the one built from the options.

    Raises :class:`UsageError` for arguments that conflict with the checkpoint, SDK errors
    for API failures (with the checkpoint saved first), :class:`ExportFileError` for an
    output that does not match its checkpoint.
    """
    err = stderr if stderr is not None else sys.stderr
    if options.output == "-":
        sink: _Sink = _StdoutSink()
        saved = None
    else:
        saved = _load_checkpoint(options) if options.resume else None
        sink = _FileSink(options.output, saved)
    with sink:
        if saved is not None and saved.get("done"):
            sink.finish(_columns_of(saved), _header_of(saved))
            rows = int(saved.get("rows", 0))
            print(
                f"skiplino export: {options.output} is already complete ({rows:,} rows)", file=err
            )
            stats = PaginatorStats(items_yielded=rows)
            return ExportResult(rows, stats, True, True, output=options.output)
        writer = _make_writer(options, saved)
        if client is None:
            try:
                client = Skiplino(
                    api_key=options.api_key,
                    base_url=options.base_url,
                    rate_limit=options.rate_limit,
                )
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            async with client:
                return await _walk(options, client, sink, writer, saved, on_page, err)
        return await _walk(options, client, sink, writer, saved, on_page, err)


async def _walk(
    options: ExportOptions,
    client: Skiplino,
    sink: _Sink,
    writer: _Writer,
    saved: dict[str, Any] | None,
    on_page: Callable[[Page[Any]], object] | None,
    err: TextIO,
) -> ExportResult:
    drift: list[DriftEvent] = []
    resume_from = saved["paginator"] if saved is not None else None
    paginator = _paginator(options, client, resume_from, on_page, drift.append)
    progress = _Progress(
        err, options.progress if options.progress is not None else err.isatty(), options.kind
    )
    rows = int(saved.get("rows", 0)) if saved is not None else 0
    if saved is None:
        sink.write(writer.header())
    last_save = time.monotonic()
    consistent = True
    try:
        async for page in paginator.pages():
            consistent = False  # until the page is written entirely
            sink.write(writer.rows(page.items))
            rows += len(page.items)
            consistent = True
            now = time.monotonic()
            if now - last_save >= options.checkpoint_interval:
                sink.save(paginator.checkpoint(), rows, writer, done=False)
                last_save = now
            progress.update(paginator.stats)
    except BaseException:
        # Interrupted or failed between pages: what is written matches the paginator's
        # position, so save it and the next --resume loses nothing.
        if consistent:
            sink.save(paginator.checkpoint(), rows, writer, done=False)
        progress.close(paginator.stats, failed=True)
        raise
    complete = paginator.checkpoint()["done"]
    sink.save(paginator.checkpoint(), rows, writer, done=complete)
    if complete:
        sink.finish(writer.columns, writer.header_columns)
    progress.close(paginator.stats, failed=False)
    for event in drift:
        print(
            f"skiplino export: warning: the list changed during the export at page "
            f"{event.page} (total {event.previous_total} -> {event.total}"
            + (f", {event.recovered} rows re-read" if event.recovered else "")
            + "); duplicates were dropped, but rows added or removed meanwhile may be "
            "missing or stale",
            file=err,
        )
    return ExportResult(rows, paginator.stats, complete, saved is not None, drift, options.output)


def _paginator(
    options: ExportOptions,
    client: Skiplino,
    resume_from: Mapping[str, Any] | None,
    on_page: Callable[[Page[Any]], object] | None,
    on_drift: Callable[[DriftEvent], object],
) -> AsyncPaginator[Any]:
    common: dict[str, Any] = {
        "prefetch": options.prefetch,
        "resume_from": resume_from,
        "on_page": on_page,
        "on_drift": on_drift,
        "strict": options.strict,
        "max_items": options.max_items,
    }
    try:
        if options.kind == "customers":
            if resume_from is None and options.limit is not None:
                common["limit"] = options.limit
            return client.customers.list(**common)
        if resume_from is None:
            if options.limit is not None:
                common["limit"] = options.limit
            common["id"] = options.customer_id
            common["external_id"] = options.external_id
        return client.customers.tickets(**common)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


# -- checkpoints -----------------------------------------------------------------------------


def _load_checkpoint(options: ExportOptions) -> dict[str, Any] | None:
    """The saved checkpoint for this output, checked against the options; None if absent."""
    path = checkpoint_path(options.output)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        out = Path(options.output)
        if out.exists() and out.stat().st_size > 0:
            raise ExportFileError(
                f"{options.output} exists but has no checkpoint ({path.name}); it was not "
                "written by a resumable export: move it away or run without --resume"
            ) from None
        return None
    try:
        saved = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ExportFileError(
            f"{path} is not valid JSON ({exc}); delete it to start over"
        ) from None
    if not isinstance(saved, dict) or saved.get("kind") != CHECKPOINT_KIND:
        raise ExportFileError(f"{path} is not an export checkpoint")
    if saved.get("version") != CHECKPOINT_VERSION:
        raise ExportFileError(f"{path} has unsupported version {saved.get('version')!r}")
    expected = {
        "what": options.kind,
        "format": options.format,
        "customer_id": options.customer_id,
        "external_id": options.external_id,
    }
    for name, value in expected.items():
        if saved.get(name) != value:
            raise UsageError(
                f"--resume: the checkpoint is for {name}={saved.get(name)!r}, not {value!r}"
            )
    cp = saved.get("paginator")
    if not isinstance(cp, dict):
        raise ExportFileError(f"{path} has no paginator position")
    if options.limit is not None and cp.get("page_size") not in (None, options.limit):
        default = 100 if options.kind == "customers" else 10
        if options.limit != default:
            raise UsageError(
                f"--resume: the export was started with --limit {cp.get('page_size')}, "
                f"not {options.limit}"
            )
    return saved


def _columns_of(saved: Mapping[str, Any]) -> list[str] | None:
    cols = saved.get("columns")
    return list(cols) if isinstance(cols, list) else None


def _header_of(saved: Mapping[str, Any]) -> list[str] | None:
    cols = saved.get("header_columns")
    return list(cols) if isinstance(cols, list) else None


class _Sink:
    """Where rows go; a file sink also keeps the checkpoint beside it."""

    def __enter__(self) -> _Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def save(self, cp: dict[str, Any], rows: int, writer: _Writer, *, done: bool) -> None:
        """Make what is written durable, then record the position."""

    def finish(self, columns: list[str] | None, header: list[str] | None) -> None:
        """Final fix-ups once the export is complete."""

    def close(self) -> None:
        """Release the file."""


class _StdoutSink(_Sink):
    def __init__(self) -> None:
        self._out = sys.stdout.buffer

    def write(self, data: bytes) -> None:
        if data:
            self._out.write(data)

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError):
            self._out.flush()


class _FileSink(_Sink):
    """The output file. A resumed export is cut back to the size the checkpoint recorded."""

    def __init__(self, output: str, saved: Mapping[str, Any] | None) -> None:
        self._path = output
        self._cp_path = checkpoint_path(output)
        if saved is None:
            fd = os.open(output, os.O_RDWR | os.O_CREAT, 0o666)
        else:
            try:
                fd = os.open(output, os.O_RDWR)
            except FileNotFoundError:
                raise ExportFileError(
                    f"{output} is missing but its checkpoint exists; delete "
                    f"{self._cp_path.name} to start over"
                ) from None
        self._file: BinaryIO = os.fdopen(fd, "r+b")
        try:
            self._prepare(output, saved)
        except BaseException:
            self._file.close()
            raise

    def _prepare(self, output: str, saved: Mapping[str, Any] | None) -> None:
        # Locked before anything is cut: a second export of the same file (an overlapping
        # scheduled run) must not interleave its rows with ours.
        _lock(self._file, output)
        if saved is None:
            # A fresh export: forget an older checkpoint first, so a crash before the first
            # save can never resume into a file it does not describe.
            self._cp_path.unlink(missing_ok=True)
            self._file.truncate(0)
            return
        if saved.get("done"):
            # Every row is durable; only the CSV header fix-up may remain to be done.
            self._file.seek(0, os.SEEK_END)
            return
        size = int(saved.get("bytes", 0))
        actual = os.fstat(self._file.fileno()).st_size
        if actual < size:
            raise ExportFileError(
                f"{output} has {actual} bytes but its checkpoint recorded {size}: the file "
                f"was changed; delete {self._cp_path.name} to start over"
            )
        # Rows written after the last checkpoint (maybe a torn last line) are dropped.
        self._file.truncate(size)
        self._file.seek(size)

    def write(self, data: bytes) -> None:
        if data:
            self._file.write(data)

    def save(self, cp: dict[str, Any], rows: int, writer: _Writer, *, done: bool) -> None:
        f = self._file
        f.flush()
        os.fsync(f.fileno())
        record = {
            "kind": CHECKPOINT_KIND,
            "version": CHECKPOINT_VERSION,
            "what": writer.kind,
            "format": writer.format,
            "customer_id": writer.customer_id,
            "external_id": writer.external_id,
            "output": os.path.basename(self._path),
            "bytes": f.tell(),
            "rows": rows,
            "columns": writer.columns,
            "header_columns": writer.header_columns,
            "done": done,
            "saved_at": time.time(),
            "paginator": cp,
        }
        _atomic_write(self._cp_path, orjson.dumps(record, option=orjson.OPT_INDENT_2))

    def finish(self, columns: list[str] | None, header: list[str] | None) -> None:
        self._file.flush()
        if columns is not None and header is not None and columns != header:
            _rewrite_csv(self._path, columns)
            # The checkpoint stays "done"; record that the header is final now.
            saved = orjson.loads(self._cp_path.read_bytes())
            saved["header_columns"] = columns
            saved["bytes"] = os.path.getsize(self._path)
            _atomic_write(self._cp_path, orjson.dumps(saved, option=orjson.OPT_INDENT_2))

    def close(self) -> None:
        self._file.close()


def _lock(file: BinaryIO, output: str) -> None:
    """An exclusive advisory lock on the output, held until it is closed (POSIX only)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Windows
        return
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ExportFileError(f"another export is writing {output} right now") from None


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old or the new file."""
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not possible on every platform.
    with contextlib.suppress(OSError):
        fd = os.open(directory or ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _rewrite_csv(path: str, columns: list[str]) -> None:
    """Give a finished CSV its full header, padding rows written before a column appeared."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    try:
        with (
            open(path, newline="", encoding="utf-8") as src,
            os.fdopen(fd, "w", newline="", encoding="utf-8") as dst,
        ):
            reader = csv.reader(src)
            out = csv.writer(dst)
            next(reader, None)  # the old header
            out.writerow(columns)
            width = len(columns)
            for row in reader:
                out.writerow(row + [""] * (width - len(row)))
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


# -- writers ---------------------------------------------------------------------------------


class _Writer:
    """Turns models into bytes of one format."""

    format: Format = "jsonl"

    def __init__(self, options: ExportOptions) -> None:
        self.kind = options.kind
        self.customer_id = options.customer_id
        self.external_id = options.external_id
        self.columns: list[str] | None = None
        self.header_columns: list[str] | None = None

    def header(self) -> bytes:
        return b""

    def rows(self, items: Iterable[Customer | Ticket]) -> bytes:
        raise NotImplementedError


class _JsonlWriter(_Writer):
    format: Format = "jsonl"

    def rows(self, items: Iterable[Customer | Ticket]) -> bytes:
        dumps = orjson.dumps
        return b"".join([dumps(item.to_dict()) + b"\n" for item in items])


class _CsvWriter(_Writer):
    format: Format = "csv"

    def __init__(self, options: ExportOptions, saved: Mapping[str, Any] | None) -> None:
        super().__init__(options)
        cols = _columns_of(saved) if saved is not None else None
        header = _header_of(saved) if saved is not None else None
        self.columns = cols if cols is not None else list(BASE_COLUMNS[options.kind])
        self.header_columns = header if header is not None else list(self.columns)
        self._index = {name: i for i, name in enumerate(self.columns)}

    def header(self) -> bytes:
        return self._encode([self.columns or []])

    def rows(self, items: Iterable[Customer | Ticket]) -> bytes:
        assert self.columns is not None
        out: list[list[str]] = []
        for item in items:
            flat = _flatten(item.to_dict())
            for name in flat:
                if name not in self._index:
                    self._index[name] = len(self.columns)
                    self.columns.append(name)
            row = [""] * len(self.columns)
            for name, value in flat.items():
                row[self._index[name]] = value
            out.append(row)
        return self._encode(out)

    @staticmethod
    def _encode(rows: list[list[str]]) -> bytes:
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        return buf.getvalue().encode("utf-8")


def _make_writer(options: ExportOptions, saved: Mapping[str, Any] | None) -> _Writer:
    if options.format == "csv":
        return _CsvWriter(options, saved)
    return _JsonlWriter(options)


def _flatten(wire: Mapping[str, Any]) -> dict[str, str]:
    """One CSV row: objects one level deep as ``field.key``, the rest as text or JSON."""
    flat: dict[str, str] = {}
    for name, value in wire.items():
        if isinstance(value, Mapping):
            for key, inner in value.items():
                flat[f"{name}.{key}"] = _cell(inner)
        else:
            flat[name] = _cell(value)
    return flat


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value).decode()


# -- progress --------------------------------------------------------------------------------


class _Progress:
    """A live bar on a terminal; otherwise a summary line every ``SUMMARY_EVERY`` seconds."""

    SUMMARY_EVERY: Final = 10.0
    REDRAW_EVERY: Final = 0.1

    def __init__(self, out: TextIO, tty: bool, kind: str) -> None:
        self._out = out
        self._tty = tty
        self._kind = kind
        # The first summary line waits a full period; a bar is drawn at once.
        self._last = 0.0 if tty else time.monotonic()

    def update(self, stats: PaginatorStats) -> None:
        now = time.monotonic()
        every = self.REDRAW_EVERY if self._tty else self.SUMMARY_EVERY
        if now - self._last < every:
            return
        self._last = now
        if self._tty:
            self._out.write("\r" + render_bar(stats, self._kind) + "\x1b[K")
        else:
            self._out.write(summary_line(stats, self._kind) + "\n")
        self._out.flush()

    def close(self, stats: PaginatorStats, *, failed: bool) -> None:
        if self._tty:
            self._out.write("\r" + render_bar(stats, self._kind) + "\x1b[K\n")
        if not failed:
            self._out.write(summary_line(stats, self._kind, final=True) + "\n")
        self._out.flush()


def _rate(stats: PaginatorStats) -> float:
    """Items per second of this run (items from before a resume do not count)."""
    elapsed = stats.elapsed
    return (stats.items_yielded - stats.items_resumed) / elapsed if elapsed > 0 else 0.0


def render_bar(stats: PaginatorStats, kind: str = "items", width: int = 30) -> str:
    """``[#######.......]  12,000/25,000  48%  3,100/s  ETA 0:04`` from live stats."""
    done = stats.items_yielded
    total = stats.total
    rate = _rate(stats)
    if total:
        frac = min(done / total, 1.0)
        filled = int(frac * width)
        bar = "#" * filled + "." * (width - filled)
        left = max(total - done, 0)
        eta = _clock(left / rate) if rate > 0 else "?"
        return f"[{bar}] {done:,}/{total:,} {kind} {frac:4.0%}  {rate:,.0f}/s  ETA {eta}"
    return f"{done:,} {kind}  {rate:,.0f}/s"


def summary_line(stats: PaginatorStats, kind: str = "items", *, final: bool = False) -> str:
    """One line for logs: rows, total, rate, pages, retries, duplicates, drift."""
    done = stats.items_yielded
    total = f"/{stats.total:,}" if stats.total is not None else ""
    rate = _rate(stats)
    head = "done:" if final else "progress:"
    return (
        f"skiplino export {head} {done:,}{total} {kind} in {stats.elapsed:.1f}s "
        f"({rate:,.0f}/s), {stats.pages_fetched} pages, {stats.retries} retries, "
        f"{stats.duplicates_dropped} duplicates dropped, {stats.drift_events} drift events"
    )


def _clock(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
