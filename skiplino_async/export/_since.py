"""Incremental exports: the ids a ``since=`` delta stops at, and cutting pages there.

Lists are newest-inserted first, so the rows inserted after a previous export are the ones
above its newest rows. A delta walks from the first page and stops at the first row whose id
is among the previous export's newest ids (several, so a deleted one does not matter);
updates to older rows are not seen, only a full export sees them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from . import _document
from ._errors import ExportFileError, ExportUsageError
from ._job import ExportJob
from .formats import Row


def manifest_path(target: str | Path) -> Path:
    """Where a complete export's checkpoint lives: ``<target>.checkpoint.json``."""
    return Path(str(target).rstrip("/") + ".checkpoint.json")


def anchors_of(previous: str, job: ExportJob) -> list[str]:
    """The newest ids of the complete export ``previous`` (of the same list)."""
    path = manifest_path(previous)
    doc = _document.load(path)
    if doc is None:
        raise ExportFileError(
            f"{previous} has no checkpoint ({path.name}): a delta needs the output of a "
            "complete export made by skiplino-async"
        )
    if not doc.done:
        raise ExportFileError(f"{previous} is not a complete export (its checkpoint is not done)")
    if (doc.kind, doc.customer_id, doc.external_id) != (
        job.kind,
        job.customer_id,
        job.external_id,
    ):
        raise ExportUsageError(f"{previous} is an export of another list")
    anchor = doc.next_anchor()
    if not anchor and doc.rows:
        raise ExportFileError(f"{path} records no newest ids to start a delta from")
    return anchor


class Delta:
    """Cuts the walk at the first row of the previous export."""

    def __init__(self, anchor: Iterable[str], key: str) -> None:
        self._anchor = frozenset(anchor)
        self._key = key
        self.reached = False

    def cut(self, rows: Sequence[Row]) -> Sequence[Row]:
        """The rows before the first known one; sets :attr:`reached` when one is met."""
        anchor, key = self._anchor, self._key
        for i, row in enumerate(rows):
            if row.get(key) in anchor:
                self.reached = True
                return rows[:i]
        return rows
