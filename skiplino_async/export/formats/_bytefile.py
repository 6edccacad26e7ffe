"""What line-based formats (JSONL, CSV) share: one file, appended to, whose checkpointed
state is its byte size; a resume cuts the file back to that size, dropping a torn tail.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, BinaryIO

from ..._saved import MISSING, BadField, at_least, load
from .._errors import CheckpointError


def state_int(state: Mapping[str, Any], key: str, origin: str) -> int:
    """``state[key]`` as an int >= 0, or a :class:`CheckpointError` naming ``writer.<key>``."""
    value: int = _state(state, key, Annotated[int, at_least(0)], origin)
    return value


def state_strings(state: Mapping[str, Any], key: str, origin: str) -> list[str]:
    """``state[key]`` as a list of strings, or a :class:`CheckpointError`."""
    value: list[str] = _state(state, key, list[str], origin)
    return value


def _state(state: Mapping[str, Any], key: str, tp: Any, origin: str) -> Any:
    try:
        return load(state.get(key, MISSING), tp)
    except BadField as exc:
        raise CheckpointError(origin, f"writer.{key}", exc.problem) from None


def open_at(path: Path, state: Mapping[str, Any] | None, origin: str) -> BinaryIO:
    """``path`` opened for appending: empty for a fresh export, else cut to ``state["bytes"]``.

    A recorded size beyond the file's end is refused: the file was changed (or the checkpoint
    edited), and going on would silently skip rows.
    """
    size = 0 if state is None else state_int(state, "bytes", origin)
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
        return {"bytes": f.tell() if self._path is not None else 0}

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
