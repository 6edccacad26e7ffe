"""``skiplino load`` as a cron job runs it: killed at random moments and run again, given a
wrong key or an unreachable host; the destination ends equal to the API and the key is in no
file, log or command line."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

import dlt
import pytest
from dlt_support import (
    api_customers,
    api_tickets,
    assert_key_nowhere,
    book_tickets,
    duckdb_rows,
    table_customers,
)

from skiplino_async.dlt import skiplino_source
from skiplino_async.dlt._run import load as run_load
from skiplino_async.testing import FakeSkiplino

PIPELINE = "nightly"


async def load(
    cwd: Path,
    env: dict[str, str],
    *args: str,
    kill_after: float | None = None,
    kill_from: str = "",
) -> tuple[int, str]:
    """Run ``skiplino load``; SIGKILL it ``kill_after`` seconds after it starts, or after it
    printed a line containing ``kill_from``. Gives (exit code, its output)."""
    argv = [sys.executable, "-m", "skiplino_async", "load", "--pipeline", PIPELINE, *args]
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env={**os.environ, "DLT_DATA_DIR": str(cwd / "dlt"), **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    seen = b""
    if kill_from:
        while kill_from.encode() not in seen and not proc.stderr.at_eof():
            seen += await asyncio.wait_for(proc.stderr.readline(), 60)
    if kill_after is not None:
        try:
            await asyncio.wait_for(asyncio.shield(proc.wait()), kill_after)
        except TimeoutError:
            proc.send_signal(signal.SIGKILL)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, (out + seen + err).decode()


def table_ticket_ids(db: Path) -> list[tuple[str, str]]:
    return [
        (row[0], row[1])
        for row in duckdb_rows(db, "SELECT id, customer_id FROM skiplino_data.customer_tickets")
    ]


def key_env(fake: FakeSkiplino) -> dict[str, str]:
    return {"SKIPLINO_API_KEY": fake.secret_key, "SKIPLINO_BASE_URL": fake.url}


async def test_killed_loads_end_equal_to_the_api_after_one_more_run(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    async with FakeSkiplino(customers=600, seed=seed) as fake:
        state = fake.state
        book_tickets(fake, [c.id for c in state.iter_customers()][::6])
        env = key_env(fake)
        started = time.monotonic()
        code, output = await load(tmp_path, env)
        assert code == 0, output
        whole = time.monotonic() - started
        # Kills while the command starts (some in its first 300 ms), at random moments of a
        # run, and in each step after the extract: with a package extracted, normalized, or
        # partly loaded.
        kills = [(0.05, ""), (0.15, ""), (0.28, "")]
        kills += [(rng.uniform(0.3, whole), "") for _ in range(3)]
        kills += [(rng.uniform(0, 0.3), "normalizing"), (rng.uniform(0, 0.3), "loading")]
        kills += [(0.0, "loading")]
        rng.shuffle(kills)
        outputs = [output]
        for i, (moment, step) in enumerate(kills):
            _, output = await load(tmp_path, env, kill_after=moment, kill_from=step)
            outputs.append(output)
            # The API moves on between runs: inserts, updates and deletes.
            ids = [c.id for c in state.iter_customers()]
            state.add_customer(name=f"Run {i}")
            state.update_customer(rng.choice(ids), name=f"Renamed {i}")
            state.delete_customer(rng.choice(ids))
        code, output = await load(tmp_path, env)
        assert code == 0, f"seed {seed}: {output}"

        db = tmp_path / f"{PIPELINE}.duckdb"
        assert table_customers(db, "skiplino_data") == api_customers(fake), f"seed {seed}"
        tickets = table_ticket_ids(db)
        assert len(tickets) == len(set(tickets)), f"seed {seed}: duplicate tickets"
        assert set(tickets) == api_tickets(fake), f"seed {seed}"
        assert_key_nowhere(fake.secret_key, tmp_path, [*outputs, output])


async def test_a_wrong_key_no_key_or_an_unreachable_host_fail_clearly_and_change_nothing(
    tmp_path: Path,
) -> None:
    async with FakeSkiplino(customers=150) as fake:
        code, output = await load(tmp_path, key_env(fake), "customers")
        assert code == 0, output
        db = tmp_path / f"{PIPELINE}.duckdb"
        before = table_customers(db, "skiplino_data")
        fake.state.add_customer(name="Not loaded")

        code, output = await load(
            tmp_path, {"SKIPLINO_API_KEY": "sk_wrong_key_123", "SKIPLINO_BASE_URL": fake.url}
        )
        assert code == 1
        assert "AuthenticationError" in output
        assert "Traceback" not in output
        assert "sk_wrong_key_123" not in output

        code, output = await load(tmp_path, {"SKIPLINO_API_KEY": "", "SKIPLINO_BASE_URL": fake.url})
        assert code == 1
        assert "no API key" in output
        assert "Traceback" not in output

        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        closed.close()
        unreachable = {
            "SKIPLINO_API_KEY": fake.secret_key,
            "SKIPLINO_BASE_URL": f"http://127.0.0.1:{port}/external/v1",
        }
        code, output = await load(tmp_path, unreachable)
        assert code == 1
        assert "APIConnectionError" in output
        assert "Traceback" not in output

        assert table_customers(db, "skiplino_data") == before


async def test_the_key_from_secrets_toml_is_used_and_written_nowhere(tmp_path: Path) -> None:
    async with FakeSkiplino(customers=120) as fake:
        config = tmp_path / ".dlt"
        config.mkdir()
        (config / "secrets.toml").write_text(f'[sources.skiplino]\napi_key = "{fake.secret_key}"\n')
        env = {"SKIPLINO_API_KEY": "", "SKIPLINO_BASE_URL": fake.url}
        code, output = await load(tmp_path, env, "customers", "branches")
        assert code == 0, output
        assert "extracted branches 3, customers 120" in output
        assert "loaded branches 3, customers 120" in output
        assert table_customers(tmp_path / f"{PIPELINE}.duckdb", "skiplino_data") == (
            api_customers(fake)
        )
        # Tables are replaced from a staging copy, in one transaction.
        schemas = duckdb_rows(
            tmp_path / f"{PIPELINE}.duckdb",
            "SELECT DISTINCT table_schema FROM information_schema.tables",
        )
        assert ("skiplino_data_staging",) in schemas
        (config / "secrets.toml").unlink()
        assert_key_nowhere(fake.secret_key, tmp_path, [output])


async def test_a_kill_between_dlt_moving_a_normalized_package_and_deleting_its_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # dlt renames the normalized package into place, then deletes the extracted one: a
    # SIGKILL in between leaves both. Made here by putting the extracted copy back.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt"))
    async with FakeSkiplino(customers=50) as fake:
        monkeypatch.setenv("SKIPLINO_API_KEY", fake.secret_key)
        monkeypatch.setenv("SKIPLINO_BASE_URL", fake.url)
        pipeline = dlt.pipeline(PIPELINE, destination="duckdb", dataset_name="skiplino_data")
        source = skiplino_source().with_resources("customers")
        await asyncio.to_thread(pipeline.extract, source, loader_file_format="parquet")
        extracted = Path(pipeline.working_dir) / "normalize" / "extracted"
        (package,) = extracted.iterdir()
        shutil.copytree(package, tmp_path / "copy")
        await asyncio.to_thread(pipeline.normalize)
        shutil.copytree(tmp_path / "copy", package)
        fake.state.add_customer(name="Today")

        said: list[str] = []
        await asyncio.to_thread(
            run_load,
            resources=["customers"],
            destination="duckdb",
            dataset="skiplino_data",
            pipeline_name=PIPELINE,
            incremental=False,
            say=said.append,
        )
    assert said[0] == "finishing the load a previous run left"
    assert table_customers(tmp_path / f"{PIPELINE}.duckdb", "skiplino_data") == (
        api_customers(fake)
    )
