"""The file export as a nightly job uses it: a complete export leaves only a small marker,
CSV is rectangular everywhere (stdout included), a reader that stops reading ends the export
quietly, and a bucket URL is pointed to ``skiplino load``."""

from __future__ import annotations

import asyncio
import csv
import io
import sys
from pathlib import Path

import orjson
import pytest
from export_support import REPO, cli_env, start

from skiplino_async import Skiplino, export
from skiplino_async.cli import main
from skiplino_async.export import ExportUsageError, checkpoint_path, manifest_path
from skiplino_async.export._job import ExportJob
from skiplino_async.export.formats import WriterOptions, get
from skiplino_async.testing import FakeSkiplino


async def test_a_complete_export_leaves_only_a_small_marker(
    fake: FakeSkiplino, tmp_path: Path
) -> None:
    output = tmp_path / "customers.jsonl"
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        await export.customers(client, output, limit=10)
        marker = manifest_path(output)
        assert not checkpoint_path(output).exists()
        assert marker.stat().st_size < 2_048
        saved = orjson.loads(marker.read_bytes())
        assert (saved["done"], saved["rows"], saved["paginator"]) == (True, 137, None)
        # What --since needs is all there.
        new = [fake.state.add_customer(name=f"N {i}").id for i in range(3)]
        delta = tmp_path / "delta.jsonl"
        result = await export.customers(client, delta, since=output)
    assert result.rows == 3
    assert [orjson.loads(line)["_id"] for line in delta.read_bytes().splitlines()] == new[::-1]


def csv_table(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode())))


async def test_csv_has_fixed_columns_with_metadata_as_json_in_a_file_and_on_stdout(
    fake: FakeSkiplino, tmp_path: Path
) -> None:
    ids = [c.id for c in fake.state.iter_customers()]
    fake.state.update_customer(ids[-1], metadata={"late": "key", "n": 1})  # on the last page
    output = tmp_path / "customers.csv"
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        await export.customers(client, output, limit=20)
    proc = await start(fake, ["customers", "-o", "-", "--format", "csv", "--limit", "20"])
    streamed, err = await proc.communicate()
    assert proc.returncode == 0, err
    for table in (csv_table(output.read_bytes()), csv_table(streamed)):
        header, rows = table[0], table[1:]
        assert header == [
            "_id",
            "externalId",
            "companyId",
            "name",
            "email",
            "mobile",
            "metadata",
            "createdAt",
            "updatedAt",
            "_extra",
        ]
        assert len(rows) == 137
        assert {len(row) for row in rows} == {len(header)}
        last = dict(zip(header, rows[-1], strict=True))
        assert orjson.loads(last["metadata"]) == {"late": "key", "n": 1}
        assert last["_extra"] == ""


def test_csv_keeps_fields_it_does_not_know_in_extra(tmp_path: Path) -> None:
    out = io.BytesIO()
    writer = get("csv").stream(out, "tickets")
    ticket = {
        "id": "t1",
        "status": "waiting",
        "branch": {"id": "b1", "name": "Seef", "code": "S"},
        "priority": 3,
    }
    writer.write([ticket])
    writer.close()
    header, row = csv_table(out.getvalue())
    got = dict(zip(header, row, strict=True))
    assert (got["id"], got["branch.id"], got["branch.name"]) == ("t1", "b1", "Seef")
    assert orjson.loads(got["_extra"]) == {"branch.code": "S", "priority": 3}
    assert "branch.code" not in header
    # A file written with the fixed layout says so in its checkpoint state.
    path = tmp_path / "t.csv"
    file_writer = get("csv").open(path, "tickets", None, WriterOptions())
    file_writer.write([ticket])
    assert file_writer.commit()["flatten"] is False
    file_writer.close()


def test_flattened_csv_to_stdout_is_refused_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "customers", "-o", "-", "--format", "csv", "--flatten"]) == 2
    err = capsys.readouterr().err
    assert "flattened CSV cannot go to standard output" in err


@pytest.mark.parametrize("url", ["s3://bucket/x.jsonl", "gs://bucket/day/customers.csv"])
def test_a_bucket_url_points_to_skiplino_load(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "customers", "-o", url]) == 2
    err = capsys.readouterr().err
    assert "skiplino load --destination filesystem" in err
    assert "No such file" not in err
    with pytest.raises(ExportUsageError, match="skiplino load"):
        ExportJob(kind="customers", path="s3:/bucket/x.jsonl")  # as Path() folds it


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_a_reader_that_stops_reading_ends_the_export_quietly(
    fmt: str, tmp_path: Path
) -> None:
    err_file = tmp_path / "stderr"
    # Far more than a pipe buffer holds, so the export still writes after `head` has gone.
    async with FakeSkiplino(customers=3_000) as fake:
        script = (
            f'"{sys.executable}" -m skiplino_async export customers -o - --format {fmt} '
            f'2>"{err_file}" | head -1 >/dev/null; echo "${{PIPESTATUS[0]}}"'
        )
        proc = await asyncio.create_subprocess_exec(
            "bash", "-c", script, env=cli_env(fake), cwd=REPO, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert int(out) == 141
    assert err_file.read_text() == ""
