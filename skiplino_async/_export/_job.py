"""One export run: open the sink, load and check the checkpoint on ``--resume``, walk the
paginator writing each page and saving a checkpoint every ``checkpoint_interval`` seconds (and
when interrupted or failing between pages), then report drift; SIGTERM stops it cleanly like
Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

import attrs
import orjson

from .._client import Skiplino
from ..models import Page
from ..pagination import AsyncPaginator, DriftEvent, PaginatorStats
from ._options import ExportOptions, UsageError
from ._progress import _Progress
from ._sinks import (
    CHECKPOINT_KIND,
    CHECKPOINT_VERSION,
    ExportFileError,
    _FileSink,
    _Sink,
    _StdoutSink,
    checkpoint_path,
)
from ._writers import _columns_of, _header_of, _make_writer, _Writer


@attrs.define
class ExportResult:
    """How an export ended."""

    rows: int
    stats: PaginatorStats
    complete: bool
    resumed: bool
    drift: list[DriftEvent] = attrs.field(factory=list)
    output: str = ""


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
