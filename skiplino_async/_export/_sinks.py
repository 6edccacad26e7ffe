"""Where the rows go: standard output, or a file that is locked against a second export,
cut back to its checkpointed size on resume and fsync'd before each checkpoint, with the
checkpoint beside it (``<output>.checkpoint.json``) replaced atomically (temp file +
``os.replace``).
"""

from __future__ import annotations

import contextlib
import csv
import os
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO, Final

import orjson

from ._writers import _Writer

CHECKPOINT_KIND: Final = "skiplino-export"
CHECKPOINT_VERSION: Final = 1


class ExportFileError(Exception):
    """The output or its checkpoint cannot be used (exit code 1)."""


def checkpoint_path(output: str) -> Path:
    """Where the checkpoint of ``output`` lives: beside it, ``<output>.checkpoint.json``."""
    return Path(output + ".checkpoint.json")


class _Sink:
    """Where rows go; a file sink also keeps the checkpoint beside it."""

    def __enter__(self) -> _Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def save(self, cp: Mapping[str, Any], rows: int, writer: _Writer, *, done: bool) -> None:
        """Make what is written durable, then record the position."""

    def finish(self, columns: list[str] | None, header: list[str] | None) -> None:
        """Final fix-ups once the export is complete."""

    def close(self) -> None:
        """Release the file."""


class _StdoutSink(_Sink):
    def __init__(self) -> None:
        self._out = sys.stdout.buffer

    def write(self, data: bytes) -> None:
        if data:
            self._out.write(data)

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError):
            self._out.flush()


class _FileSink(_Sink):
    """The output file. A resumed export is cut back to the size the checkpoint recorded."""

    def __init__(self, output: str, saved: Mapping[str, Any] | None) -> None:
        self._path = output
        self._cp_path = checkpoint_path(output)
        if saved is None:
            fd = os.open(output, os.O_RDWR | os.O_CREAT, 0o666)
        else:
            try:
                fd = os.open(output, os.O_RDWR)
            except FileNotFoundError:
                raise ExportFileError(
                    f"{output} is missing but its checkpoint exists; delete "
                    f"{self._cp_path.name} to start over"
                ) from None
        self._file: BinaryIO = os.fdopen(fd, "r+b")
        try:
            self._prepare(output, saved)
        except BaseException:
            self._file.close()
            raise

    def _prepare(self, output: str, saved: Mapping[str, Any] | None) -> None:
        # Locked before anything is cut: a second export of the same file (an overlapping
        # scheduled run) must not interleave its rows with ours.
        _lock(self._file, output)
        if saved is None:
            # A fresh export: forget an older checkpoint first, so a crash before the first
            # save can never resume into a file it does not describe.
            self._cp_path.unlink(missing_ok=True)
            self._file.truncate(0)
            return
        if saved.get("done"):
            # Every row is durable; only the CSV header fix-up may remain to be done.
            self._file.seek(0, os.SEEK_END)
            return
        size = int(saved.get("bytes", 0))
        actual = os.fstat(self._file.fileno()).st_size
        if actual < size:
            raise ExportFileError(
                f"{output} has {actual} bytes but its checkpoint recorded {size}: the file "
                f"was changed; delete {self._cp_path.name} to start over"
            )
        # Rows written after the last checkpoint (maybe a torn last line) are dropped.
        self._file.truncate(size)
        self._file.seek(size)

    def write(self, data: bytes) -> None:
        if data:
            self._file.write(data)

    def save(self, cp: Mapping[str, Any], rows: int, writer: _Writer, *, done: bool) -> None:
        f = self._file
        f.flush()
        os.fsync(f.fileno())
        record = {
            "kind": CHECKPOINT_KIND,
            "version": CHECKPOINT_VERSION,
            "what": writer.kind,
            "format": writer.format,
            "customer_id": writer.customer_id,
            "external_id": writer.external_id,
            "output": os.path.basename(self._path),
            "bytes": f.tell(),
            "rows": rows,
            "columns": writer.columns,
            "header_columns": writer.header_columns,
            "done": done,
            "saved_at": time.time(),
            "paginator": cp,
        }
        _atomic_write(self._cp_path, orjson.dumps(record, option=orjson.OPT_INDENT_2))

    def finish(self, columns: list[str] | None, header: list[str] | None) -> None:
        self._file.flush()
        if columns is not None and header is not None and columns != header:
            _rewrite_csv(self._path, columns)
            # The checkpoint stays "done"; record that the header is final now.
            saved = orjson.loads(self._cp_path.read_bytes())
            saved["header_columns"] = columns
            saved["bytes"] = os.path.getsize(self._path)
            _atomic_write(self._cp_path, orjson.dumps(saved, option=orjson.OPT_INDENT_2))

    def close(self) -> None:
        self._file.close()


def _lock(file: BinaryIO, output: str) -> None:
    """An exclusive advisory lock on the output, held until it is closed (POSIX only)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Windows
        return
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ExportFileError(f"another export is writing {output} right now") from None


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old or the new file."""
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not possible on every platform.
    with contextlib.suppress(OSError):
        fd = os.open(directory or ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _rewrite_csv(path: str, columns: list[str]) -> None:
    """Give a finished CSV its full header, padding rows written before a column appeared."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    try:
        with (
            open(path, newline="", encoding="utf-8") as src,
            os.fdopen(fd, "w", newline="", encoding="utf-8") as dst,
        ):
            reader = csv.reader(src)
            out = csv.writer(dst)
            next(reader, None)  # the old header
            out.writerow(columns)
            width = len(columns)
            for row in reader:
                out.writerow(row + [""] * (width - len(row)))
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)
