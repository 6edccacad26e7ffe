"""``--format parquet``: a dataset directory of complete part files, typed columns, read back
with pyarrow and DuckDB and compared with the JSONL export of the same data."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from skiplino_async import Skiplino, export
from skiplino_async.cli import main
from skiplino_async.export.formats import WriterOptions, get
from skiplino_async.testing import FakeSkiplino

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
ds = pytest.importorskip("pyarrow.dataset")


def jsonl_rows(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def as_wire(row: dict[str, Any]) -> dict[str, Any]:
    """A dataset row turned back into the wire form the JSONL export holds."""
    wire: dict[str, Any] = {}
    for name, value in row.items():
        if name == "_extra" or value is None:
            continue
        if isinstance(value, datetime):
            assert value.utcoffset() is not None  # tz-aware
            assert not value.utcoffset()  # UTC
            value = value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        elif name == "metadata":
            value = orjson.loads(value)
        elif isinstance(value, dict):
            value = {k: v for k, v in value.items() if v is not None}
        wire[name] = value
    if row.get("_extra"):
        wire.update(orjson.loads(row["_extra"]))
    return wire


async def test_a_dataset_of_complete_parts_equal_to_the_jsonl_export(
    fake: FakeSkiplino, tmp_path: Path
) -> None:
    duckdb = pytest.importorskip("duckdb")
    fake.state.update_customer(
        next(fake.state.iter_customers()).id, metadata={"tier": "gold", "n": 1}
    )
    dataset, lines = tmp_path / "customers.parquet", tmp_path / "customers.jsonl"
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        result = await export.customers(client, dataset, limit=10, part_rows=40)
        await export.customers(client, lines, limit=10)
    assert result.rows == 137
    parts = sorted(p.name for p in dataset.iterdir())
    # Sized in rows (40, rounded up to whole pages of 10), not one file per page.
    assert parts == ["_SUCCESS"] + [f"part-{i:05d}.parquet" for i in range(4)]
    sizes = [pq.read_table(dataset / name).num_rows for name in parts[1:]]
    assert sizes == [40, 40, 40, 17]  # each part complete and readable on its own
    expected = jsonl_rows(lines)

    table = ds.dataset(dataset, format="parquet").to_table()
    assert table.schema.field("createdAt").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("metadata").type == pa.string()
    assert [as_wire(row) for row in table.to_pylist()] == expected

    glob = str(dataset / "*.parquet")
    count, first_type = duckdb.sql(
        f"SELECT count(*), any_value(typeof(createdAt)) FROM read_parquet('{glob}')"
    ).fetchall()[0]
    assert count == 137
    assert first_type == "TIMESTAMP WITH TIME ZONE"
    ids = [r[0] for r in duckdb.sql(f"SELECT _id FROM read_parquet('{glob}')").fetchall()]
    assert ids == [row["_id"] for row in expected]
    tier = duckdb.sql(
        f"SELECT metadata->>'tier' FROM read_parquet('{glob}') WHERE _id = '{ids[0]}'"
    ).fetchall()[0]
    assert tier == ("gold",)


async def test_tickets_have_struct_columns(fake: FakeSkiplino, tmp_path: Path) -> None:
    state = fake.state
    customer = state.add_customer(external_id="pq-tickets")
    for _ in range(7):
        state.book_ticket("6fe8fb8b12", customer_id=customer.id)
    dataset, lines = tmp_path / "t.parquet", tmp_path / "t.jsonl"
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        await export.customer_tickets(client, dataset, external_id="pq-tickets", part_rows=3)
        await export.customer_tickets(client, lines, external_id="pq-tickets")
    table = ds.dataset(dataset, format="parquet").to_table()
    assert pa.types.is_struct(table.schema.field("branch").type)
    assert table.schema.field("queueSize").type == pa.int64()
    assert [as_wire(row) for row in table.to_pylist()] == jsonl_rows(lines)


def test_unknown_wire_fields_are_kept_in_a_json_column(tmp_path: Path) -> None:
    fmt = get("parquet")
    directory = tmp_path / "d"
    directory.mkdir()
    writer = fmt.open(directory, "customers", None, WriterOptions(unit_rows=10))
    writer.write(
        [
            {
                "_id": "a",
                "companyId": "c",
                "createdAt": "2026-01-02T03:04:05.678Z",
                "loyalty": {"points": 3},
            },
            {"_id": "b", "companyId": "c", "metadata": {"k": "v"}},
        ]
    )
    writer.finish()
    rows = ds.dataset(directory, format="parquet").to_table().to_pylist()
    assert orjson.loads(rows[0]["_extra"]) == {"loyalty": {"points": 3}}
    assert rows[0]["createdAt"] == datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
    assert rows[1]["_extra"] is None
    assert rows[1]["metadata"] == '{"k":"v"}'


def test_without_pyarrow_parquet_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now fails
    monkeypatch.setenv("SKIPLINO_API_KEY", "sk_test_x")
    assert main(["export", "customers", "-o", str(tmp_path / "c.parquet")]) == 2
    assert "pip install 'skiplino-async[parquet]'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_part_is_written_row_group_by_row_group_as_rows_arrive(tmp_path: Path) -> None:
    from skiplino_async.export.formats.parquet import ROW_GROUP_ROWS

    directory = tmp_path / "out.parquet"
    directory.mkdir()
    writer = get("parquet").open(directory, "customers", None, WriterOptions(unit_rows=10**6))
    page = [{"_id": f"c{i}", "name": f"N {i}"} for i in range(100)]
    for _ in range(ROW_GROUP_ROWS * 3 // 100):
        assert writer.write(page) is False  # no part complete yet: one unit is 10**6 rows
    # The rows already went to the open part's file, row group by row group.
    (pending,) = directory.glob(".part-00000.parquet.tmp")
    assert pending.stat().st_size > 1_000  # "PAR1" alone is 4 bytes
    writer.finish()
    meta = pq.read_metadata(directory / "part-00000.parquet")
    assert meta.num_rows == ROW_GROUP_ROWS * 3
    assert meta.num_row_groups == 3
