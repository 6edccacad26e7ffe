"""``skiplino export``: files, formats, exit codes, resuming after Ctrl-C, errors and SIGKILL."""

from __future__ import annotations

import asyncio
import csv
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from export_support import REPO, Crash, crash_after, start

from skiplino_async import Skiplino, export
from skiplino_async.cli import main
from skiplino_async.export import ExportProgress, checkpoint_path, manifest_path, partial_path
from skiplino_async.export._progress import summary_line
from skiplino_async.pagination import PaginatorStats
from skiplino_async.testing import FakeSkiplino, FakeState
from skiplino_async.testing._openapi import CUSTOMER_EXAMPLE


def server_order(state: FakeState) -> list[str]:
    return [c.id for c in state.iter_customers()]


def jsonl_ids(path: Path) -> list[str]:
    return [orjson.loads(line)["_id"] for line in path.read_bytes().splitlines()]


def load_checkpoint(output: Path) -> dict[str, Any]:
    """The checkpoint of the export of ``output`` still running (or stopped)."""
    data: dict[str, Any] = orjson.loads(checkpoint_path(output).read_bytes())
    return data


def load_manifest(output: Path) -> dict[str, Any]:
    """The checkpoint of the complete export of ``output``, beside it."""
    data: dict[str, Any] = orjson.loads(manifest_path(output).read_bytes())
    return data


# -- a server in a thread, for the synchronous ``main()`` -------------------------------------


@pytest.fixture
def served() -> Iterator[FakeSkiplino]:
    """A fake server on its own loop in a thread, so tests can call ``main()`` directly."""
    loop = asyncio.new_event_loop()
    fake = FakeSkiplino(customers=300)
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(fake.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture
def env(served: FakeSkiplino, monkeypatch: pytest.MonkeyPatch) -> FakeSkiplino:
    monkeypatch.setenv("SKIPLINO_API_KEY", served.secret_key)
    monkeypatch.setenv("SKIPLINO_BASE_URL", served.url)
    return served


def test_jsonl_export_keeps_wire_names_and_server_order(
    env: FakeSkiplino, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "customers.jsonl"
    assert main(["export", "customers", "--output", str(output), "--limit", "40"]) == 0
    rows = [orjson.loads(line) for line in output.read_bytes().splitlines()]
    assert [r["_id"] for r in rows] == server_order(env.state)
    layla = rows[0]
    assert layla == CUSTOMER_EXAMPLE  # the documented example, exactly
    saved = load_manifest(output)
    assert saved["done"] is True
    assert saved["rows"] == 300
    assert saved["version"] == 2
    assert not partial_path(output).exists()
    assert not checkpoint_path(output).exists()
    err = capsys.readouterr().err
    assert "done: 300/300 customers" in err  # stderr is not a terminal: summary lines


def test_csv_flattens_metadata_and_fixes_the_header_for_late_keys(
    env: FakeSkiplino, tmp_path: Path
) -> None:
    oldest = server_order(env.state)[-1]  # on the last page
    env.state.update_customer(oldest, metadata={"tier": "basic", "region": "north"})
    output = tmp_path / "customers.csv"
    args = ["export", "customers", "--output", str(output), "--limit", "50", "--flatten"]
    assert main(args) == 0
    with output.open(newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    header, rows = table[0], table[1:]
    assert header == [
        "_id",
        "externalId",
        "companyId",
        "name",
        "email",
        "mobile",
        "createdAt",
        "updatedAt",
        "metadata.tier",
        "metadata.source",
        "metadata.region",  # first met on the last page, still in the header
    ]
    assert len(rows) == 300
    assert all(len(row) == len(header) for row in rows)
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert [row[0] for row in rows] == server_order(env.state)
    assert by_id[oldest]["metadata.region"] == "north"
    assert by_id[oldest]["metadata.tier"] == "basic"
    layla = by_id["9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"]
    assert (layla["metadata.source"], layla["metadata.region"]) == ("mobile-app", "")


def test_tickets_export_by_external_id(env: FakeSkiplino, tmp_path: Path) -> None:
    state = env.state
    customer = state.add_customer(external_id="export-tickets")
    for _ in range(13):
        state.book_ticket("6fe8fb8b12", customer_id=customer.id)
    output = tmp_path / "tickets.jsonl"
    args = ["export", "tickets", "--external-id", "export-tickets", "--output", str(output)]
    assert main([*args, "--limit", "4"]) == 0
    rows = [orjson.loads(line) for line in output.read_bytes().splitlines()]
    assert [r["id"] for r in rows] == [t.id for t in state.customer_tickets(customer.id)]
    assert rows[0]["ticketNumber"].startswith("Q")
    assert rows[0]["customer"] == {"id": customer.id}


def test_export_to_stdout(env: FakeSkiplino, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["export", "customers", "--output", "-", "--limit", "100"]) == 0
    out = capfdbinary.readouterr().out
    assert [orjson.loads(line)["_id"] for line in out.splitlines()] == server_order(env.state)


def test_resume_after_a_complete_export_exports_todays_data(
    env: FakeSkiplino, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "customers.jsonl"
    assert main(["export", "customers", "-o", str(output), "--resume"]) == 0
    new = env.state.add_customer(name="Tonight").id
    assert main(["export", "customers", "-o", str(output), "--resume"]) == 0
    assert jsonl_ids(output) == server_order(env.state)
    assert new in jsonl_ids(output)
    assert "already complete" not in capsys.readouterr().err


def test_resume_without_a_checkpoint_starts_afresh(env: FakeSkiplino, tmp_path: Path) -> None:
    output = tmp_path / "new.jsonl"
    assert main(["export", "customers", "-o", str(output), "--resume"]) == 0
    assert jsonl_ids(output) == server_order(env.state)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--limit", "101"], "--limit must be between 1 and 100"),
        (["--rate-limit", "0"], "--rate-limit must be a positive number"),
        (["--output", "-", "--resume"], "--resume and --since need a file --output"),
    ],
)
def test_bad_flags_exit_2(
    env: FakeSkiplino,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    assert main(["export", "customers", "-o", str(tmp_path / "x.jsonl"), *argv]) == 2
    assert message in capsys.readouterr().err
    assert env.requests == []


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "customers"],  # no --output
        ["export", "customers", "-o", "x.jsonl", "--limit", "0"],
        ["export", "customers", "-o", "x.jsonl", "--format", "xml"],
        ["export", "tickets", "-o", "x.jsonl"],  # no customer
        ["export", "tickets", "-o", "x.jsonl", "--customer", "a", "--external-id", "b"],
        ["export"],
    ],
)
def test_argparse_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_missing_key_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SKIPLINO_API_KEY", raising=False)
    assert main(["export", "customers", "-o", str(tmp_path / "c.jsonl")]) == 2
    assert "no API key" in capsys.readouterr().err


@pytest.mark.parametrize("key", ["sk_test_wrong", "public"])
def test_authentication_failure_exits_3(
    served: FakeSkiplino,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    key: str,
) -> None:
    api_key = served.public_key if key == "public" else key
    argv = ["export", "customers", "-o", str(tmp_path / "c.jsonl")]
    assert main([*argv, "--api-key", api_key, "--base-url", served.url]) == 3
    err = capsys.readouterr().err
    assert "authentication failed" in err
    assert api_key not in err


def test_unreachable_server_exits_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("SKIPLINO_API_KEY", "sk_test_x")
    url = f"http://127.0.0.1:{port}/external/v1"
    assert main(["export", "customers", "-o", str(tmp_path / "c.jsonl"), "--base-url", url]) == 4
    assert "cannot reach the API" in capsys.readouterr().err


def test_other_api_errors_exit_1(
    env: FakeSkiplino, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", "tickets", "--customer", "nobody", "-o", str(tmp_path / "t.jsonl")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "API error: 404: Customer not found." in err
    assert "--resume" not in err  # nothing was saved that a resume could use


def test_resume_refuses_a_different_export(
    env: FakeSkiplino, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "c.jsonl"
    assert main(["export", "customers", "-o", str(output)]) == 0
    # As a run killed between its last checkpoint and publishing would leave it:
    manifest_path(output).rename(checkpoint_path(output))
    assert main(["export", "customers", "-o", str(output), "--format", "csv", "--resume"]) == 2
    assert "is an export with format='jsonl', not 'csv'" in capsys.readouterr().err


def test_a_second_export_of_the_same_file_is_refused(
    env: FakeSkiplino, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fcntl = pytest.importorskip("fcntl")
    output = tmp_path / "c.jsonl"
    output.write_bytes(b"yesterday's export\n")
    partial = partial_path(output)
    partial.write_bytes(b"rows of a running export\n")
    with partial.open("rb") as running:  # holds the lock as a running export does
        fcntl.flock(running.fileno(), fcntl.LOCK_EX)
        assert main(["export", "customers", "-o", str(output)]) == 1
    assert "another export is writing" in capsys.readouterr().err
    assert partial.read_bytes() == b"rows of a running export\n"  # untouched
    assert output.read_bytes() == b"yesterday's export\n"


# -- progress ---------------------------------------------------------------------------------


def test_summary_line_counts_against_the_target() -> None:
    stats = PaginatorStats(items_yielded=5_000, total=20_000)
    stats._started = 0.0
    stats._ended = 2.0
    progress = ExportProgress(rows=5_000, resumed_rows=0, target=20_000, elapsed=2.0, stats=stats)
    line = summary_line(progress, "customers", final=True)
    assert line.startswith("skiplino export done: 5,000/20,000 customers in 2.0s (2,500/s)")


# -- interruptions and resume ------------------------------------------------------------------


async def test_a_crash_then_resume_drops_a_torn_tail(fake: FakeSkiplino, tmp_path: Path) -> None:
    output = tmp_path / "customers.jsonl"
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        with pytest.raises(Crash):
            await export.customers(
                client, output, limit=20, prefetch=3, on_progress=crash_after(60)
            )
        saved = load_checkpoint(output)
        partial = partial_path(output)
        assert saved["rows"] == 60
        assert saved["writer"]["bytes"] == partial.stat().st_size
        assert not output.exists()
        with partial.open("ab") as f:  # rows written after the checkpoint, the last one torn
            f.write(b'{"_id": "written-after-the-checkpoint"}\n' * 5_000 + b'{"_id": "torn-li')
        result = await export.customers(client, output, limit=20, resume=True)
    assert result.complete
    assert result.resumed_rows == 60
    assert jsonl_ids(output) == server_order(fake.state)


async def test_csv_resume_gives_the_same_bytes_as_one_run(
    fake: FakeSkiplino, tmp_path: Path
) -> None:
    oldest = server_order(fake.state)[-1]
    fake.state.update_customer(oldest, metadata={"late": "key"})
    whole, parts = tmp_path / "whole.csv", tmp_path / "parts.csv"
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        await export.customers(client, whole, limit=25, flatten=True)
        with pytest.raises(Crash):
            await export.customers(
                client, parts, limit=25, flatten=True, on_progress=crash_after(50)
            )
        with partial_path(parts).open("ab") as f:
            f.write(b"deadbeef,crm-0000001,cmp_5f3a91\r\n" * 5_000 + b"deadbeef,crm-")
        await export.customers(client, parts, limit=25, resume=True)  # flattened, as saved
    assert parts.read_bytes() == whole.read_bytes()
    assert whole.read_bytes().splitlines()[0].endswith(b",metadata.late")
    assert not partial_path(parts).exists()
    assert not parts.with_name(parts.name + ".partial.final").exists()


async def start_cli(fake: FakeSkiplino, *args: str) -> asyncio.subprocess.Process:
    return await start(fake, args)


def line_count(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


async def wait_for_lines(output: Path, lines: int, proc: asyncio.subprocess.Process) -> None:
    """Poll ``output`` itself until it has ``lines`` lines (no checkpoint needed)."""
    for _ in range(3000):
        if proc.returncode is not None:
            break
        if line_count(output) >= lines:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the export never showed progress before finishing")


async def wait_for_rows(output: Path, rows: int, proc: asyncio.subprocess.Process) -> int:
    """Poll the checkpoint of ``output`` until it records at least ``rows`` rows."""
    path = checkpoint_path(output)
    for _ in range(3000):
        if proc.returncode is not None:
            break
        try:
            saved = orjson.loads(path.read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            saved = None
        if saved is not None and saved["rows"] >= rows and not saved["done"]:
            return int(saved["rows"])
        await asyncio.sleep(0.01)
    raise AssertionError("the export never showed progress before finishing")


@pytest.fixture
async def slow_fake() -> AsyncIterator[FakeSkiplino]:
    # Latency spreads the export over a few seconds, so it can be stopped half way.
    async with FakeSkiplino(customers=25_000, latency=0.01) as server:
        yield server


async def test_sigkill_mid_export_then_resume_gives_every_customer_once(
    slow_fake: FakeSkiplino, tmp_path: Path
) -> None:
    output = tmp_path / "customers.jsonl"
    args = ["customers", "--output", str(output), "--prefetch", "4", "--checkpoint-interval", "0"]
    proc = await start_cli(slow_fake, *args)
    try:
        await wait_for_rows(output, 3_000, proc)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        await proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    saved = load_checkpoint(output)
    assert not saved["done"]
    assert 3_000 <= saved["rows"] < 25_000
    # Perhaps a tail beyond the checkpoint:
    assert partial_path(output).stat().st_size >= saved["writer"]["bytes"]

    resumed = await start_cli(slow_fake, *args, "--resume", "--prefetch", "8")
    _, err = await resumed.communicate()
    assert resumed.returncode == 0, err.decode()
    ids = jsonl_ids(output)
    assert ids == server_order(slow_fake.state)
    assert len(ids) == 25_000
    assert load_manifest(output)["done"] is True
    assert "resuming after" in err.decode()


async def test_ctrl_c_saves_the_position_and_exits_130(
    slow_fake: FakeSkiplino, tmp_path: Path
) -> None:
    output = tmp_path / "customers.csv"
    # No periodic checkpoint: the one found afterwards can only be the one saved on Ctrl-C.
    args = ["customers", "--output", str(output), "--prefetch", "2"]
    proc = await start_cli(slow_fake, *args, "--checkpoint-interval", "3600")
    try:
        await wait_for_lines(partial_path(output), 2_000, proc)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        _, err = await proc.communicate()
    assert proc.returncode == 130, err.decode()
    assert "interrupted; run the same command with --resume to finish" in err.decode()
    saved = load_checkpoint(output)
    partial = partial_path(output)
    # Saved on the way out: the file ends exactly at the checkpoint.
    assert saved["writer"]["bytes"] == partial.stat().st_size
    assert len(partial.read_bytes().splitlines()) == saved["rows"] + 1  # + the header

    assert not saved["done"]
    resumed = await start_cli(slow_fake, *args, "--resume")
    _, err = await resumed.communicate()
    assert resumed.returncode == 0, err.decode()
    with output.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert [row[0] for row in rows[1:]] == server_order(slow_fake.state)


async def test_sigterm_stops_cleanly_like_ctrl_c(slow_fake: FakeSkiplino, tmp_path: Path) -> None:
    output = tmp_path / "customers.jsonl"
    args = ["customers", "--output", str(output), "--checkpoint-interval", "3600"]
    proc = await start_cli(slow_fake, *args)
    try:
        await wait_for_lines(partial_path(output), 1_000, proc)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, err = await proc.communicate()
    assert proc.returncode == 130, err.decode()
    assert "terminated" in err.decode()
    saved = load_checkpoint(output)
    partial = partial_path(output)
    assert saved["writer"]["bytes"] == partial.stat().st_size
    assert len(jsonl_ids(partial)) == saved["rows"]


def test_sdk_messages_name_the_command_line_flags() -> None:
    from skiplino_async.export._cli import _message
    from skiplino_async.pagination import DriftError, DriftEvent

    error = DriftError(DriftEvent(2, 100, 101), {})
    assert "pass strict=False" in str(error)
    message = _message(error)
    assert "run without --strict" in message
    assert "strict=False" not in message


def test_the_flags_come_from_the_errors_fields_not_their_wording() -> None:
    from skiplino_async._advice import Advice, AdvisedValueError, Instruction, Mention
    from skiplino_async.export._cli import _message

    error = AdvisedValueError(
        Advice("{url} is odd: {fix}", {"url": Mention("base_url"), "fix": Instruction("proxy")})
    )
    assert str(error) == "base_url is odd: pass proxy=..."
    assert _message(error) == "--base-url is odd: give --proxy"


def test_the_export_package_is_reachable_as_an_attribute() -> None:
    code = "import skiplino_async as sk; print(sk.export.customers.__name__)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip() == "customers"
