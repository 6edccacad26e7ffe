"""What an export is asked to do: :class:`ExportOptions` (built from the command line or
directly in code), the literal types of its fields, and :class:`UsageError` for options that
are wrong or conflict with each other (exit code 2).
"""

from __future__ import annotations

from typing import Literal

import attrs

Format = Literal["jsonl", "csv"]
Kind = Literal["customers", "tickets"]


class UsageError(Exception):
    """Bad flags or arguments (exit code 2)."""


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
