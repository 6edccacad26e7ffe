"""JSON Lines: one JSON object per line, the wire field names (``_id``, ``externalId``,
ISO-8601 times); fields the server omitted are left out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Final

import orjson

from . import Kind, Row, WriterOptions, register
from ._bytefile import ByteFileWriter, open_at


class JsonlWriter(ByteFileWriter):
    def write(self, rows: Sequence[Row]) -> bool:
        dumps = orjson.dumps
        self._put(b"".join([dumps(row) + b"\n" for row in rows]))
        return False


class Jsonl:
    name: Final = "jsonl"
    extensions: Final = (".jsonl", ".ndjson")
    directory: Final = False
    flushable: Final = True

    def check(self) -> None:
        """Always available."""

    def open(
        self, path: Path, kind: Kind, state: Mapping[str, Any] | None, options: WriterOptions
    ) -> JsonlWriter:
        return JsonlWriter(open_at(path, state, options.checkpoint), path)

    def stream(self, out: BinaryIO, kind: Kind) -> JsonlWriter:
        return JsonlWriter(out, None)


register(Jsonl())
