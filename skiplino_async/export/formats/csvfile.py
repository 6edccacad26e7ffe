"""CSV: UTF-8 with a header row.

Top-level fields are columns under their wire names; object fields are flattened one level
as ``<field>.<key>`` columns (``metadata.tier`` for customers, ``branch.id`` for tickets).
Deeper values and arrays are JSON text in their cell; a missing or null value is an empty
cell. Columns come in a fixed order for the documented fields, then in the order new keys
were first met; when a key first appears after the header was written, :meth:`finish`
writes the file once more with the full header and every row padded to it. (To a stream
nothing can be rewritten: rows then carry the later columns beyond the end of the header.)
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Final

import orjson

from .._files import fsync_dir
from . import Kind, Row, WriterOptions, register
from ._bytefile import ByteFileWriter, open_at, state_strings
from ._fields import FIELDS, FREE_OBJECTS, OBJECTS

#: Columns always present, in this order; other keys follow as they are met.
BASE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    kind: tuple(
        column
        for name in names
        if name not in FREE_OBJECTS
        for column in ([f"{name}.{key}" for key in OBJECTS[name]] if name in OBJECTS else [name])
    )
    for kind, names in FIELDS.items()
}


class CsvWriter(ByteFileWriter):
    def __init__(
        self, file: BinaryIO, path: Path | None, columns: list[str], header: list[str]
    ) -> None:
        super().__init__(file, path)
        self._columns = columns
        self._header = header
        self._index = {name: i for i, name in enumerate(columns)}

    def write_header(self) -> None:
        self._put(_encode([self._columns]))

    def write(self, rows: Sequence[Row]) -> bool:
        columns, index = self._columns, self._index
        out: list[list[str]] = []
        for wire in rows:
            flat = _flatten(wire)
            for name in flat:
                if name not in index:
                    index[name] = len(columns)
                    columns.append(name)
            row = [""] * len(columns)
            for name, value in flat.items():
                row[index[name]] = value
            out.append(row)
        self._put(_encode(out))
        return False

    def commit(self) -> dict[str, Any]:
        state = super().commit()
        state["columns"] = list(self._columns)
        state["header"] = list(self._header)
        return state

    def finish(self) -> Path:
        path = super().finish()
        if self._columns == self._header:
            return path
        # The header lacks columns met later: a second file with the full header. The
        # partial file stays as committed, so a crash here is finished by a resume.
        final = path.with_name(path.name + ".final")
        _rewrite(path, final, self._columns)
        return final


class Csv:
    name: Final = "csv"
    extensions: Final = (".csv",)
    directory: Final = False
    flushable: Final = True

    def check(self) -> None:
        """Always available."""

    def open(
        self, path: Path, kind: Kind, state: Mapping[str, Any] | None, options: WriterOptions
    ) -> CsvWriter:
        if state is None:
            columns = list(BASE_COLUMNS[kind])
            header = list(columns)
        else:
            columns = state_strings(state, "columns", options.checkpoint)
            header = state_strings(state, "header", options.checkpoint)
        writer = CsvWriter(open_at(path, state, options.checkpoint), path, columns, header)
        if state is None:
            writer.write_header()
        return writer

    def stream(self, out: BinaryIO, kind: Kind) -> CsvWriter:
        columns = list(BASE_COLUMNS[kind])
        writer = CsvWriter(out, None, columns, list(columns))
        writer.write_header()
        return writer


def _encode(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8")


def _rewrite(source: Path, target: Path, columns: list[str]) -> None:
    """``source`` with the header ``columns`` and every row padded to it, into ``target``."""
    tmp = target.with_name("." + target.name + ".tmp")
    try:
        with (
            source.open(newline="", encoding="utf-8") as src,
            tmp.open("w", newline="", encoding="utf-8") as dst,
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
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(target.parent)


def _flatten(wire: Mapping[str, Any]) -> dict[str, str]:
    """One CSV row: objects one level deep as ``field.key``, the rest as text or JSON."""
    flat: dict[str, str] = {}
    for name, value in wire.items():
        if isinstance(value, Mapping):
            for key, inner in value.items():
                flat[f"{name}.{key}"] = _cell(inner)
        else:
            flat[name] = _cell(value)
    return flat


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value).decode()


register(Csv())
