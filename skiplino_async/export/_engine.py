"""One export run, the same for the library API and the command line.

The order of events is what makes it durable:

1. the first page is fetched before any file is touched, so a wrong key, a refused URL or
   an unreachable host leaves everything as it was;
2. the partial output (``<target>.partial``) is locked and a checkpoint saved beside it
   (``<target>.partial.checkpoint.json``) before the first row is written, so a kill at any
   later instant can be resumed;
3. after each checkpoint unit the writer makes its output durable and the checkpoint is
   replaced atomically, recording the writer's own state and the paginator position;
4. once complete the writer finishes its output, the checkpoint says so, the output is
   published under the target's name (``os.replace``) and the checkpoint moves beside it
   (``<target>.checkpoint.json``), where a later ``since=`` delta reads the newest ids.

Until step 4 the previous target is untouched.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from pathlib import Path
from typing import Any

from .._client import Skiplino
from ..errors import SkiplinoError
from ..models import Page
from ..pagination import AsyncPaginator, DriftEvent, PaginatorStats
from . import _document, formats
from ._document import NEWEST_KEPT, Document
from ._errors import CheckpointError, ExportUsageError
from ._files import Lock, clear_unfinished_writes, drop_aside, fsync_dir, publish, remove
from ._job import ExportJob
from ._result import ExportProgress, ExportResult
from ._since import Delta, anchors_of, manifest_path
from .formats import Format, Row, Writer, WriterOptions

ProgressCallback = Callable[[ExportProgress], object]


def partial_path(target: str | Path) -> Path:
    """Where an export writes until it is complete: ``<target>.partial``."""
    return Path(str(target).rstrip("/") + ".partial")


def checkpoint_path(target: str | Path) -> Path:
    """The checkpoint of a running export: ``<target>.partial.checkpoint.json``."""
    return Path(str(partial_path(target)) + ".checkpoint.json")


async def run(
    client: Skiplino,
    job: ExportJob,
    *,
    on_progress: ProgressCallback | None = None,
    on_resume: Callable[[int], object] | None = None,
) -> ExportResult:
    """Run ``job`` with ``client``; see the module documentation for the order of events."""
    fmt = formats.get(job.format)
    fmt.check()
    if job.path == "-":
        return await _to_stream(client, job, fmt, on_progress)
    target = Path(job.path)
    cp_path = checkpoint_path(target)
    since = anchors_of(job.since, job) if job.since is not None else None
    saved: Document | None = None
    if job.resume:
        # Only an unfinished export is continued; without one this is a fresh export (the
        # same nightly command gives that night's data, not the previous complete file).
        saved = _document.load(cp_path)
        if saved is not None:
            _document.check_matches(saved, job, since, cp_path)
        if saved is not None and saved.done:
            _publish(target, cp_path, saved)
            return _already_complete(job, saved)
    if saved is not None and on_resume is not None:
        on_resume(saved.rows)
    return await _Run(client, job, fmt, saved, since, on_progress).walk()


def _already_complete(job: ExportJob, doc: Document) -> ExportResult:
    return ExportResult(
        path=job.path,
        format=job.format,
        rows=doc.rows,
        complete=True,
        resumed_rows=doc.rows,
        stats=PaginatorStats(items_yielded=doc.rows, items_resumed=doc.rows),
        newest_ids=tuple(doc.next_anchor()),
        already_complete=True,
    )


class _Run:
    """The walk of one export into its partial output."""

    def __init__(
        self,
        client: Skiplino,
        job: ExportJob,
        fmt: Format,
        saved: Document | None,
        since: list[str] | None,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.job = job
        self.fmt = fmt
        self.target = Path(job.path)
        self.partial = partial_path(job.path)
        self.cp_path = checkpoint_path(job.path)
        self.fresh = saved is None
        self.doc = saved if saved is not None else Document.fresh(job, since)
        self.resumed_rows = self.doc.rows
        self.delta = Delta(self.doc.since, job.key) if self.doc.since is not None else None
        self.on_progress = on_progress
        self.drift: list[DriftEvent] = []
        remaining = None if job.max_items is None else max(job.max_items - self.doc.rows, 0)
        self.paginator = _paginator(client, job, self.doc, remaining, self.drift.append)

    async def walk(self) -> ExportResult:
        pages = self.paginator.pages()
        async with aclosing(pages) as walk:  # type: ignore[type-var]
            it: AsyncIterator[Page[Any]] = walk
            first = await anext(it, None)  # configuration errors surface here, files untouched
            lock = Lock(self.partial, directory=self.fmt.directory)
            try:
                writer = self._open()
                try:
                    await self._write_all(writer, first, it)
                    if self._complete():
                        self._finish(writer)
                    elif self.fmt.flushable:
                        self._commit(writer)
                finally:
                    writer.close()
            except BaseException:
                self._forget_if_empty()
                raise
            finally:
                lock.release()
        if self.doc.done:
            _publish(self.target, self.cp_path, self.doc)
        return ExportResult(
            path=self.job.path,
            format=self.job.format,
            rows=self.doc.rows,
            complete=self.doc.done,
            resumed_rows=self.resumed_rows,
            stats=self.paginator.stats,
            drift=tuple(self.drift),
            newest_ids=tuple(self.doc.next_anchor()),
            # (An empty previous export has no rows to meet: not a missing anchor.)
            anchor_missing=bool(self.doc.since)
            and self.delta is not None
            and not self.delta.reached,
        )

    def _open(self) -> Writer:
        options = WriterOptions(
            checkpoint=str(self.cp_path), unit_rows=self.job.part_rows, flatten=self.job.flatten
        )
        clear_unfinished_writes(self.cp_path)
        if self.fresh:
            # Before the first row: a kill from here on finds a checkpoint to resume from.
            self.doc.save(self.cp_path)
        return self.fmt.open(self.partial, self.job.kind, self.doc.writer, options)

    async def _write_all(
        self, writer: Writer, page: Page[Any] | None, pages: AsyncIterator[Page[Any]]
    ) -> None:
        doc, delta, interval = self.doc, self.delta, self.job.checkpoint_interval
        flushable = self.fmt.flushable
        last_commit = time.monotonic()
        consistent = True
        try:
            while page is not None:
                consistent = False  # until the page is written entirely
                rows: list[Row] | Any = [item.to_dict() for item in page.items]
                if delta is not None:
                    rows = delta.cut(rows)
                self._note_newest(rows)
                unit = writer.write(rows) if rows else False
                doc.rows += len(rows)
                consistent = True
                if delta is not None and delta.reached:
                    return
                now = time.monotonic()
                if unit or (flushable and now - last_commit >= interval):
                    self._commit(writer)
                    last_commit = now
                await self._progress()
                page = await anext(pages, None)
        except BaseException:
            # Stopped between pages: what is written matches the paginator position, so a
            # checkpoint now loses nothing (a failing disk makes this fail too: the previous
            # checkpoint then stands, and the original error is the one raised).
            if consistent and flushable and doc.rows > self.resumed_rows:
                with contextlib.suppress(OSError):
                    self._commit(writer)
            raise

    def _note_newest(self, rows: Any) -> None:
        newest = self.doc.newest_ids
        if len(newest) < NEWEST_KEPT:
            key = self.job.key
            newest.extend(str(r[key]) for r in rows[: NEWEST_KEPT - len(newest)])

    def _complete(self) -> bool:
        if self.delta is not None and self.delta.reached:
            return True
        if self.job.max_items is not None and self.doc.rows >= self.job.max_items:
            return True
        return bool(self.paginator.checkpoint().get("done"))

    def _commit(self, writer: Writer) -> None:
        self.doc.writer = writer.commit()
        self.doc.paginator = dict(self.paginator.checkpoint())
        self.doc.stats = self.paginator.stats.as_dict()
        self.doc.save(self.cp_path)

    def _finish(self, writer: Writer) -> None:
        published = writer.finish()
        doc = self.doc
        doc.writer = None
        doc.paginator = dict(self.paginator.checkpoint())
        doc.stats = self.paginator.stats.as_dict()
        doc.done = True
        doc.publish = published.name
        doc.save(self.cp_path)

    def _forget_if_empty(self) -> None:
        """A fresh run that failed before committing a row leaves nothing behind."""
        if not self.fresh or self.doc.writer is not None:
            return
        with contextlib.suppress(OSError):
            self.cp_path.unlink()
            remove(self.partial)

    async def _progress(self) -> None:
        if self.on_progress is None:
            return
        stats = self.paginator.stats
        target = None
        if self.delta is None and stats.total is not None:
            target = stats.total
            if self.job.max_items is not None:
                target = min(target, self.job.max_items)
        report = ExportProgress(
            rows=self.doc.rows,
            resumed_rows=self.resumed_rows,
            target=target,
            elapsed=stats.elapsed,
            stats=stats,
        )
        outcome = self.on_progress(report)
        if inspect.isawaitable(outcome):
            await outcome


def _paginator(
    client: Skiplino,
    job: ExportJob,
    doc: Document,
    max_items: int | None,
    on_drift: Callable[[DriftEvent], object],
) -> AsyncPaginator[Any]:
    common: dict[str, Any] = {
        # A delta reads only the pages above the previous export: nothing far ahead.
        "prefetch": 1 if doc.since is not None else job.prefetch,
        "on_drift": on_drift,
        "strict": job.strict,
        "max_items": max_items,
    }
    if doc.paginator is not None:
        common["resume_from"] = doc.paginator
    else:
        if job.limit is not None:
            common["limit"] = job.limit
        if job.kind == "tickets":
            common["id"] = job.customer_id
            common["external_id"] = job.external_id
    try:
        if job.kind == "customers":
            return client.customers.list(**common)
        return client.customers.tickets(**common)
    except (ValueError, TypeError, KeyError, SkiplinoError) as exc:
        if doc.paginator is not None:
            raise CheckpointError(str(checkpoint_path(job.path)), "paginator", str(exc)) from None
        raise ExportUsageError(str(exc)) from None


def _publish(target: Path, cp_path: Path, doc: Document) -> None:
    """Put a finished output in place of the target, and beside it the small marker of a
    complete export (its rows and newest ids, which a ``since=`` delta reads) in place of
    the checkpoint. Each step can be repeated: a run killed in between is finished by the
    next ``resume``."""
    clear_unfinished_writes(cp_path)
    # A run killed while it saved the marker below, which the next run saves again.
    clear_unfinished_writes(manifest_path(target))
    partial = partial_path(target)
    source = partial.with_name(doc.publish) if doc.publish else partial
    if source.exists():
        publish(source, target)
    else:
        drop_aside(target)  # a publish killed before it deleted the old dataset
    if source != partial and partial.exists():
        remove(partial)  # what the published file was made from
    doc.finished().save(manifest_path(target))
    cp_path.unlink(missing_ok=True)
    fsync_dir(target.parent)


async def _to_stream(
    client: Skiplino, job: ExportJob, fmt: Format, on_progress: ProgressCallback | None
) -> ExportResult:
    """To standard output: no partial file, no checkpoint."""
    writer = fmt.stream(sys.stdout.buffer, job.kind)
    drift: list[DriftEvent] = []
    doc = Document.fresh(job, None)
    paginator = _paginator(client, job, doc, job.max_items, drift.append)
    rows = 0
    try:
        async for page in paginator.pages():
            wire = [item.to_dict() for item in page.items]
            writer.write(wire)
            rows += len(wire)
            if on_progress is not None:
                outcome = on_progress(
                    ExportProgress(
                        rows, 0, paginator.stats.total, paginator.stats.elapsed, paginator.stats
                    )
                )
                if inspect.isawaitable(outcome):
                    await outcome
    finally:
        with contextlib.suppress(BrokenPipeError):
            writer.close()
    return ExportResult(
        path="-",
        format=job.format,
        rows=rows,
        complete=True,
        resumed_rows=0,
        stats=paginator.stats,
        drift=tuple(drift),
    )
