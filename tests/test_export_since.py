"""Incremental exports: ``since=`` writes only the rows inserted after a previous complete
export, reading only the pages that hold them, and chains from delta to delta."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_support import Crash, crash_after, jsonl_ids, manifest

from skiplino_async import Skiplino, export
from skiplino_async.cli import main
from skiplino_async.export import ExportUsageError
from skiplino_async.testing import FakeSkiplino


def list_requests(fake: FakeSkiplino) -> int:
    return sum(1 for r in fake.requests if r.path == "/customers/getAll")


async def test_a_delta_holds_only_new_rows_and_reads_only_their_pages(tmp_path: Path) -> None:
    async with (
        FakeSkiplino(customers=3_000, request_log_size=None) as fake,
        Skiplino(api_key=fake.secret_key, base_url=fake.url) as client,
    ):
        state = fake.state
        full = tmp_path / "full.jsonl"
        await export.customers(client, full, limit=100)
        assert len(manifest(full)["newest_ids"]) == 20
        full_pages = list_requests(fake)
        assert full_pages == 30

        new = [state.add_customer(name=f"New {i}").id for i in range(30)]
        # The previous export's newest customer is gone: the delta stops at the next one.
        state.delete_customer(jsonl_ids(full)[0])
        before = list_requests(fake)
        delta = tmp_path / "delta-1.jsonl"
        result = await export.customers(client, delta, since=full, limit=100)
        assert jsonl_ids(delta) == new[::-1]  # newest first, nothing else
        assert result.rows == 30
        assert list_requests(fake) - before <= 2  # page 1 (and the next one, prefetched)

        # Rows inserted while a delta runs are left to the next delta, none lost or doubled.
        during: list[str] = []
        more = [state.add_customer(name=f"More {i}").id for i in range(150)]

        def insert(progress: export.ExportProgress) -> None:
            if not during:
                during.append(state.add_customer(name="During").id)

        delta2 = tmp_path / "delta-2.jsonl"
        await export.customers(client, delta2, since=delta, limit=100, on_progress=insert)
        got2 = jsonl_ids(delta2)
        assert set(got2) <= set(more) | set(during)
        assert set(more) <= set(got2)
        delta3 = tmp_path / "delta-3.jsonl"
        await export.customers(client, delta3, since=delta2, limit=100)
        got3 = jsonl_ids(delta3)
        assert set(got2) | set(got3) == set(more) | set(during)
        assert not set(got2) & set(got3)

        # An empty delta still knows where the next one starts.
        empty = tmp_path / "delta-4.jsonl"
        assert (await export.customers(client, empty, since=delta3)).rows == 0
        last = [state.add_customer(name=f"Last {i}").id for i in range(3)]
        delta5 = tmp_path / "delta-5.jsonl"
        await export.customers(client, delta5, since=empty)
        assert jsonl_ids(delta5) == last[::-1]


async def test_a_tickets_delta(fake: FakeSkiplino, tmp_path: Path) -> None:
    state = fake.state
    customer = state.add_customer(external_id="delta-tickets")
    for _ in range(12):
        state.book_ticket("6fe8fb8b12", customer_id=customer.id)
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        full = tmp_path / "t.jsonl"
        await export.customer_tickets(client, full, external_id="delta-tickets")
        for _ in range(4):
            state.book_ticket("6fe8fb8b12", customer_id=customer.id)
        delta = tmp_path / "t-new.jsonl"
        result = await export.customer_tickets(
            client, delta, external_id="delta-tickets", since=full
        )
        with pytest.raises(ExportUsageError, match="another list"):
            await export.customers(client, tmp_path / "c.jsonl", since=full)
    wanted = [t.id for t in state.customer_tickets(customer.id)][:4]
    assert result.rows == 4
    assert [line.split('"')[3] for line in delta.read_text().splitlines()] == wanted


def test_since_on_the_command_line_and_its_help(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["export", "customers", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "Updates to older rows are NOT seen" in text
    assert "exit codes: 0 done" in text
    previous = tmp_path / "c.jsonl"
    assert main(["export", "customers", "-o", str(previous), "--since", str(previous)]) == 2
    assert "must be another file than the output" in capsys.readouterr().err


async def test_a_delta_stopped_half_way_resumes_to_exactly_the_new_rows(
    fake: FakeSkiplino, tmp_path: Path
) -> None:
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as client:
        full = tmp_path / "full.jsonl"
        await export.customers(client, full)
        new = [fake.state.add_customer(name=f"New {i}").id for i in range(45)]
        delta = tmp_path / "delta.jsonl"
        with pytest.raises(Crash):
            await export.customers(client, delta, since=full, limit=10, on_progress=crash_after(20))
        result = await export.customers(client, delta, since=full, limit=10, resume=True)
    assert result.resumed_rows == 20
    assert jsonl_ids(delta) == new[::-1]
    assert manifest(delta)["newest_ids"] == new[::-1][:20]


async def test_a_delta_says_when_it_met_none_of_the_previous_rows(tmp_path: Path) -> None:
    async with (
        FakeSkiplino(customers=0) as fake,
        Skiplino(api_key=fake.secret_key, base_url=fake.url) as client,
    ):
        empty = tmp_path / "empty.jsonl"
        assert (await export.customers(client, empty)).rows == 0
        ids = [fake.state.add_customer(name=f"C {i}").id for i in range(25)]
        first = tmp_path / "first.jsonl"
        result = await export.customers(client, first, since=empty)
        assert (result.rows, result.anchor_missing) == (25, False)  # nothing to meet
        for customer_id in ids[-20:]:  # every anchor of "first" is deleted
            fake.state.delete_customer(customer_id)
        fake.state.add_customer(name="Later")
        second = await export.customers(client, tmp_path / "second.jsonl", since=first)
        assert (second.rows, second.anchor_missing) == (6, True)
