"""The errors an export raises besides the SDK's own API errors."""

from __future__ import annotations


class ExportError(Exception):
    """An export cannot run or go on (the base of the errors below)."""


class ExportUsageError(ExportError, ValueError):
    """Arguments that are wrong or conflict with the checkpoint being resumed.

    ``argument`` names the bad argument (``limit``) when there is one, and ``problem`` says
    what is wrong with it, so the command line can name its own flag (``--limit``).
    """

    def __init__(self, problem: str, *, argument: str | None = None) -> None:
        super().__init__(f"{argument} {problem}" if argument else problem)
        self.problem = problem
        self.argument = argument


class ExportFileError(ExportError):
    """The output, its partial file or its checkpoint cannot be used."""


class CheckpointError(ExportFileError):
    """A checkpoint that is not valid; ``field`` names the bad key (``rows``, ``writer.bytes``)."""

    def __init__(self, path: str, field: str, problem: str) -> None:
        super().__init__(f"{path}: {field!r} {problem}; delete it to start over")
        self.path = path
        self.field = field
        self.problem = problem


class FormatUnavailableError(ExportError):
    """The format needs an optional dependency that is not installed."""
