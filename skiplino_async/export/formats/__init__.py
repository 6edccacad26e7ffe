"""The registry of export formats, and the contract a format implements.

A format owns how its output is opened, appended to, recorded in the checkpoint and finished,
so adding one is one new module that calls :func:`register`; the command line's ``--format``
choices and the extension inference come from here.

The contract, as the engine drives it:

1. :meth:`Format.open` gives a :class:`Writer` on the partial output ``path`` (a file, or a
   directory when :attr:`Format.directory` is true). ``state`` is ``None`` for a fresh
   export (the writer starts from nothing, whatever ``path`` holds), or the dict an earlier
   :meth:`Writer.commit` returned: the writer cuts what is there back to exactly that state,
   or raises :class:`~skiplino_async.export.CheckpointError` if it cannot (the output is
   shorter than recorded, a part file is missing, a field has the wrong type).
2. :meth:`Writer.write` takes the rows of one page, as wire-format dicts. It returns true
   when a checkpoint unit has just closed (a Parquet part file was written) and the engine
   must commit now.
3. :meth:`Writer.commit` makes everything written so far durable and returns the
   JSON-serialisable state to record in the checkpoint. When :attr:`Format.flushable` is
   true the engine may commit after any page; otherwise only right after ``write`` returned
   true (rows still buffered are simply written again after a resume).
4. :meth:`Writer.finish` completes the output once every row is written, durably, and
   returns the path to publish under the target's name (the partial path itself, or a new
   file beside it). It may be called again after a crash, from the last committed state.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal, Protocol

import attrs

from .._errors import ExportUsageError

Kind = Literal["customers", "tickets"]
Row = dict[str, Any]


@attrs.frozen
class WriterOptions:
    """What a writer is told besides its path: the checkpoint's name for error messages,
    the rows of one checkpoint unit for formats that write in units, and whether object
    fields with free keys become one column per key (CSV)."""

    checkpoint: str = "checkpoint"
    unit_rows: int = 50_000
    flatten: bool = False


class Writer(Protocol):
    """Writes the rows of one export; see the module documentation for the contract."""

    def write(self, rows: Sequence[Row]) -> bool: ...

    def commit(self) -> dict[str, Any]: ...

    def finish(self) -> Path: ...

    def close(self) -> None: ...


class Format(Protocol):
    """One output format."""

    @property
    def name(self) -> str:
        """The ``--format`` value."""
        ...

    @property
    def extensions(self) -> tuple[str, ...]:
        """File name endings that select the format when ``--format`` is not given."""
        ...

    @property
    def directory(self) -> bool:
        """The output is a directory (a dataset of part files), not a file."""
        ...

    @property
    def flushable(self) -> bool:
        """:meth:`Writer.commit` may be called after any page."""
        ...

    def check(self) -> None:
        """Raise :class:`~skiplino_async.export.FormatUnavailableError` (saying how to
        install what is missing) if the format cannot be used here."""

    def open(
        self, path: Path, kind: Kind, state: Mapping[str, Any] | None, options: WriterOptions
    ) -> Writer: ...

    def stream(self, out: BinaryIO, kind: Kind) -> Writer:
        """A writer to a stream (standard output), without checkpoints; raises
        :class:`~skiplino_async.export.ExportUsageError` if the format cannot stream."""
        ...


_REGISTRY: dict[str, Format] = {}
#: Built-in formats, imported on first use so that an optional dependency is loaded only
#: when its format is used.
_BUILTIN: Final = {"jsonl": "jsonl", "csv": "csvfile", "parquet": "parquet"}


def register(fmt: Format) -> Format:
    """Add a format to the registry (a later registration of the same name replaces it)."""
    _REGISTRY[fmt.name] = fmt
    return fmt


def _load_builtin() -> None:
    for name, module in _BUILTIN.items():
        if name not in _REGISTRY:
            importlib.import_module(f".{module}", __name__)


def names() -> tuple[str, ...]:
    """The registered format names, built-in ones first (whichever was imported first)."""
    _load_builtin()
    return (*_BUILTIN, *(name for name in _REGISTRY if name not in _BUILTIN))


def get(name: str) -> Format:
    """The format called ``name``; :class:`ExportUsageError` if there is none."""
    _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ExportUsageError(
            f"unknown format {name!r}; choose from {', '.join(names())}"
        ) from None


def for_path(path: str | os.PathLike[str]) -> str | None:
    """The format whose extension ``path`` ends with (case-insensitive), or ``None``."""
    _load_builtin()
    lower = str(path).lower().rstrip("/")
    for fmt in _REGISTRY.values():
        if any(lower.endswith(ext) for ext in fmt.extensions):
            return fmt.name
    return None


__all__ = [
    "Format",
    "Kind",
    "Row",
    "Writer",
    "WriterOptions",
    "for_path",
    "get",
    "names",
    "register",
]
