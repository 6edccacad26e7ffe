"""``skiplino export``: stream every customer (or a customer's tickets) to a JSONL or CSV file.

The export is resumable. After each batch of pages the output is flushed and fsync'd, *then*
a checkpoint is written beside it (``<output>.checkpoint.json``, atomically: temp file +
``os.replace``) recording the paginator position and the output's byte size at that moment.
``--resume`` truncates the output back to that size (dropping a torn tail written after the
checkpoint) and continues the walk from the checkpoint, so after Ctrl-C, a crash or a SIGKILL
the finished file holds every row exactly once.

The parts: :mod:`._cli` (flags, exit codes), :mod:`._options` (what to export),
:mod:`._job` (the run: walk, signals, checkpoint loading), :mod:`._sinks` (the output file,
its lock and checkpoint writes; stdout), :mod:`._writers` (JSONL and CSV) and
:mod:`._progress` (progress bar and summary lines).
"""

from __future__ import annotations

from ._cli import EXIT_API_ERROR as EXIT_API_ERROR
from ._cli import EXIT_AUTH as EXIT_AUTH
from ._cli import EXIT_INTERRUPTED as EXIT_INTERRUPTED
from ._cli import EXIT_OK as EXIT_OK
from ._cli import EXIT_UNREACHABLE as EXIT_UNREACHABLE
from ._cli import EXIT_USAGE as EXIT_USAGE
from ._cli import add_export_parser, run_export
from ._cli import options_from_args as options_from_args
from ._cli import run_export_options as run_export_options
from ._job import ExportResult, export
from ._options import ExportOptions
from ._options import Format as Format
from ._options import Kind as Kind
from ._options import UsageError as UsageError
from ._progress import render_bar as render_bar
from ._progress import summary_line as summary_line
from ._sinks import CHECKPOINT_KIND as CHECKPOINT_KIND
from ._sinks import CHECKPOINT_VERSION as CHECKPOINT_VERSION
from ._sinks import ExportFileError as ExportFileError
from ._sinks import checkpoint_path as checkpoint_path
from ._writers import BASE_COLUMNS as BASE_COLUMNS

__all__ = ["ExportOptions", "ExportResult", "add_export_parser", "export", "run_export"]
