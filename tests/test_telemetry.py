"""SDK-level tracing and metrics with OpenTelemetry (its SDK's in-memory exporter and reader).

The providers are process-wide in OpenTelemetry: they are set once, and each test reads the
spans it made (the exporter is cleared first) and the change in the metrics it caused.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

import skiplino_async as sk
from skiplino_async.testing import FakeSkiplino

trace = pytest.importorskip("opentelemetry.trace")
from opentelemetry import metrics  # noqa: E402
from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: E402
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)

EXPORTER = InMemorySpanExporter()
READER = InMemoryMetricReader()
FAST = sk.RetryPolicy(initial_delay=0.001, max_delay=0.01)


@pytest.fixture(autouse=True)
def spans() -> InMemorySpanExporter:
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
        trace.set_tracer_provider(provider)
        metrics.set_meter_provider(MeterProvider(metric_readers=[READER]))
    EXPORTER.clear()
    return EXPORTER


def finished(name: str) -> list[ReadableSpan]:
    return [s for s in EXPORTER.get_finished_spans() if s.name == name]


def metric_values() -> dict[tuple[str, frozenset[tuple[str, Any]]], float]:
    """Every data point's running value: a counter's sum, a histogram's count."""
    values = {}
    data = READER.get_metrics_data()
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    value = getattr(point, "value", None)
                    if value is None:
                        value = point.count  # type: ignore[attr-defined]
                    key = (metric.name, frozenset(point.attributes.items()))
                    values[key] = value
    return values


def changes(before: dict[Any, float], after: dict[Any, float]) -> dict[Any, float]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)}


def client(fake: FakeSkiplino, **options: Any) -> sk.Skiplino:
    return sk.Skiplino(fake.secret_key, base_url=fake.url, retry_policy=FAST, **options)


async def test_a_call_is_a_span_with_one_http_client_child_per_attempt(fake: FakeSkiplino) -> None:
    fake.faults.status(503, path="/customers/getOne", times=1)
    async with client(fake) as c:
        customer = await c.customers.get(external_id="crm-7741")
    [call] = finished("skiplino customers.get")
    attempts = finished("GET")
    assert len(attempts) == 2
    attributes = dict(call.attributes or {})
    assert attributes["skiplino.operation"] == "customers.get"
    assert attributes["skiplino.attempts"] == 2
    assert attributes["skiplino.request_id"] == fake.requests[-1].request_id
    assert attributes["skiplino.retry_wait_s"] > 0
    assert [e.name for e in call.events] == ["skiplino.retry_wait"]
    assert call.status.is_ok
    for span in attempts:
        assert span.parent is not None
        assert span.parent.span_id == call.context.span_id
        assert span.kind == trace.SpanKind.CLIENT
        assert span.attributes is not None
        assert span.attributes["http.request.method"] == "GET"
        assert span.attributes["server.address"] == "127.0.0.1"
        assert str(span.attributes["url.full"]).startswith(fake.url + "/customers/getOne?")
    first, second = sorted(attempts, key=lambda s: s.start_time or 0)
    assert first.attributes is not None
    assert second.attributes is not None
    assert first.attributes["http.response.status_code"] == 503
    assert first.attributes["error.type"] == "503"
    assert second.attributes["http.response.status_code"] == 200
    assert second.attributes["http.request.resend_count"] == 1
    assert customer.external_id == "crm-7741"


async def test_a_failed_call_records_its_error_and_request_id(fake: FakeSkiplino) -> None:
    async with client(fake) as c:
        with pytest.raises(sk.UnprocessableEntityError) as caught:
            await c.customers.get(id="no-such-customer")
    [call] = finished("skiplino customers.get")
    assert call.attributes is not None
    assert call.attributes["error.type"] == "422"
    assert call.attributes["skiplino.request_id"] == caught.value.request_id
    assert not call.status.is_ok
    assert [e.name for e in call.events] == ["exception"]


async def test_a_walk_is_a_span_counting_pages_and_items_with_its_page_calls_inside(
    fake: FakeSkiplino,
) -> None:
    async with client(fake) as c:
        count = sum([1 async for _ in c.customers.list(limit=50)])
    [walk] = [s for s in finished("skiplino customers.list") if s.parent is None]
    assert walk.attributes is not None
    assert walk.attributes["skiplino.pages"] == 3
    assert walk.attributes["skiplino.items"] == count == 137
    pages = [s for s in finished("skiplino customers.list") if s.parent is not None]
    assert len(pages) == 3
    assert {s.parent.span_id for s in pages if s.parent} == {walk.context.span_id}
    assert sorted(s.attributes["skiplino.page"] for s in pages if s.attributes) == [1, 2, 3]


async def test_metrics_count_duration_attempts_and_throttled_answers(fake: FakeSkiplino) -> None:
    before = metric_values()
    fake.faults.status(429, path="/branches", times=1, retry_after=0)
    async with client(fake) as c:
        await c.branches.list()
        await c.branches.tree((await c.branches.list())[0].id)
    got = changes(before, metric_values())
    branches = frozenset({("skiplino.operation", "branches.list")})
    tree = frozenset({("skiplino.operation", "branches.tree")})
    assert got[("skiplino.client.operation.duration", branches)] == 2
    assert got[("skiplino.client.operation.duration", tree)] == 1
    assert got[("skiplino.client.attempts", branches)] == 3
    assert got[("skiplino.client.throttled", branches)] == 1
    assert ("skiplino.client.throttled", tree) not in got


async def test_waits_for_the_clients_rate_limit_are_recorded(fake: FakeSkiplino) -> None:
    async with client(fake, rate_limit=20) as c:
        await asyncio.gather(*(c.branches.list() for _ in range(6)))
    calls = finished("skiplino branches.list")
    waits = [s.attributes["skiplino.throttle_wait_s"] for s in calls if s.attributes]
    assert len(waits) == 6
    assert max(waits) > 0.1  # six at once, at 20 per second with a burst of one or so


async def test_no_key_in_any_span_event_or_metric(fake: FakeSkiplino) -> None:
    fake.faults.status(503, times=1)
    async with client(fake) as c:
        await c.customers.create(external_id="otel-1", name="x")
        async with sk.Skiplino(fake.public_key, base_url=fake.url) as public:
            with pytest.raises(sk.AuthenticationError):
                await public.customers.get(id="x")
        [_ async for _ in c.customers.list(limit=100)]
    recorded = [s.to_json() for s in EXPORTER.get_finished_spans()]
    data = READER.get_metrics_data()
    recorded.append(data.to_json() if data else "")
    text = json.dumps(recorded)
    assert "skiplino customers.create" in text
    for secret in (fake.secret_key, fake.public_key, "Bearer"):
        assert secret not in text


def test_without_opentelemetry_nothing_of_it_is_imported() -> None:
    program = textwrap.dedent(
        """\
        import asyncio, sys
        import skiplino_async as sk
        from skiplino_async.testing import FakeSkiplino

        async def main():
            async with FakeSkiplino() as fake:
                async with sk.Skiplino(fake.secret_key, base_url=fake.url) as c:
                    await c.branches.list()
                    [_ async for _ in c.customers.list()]
        asyncio.run(main())
        print(sorted(m for m in sys.modules if m.startswith("opentelemetry")))
        """
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.stdout == "[]\n", done.stderr
