"""What an export reports: :class:`ExportProgress` as it runs, :class:`ExportResult` at the end."""

from __future__ import annotations

import attrs

from ..pagination import DriftEvent, PaginatorStats


@attrs.frozen
class ExportProgress:
    """A snapshot handed to ``on_progress`` after each page."""

    #: Rows in the output so far, rows written before a resume included.
    rows: int
    #: Of ``rows``, those written before this run resumed.
    resumed_rows: int
    #: The rows the export will hold when done: the API's total, or ``max_items`` when
    #: smaller; ``None`` when unknown (a ``since=`` delta).
    target: int | None
    #: Seconds this run has been walking.
    elapsed: float
    #: Live counters of the walk (pages fetched, retries, duplicates, drift events).
    stats: PaginatorStats

    @property
    def rate(self) -> float:
        """Rows per second of this run."""
        return (self.rows - self.resumed_rows) / self.elapsed if self.elapsed > 0 else 0.0


@attrs.frozen
class ExportResult:
    """How an export ended."""

    #: The target written (a file, or a directory for a dataset format).
    path: str
    format: str
    #: Rows in the output.
    rows: int
    #: The output is complete and published under ``path``; false only when stopped early.
    complete: bool
    #: Rows already written before this run resumed (0 for a fresh run).
    resumed_rows: int
    stats: PaginatorStats
    drift: tuple[DriftEvent, ...] = ()
    #: The ids a later ``since=path`` delta stops at (newest first).
    newest_ids: tuple[str, ...] = ()
    #: The export was already complete (a resume of a finished one): nothing was read.
    already_complete: bool = False
    #: A ``since=`` delta met none of its anchor ids: it holds every row of the list.
    anchor_missing: bool = False
