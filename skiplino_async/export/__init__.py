"""Bulk export: every customer, or one customer's tickets, to JSONL, CSV or a Parquet dataset,
durably and resumably; the engine behind ``skiplino export``.

::

    from skiplino_async import Skiplino, export

    async with Skiplino() as client:
        result = await export.customers(client, "customers.jsonl", resume=True)
        delta = await export.customers(client, "new.jsonl", since="customers.jsonl")

What holds:

* An existing output is never lost: rows go to ``<path>.partial`` and ``path`` is replaced
  atomically only when the export is complete; the first page is fetched before any file is
  touched, so a wrong key or an unreachable server changes nothing.
* Resumable from any instant: a checkpoint (``<path>.partial.checkpoint.json``) exists before
  the first row is written and is replaced atomically after each durable unit; after a kill,
  ``resume=True`` finishes the export with every row exactly once and no torn line.
* Formats come from a registry (:mod:`skiplino_async.export.formats`); each one owns how it
  opens, appends, records its state in the checkpoint and finishes.
* ``since=previous`` writes only rows inserted after a previous complete export, reading only
  the pages that hold them (lists are newest-inserted first). Updates to older rows are not
  seen: only a full export sees them.
"""

from __future__ import annotations

from . import formats
from ._api import customer_tickets, customers
from ._engine import checkpoint_path, partial_path
from ._errors import (
    CheckpointError,
    ExportError,
    ExportFileError,
    ExportUsageError,
    FormatUnavailableError,
)
from ._result import ExportProgress, ExportResult
from ._since import manifest_path

__all__ = [
    "CheckpointError",
    "ExportError",
    "ExportFileError",
    "ExportProgress",
    "ExportResult",
    "ExportUsageError",
    "FormatUnavailableError",
    "checkpoint_path",
    "customer_tickets",
    "customers",
    "formats",
    "manifest_path",
    "partial_path",
]
