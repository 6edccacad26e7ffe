"""Helpers shared by the export tests: running ``skiplino export`` as a real process
against a fake server, and reading what it wrote."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from skiplino_async.export import ExportProgress, checkpoint_path, manifest_path
from skiplino_async.testing import FakeSkiplino

REPO = Path(__file__).resolve().parent.parent


FORMATS = ("jsonl", "csv", "parquet")


def needs(fmt: str) -> None:
    """Skip when the format's optional dependency is missing."""
    if fmt == "parquet":
        pytest.importorskip("pyarrow")


class Crash(Exception):
    """Stands for anything that stops an export between two pages."""


def crash_after(rows: int) -> Callable[[ExportProgress], None]:
    """An ``on_progress`` raising :class:`Crash` once ``rows`` rows are written."""

    def on_progress(progress: ExportProgress) -> None:
        if progress.rows >= rows:
            raise Crash

    return on_progress


def cli_env(fake: FakeSkiplino) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SKIPLINO_API_KEY=fake.secret_key,
        SKIPLINO_BASE_URL=fake.url,
        PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env


async def start(
    fake: FakeSkiplino,
    args: Sequence[str],
    *,
    script: Sequence[str] = ("-m", "skiplino_async", "export"),
    preexec_fn: Callable[[], Any] | None = None,
) -> asyncio.subprocess.Process:
    """``python -m skiplino_async export ARGS`` (or another script) as a real process."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *script,
        *args,
        env=cli_env(fake),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=preexec_fn,
    )


async def run_to_end(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    _, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, err.decode()


def manifest(output: Path) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(manifest_path(output).read_bytes())
    return data


def checkpoint(output: Path) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(checkpoint_path(output).read_bytes())
    return data


def jsonl_ids(path: Path) -> list[str]:
    return [orjson.loads(line)["_id"] for line in path.read_bytes().splitlines()]


def dataset_rows(path: Path) -> list[dict[str, Any]]:
    """Every row of a Parquet dataset directory, in part order (pyarrow.dataset)."""
    import pyarrow.dataset as ds

    rows: list[dict[str, Any]] = ds.dataset(path, format="parquet").to_table().to_pylist()
    return rows


def names(directory: Path) -> list[str]:
    """The sorted names in ``directory``, for "nothing left behind" checks."""
    return sorted(p.name for p in directory.iterdir())
