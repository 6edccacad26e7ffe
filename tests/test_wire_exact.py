"""Nothing is silently changed on its way to the wire.

yarl drops a lone surrogate from a query value (``crm-7\\udcff`` became ``crm-7`` and deleted
another customer), orjson writes NaN as ``null``, aiohttp folds or refuses header values at
send time. Every id, header and body value is either sent exactly as given, which the fake
server's record of the request proves, or refused with ``ValueError`` before anything is sent.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from skiplino_async import Skiplino
from skiplino_async._protocol import encode_json, encode_query
from skiplino_async.testing import FakeSkiplino

SURROGATE = "crm-7\udcff"


async def _existing(client: Skiplino, external_id: str) -> None:
    await client.customers.create(external_id=external_id, name="Crm Seven")


@pytest.mark.parametrize("call", ["get", "delete", "tickets"])
@pytest.mark.parametrize("by", ["id", "external_id"])
async def test_a_lone_surrogate_in_a_query_id_is_refused_before_sending(
    client: Skiplino, fake: FakeSkiplino, call: str, by: str
) -> None:
    await _existing(client, "crm-7")
    before = len(fake.requests)

    async def attempt() -> None:
        if call == "tickets":
            async for _ in client.customers.tickets(**{by: SURROGATE}):  # type: ignore[arg-type]
                pass
        else:
            await getattr(client.customers, call)(**{by: SURROGATE})

    with pytest.raises(ValueError, match="lone surrogate"):
        await attempt()
    assert len(fake.requests) == before  # nothing went out
    assert (await client.customers.get(external_id="crm-7")).external_id == "crm-7"


CUSTOMER = {
    "_id": "64b7f0c2a1d3e5f7a9b1c3d5",
    "companyId": "5f1e2d3c4b5a697887766554",
    "createdAt": "2026-01-01T00:00:00.000Z",
    "updatedAt": "2026-01-01T00:00:00.000Z",
}


@pytest.fixture
async def echo(raw_client: Any) -> tuple[Skiplino, list[str]]:
    """A client and the raw request targets (path and query, as sent) its server received."""
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.json_response({"message": "ok", "data": CUSTOMER})

    return await raw_client(handler), seen


def _sent_external_id(target: str) -> list[str]:
    return parse_qs(urlsplit(target).query, keep_blank_values=True, errors="strict")["externalId"]


@pytest.mark.parametrize(
    "external_id", ["a+b", "a b", "a&b=c", "%41", "crm/7?x#y", "é-ü-ß", "tab\there", "a;b,c"]
)
async def test_query_ids_reach_the_server_exactly(
    echo: tuple[Skiplino, list[str]], external_id: str
) -> None:
    # "+" must not become a space, "%41" must not become "A".
    client, seen = echo
    await client.customers.get(external_id=external_id)
    assert _sent_external_id(seen[-1]) == [external_id]


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.text(min_size=1, max_size=12))
@example(text=SURROGATE)
@example(text="a+b%20c")
async def test_any_text_id_is_sent_exactly_or_refused(
    echo: tuple[Skiplino, list[str]], text: str
) -> None:
    client, seen = echo
    before = len(seen)
    try:
        await client.customers.get(external_id=text)
    except ValueError:
        assert len(seen) == before
        with pytest.raises(UnicodeEncodeError):
            text.encode("utf-8")
        return
    assert _sent_external_id(seen[-1]) == [text]


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"score": math.nan}, "NaN"),
        ({"score": math.inf}, "NaN or infinity"),
        ({"n": 2**70}, "64 bits"),
        ({"note": "x\ud800"}, "lone surrogate"),
        ({1: "int key"}, "non-string key"),
        ({"when": datetime(2026, 1, 1, tzinfo=UTC)}, "no exact JSON form"),
        ({"price": Decimal("1.10")}, "no exact JSON form"),
        ({"tags": {"a", "b"}}, "no exact JSON form"),
    ],
)
async def test_a_body_value_json_would_change_is_refused_before_sending(
    client: Skiplino, fake: FakeSkiplino, metadata: dict[Any, Any], message: str
) -> None:
    before = len(fake.requests)
    with pytest.raises(ValueError, match=message):
        await client.customers.create(external_id="json-exact", metadata=metadata)
    assert len(fake.requests) == before


@settings(max_examples=200, deadline=None)
@given(
    value=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats()
        | st.text()
        | st.decimals(allow_nan=False),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(max_size=4) | st.integers(), inner, max_size=3)
        ),
        max_leaves=8,
    )
)
def test_encode_json_is_exact_or_refuses(value: Any) -> None:
    import orjson

    try:
        encoded = encode_json(value)
    except ValueError:
        return
    # What goes out decodes to what was given: nothing dropped, replaced or converted.
    assert orjson.loads(encoded) == _as_json(value)
    assert encoded == orjson.dumps(value)


def _as_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(v) for v in value]
    return value


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"externalId": "a+b c"}, "externalId=a%2Bb%20c"),
        ({"page": 3, "limit": 100}, "page=3&limit=100"),
        ({"x": "%41&=?#/"}, "x=%2541%26%3D%3F%23%2F"),
        ({}, ""),
        (None, ""),
    ],
)
def test_encode_query_table(params: dict[str, str | int] | None, expected: str) -> None:
    assert encode_query(params) == expected


@pytest.mark.parametrize("value", [True, 1.5, None, b"x"])
def test_encode_query_refuses_values_that_are_not_strings_or_ints(value: Any) -> None:
    with pytest.raises(TypeError):
        encode_query({"x": value})


@pytest.mark.parametrize("locale", ["ar\r\nX-Evil: 1", "ar\n", "عربي", "en\x00"])
async def test_a_header_value_that_cannot_be_sent_as_given_is_refused(
    client: Skiplino, fake: FakeSkiplino, locale: str
) -> None:
    with pytest.raises(ValueError, match="printable ASCII"):
        await client.branches.list(locale=locale)
    with pytest.raises(ValueError, match="printable ASCII"):
        Skiplino(api_key=fake.secret_key, base_url=fake.url, locale=locale)
    assert fake.requests == []


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:9/external v1", "http://127.0.0.1:9/extérnal/v1"]
)
def test_a_base_url_path_that_is_not_encoded_is_refused(base_url: str) -> None:
    with pytest.raises(ValueError, match="percent-encoded"):
        Skiplino(api_key="sk_test_x", base_url=base_url)


# --- the URL is built from parts of the base URL: it must be the one a string would give ----


@pytest.mark.parametrize(
    "base_path",
    ["/external/v1", "/external/v1/", "/gw%20eu/external/v1", "/a%2Fb/external/v1", ""],
)
async def test_the_request_target_is_base_path_plus_path_exactly(
    serve: Any, base_path: str
) -> None:
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        return web.json_response({"message": "ok", "data": CUSTOMER})

    url = await serve(handler)
    origin = url.removesuffix("/external/v1")
    async with Skiplino(api_key="sk_test_parts", base_url=origin + base_path) as client:
        await client.customers.get(external_id="a+b%41")
    assert seen == [base_path.rstrip("/") + "/customers/getOne?externalId=a%2Bb%2541"]


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:8080/external/v1",
        "https://api-dev.skiplino.com/external/v1",
        "https://API.example:8443/x%20y",
        "http://[::1]:8080/external/v1",
        "http://localhost",
    ],
)
@pytest.mark.parametrize("query", ["", "page=2&limit=100", "id=%2B%41"])
def test_a_url_built_from_parts_equals_the_string(base_url: str, query: str) -> None:
    from skiplino_async._redact import Secret
    from skiplino_async._wire import WireFormat

    built = WireFormat(base_url, Secret("sk_test_x"), "t").url("/customers/getAll", query)
    assert str(built) == base_url + "/customers/getAll" + (f"?{query}" if query else "")
    assert built.raw_query_string == query


async def test_per_call_headers_do_not_stay_for_the_next_call(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    # Calls without extras share one header mapping; one with extras must not change it.
    await client.branches.list(extra_headers={"X-Trace": "t-1"}, locale="ar")
    await client.branches.list()
    first, second = fake.requests[-2:]
    assert first.headers["X-Trace"] == "t-1"
    assert first.headers["X-Locale"] == "ar"
    assert "X-Trace" not in second.headers
    assert "X-Locale" not in second.headers


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Content-Length", "1"),
        ("transfer-encoding", "chunked"),
        ("HOST", "evil.example"),
        ("Connection", "close"),
    ],
)
async def test_extra_headers_cannot_set_framing_headers(
    client: Skiplino, fake: FakeSkiplino, name: str, value: str
) -> None:
    # aiohttp would send the body cut (or framed twice) to its stated length.
    before = len(fake.requests)
    with pytest.raises(ValueError, match=f"cannot set {name}"):
        await client.customers.create(
            name="Layla", external_id="frame-1", extra_headers={name: value}
        )
    assert len(fake.requests) == before
