"""What line-based formats (JSONL, CSV) share: one file, appended to, whose checkpointed
state is its byte size; a resume cuts the file back to that size, dropping a torn tail.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from .._errors import CheckpointError
from ._state import ByteState, load_state, saved


def open_at(path: Path, state: Mapping[str, Any] | None, origin: str) -> BinaryIO:
    """``path`` opened for appending: empty for a fresh export (no ``state``), else cut to the
    size the state records.

    A recorded size beyond the file's end is refused: the file was changed (or the checkpoint
    edited), and going on would silently skip rows.
    """
    size = 0 if state is None else load_state(state, ByteState, origin).bytes
    try:
        fd = os.open(path, os.O_RDWR | (os.O_CREAT if state is None else 0), 0o666)
    except FileNotFoundError:
        raise CheckpointError(
            origin, "writer.bytes", f"describes {path.name}, which is missing"
        ) from None
    file = os.fdopen(fd, "r+b")
    actual = os.fstat(fd).st_size
    if size > actual:
        file.close()
        raise CheckpointError(
            origin, "writer.bytes", f"is {size} but {path.name} has only {actual} bytes"
        )
    file.truncate(size)
    file.seek(size)
    return file


class ByteFileWriter:
    """A writer to one file (or a stream): :meth:`commit` flushes, fsyncs, records the size."""

    def __init__(self, file: BinaryIO, path: Path | None) -> None:
        self._file = file
        self._path = path  # None: a stream, nothing to fsync or publish

    def _put(self, data: bytes) -> None:
        if data:
            self._file.write(data)

    def commit(self) -> dict[str, Any]:
        f = self._file
        f.flush()
        if self._path is not None:
            os.fsync(f.fileno())
        return saved(self._state(f.tell() if self._path is not None else 0))

    def _state(self, size: int) -> ByteState:
        """What :meth:`commit` records, the file being ``size`` bytes long."""
        return ByteState(size)

    def finish(self) -> Path:
        self.commit()
        if self._path is None:
            raise RuntimeError("a stream has nothing to publish")
        return self._path

    def close(self) -> None:
        if self._path is not None:
            self._file.close()
        else:
            self._file.flush()
