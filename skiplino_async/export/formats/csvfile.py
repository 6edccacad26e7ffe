"""CSV: UTF-8 with a header row, every row as wide as the header.

By default the columns are fixed and known before the first row: the documented fields
under their wire names in the API documentation's order, objects with fixed keys flattened
one level (``branch.id``, ``branch.name``), ``metadata`` as one JSON cell, and last
``_extra``: a JSON object of the fields the SDK does not know yet (new API fields), empty when
there are none. Other values are text; arrays and deeper values JSON; a missing or null value
is an empty cell. This layout also streams to standard output.

With ``flatten`` (files only), ``metadata`` and new fields become columns of their own
(``metadata.tier``) in the order they are first met; a column first met after the header was
written makes :meth:`finish` write the file once more with the full header and every row
padded to it. A stream cannot be rewritten, so flattening refuses one.
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
from ._bytefile import ByteFileWriter, open_at
from ._fields import FIELDS, FREE_OBJECTS, OBJECTS
from ._state import CsvState, load_state

EXTRA: Final = "_extra"


def _layout(kind: Kind, *, flatten: bool) -> tuple[str, ...]:
    return tuple(
        column
        for name in FIELDS[kind]
        if not (flatten and name in FREE_OBJECTS)
        for column in ([f"{name}.{key}" for key in OBJECTS[name]] if name in OBJECTS else [name])
    ) + (() if flatten else (EXTRA,))


#: The fixed columns of each list, in this order.
COLUMNS: Final[dict[Kind, tuple[str, ...]]] = {
    kind: _layout(kind, flatten=False) for kind in ("customers", "tickets")
}
#: Flattened: the columns always present; other keys follow as they are met.
BASE_COLUMNS: Final[dict[Kind, tuple[str, ...]]] = {
    kind: _layout(kind, flatten=True) for kind in ("customers", "tickets")
}


class CsvWriter(ByteFileWriter):
    def __init__(
        self,
        file: BinaryIO,
        path: Path | None,
        columns: list[str],
        header: list[str],
        *,
        flatten: bool,
    ) -> None:
        super().__init__(file, path)
        self._columns = columns
        self._header = header
        self._flatten = flatten
        self._index = {name: i for i, name in enumerate(columns)}

    def write_header(self) -> None:
        self._put(_encode([self._columns]))

    def write(self, rows: Sequence[Row]) -> bool:
        if not self._flatten:
            self._put(_encode([_fixed(wire, self._columns, self._index) for wire in rows]))
            return False
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

    def _state(self, size: int) -> CsvState:
        return CsvState(size, self._columns, self._header, self._flatten)

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
            flatten = options.flatten
            columns = list((BASE_COLUMNS if flatten else COLUMNS)[kind])
            header = list(columns)
        else:
            # The layout of the export being resumed.
            saved = load_state(state, CsvState, options.checkpoint)
            flatten, columns, header = saved.flatten, saved.columns, saved.header
        file = open_at(path, state, options.checkpoint)
        writer = CsvWriter(file, path, columns, header, flatten=flatten)
        if state is None:
            writer.write_header()
        return writer

    def stream(self, out: BinaryIO, kind: Kind) -> CsvWriter:
        # The fixed layout only (ExportJob refuses flatten to a stream).
        columns = list(COLUMNS[kind])
        writer = CsvWriter(out, None, columns, list(columns), flatten=False)
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


def _fixed(wire: Mapping[str, Any], columns: list[str], index: Mapping[str, int]) -> list[str]:
    """A row of the fixed layout: what has no column of its own goes to ``_extra``."""
    row = [""] * len(columns)
    extra: dict[str, Any] = {}
    for name, value in wire.items():
        keys = OBJECTS.get(name)
        if keys is not None and isinstance(value, Mapping):
            for key, inner in value.items():
                where = index.get(f"{name}.{key}")
                if where is None:
                    extra[f"{name}.{key}"] = inner
                else:
                    row[where] = _cell(inner)
        elif (where := index.get(name)) is not None and name != EXTRA:
            row[where] = _cell(value)
        else:
            extra[name] = value
    if extra:
        row[-1] = orjson.dumps(extra).decode()
    return row


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
