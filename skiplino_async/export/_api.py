"""The library entry points: :func:`customers` and :func:`customer_tickets`."""

from __future__ import annotations

from os import PathLike
from pathlib import Path

from .._client import Skiplino
from . import formats
from ._engine import ProgressCallback, run
from ._job import ExportJob, Kind
from ._result import ExportResult


def infer_format(path: str | PathLike[str], format: str | None) -> str:
    """``format``, else the registered format whose extension ``path`` has, else ``jsonl``."""
    if format is not None:
        formats.get(format)  # an unknown name is an error here, not later
        return format
    return formats.for_path(path) or "jsonl"


async def customers(
    client: Skiplino,
    path: str | PathLike[str],
    *,
    format: str | None = None,
    resume: bool = False,
    since: str | PathLike[str] | None = None,
    max_items: int | None = None,
    limit: int | None = None,
    prefetch: int = 8,
    strict: bool = False,
    checkpoint_interval: float = 1.0,
    part_rows: int = 50_000,
    flatten: bool = False,
    on_progress: ProgressCallback | None = None,
) -> ExportResult:
    """Export every customer (newest first) to ``path``, durably and resumably.

    The rows go to ``<path>.partial`` with a checkpoint beside it
    (``<path>.partial.checkpoint.json``) saved before the first row and after every
    ``checkpoint_interval`` seconds (Parquet: after every part file); only a complete export
    replaces ``path``, atomically, and leaves beside it ``<path>.checkpoint.json``, a marker of
    about 1 KB (its row count and newest ids, for ``since=``) in place of the checkpoint.
    A failed or killed run leaves an existing ``path`` untouched.

    Args:
        client: the client to list with (a secret key).
        path: the target file (a directory for ``parquet``).
        format: a registered format name (``jsonl``, ``csv``, ``parquet``); default from the
            extension of ``path``, else ``jsonl``.
        resume: continue the unfinished export recorded in the partial checkpoint, if there
            is one; otherwise export afresh (a complete earlier export is replaced by today's).
        since: a previous complete export of the same list: write only the customers inserted
            after its newest ones, reading only the pages that hold them. Updates to older
            customers are not seen; only a full export sees them.
        max_items: stop (complete) after this many rows.
        limit: page size, 1-100 (default 100).
        prefetch: page requests in flight (a ``since`` delta reads one page at a time).
        strict: raise :class:`~skiplino_async.DriftError` if the list changes meanwhile.
        checkpoint_interval: seconds between checkpoints (0: after every page).
        part_rows: rows per Parquet part file (rounded up to whole pages).
        flatten: CSV only, to a file: one column per ``metadata`` key and per new field
            instead of the fixed columns (``metadata`` and ``_extra`` as JSON cells).
        on_progress: called (sync or async) with an :class:`ExportProgress` after each page.

    Returns an :class:`ExportResult`. Raises the SDK's API errors, and
    :class:`ExportUsageError`, :class:`ExportFileError` (:class:`CheckpointError` for a bad
    checkpoint) or :class:`FormatUnavailableError`.
    """
    # Every parameter by name: the signature is the one list of them.
    return await _export("customers", **locals())


async def customer_tickets(
    client: Skiplino,
    path: str | PathLike[str],
    *,
    id: str | None = None,
    external_id: str | None = None,
    format: str | None = None,
    resume: bool = False,
    since: str | PathLike[str] | None = None,
    max_items: int | None = None,
    limit: int | None = None,
    prefetch: int = 8,
    strict: bool = False,
    checkpoint_interval: float = 1.0,
    part_rows: int = 50_000,
    flatten: bool = False,
    on_progress: ProgressCallback | None = None,
) -> ExportResult:
    """Export one customer's tickets (newest first), given by ``id`` or ``external_id``.

    Everything else as :func:`customers`; ``limit`` is 1-10 (default 10).
    """
    return await _export("tickets", **locals())


async def _export(
    kind: Kind,
    client: Skiplino,
    path: str | PathLike[str],
    format: str | None,
    since: str | PathLike[str] | None,
    on_progress: ProgressCallback | None,
    id: str | None = None,
    **options: object,
) -> ExportResult:
    job = ExportJob(
        kind=kind,
        path=str(path) if str(path) == "-" else str(Path(path)),
        format=infer_format(path, format),
        since=None if since is None else str(since),
        customer_id=id,
        **options,  # type: ignore[arg-type]
    )
    return await run(client, job, on_progress=on_progress)
