"""The dlt source on the fake server: after a full run the destination equals the API
(inserts, updates and deletes), incremental runs read only the new customers' pages, and a
run that fails changes nothing."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
from pathlib import Path

import dlt
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed
from dlt_support import (
    api_customers,
    api_tickets,
    assert_key_nowhere,
    book_tickets,
    duckdb_pipeline,
    duckdb_rows,
    run,
    table_customers,
)

from skiplino_async import (
    APIConnectionError,
    AuthenticationError,
    InternalServerError,
    NotFoundError,
)
from skiplino_async.dlt import skiplino_source
from skiplino_async.testing import FakeSkiplino
from tests.conftest import FAST_RETRIES

DB = "warehouse.duckdb"


def list_requests(fake: FakeSkiplino) -> int:
    return sum(1 for r in fake.requests if r.path == "/customers/getAll")


def table_tickets(db: Path) -> set[tuple[str, str]]:
    return {
        (row[0], row[1])
        for row in duckdb_rows(db, "SELECT id, customer_id FROM skiplino.customer_tickets")
    }


def with_tickets(
    fake: FakeSkiplino, tmp_path: Path, booked: int
) -> tuple[list[str], dlt.Pipeline, Path]:
    """The customer ids (newest first) after booking a ticket for the first ``booked``, a
    pipeline into DuckDB, and its database file."""
    ids = [c.id for c in fake.state.iter_customers()]
    book_tickets(fake, ids[:booked])
    return ids, duckdb_pipeline(tmp_path), tmp_path / DB


async def test_full_runs_keep_every_table_equal_to_the_api(tmp_path: Path) -> None:
    async with FakeSkiplino(customers=250) as fake:
        state = fake.state
        ids, pipeline, db = with_tickets(fake, tmp_path, 30)

        def source() -> dlt.sources.DltSource:
            return skiplino_source(fake.secret_key, fake.url)

        await run(pipeline, source())
        assert table_customers(db) == api_customers(fake)
        assert table_tickets(db) == api_tickets(fake)

        new = [state.add_customer(name=f"New {i}", email=f"n{i}@example.com").id for i in range(7)]
        for customer_id in ids[40:43]:
            state.update_customer(customer_id, name="Renamed", mobile=None)
        for customer_id in [ids[0], ids[5], ids[100], ids[-1]]:  # ids[0] and ids[5] had tickets
            state.delete_customer(customer_id)
        book_tickets(fake, new[:2])
        await run(pipeline, source())

        assert table_customers(db) == api_customers(fake)
        assert table_tickets(db) == api_tickets(fake)
        branches = duckdb_rows(db, "SELECT count(*) FROM skiplino.branches")[0][0]
        assert branches == len(state.active_branches())
        services = duckdb_rows(db, "SELECT id, branch_id FROM skiplino.services")
        assert len(services) == len(set(services)) > 0
    assert_key_nowhere(fake.secret_key, tmp_path, [])


async def test_incremental_runs_add_only_new_customers_reading_only_their_pages(
    tmp_path: Path,
) -> None:
    async with FakeSkiplino(customers=1_000, request_log_size=None) as fake:
        state = fake.state
        pipeline = duckdb_pipeline(tmp_path)
        db = tmp_path / DB

        def customers(incremental: bool) -> dlt.sources.DltSource:
            return skiplino_source(
                fake.secret_key, fake.url, incremental=incremental
            ).with_resources("customers")

        await run(pipeline, customers(incremental=False))
        assert list_requests(fake) == 10
        newest = next(state.iter_customers()).id

        new = [state.add_customer(name=f"New {i}").id for i in range(30)]
        state.delete_customer(newest)  # the previous run's newest: the next one stops it
        before = list_requests(fake)
        await run(pipeline, customers(incremental=True))
        assert list_requests(fake) - before <= 2  # page 1, and the next one read ahead
        loaded = table_customers(db)
        assert set(new) <= set(loaded)
        assert set(loaded) == set(api_customers(fake)) | {newest}  # a delta sees no delete

        more = [state.add_customer(name=f"More {i}").id for i in range(150)]
        before = list_requests(fake)
        await run(pipeline, customers(incremental=True))
        assert list_requests(fake) - before <= 3
        assert set(more) <= set(table_customers(db))

        before = list_requests(fake)
        await run(pipeline, customers(incremental=True))  # nothing new: one page, no rows
        assert list_requests(fake) - before <= 2
        await run(pipeline, customers(incremental=False))  # a full run sees the delete
        assert table_customers(db) == api_customers(fake)


async def test_a_failed_run_leaves_the_destination_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeSkiplino(customers=120) as fake:
        state = fake.state
        book_tickets(fake, [c.id for c in state.iter_customers()][:10])
        pipeline = duckdb_pipeline(tmp_path)
        db = tmp_path / DB
        await run(pipeline, skiplino_source(fake.secret_key, fake.url))
        before = table_customers(db), table_tickets(db)
        for i in range(5):
            state.add_customer(name=f"Unseen {i}")

        with pytest.raises(PipelineStepFailed) as failed:
            await run(pipeline, skiplino_source("sk_wrong", fake.url))
        assert isinstance(_root(failed.value), AuthenticationError)

        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        unreachable = f"http://127.0.0.1:{closed.getsockname()[1]}/external/v1"
        closed.close()
        with pytest.raises(PipelineStepFailed) as failed:
            await run(pipeline, skiplino_source(fake.secret_key, unreachable, max_retries=0))
        assert isinstance(_root(failed.value), APIConnectionError)

        # The customers walk completes; a tickets walk fails: nothing of the run is loaded.
        fake.faults.status(500, path="/customers/tickets", times=1)
        with pytest.raises(PipelineStepFailed) as failed:
            await run(
                pipeline,
                skiplino_source(fake.secret_key, fake.url, max_retries=0),
            )
        assert isinstance(_root(failed.value), InternalServerError)

        monkeypatch.delenv("SKIPLINO_API_KEY", raising=False)
        with pytest.raises(Exception, match="no API key") as missing:
            await run(pipeline, skiplino_source(None, fake.url))
        assert "SKIPLINO_API_KEY" in str(missing.value)

        assert (table_customers(db), table_tickets(db)) == before
        await run(pipeline, skiplino_source(fake.secret_key, fake.url, retry_policy=FAST_RETRIES))
        assert table_customers(db) == api_customers(fake)


async def test_some_customers_tickets_replace_theirs_and_keep_the_others(tmp_path: Path) -> None:
    async with FakeSkiplino(customers=40) as fake:
        state = fake.state
        ids, pipeline, db = with_tickets(fake, tmp_path, 6)

        def tickets(some: list[str]) -> dlt.sources.DltSource:
            return skiplino_source(fake.secret_key, fake.url, customer_ids=some).with_resources(
                "customer_tickets"
            )

        await run(pipeline, tickets(ids[:3]))
        assert {c for _, c in table_tickets(db)} == set(ids[:3])
        book_tickets(fake, ids[:1])  # a second ticket for the first customer
        state.delete_customer(ids[4])  # walked below: a deleted customer has no tickets
        await run(pipeline, tickets([ids[0], ids[3], ids[4]]))
        expected = {t for t in api_tickets(fake) if t[1] in {ids[0], ids[1], ids[2], ids[3]}}
        assert table_tickets(db) == expected


async def test_the_filesystem_destination_holds_the_api_in_parquet(tmp_path: Path) -> None:
    async with FakeSkiplino(customers=150) as fake:
        pipeline = dlt.pipeline(
            pipeline_name="fs",
            pipelines_dir=str(tmp_path / "pipelines"),
            destination=dlt.destinations.filesystem(bucket_url=(tmp_path / "lake").as_uri()),
            dataset_name="skiplino",
        )
        source = skiplino_source(fake.secret_key, fake.url).with_resources("customers")
        await run(pipeline, source)
        fake.state.delete_customer(next(fake.state.iter_customers()).id)
        fake.state.add_customer(name="Newest")
        source = skiplino_source(fake.secret_key, fake.url).with_resources("customers")
        await asyncio_run_parquet(pipeline, source)
        files = list((tmp_path / "lake" / "skiplino" / "customers").glob("*.parquet"))
        assert files
        ids = [row[0] for row in duckdb_rows_parquet(files)]
        assert sorted(ids) == sorted(api_customers(fake))


async def asyncio_run_parquet(pipeline: dlt.Pipeline, source: dlt.sources.DltSource) -> None:
    import asyncio

    await asyncio.to_thread(pipeline.run, source, loader_file_format="parquet")


def duckdb_rows_parquet(files: list[Path]) -> list[tuple[str]]:
    import duckdb

    with duckdb.connect() as con:
        return con.execute("SELECT _id FROM read_parquet(?)", [[str(f) for f in files]]).fetchall()


def test_importing_the_sdk_or_building_the_cli_does_not_import_dlt() -> None:
    code = (
        "import sys, skiplino_async, skiplino_async.cli as cli; cli.build_parser(); "
        "assert 'dlt' not in sys.modules, 'dlt imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _root(exc: BaseException) -> BaseException:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


async def test_a_table_whose_rows_are_all_gone_is_emptied(tmp_path: Path) -> None:
    async with FakeSkiplino(customers=12) as fake:
        ids, pipeline, db = with_tickets(fake, tmp_path, 3)
        await run(pipeline, skiplino_source(fake.secret_key, fake.url))
        assert len(table_tickets(db)) == 3
        for customer_id in ids:
            fake.state.delete_customer(customer_id)
        await run(pipeline, skiplino_source(fake.secret_key, fake.url))
        assert table_customers(db) == {}
        assert table_tickets(db) == set()


async def test_some_customers_tickets_under_a_wrong_url_fail_instead_of_skipping_them(
    tmp_path: Path,
) -> None:
    async with FakeSkiplino(customers=5) as fake:
        ids, pipeline, _ = with_tickets(fake, tmp_path, 2)
        wrong = fake.url.replace("/external/v1", "/v2")  # every path a 404
        source = skiplino_source(fake.secret_key, wrong, customer_ids=ids[:2], max_retries=0)
        with pytest.raises(PipelineStepFailed) as failed:
            await run(pipeline, source.with_resources("customer_tickets"))
        assert isinstance(_root(failed.value), NotFoundError)
        with pytest.raises(ValueError, match="not one string"):
            skiplino_source(fake.secret_key, fake.url, customer_ids=ids[0])


async def test_walks_stopped_by_dlt_or_by_another_resource_failing_close_everything(
    tmp_path: Path,
) -> None:
    async with FakeSkiplino(customers=3_000) as fake:
        pipeline = duckdb_pipeline(tmp_path)
        # dlt closes a resource after its first page here; the walk and its client end too.
        limited = skiplino_source(fake.secret_key, fake.url).with_resources("customers")
        limited.resources["customers"].add_limit(1)
        await asyncio.to_thread(pipeline.extract, limited)
        # One walk fails while the others are under way: every one of them is closed.
        fake.faults.status(500, path="/branches/*/tree", times=1)
        failing = skiplino_source(fake.secret_key, fake.url, max_retries=0)
        with pytest.raises(PipelineStepFailed):
            await asyncio.to_thread(pipeline.extract, failing)
    # No walk's thread is left running (each closes its client, its loop, then the thread);
    # an unclosed session would have been a warning, an error here.
    assert not [t for t in threading.enumerate() if t.name == "skiplino-dlt"]
