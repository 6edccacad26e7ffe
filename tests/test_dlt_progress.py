"""``skiplino load``'s progress: rows counted per resource, said at most once an interval."""

from __future__ import annotations

import pyarrow as pa

from skiplino_async.dlt._progress import ExtractProgress, line


def test_rows_are_counted_per_resource_and_said_once_per_interval() -> None:
    now = [0.0]
    said: list[str] = []
    progress = ExtractProgress(said.append, interval=10.0, clock=lambda: now[0])
    customers, branches = progress.counter("customers"), progress.counter("branches")
    rows = [{"_id": str(i)} for i in range(5)]
    assert [customers(row) for row in rows] == rows  # handed on unchanged
    assert said == []
    now[0] = 10.0
    branches({"id": "b"})
    now[0] = 15.0
    customers({"_id": "5"})
    assert said == ["extracted branches 1, customers 5"]
    now[0] = 20.5
    table = pa.table({"_id": ["6", "7", "8"]})
    assert customers(table) is table
    assert said[-1] == "extracted branches 1, customers 9"
    assert progress.counts == {"customers": 9, "branches": 1}


def test_the_line_names_every_table_or_says_there_were_none() -> None:
    assert line({}) == "no rows"
    assert line({"services": 10, "customers": 100_000}) == "customers 100,000, services 10"
