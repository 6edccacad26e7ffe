"""The format registry: a new format is one module that registers itself; the command line's
``--format`` choices and the extension inference follow."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Final

import pytest

from skiplino_async import Skiplino, export
from skiplino_async.cli import main
from skiplino_async.export import formats
from skiplino_async.export.formats import Kind, Row, WriterOptions
from skiplino_async.export.formats._bytefile import ByteFileWriter, open_at
from skiplino_async.testing import FakeSkiplino


class IdsWriter(ByteFileWriter):
    def write(self, rows: Sequence[Row]) -> bool:
        self._put(b"".join(str(row.get("_id", row.get("id"))).encode() + b"\n" for row in rows))
        return False


class Ids:
    """A toy format: one id a line."""

    name: Final = "ids"
    extensions: Final = (".ids",)
    directory: Final = False
    flushable: Final = True

    def check(self) -> None:
        """Always available."""

    def open(
        self, path: Path, kind: Kind, state: Mapping[str, Any] | None, options: WriterOptions
    ) -> IdsWriter:
        return IdsWriter(open_at(path, state, options.checkpoint), path)

    def stream(self, out: BinaryIO, kind: Kind) -> IdsWriter:
        return IdsWriter(out, None)


@pytest.fixture
def ids_format() -> Iterator[None]:
    formats.register(Ids())
    try:
        yield
    finally:
        formats._REGISTRY.pop("ids")


def test_built_in_formats_and_their_extensions() -> None:
    assert formats.names()[:3] == ("jsonl", "csv", "parquet")
    assert formats.for_path("a/customers.CSV") == "csv"
    assert formats.for_path("customers.parquet/") == "parquet"
    assert formats.for_path("customers.ndjson") == "jsonl"
    assert formats.for_path("customers.txt") is None
    with pytest.raises(export.ExportUsageError, match="unknown format 'xml'"):
        formats.get("xml")


async def test_a_registered_format_is_used_by_the_engine(
    ids_format: None, fake: FakeSkiplino, tmp_path: Path
) -> None:
    output = tmp_path / "customers.ids"
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        result = await export.customers(client, output, limit=50)
    assert result.format == "ids"
    assert output.read_text().split() == [c.id for c in fake.state.iter_customers()]


def test_a_registered_format_is_a_command_line_choice(
    ids_format: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["export", "customers", "--help"])
    assert "{jsonl,csv,parquet,ids}" in capsys.readouterr().out
