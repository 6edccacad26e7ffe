"""Turning customers and tickets into the bytes of one output format, JSONL or CSV, and
keeping the CSV columns met so far (saved in the checkpoint, restored on resume).

Formats:

* ``jsonl``: one JSON object per line, the wire field names (``model.to_dict()``: ``_id``,
  ``externalId``, ISO-8601 times); fields the server omitted are left out.
* ``csv``: UTF-8 with a header row. Top-level fields are columns under their wire names;
  object fields are flattened one level as ``<field>.<key>`` columns: ``metadata.tier``,
  ``metadata.source`` for customers, ``branch.id``, ``branch.name`` ... for tickets. Deeper
  values and arrays are written as JSON text in their cell; a missing or null value is an
  empty cell (so ``metadata: null`` and ``metadata: {}`` look alike). Columns appear in a
  fixed order for the documented fields, then in the order new keys were first met; when a
  key first appears after the header was written, the file is rewritten once at the end with
  the full header and every row padded to it. (With ``--output -`` nothing can be rewritten:
  rows then carry the later columns beyond the end of the header.)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any, Final

import orjson

from ..models import Customer, Ticket
from ._options import ExportOptions, Format

#: CSV columns always present, in this order; other keys follow as they are met.
BASE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "customers": (
        "_id",
        "externalId",
        "companyId",
        "name",
        "email",
        "mobile",
        "createdAt",
        "updatedAt",
    ),
    "tickets": (
        "id",
        "ticketNumber",
        "status",
        "statusAt",
        "type",
        "time",
        "branch.id",
        "branch.name",
        "service.id",
        "service.name",
        "groupOfService.id",
        "groupOfService.name",
        "customer.id",
        "customer.name",
        "bookedAt",
        "queueSize",
        "waitingTime",
    ),
}


def _columns_of(saved: Mapping[str, Any]) -> list[str] | None:
    cols = saved.get("columns")
    return list(cols) if isinstance(cols, list) else None


def _header_of(saved: Mapping[str, Any]) -> list[str] | None:
    cols = saved.get("header_columns")
    return list(cols) if isinstance(cols, list) else None


class _Writer:
    """Turns models into bytes of one format."""

    format: Format = "jsonl"

    def __init__(self, options: ExportOptions) -> None:
        self.kind = options.kind
        self.customer_id = options.customer_id
        self.external_id = options.external_id
        self.columns: list[str] | None = None
        self.header_columns: list[str] | None = None

    def header(self) -> bytes:
        return b""

    def rows(self, items: Iterable[Customer | Ticket]) -> bytes:
        raise NotImplementedError


class _JsonlWriter(_Writer):
    format: Format = "jsonl"

    def rows(self, items: Iterable[Customer | Ticket]) -> bytes:
        dumps = orjson.dumps
        return b"".join([dumps(item.to_dict()) + b"\n" for item in items])


class _CsvWriter(_Writer):
    format: Format = "csv"

    def __init__(self, options: ExportOptions, saved: Mapping[str, Any] | None) -> None:
        super().__init__(options)
        cols = _columns_of(saved) if saved is not None else None
        header = _header_of(saved) if saved is not None else None
        self.columns = cols if cols is not None else list(BASE_COLUMNS[options.kind])
        self.header_columns = header if header is not None else list(self.columns)
        self._index = {name: i for i, name in enumerate(self.columns)}

    def header(self) -> bytes:
        return self._encode([self.columns or []])

    def rows(self, items: Iterable[Customer | Ticket]) -> bytes:
        assert self.columns is not None
        out: list[list[str]] = []
        for item in items:
            flat = _flatten(item.to_dict())
            for name in flat:
                if name not in self._index:
                    self._index[name] = len(self.columns)
                    self.columns.append(name)
            row = [""] * len(self.columns)
            for name, value in flat.items():
                row[self._index[name]] = value
            out.append(row)
        return self._encode(out)

    @staticmethod
    def _encode(rows: list[list[str]]) -> bytes:
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        return buf.getvalue().encode("utf-8")


def _make_writer(options: ExportOptions, saved: Mapping[str, Any] | None) -> _Writer:
    if options.format == "csv":
        return _CsvWriter(options, saved)
    return _JsonlWriter(options)


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
