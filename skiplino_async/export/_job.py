"""What an export is asked to do (:class:`ExportJob`), whether from code or the command line."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Literal

import attrs

from ._errors import ExportUsageError

Kind = Literal["customers", "tickets"]

#: ``s3://bucket/x``, ``gs://...``, ``https://...``: a URL, not a local path (also once a
#: path normalisation made it ``s3:/bucket/x``; a drive letter ``C:/`` is not a scheme).
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:/")

#: Page size limits of the two list operations.
MAX_LIMIT: dict[str, int] = {"customers": 100, "tickets": 10}


@attrs.frozen
class ExportJob:
    """One export: what to list, where to write it and how."""

    kind: Kind
    #: The target file (or directory, for a dataset format); ``"-"``: standard output.
    path: str
    format: str = "jsonl"
    resume: bool = False
    #: A previous complete export of the same list: write only the rows inserted since.
    since: str | None = None
    customer_id: str | None = None
    external_id: str | None = None
    limit: int | None = None
    prefetch: int = 8
    max_items: int | None = None
    strict: bool = False
    #: Seconds between checkpoints of flushable formats (0: after every page).
    checkpoint_interval: float = 1.0
    #: Rows per part file of a dataset format.
    part_rows: int = 50_000
    #: CSV: one column per ``metadata`` key (and per new field) instead of JSON cells.
    flatten: bool = False

    def __attrs_post_init__(self) -> None:
        if self.kind == "tickets" and (self.customer_id is None) == (self.external_id is None):
            raise ExportUsageError("a tickets export needs exactly one of id or external_id")
        top = MAX_LIMIT[self.kind]
        if self.limit is not None and not 1 <= self.limit <= top:
            raise ExportUsageError(f"limit must be between 1 and {top} for {self.kind}")
        if self.max_items is not None and self.max_items < 1:
            raise ExportUsageError("max_items must be at least 1")
        if not (self.checkpoint_interval >= 0 and math.isfinite(self.checkpoint_interval)):
            raise ExportUsageError("checkpoint_interval must be a number of seconds >= 0")
        if self.part_rows < 1:
            raise ExportUsageError("part_rows must be at least 1")
        if self.path == "-" and (self.resume or self.since is not None):
            raise ExportUsageError("standard output cannot be resumed or used with since")
        if self.flatten and self.format != "csv":
            raise ExportUsageError("flatten applies to the csv format only")
        if self.flatten and self.path == "-":
            raise ExportUsageError(
                "flattened CSV cannot go to standard output: its columns are only known once "
                "every row has been read; write to a file, or keep metadata as one JSON column"
            )
        if _URL.match(self.path):
            raise ExportUsageError(
                f"{self.path} is a URL, and export writes local files; to land the data in "
                "object storage use `skiplino load --destination filesystem` with "
                "DESTINATION__FILESYSTEM__BUCKET_URL set to the bucket URL"
            )
        if self.since is not None and Path(self.since).resolve() == Path(self.path).resolve():
            # The delta would replace the export it is a delta of.
            raise ExportUsageError("the previous export must be another file than the output")

    @property
    def key(self) -> str:
        """The wire name of a row's id."""
        return "_id" if self.kind == "customers" else "id"
