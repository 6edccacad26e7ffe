"""Helpers of the dlt tests: pipelines in a temporary folder, and the API's data to compare."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt.common.pipeline import LoadInfo

from skiplino_async.testing import FakeSkiplino
from skiplino_async.testing._records import CustomerRecord

_names = itertools.count()

#: The customers' columns compared with the API (the name of each in the table).
FIELDS = ("name", "email", "mobile", "external_id", "updated_at")


def duckdb_pipeline(tmp_path: Path, name: str = "skiplino") -> dlt.Pipeline:
    """A pipeline whose state and DuckDB file live under ``tmp_path``."""
    return dlt.pipeline(
        pipeline_name=name,
        pipelines_dir=str(tmp_path / "pipelines"),
        destination=dlt.destinations.duckdb(str(tmp_path / "warehouse.duckdb")),
        dataset_name="skiplino",
    )


async def run(pipeline: dlt.Pipeline, source: Any) -> LoadInfo:
    """``pipeline.run(source)`` off the event loop (the fake server runs on it)."""
    return await asyncio.to_thread(pipeline.run, source)


def api_customers(fake: FakeSkiplino) -> dict[str, tuple[Any, ...]]:
    """The API's customers, as the table should hold them."""
    return {c.id: _fields(c) for c in fake.state.iter_customers()}


def _fields(c: CustomerRecord) -> tuple[Any, ...]:
    return (c.name, c.email, c.mobile, c.external_id, _ms(c.updated_at))


def _ms(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds")


def duckdb_rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql).fetchall()


def table_customers(db: Path, dataset: str = "skiplino") -> dict[str, tuple[Any, ...]]:
    """The ``customers`` table, ids checked unique."""
    rows = duckdb_rows(db, f"SELECT _id, {', '.join(FIELDS)} FROM {dataset}.customers")
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)), "duplicate ids in customers"
    return {row[0]: (*row[1:-1], _ms(row[-1])) for row in rows}


def api_tickets(fake: FakeSkiplino) -> set[tuple[str, str]]:
    """(ticket id, customer id) of every ticket of a live customer."""
    live = {c.id for c in fake.state.iter_customers()}
    return {(t.id, t.customer_id) for t in fake.state.tickets if t.customer_id in live}


def walk_in_services(fake: FakeSkiplino) -> Iterator[tuple[str, str]]:
    """(service id, group id) of every open walk-in service."""
    state = fake.state
    for branch in state.active_branches():
        for group in state.branch_tree(branch.id) or []:
            for service in group.services:
                if state.service_is_open(service) and not service.is_appointment:
                    yield service.id, group.group.id


def book_tickets(fake: FakeSkiplino, customer_ids: list[str]) -> None:
    """One walk-in ticket per customer, round the open services."""
    services = itertools.cycle(list(walk_in_services(fake)))
    for customer_id in customer_ids:
        service_id, group_id = next(services)
        fake.state.book_ticket(service_id, group_id, customer_id=customer_id)


def unique_name() -> str:
    return f"skiplino_{next(_names)}"


def assert_key_nowhere(key: str, root: Path, outputs: list[str]) -> None:
    """Not in any output nor in any file under ``root`` (dlt's state, traces, the database)."""
    assert not [o for o in outputs if key in o]
    needle = key.encode()
    files = [p for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "trace.pickle" for p in files)
    leaks = [p for p in files if needle in p.read_bytes()]
    assert not leaks
