"""The dlt source into a real PostgreSQL server: full runs equal the API, a failed run changes
nothing.

The server is ``SKIPLINO_TEST_POSTGRES`` (a URL; ``.ci/run`` starts one), else one started
here with ``.ci/postgres.sh``. Without a server the tests are skipped, with the reason; under
``CI=true`` or with ``SKIPLINO_TEST_POSTGRES`` set, a missing server is a failure.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import psycopg2
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed
from dlt_support import FIELDS, api_customers, api_tickets, book_tickets, run

from skiplino_async.dlt import skiplino_source
from skiplino_async.testing import FakeSkiplino

SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "postgres.sh"
_datasets = itertools.count()


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    url = os.environ.get("SKIPLINO_TEST_POSTGRES")
    if url:
        _check(url)
        yield url
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o711)  # as root the server runs as the postgres user: let it in
        folder = Path(tmp) / "pg"
        folder.mkdir()
        started = subprocess.run(
            ["bash", str(SCRIPT), "start", str(folder)], capture_output=True, text=True
        )
        if started.returncode != 0:
            reason = f"no PostgreSQL server could be started: {started.stderr.strip()}"
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        try:
            yield started.stdout.strip()
        finally:
            subprocess.run(["bash", str(SCRIPT), "stop", str(folder)], check=False)


def _check(url: str) -> None:
    try:
        psycopg2.connect(url, connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        pytest.fail(f"SKIPLINO_TEST_POSTGRES={url} does not answer: {exc}")


def postgres_pipeline(tmp_path: Path, url: str) -> dlt.Pipeline:
    return dlt.pipeline(
        pipeline_name="pg",
        pipelines_dir=str(tmp_path / "pipelines"),
        destination=dlt.destinations.postgres(credentials=url),
        dataset_name=f"skiplino_test_{os.getpid()}_{next(_datasets)}",
    )


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
        cur.execute(sql)
        rows = cur.fetchall()
    con.close()
    return rows


def pg_customers(url: str, dataset: str) -> dict[str, tuple[Any, ...]]:
    rows = query(url, f"SELECT _id, {', '.join(FIELDS)} FROM {dataset}.customers")
    assert len(rows) == len({row[0] for row in rows}), "duplicate ids"
    return {row[0]: (*row[1:-1], row[-1].isoformat(timespec="milliseconds")) for row in rows}


def pg_tickets(url: str, dataset: str) -> set[tuple[str, str]]:
    return {
        (r[0], r[1]) for r in query(url, f"SELECT id, customer_id FROM {dataset}.customer_tickets")
    }


async def test_full_runs_into_postgres_equal_the_api_and_a_failed_run_changes_nothing(
    tmp_path: Path, postgres_url: str
) -> None:
    async with FakeSkiplino(customers=300) as fake:
        state = fake.state
        ids = [c.id for c in state.iter_customers()]
        book_tickets(fake, ids[:20])
        pipeline = postgres_pipeline(tmp_path, postgres_url)
        dataset = pipeline.dataset_name
        await run(pipeline, skiplino_source(fake.secret_key, fake.url))
        assert pg_customers(postgres_url, dataset) == api_customers(fake)

        state.add_customer(name="Newest", email="newest@example.com")
        state.update_customer(ids[10], email="changed@example.com")
        state.delete_customer(ids[0])  # had a ticket
        state.delete_customer(ids[200])
        await run(pipeline, skiplino_source(fake.secret_key, fake.url))
        assert pg_customers(postgres_url, dataset) == api_customers(fake)
        assert pg_tickets(postgres_url, dataset) == api_tickets(fake)

        before = pg_customers(postgres_url, dataset)
        state.add_customer(name="Not loaded")
        with pytest.raises(PipelineStepFailed):
            await run(pipeline, skiplino_source("sk_wrong", fake.url))
        assert pg_customers(postgres_url, dataset) == before
