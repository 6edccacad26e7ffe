"""Log records a team can search: structured fields on every record of a call, request ids."""

from __future__ import annotations

import logging

import pytest

import skiplino_async as sk
from skiplino_async.testing import FakeSkiplino

FIELDS = (
    "skiplino_operation",
    "http_method",
    "http_path",
    "http_status",
    "attempts",
    "request_id",
    "elapsed_ms",
)


def sdk_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "skiplino_async"]


async def test_every_record_of_a_call_carries_the_structured_fields(
    client: sk.Skiplino, fake: FakeSkiplino, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="skiplino_async")
    fake.faults.status(503, path="/customers/getOne", times=1)
    await client.customers.get(external_id="crm-7741")
    records = sdk_records(caplog)
    # Two requests, two answers, one retry line, one line for the call.
    assert len(records) == 6
    for record in records:
        fields = {name: getattr(record, name) for name in FIELDS}
        assert fields["skiplino_operation"] == "customers.get", record.getMessage()
        assert fields["http_method"] == "GET"
        assert fields["http_path"] == "/customers/getOne"
    last = records[-1]
    assert last.http_status == 200  # type: ignore[attr-defined]
    assert last.attempts == 2  # type: ignore[attr-defined]
    assert last.request_id == fake.requests[-1].request_id  # type: ignore[attr-defined]
    assert last.elapsed_ms > 0  # type: ignore[attr-defined]
    retry = next(r for r in records if "retry" in r.getMessage())
    assert retry.http_status == 503  # type: ignore[attr-defined]
    assert retry.request_id == fake.requests[-2].request_id  # type: ignore[attr-defined]


async def test_a_failed_calls_line_names_its_request_id(
    client: sk.Skiplino, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="skiplino_async")
    with pytest.raises(sk.UnprocessableEntityError) as caught:
        await client.customers.get(id="no-such-customer")
    [line] = sdk_records(caplog)
    request_id = caught.value.request_id
    assert request_id
    assert f"request id {request_id}" in line.getMessage()
    assert line.request_id == request_id  # type: ignore[attr-defined]
    assert line.http_status == 422  # type: ignore[attr-defined]
    assert line.skiplino_operation == "customers.get"  # type: ignore[attr-defined]


async def test_a_walks_page_requests_are_records_of_the_list_operation(
    client: sk.Skiplino, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="skiplino_async")
    [_ async for _ in client.customers.tickets(external_id="crm-7741")]
    assert {r.skiplino_operation for r in sdk_records(caplog)} == {  # type: ignore[attr-defined]
        "customers.tickets"
    }
