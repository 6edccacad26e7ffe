"""Parquet datasets (``pip install 'skiplino-async[parquet]'``, on pyarrow).

The output is a directory of part files (``part-00000.parquet``, ...), each one complete and
readable on its own, one per checkpoint unit of ``unit_rows`` rows (rounded up to whole
pages), and a ``_SUCCESS`` marker once the export is complete. A part is written as it
goes, one row group per :data:`ROW_GROUP_ROWS` rows, so memory does not grow with it.
pyarrow.dataset, DuckDB (``read_parquet('dir/*.parquet')``), Polars and Spark read the
directory as one dataset; names starting with ``_`` or ``.`` are not data to them.

Columns are typed, in the API documentation's order: times as UTC timestamps
(microseconds), counts as int64, the other documented fields as strings; ``metadata`` is a
JSON string column; tickets' ``branch``, ``service``, ``groupOfService`` and ``customer``
are structs of ``id`` and ``name``. Fields
the schema does not know (new API fields) are kept, as one JSON object per row, in the
``_extra`` column (``null`` when there are none).

A part is written to a hidden temporary name, fsync'd and renamed, so a part file that
exists is complete; the checkpoint lists the parts it covers, and a resume deletes any other.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Final

import orjson

from .._errors import CheckpointError, ExportUsageError, FormatUnavailableError
from .._files import fsync_dir, fsync_path, remove
from . import Kind, Row, WriterOptions, register
from ._fields import FIELDS, FREE_OBJECTS, INTEGERS, OBJECTS, TIMES
from ._state import ParquetState, load_state, saved

INSTALL_HINT: Final = "the parquet format needs pyarrow: pip install 'skiplino-async[parquet]'"
SUCCESS: Final = "_SUCCESS"
EXTRA: Final = "_extra"


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise FormatUnavailableError(INSTALL_HINT) from None
    return pyarrow


def schema(kind: Kind) -> Any:
    """The Arrow schema of a ``kind`` dataset."""
    pa = _pyarrow()
    fields = []
    for name in FIELDS[kind]:
        if name in TIMES:
            type_ = pa.timestamp("us", tz="UTC")
        elif name in INTEGERS:
            type_ = pa.int64()
        elif name in OBJECTS:
            type_ = pa.struct([(key, pa.string()) for key in OBJECTS[name]])
        else:
            type_ = pa.string()  # FREE_OBJECTS too, as JSON text
        fields.append(pa.field(name, type_))
    fields.append(pa.field(EXTRA, pa.string()))
    return pa.schema(fields)


def table(kind: Kind, rows: Sequence[Row]) -> Any:
    """Wire rows of ``kind`` as an Arrow table of the dataset's :func:`schema`."""
    return _pyarrow().Table.from_pydict(_columns(kind, rows), schema=schema(kind))


def _time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _columns(kind: Kind, rows: Sequence[Row]) -> dict[str, list[Any]]:
    """Column lists of ``rows``; unknown fields (also inside objects) go to ``_extra``."""
    names = FIELDS[kind]
    convert: dict[str, Callable[[Any], Any]] = {}
    for name in names:
        if name in TIMES:
            convert[name] = _time
        elif name in FREE_OBJECTS:
            convert[name] = _json
    known = frozenset(names)
    out: dict[str, list[Any]] = {name: [] for name in names}
    extras: list[str | None] = []
    for row in rows:
        extra: dict[str, Any] = {}
        for name in names:
            value = row.get(name)
            keys = OBJECTS.get(name)
            if keys is not None and isinstance(value, Mapping):
                for key, inner in value.items():
                    if key not in keys:
                        extra[f"{name}.{key}"] = inner
                value = {key: value.get(key) for key in keys}
            fn = convert.get(name)
            out[name].append(fn(value) if fn is not None else value)
        for name, value in row.items():
            if name not in known:
                extra[name] = value
        extras.append(orjson.dumps(extra).decode() if extra else None)
    out[EXTRA] = extras
    return out


#: Rows per row group: they are buffered as dicts, then written to the open part file as
#: one row group, so memory holds about this many rows however large the part is. (Larger
#: groups cost more memory in pyarrow's encoder than they save: 2,000 rows keep a 100,000
#: customer export within 2.5 times the peak memory of JSONL's, pyarrow's import included.)
ROW_GROUP_ROWS: Final = 2_000


class ParquetWriter:
    def __init__(
        self, directory: Path, kind: Kind, parts: list[str], rows: int, unit_rows: int
    ) -> None:
        self._pa = _pyarrow()
        self._dir = directory
        self._kind = kind
        self._schema = schema(kind)
        self._parts = parts
        self._rows = rows
        self._unit_rows = unit_rows
        self._buffer: list[Row] = []  # the next row group
        self._part: Any = None  # the pyarrow ParquetWriter of the part being written
        self._part_rows = 0

    def write(self, rows: Sequence[Row]) -> bool:
        self._buffer.extend(rows)
        if len(self._buffer) >= ROW_GROUP_ROWS:
            self._flush()
        if self._part_rows + len(self._buffer) < self._unit_rows:
            return False
        self._close_part()
        return True

    def _tmp(self) -> Path:
        return self._dir / f".part-{len(self._parts):05d}.parquet.tmp"

    def _flush(self) -> None:
        """The buffered rows as one row group of the open part (opened if need be)."""
        pa = self._pa
        if self._part is None:
            self._part = pa.parquet.ParquetWriter(self._tmp(), self._schema)
        self._part.write_table(table(self._kind, self._buffer))
        self._part_rows += len(self._buffer)
        self._buffer = []

    def _close_part(self) -> None:
        """Finish the open part: complete, durable, and under its final name."""
        if self._buffer or self._part is None:
            self._flush()
        self._part.close()
        self._part = None
        tmp = self._tmp()
        name = f"part-{len(self._parts):05d}.parquet"
        fsync_path(tmp)
        os.replace(tmp, self._dir / name)
        fsync_dir(self._dir)
        self._parts.append(name)
        self._rows += self._part_rows
        self._part_rows = 0

    def commit(self) -> dict[str, Any]:
        # Called right after a part was closed (Parquet is not flushable): nothing pending.
        return saved(ParquetState(self._parts, self._rows))

    def finish(self) -> Path:
        if self._buffer or self._part is not None or not self._parts:
            self._close_part()  # an empty export still has one (empty) part with the schema
        marker = self._dir / SUCCESS
        marker.write_bytes(b"")
        fsync_path(marker)
        fsync_dir(self._dir)
        return self._dir

    def close(self) -> None:
        # An unfinished part stays a hidden temporary file: a resume deletes it.
        self._buffer = []
        if self._part is not None:
            self._part.close()
            self._part = None


class Parquet:
    name: Final = "parquet"
    extensions: Final = (".parquet",)
    directory: Final = True
    flushable: Final = False

    def check(self) -> None:
        _pyarrow()

    def open(
        self, path: Path, kind: Kind, state: Mapping[str, Any] | None, options: WriterOptions
    ) -> ParquetWriter:
        origin = options.checkpoint
        parts: list[str] = []
        rows = 0
        if state is not None:
            loaded = load_state(state, ParquetState, origin)
            parts, rows = loaded.parts, loaded.rows
            counted = 0
            for name in parts:
                try:
                    counted += _pyarrow().parquet.read_metadata(path / name).num_rows
                except (OSError, ValueError) as exc:
                    raise CheckpointError(origin, "writer.parts", f"lists {name}: {exc}") from None
            if counted != rows:
                raise CheckpointError(
                    origin, "writer.rows", f"is {rows} but the parts hold {counted} rows"
                )
        keep = set(parts)
        # Whatever the checkpoint does not list (a part written after it, a temporary file,
        # a marker) is from a run that did not get to record it: it is written again.
        for entry in path.iterdir():
            if entry.name not in keep:
                remove(entry)
        return ParquetWriter(path, kind, parts, rows, options.unit_rows)

    def stream(self, out: BinaryIO, kind: Kind) -> ParquetWriter:
        raise ExportUsageError("the parquet format writes a directory; it cannot go to stdout")


register(Parquet())
