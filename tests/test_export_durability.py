"""Export durability: an existing output is never lost, and a kill at any instant (the first
milliseconds included, and a full disk) is finished by ``--resume`` with every row once."""

from __future__ import annotations

import asyncio
import contextlib
import random
import resource
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from export_support import (
    FORMATS,
    Crash,
    checkpoint,
    crash_after,
    dataset_rows,
    manifest,
    names,
    needs,
    run_to_end,
    start,
)

from skiplino_async import Skiplino, export
from skiplino_async.cli import main
from skiplino_async.export import (
    CheckpointError,
    ExportFileError,
    checkpoint_path,
    manifest_path,
    partial_path,
)
from skiplino_async.testing import FakeSkiplino

YESTERDAY = b'{"_id": "yesterday"}\n' * 3


# -- configuration errors touch nothing --------------------------------------------------------


@pytest.fixture
def unreachable_url() -> str:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/external/v1"


@pytest.mark.parametrize(
    ("flags", "code", "says", "never"),
    [
        ([], 2, "give --api-key or set SKIPLINO_API_KEY", "api_key="),
        (
            ["--api-key", "sk_test_x", "--base-url", "http://api.example.com/external/v1"],
            2,
            "give --allow-insecure-http",
            "allow_insecure_http=",
        ),
        (["--api-key", "sk_test_x", "--base-url", "UNREACHABLE"], 4, "--base-url", "base_url"),
    ],
)
def test_a_misconfigured_run_leaves_yesterdays_file_byte_for_byte(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    unreachable_url: str,
    flags: list[str],
    code: int,
    says: str,
    never: str,
) -> None:
    monkeypatch.delenv("SKIPLINO_API_KEY", raising=False)
    monkeypatch.delenv("SKIPLINO_BASE_URL", raising=False)
    output = tmp_path / "keep.jsonl"
    output.write_bytes(YESTERDAY)
    manifest_path(output).write_bytes(b'{"yesterday": true}')
    before = names(tmp_path)
    flags = [unreachable_url if f == "UNREACHABLE" else f for f in flags]
    if "--base-url" not in flags:
        flags += ["--base-url", unreachable_url]  # never reached: the key is missing
    assert main(["export", "customers", "-o", str(output), *flags]) == code
    err = capsys.readouterr().err
    assert says in err
    assert never not in err
    assert output.read_bytes() == YESTERDAY
    assert manifest_path(output).read_bytes() == b'{"yesterday": true}'
    assert names(tmp_path) == before  # nothing left behind


async def test_a_wrong_key_touches_no_file(fake: FakeSkiplino, tmp_path: Path) -> None:
    output = tmp_path / "keep.jsonl"
    output.write_bytes(YESTERDAY)
    proc = await start(fake, ["customers", "-o", str(output), "--api-key", "sk_test_wrong"])
    code, err = await run_to_end(proc)
    assert code == 3, err
    assert "check --api-key or SKIPLINO_API_KEY" in err
    assert "Invalid or missing API key." in err  # the server's reason, not advice
    assert "secret key" not in err
    assert output.read_bytes() == YESTERDAY
    assert names(tmp_path) == ["keep.jsonl"]


async def test_a_public_key_is_told_it_needs_a_secret_one(
    fake: FakeSkiplino, tmp_path: Path
) -> None:
    output = tmp_path / "c.jsonl"
    proc = await start(fake, ["customers", "-o", str(output), "--api-key", fake.public_key])
    code, err = await run_to_end(proc)
    assert code == 3, err
    assert "secret key (sk_...)" in err


async def test_an_api_error_on_the_first_page_leaves_nothing_behind(
    fake: FakeSkiplino, tmp_path: Path
) -> None:
    output = tmp_path / "t.jsonl"
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        with pytest.raises(Exception, match="Customer not found"):
            await export.customer_tickets(client, output, id="nobody")
    assert names(tmp_path) == []


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_failed_run_keeps_the_previous_export(
    fake: FakeSkiplino, tmp_path: Path, fmt: str
) -> None:
    needs(fmt)
    output = tmp_path / f"customers.{fmt}"
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        first = await export.customers(client, output, limit=10, part_rows=30)
        before = _snapshot(output)
        with pytest.raises(Crash):
            await export.customers(
                client, output, limit=10, part_rows=30, on_progress=crash_after(70)
            )
        assert _snapshot(output) == before  # the finished export, byte for byte
        assert manifest(output)["rows"] == first.rows
        result = await export.customers(client, output, limit=10, part_rows=30, resume=True)
    assert result.resumed_rows > 0
    assert _snapshot(output) == before  # same data again
    assert not partial_path(output).exists()
    assert not checkpoint_path(output).exists()


def _snapshot(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.iterdir())}
    return {path.name: path.read_bytes()}


@pytest.mark.parametrize("fmt", FORMATS)
async def test_the_temporary_files_of_a_save_a_kill_cut_short_are_cleared(
    fake: FakeSkiplino, tmp_path: Path, fmt: str
) -> None:
    # A kill while the checkpoint, or the marker of a finished export, was being written
    # leaves its temporary file; the next run that gets as far clears them both.
    needs(fmt)
    output = tmp_path / f"c.{fmt}"
    for saved in (checkpoint_path(output), manifest_path(output)):
        (tmp_path / f".{saved.name}.k1ll3d.tmp").write_bytes(b'{"trunc')
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        await export.customers(client, output, format=fmt, limit=10)
    assert names(tmp_path) == [output.name, manifest_path(output).name]


async def test_a_dataset_swapped_in_before_a_kill_loses_its_old_copy_on_resume(
    fake: FakeSkiplino, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Parquet dataset is a directory: the old one is moved aside, the new one put in its
    # place, then the old one deleted (which takes a while for a large one). A run killed
    # before that delete is finished by the next resume, which must delete it.
    needs("parquet")
    from skiplino_async.export import _files

    output = tmp_path / "c.parquet"
    real_remove = _files.remove

    def killed_at_the_old_copy(path: Path) -> None:
        if path.name.endswith(".old"):
            raise Crash
        real_remove(path)

    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        await export.customers(client, output, format="parquet", limit=10)
        monkeypatch.setattr(_files, "remove", killed_at_the_old_copy)
        with pytest.raises(Crash):
            await export.customers(client, output, format="parquet", limit=10)
        monkeypatch.setattr(_files, "remove", real_remove)
        assert (tmp_path / "c.parquet.old").is_dir()
        await export.customers(client, output, format="parquet", limit=10, resume=True)
    assert names(tmp_path) == [output.name, manifest_path(output).name]
    assert (output / "_SUCCESS").exists()


# -- kills at random instants ------------------------------------------------------------------

KILLS_PER_FORMAT = 6
ROWS = 300


@pytest.fixture
async def paced_fake() -> AsyncIterator[FakeSkiplino]:
    # Latency spreads the rows (10 a page) over a few hundred milliseconds.
    async with FakeSkiplino(customers=ROWS, latency=0.008) as server:
        yield server


def _args(output: Path, fmt: str) -> list[str]:
    return [
        "customers",
        "-o",
        str(output),
        "--format",
        fmt,
        "--limit",
        "10",
        "--prefetch",
        "1",
        "--checkpoint-interval",
        "0.02",
        "--part-rows",
        "45",
        "--no-progress",
    ]


async def _kill_at(proc: asyncio.subprocess.Process, moment: Moment, output: Path) -> None:
    """SIGKILL at ``moment``: ``("start", s)`` seconds after the process started, or
    ``("checkpoint", s)`` seconds after it first saved the checkpoint of ``output``."""
    since, delay = moment
    if since == "checkpoint":
        before = _mtime(checkpoint_path(output))
        for _ in range(5_000):
            if proc.returncode is not None or _mtime(checkpoint_path(output)) != before:
                break
            await asyncio.sleep(0.001)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), delay)
    if proc.returncode is None:
        proc.send_signal(signal.SIGKILL)
    await proc.communicate()


Moment = tuple[str, float]


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


@pytest.mark.parametrize("fmt", FORMATS)
async def test_sigkill_at_random_instants_then_resume_gives_every_row_once(
    paced_fake: FakeSkiplino, tmp_path: Path, fmt: str
) -> None:
    needs(fmt)
    reference = tmp_path / "reference" / f"c.{fmt}"
    reference.parent.mkdir()
    async with Skiplino(api_key=paced_fake.secret_key, base_url=paced_fake.url) as client:
        await export.customers(client, reference, format=fmt, limit=10, part_rows=45)
    output = tmp_path / "out" / f"c.{fmt}"
    output.parent.mkdir()
    if fmt != "parquet":
        output.write_bytes(YESTERDAY)
    rng = random.Random(f"kill-{fmt}")
    # Two kills in the first 300 ms of the process (start-up, the first request), one the
    # instant the first checkpoint appears (before or just after the first row), the rest
    # at random instants of the walk.
    moments: list[Moment] = [("start", rng.uniform(0.0, 0.3)) for _ in range(2)]
    moments.append(("checkpoint", 0.0))
    moments += [("checkpoint", rng.uniform(0.0, 0.3)) for _ in range(KILLS_PER_FORMAT - 3)]
    resume: list[str] = []
    for moment in moments:
        proc = await start(paced_fake, _args(output, fmt) + resume)
        await _kill_at(proc, moment, output)
        if proc.returncode == 0:
            break  # finished before the kill
        assert proc.returncode == -signal.SIGKILL
        if fmt != "parquet":
            # Untouched until complete (a kill can land after the new file was published).
            assert output.read_bytes() in (YESTERDAY, reference.read_bytes())
        resume = ["--resume"]
    proc = await start(paced_fake, [*_args(output, fmt), "--resume"])
    code, err = await run_to_end(proc)
    assert code == 0, err
    if fmt == "parquet":
        assert dataset_rows(output) == dataset_rows(reference)
        assert (output / "_SUCCESS").exists()
    else:
        assert output.read_bytes() == reference.read_bytes()
    assert manifest(output)["rows"] == ROWS
    assert names(output.parent) == [output.name, manifest_path(output).name]  # nothing else


async def test_a_full_disk_then_resume_finishes_the_export(
    paced_fake: FakeSkiplino, tmp_path: Path
) -> None:
    output = tmp_path / "c.jsonl"
    output.write_bytes(YESTERDAY)

    def small_disk() -> None:  # writes past 6 KB fail with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (6_000, 6_000))

    args = _args(output, "jsonl")
    code, err = await run_to_end(await start(paced_fake, args, preexec_fn=small_disk))
    assert code == 1, err
    assert "file error" in err
    assert output.read_bytes() == YESTERDAY
    code, err = await run_to_end(await start(paced_fake, [*args, "--resume"]))
    assert code == 0, err
    assert [orjson.loads(x)["_id"] for x in output.read_bytes().splitlines()] == [
        c.id for c in paced_fake.state.iter_customers()
    ]


# -- hand-edited checkpoints -------------------------------------------------------------------


async def _stopped_export(client: Skiplino, output: Path) -> dict[str, Any]:
    with pytest.raises(Crash):
        await export.customers(client, output, limit=20, on_progress=crash_after(40))
    return checkpoint(output)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d.update(rows="40"), "rows"),
        (lambda d: d.update(rows=None), "rows"),
        (lambda d: d.update(stats="fast"), "stats"),
        (lambda d: d["writer"].update(bytes="12"), "writer.bytes"),
        (lambda d: d["writer"].update(bytes=None), "writer.bytes"),
        (lambda d: d["writer"].update(bytes=10**9), "writer.bytes"),  # past the end
        (lambda d: d.update(rows=10), "rows"),  # the position is after 40 rows
        (lambda d: d["paginator"].update(offset=1e9), "paginator"),
        (lambda d: d.update(writer="x"), "writer"),
        (lambda d: d.update(done="yes"), "done"),
    ],
)
async def test_a_hand_edited_checkpoint_is_a_typed_error_naming_the_field(
    fake: FakeSkiplino,
    tmp_path: Path,
    edit: Callable[[dict[str, Any]], None],
    field: str,
) -> None:
    output = tmp_path / "c.jsonl"
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        saved = await _stopped_export(client, output)
        edit(saved)
        checkpoint_path(output).write_bytes(orjson.dumps(saved))
        with pytest.raises(CheckpointError) as info:
            await export.customers(client, output, limit=20, resume=True)
    assert info.value.field == field
    assert field in str(info.value)


@pytest.mark.parametrize(
    ("name", "edit", "field"),
    [
        ("c.csv", lambda w: w.update(flatten="yes"), "writer.flatten"),
        ("c.csv", lambda w: w.update(columns="_id"), "writer.columns"),
        ("c.csv", lambda w: w.pop("header"), "writer.header"),
        ("c.csv", lambda w: w.pop("bytes"), "writer.bytes"),
        ("c.parquet", lambda w: w.update(rows=-1), "writer.rows"),
        ("c.parquet", lambda w: w.update(parts=[1]), "writer.parts"),
    ],
)
async def test_a_hand_edited_writer_state_is_a_typed_error_naming_the_field(
    fake: FakeSkiplino,
    tmp_path: Path,
    name: str,
    edit: Callable[[dict[str, Any]], None],
    field: str,
) -> None:
    output = tmp_path / name
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        with pytest.raises(Crash):
            await export.customers(
                client, output, limit=20, part_rows=20, on_progress=crash_after(40)
            )
        saved = checkpoint(output)
        edit(saved["writer"])
        checkpoint_path(output).write_bytes(orjson.dumps(saved))
        with pytest.raises(CheckpointError) as info:
            await export.customers(client, output, limit=20, part_rows=20, resume=True)
    assert info.value.field == field
    assert field in str(info.value)


def test_a_hand_edited_checkpoint_exits_1_with_the_field_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SKIPLINO_API_KEY", "sk_test_x")
    output = tmp_path / "c.jsonl"
    partial_path(output).write_bytes(b"")
    checkpoint_path(output).write_bytes(
        orjson.dumps({"kind": "skiplino-export", "version": 2, "what": "customers", "rows": "x"})
    )
    assert main(["export", "customers", "-o", str(output), "--resume"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "'format'" in err or "'rows'" in err


async def test_a_version_1_checkpoint_is_refused_with_what_to_do(
    fake: FakeSkiplino, tmp_path: Path
) -> None:
    output = tmp_path / "c.jsonl"
    checkpoint_path(output).write_bytes(
        orjson.dumps({"kind": "skiplino-export", "version": 1, "rows": 3})
    )
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        with pytest.raises(ExportFileError, match="without --resume"):
            await export.customers(client, output, resume=True)
