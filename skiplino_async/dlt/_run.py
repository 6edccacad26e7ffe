"""One ``skiplino load``: finish what a killed run left, then extract and load today's data."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import dlt
from dlt.common.destination.reference import Destination
from dlt.pipeline.exceptions import PipelineStepFailed

from ..errors import SkiplinoError
from ._progress import ExtractProgress, line
from ._source import skiplino_source


class LoadFailed(Exception):
    """A load that stopped; the message names the step and the first cause."""


def load(
    *,
    resources: Sequence[str],
    destination: str,
    dataset: str,
    pipeline_name: str,
    incremental: bool,
    say: Callable[[str], object],
    **client_options: Any,
) -> dict[str, int]:
    """Run the load; returns the rows loaded per table. Raises :class:`LoadFailed`."""
    pipeline = dlt.pipeline(
        pipeline_name=pipeline_name, destination=_destination(destination), dataset_name=dataset
    )
    try:
        _drop_normalized_leftovers(Path(pipeline.working_dir))
        if pipeline.has_pending_data:
            say("finishing the load a previous run left")
            pipeline.normalize()
            pipeline.load()
        try:
            source = skiplino_source(incremental=incremental, **client_options)
        except ValueError as exc:
            raise LoadFailed(str(exc)) from None
        say(f"extracting {', '.join(resources)} into {destination} dataset {dataset!r}")
        selected = source.with_resources(*resources)
        progress = ExtractProgress(say, interval=2.0 if sys.stderr.isatty() else 10.0)
        for name in resources:
            selected.resources[name].add_map(progress.counter(name))
        pipeline.extract(selected, loader_file_format=_file_format(destination))
        say(f"extracted {line(progress.counts)}; normalizing")
        info = pipeline.normalize()
        say("loading")
        pipeline.load()
    except PipelineStepFailed as exc:
        raise LoadFailed(_describe(exc)) from None
    counts = info.row_counts if info is not None else {}
    return {table: n for table, n in counts.items() if not table.startswith("_dlt")}


def _destination(name: str) -> Any:
    """``name``; a SQL one replaces a table in one transaction from a staging copy (readers
    never see it empty or half loaded, even when a run is killed mid-load), unless dlt's
    configuration chooses another ``destination.replace_strategy``."""
    if name == "filesystem" or dlt.config.get("destination.replace_strategy") is not None:
        return name
    return Destination.from_reference(name, replace_strategy="insert-from-staging")


def _drop_normalized_leftovers(working_dir: Path) -> None:
    """dlt moves a normalized package into place, then deletes the extracted one it came
    from; a kill in between leaves both, and every later normalize fails on the move. Once
    moved the package is complete, so its extracted copy is what goes."""
    extracted = working_dir / "normalize" / "extracted"
    if not extracted.is_dir():
        return
    for package in extracted.iterdir():
        if any((working_dir / "load" / at / package.name).exists() for at in _NORMALIZED):
            shutil.rmtree(package)


#: Where a normalized package is from then on (dlt's load storage folders).
_NORMALIZED = ("normalized", "loaded")


def _file_format(destination: str) -> Any:
    # DuckDB loads Parquet several times faster, in a fraction of the memory, than the
    # INSERT statements dlt writes for it by default; PostgreSQL takes dlt's default.
    return "parquet" if destination in ("duckdb", "filesystem") else None


def _describe(exc: PipelineStepFailed) -> str:
    """The step that failed and its first cause that says something to a user."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, SkiplinoError | ValueError | OSError):
            return f"{exc.step} failed: {type(cause).__name__}: {cause}"
        cause = cause.__cause__ or cause.__context__
    return f"{exc.step} failed: {exc.exception}"
