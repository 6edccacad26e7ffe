"""The pure protocol functions of ``_protocol``: no event loop, no session, no server."""

from __future__ import annotations

import ast
import email.utils
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest

from skiplino_async import (
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from skiplino_async import _arguments as args
from skiplino_async import _protocol as p
from skiplino_async._redact import key_hint

NOW = 1_782_000_000.0  # a fixed wall-clock "now" for Retry-After dates
JSON = {"Content-Type": "application/json"}


# --- encode_time ---------------------------------------------------------------------------


def test_encode_time_utc_millis_and_z() -> None:
    value = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    assert args.encode_time(value) == "2026-07-01T09:30:00.000Z"


def test_encode_time_truncates_microseconds_to_millis() -> None:
    value = datetime(2026, 7, 1, 9, 30, 5, 123_999, tzinfo=UTC)
    assert args.encode_time(value) == "2026-07-01T09:30:05.123Z"


@pytest.mark.parametrize(
    ("offset_hours", "local_hour", "expected"),
    [
        (3, 12, "2026-07-01T09:30:00.000Z"),  # Bahrain, UTC+3
        (-5, 4, "2026-07-01T09:30:00.000Z"),
        (3, 1, "2026-06-30T22:30:00.000Z"),  # converting crosses the date line backwards
    ],
)
def test_encode_time_converts_other_zones_to_utc(
    offset_hours: int, local_hour: int, expected: str
) -> None:
    tz = timezone(timedelta(hours=offset_hours))
    day = 1
    value = datetime(2026, 7, day, local_hour, 30, tzinfo=tz)
    assert args.encode_time(value) == expected


def test_encode_time_refuses_naive_datetime_naming_the_argument() -> None:
    with pytest.raises(ValueError, match=r"^when must be a timezone-aware datetime"):
        args.encode_time(datetime(2026, 7, 1, 9, 30), "when")
    with pytest.raises(ValueError, match=r"^time .*naive"):
        args.encode_time(datetime(2026, 7, 1, 9, 30))


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("2026-07-01T09:30:00Z", "2026-07-01T09:30:00.000Z"),
        ("2026-07-01T09:30:00.000Z", "2026-07-01T09:30:00.000Z"),
        ("2026-07-01T12:30:00+03:00", "2026-07-01T09:30:00.000Z"),
        ("2026-07-01T09:30:05.123456-01:00", "2026-07-01T10:30:05.123Z"),
        ("2026-07-01T01:00:00+05:00", "2026-06-30T20:00:00.000Z"),
    ],
)
def test_encode_time_sends_strings_in_utc_like_datetimes(given: str, sent: str) -> None:
    # The documented wire form only: a slot time read back goes out the same instant.
    assert args.encode_time(given) == sent


@pytest.mark.parametrize("naive", ["2026-07-01T09:30:00", "2026-07-01 09:30", "2026-07-01"])
def test_encode_time_refuses_naive_strings(naive: str) -> None:
    with pytest.raises(ValueError, match="has no timezone"):
        args.encode_time(naive)


@pytest.mark.parametrize("garbage", ["tomorrow", "2026-13-01T00:00:00Z", "09:30Z"])
def test_encode_time_refuses_strings_that_are_not_iso_times(garbage: str) -> None:
    with pytest.raises(ValueError, match="ISO-8601"):
        args.encode_time(garbage)


def test_encode_time_refuses_empty_string_and_other_types() -> None:
    with pytest.raises(ValueError, match="time must not be empty"):
        args.encode_time("")
    with pytest.raises(TypeError, match="time must be a datetime or a string"):
        args.encode_time(1_782_000_000)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        args.encode_time(date(2026, 7, 1))  # type: ignore[arg-type]


# --- encode_date ---------------------------------------------------------------------------


def test_encode_date_forms() -> None:
    assert args.encode_date(None) is None
    assert args.encode_date(date(2026, 7, 1)) == "2026-07-01"
    assert args.encode_date("2026-07-01") == "2026-07-01"


@pytest.mark.parametrize("bad", ["2026-7-1", "01/07/2026", "2026-07-01T00:00:00", "", "today"])
def test_encode_date_refuses_malformed_strings(bad: str) -> None:
    with pytest.raises(ValueError, match=r"^date must look like 'YYYY-MM-DD'"):
        args.encode_date(bad)


def test_encode_date_takes_a_datetime_as_its_own_day_and_refuses_other_types() -> None:
    # A datetime passes the type check (it is a date), so it is taken: its own calendar day.
    assert args.encode_date(datetime(2026, 7, 1, 23, 59, tzinfo=UTC)) == "2026-07-01"
    with pytest.raises(TypeError):
        args.encode_date(20260701)  # type: ignore[arg-type]


# --- path_segment ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("k7m2p9x4q1", "k7m2p9x4q1"),
        ("a/b", "a%2Fb"),
        ("../x", "%2E%2E%2Fx"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("x?y=1", "x%3Fy%3D1"),
        ("x#frag", "x%23frag"),
        ("%2F", "%252F"),
        ("a b", "a%20b"),
        ("é", "%C3%A9"),
    ],
)
def test_path_segment_encodes_one_segment(raw: str, encoded: str) -> None:
    out = args.path_segment(raw, "ticket_id")
    assert out == encoded
    # Whatever the input, the result can never split into segments or start a query.
    assert not set(out) & set("/?#.")


def test_path_segment_refuses_empty_and_non_strings() -> None:
    with pytest.raises(ValueError, match="ticket_id must not be empty"):
        args.path_segment("", "ticket_id")
    with pytest.raises(TypeError, match="branch_id must be a string"):
        args.path_segment(42, "branch_id")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="branch_id must be a string"):
        args.path_segment(None, "branch_id")  # type: ignore[arg-type]


def test_require_str() -> None:
    args.require_str("x", "service_id")
    with pytest.raises(ValueError, match="service_id must not be empty"):
        args.require_str("", "service_id")
    with pytest.raises(TypeError, match="service_id must be a string"):
        args.require_str(123, "service_id")


# --- exactly-one rules ---------------------------------------------------------------------


def test_exactly_one() -> None:
    args.exactly_one("customer_id", "a", "customer_external_id", None)
    args.exactly_one("customer_id", None, "customer_external_id", "b")
    for a, b in ((None, None), ("a", "b")):
        with pytest.raises(ValueError, match=r"customer_id=.*customer_external_id="):
            args.exactly_one("customer_id", a, "customer_external_id", b)


def test_at_most_one() -> None:
    args.at_most_one("customer_id", None, "customer_external_id", None)
    args.at_most_one("customer_id", "a", "customer_external_id", None)
    with pytest.raises(ValueError, match=r"at most one of customer_id=.*customer_external_id="):
        args.at_most_one("customer_id", "a", "customer_external_id", "b")


def test_at_least_one() -> None:
    args.at_least_one("id", "a", "external_id", None)
    args.at_least_one("id", "a", "external_id", "b")
    with pytest.raises(ValueError, match=r"id=.*external_id="):
        args.at_least_one("id", None, "external_id", None)


# --- check_int_range -------------------------------------------------------------------------


def test_check_int_range_accepts_bounds() -> None:
    assert args.check_int_range(1, "limit", 1, 100) == 1
    assert args.check_int_range(100, "limit", 1, 100) == 100
    assert args.check_int_range(10**9, "page", 1) == 10**9


@pytest.mark.parametrize(
    ("value", "high", "message"),
    [
        (0, 100, r"^limit must be between 1 and 100, got 0$"),
        (101, 100, r"^limit must be between 1 and 100, got 101$"),
        (-1, None, r"^limit must be >= 1, got -1$"),
    ],
)
def test_check_int_range_refuses_out_of_range(value: int, high: int | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        args.check_int_range(value, "limit", 1, high)


@pytest.mark.parametrize("bad", [True, 1.0, "1", None])
def test_check_int_range_refuses_non_ints(bad: object) -> None:
    with pytest.raises(TypeError, match="page must be an int"):
        args.check_int_range(bad, "page", 1)


# --- encode_location ---------------------------------------------------------------------------


def test_encode_location_mapping_and_pair() -> None:
    assert args.encode_location({"lat": 26.2361, "lng": 50.5436}) == {
        "lat": 26.2361,
        "lng": 50.5436,
    }
    assert args.encode_location((26.2361, 50.5436)) == {"lat": 26.2361, "lng": 50.5436}
    out = args.encode_location((0, -180))
    assert out == {"lat": 0.0, "lng": -180.0}
    assert all(type(v) is float for v in out.values())
    assert args.encode_location({"lat": 90, "lng": 180}) == {"lat": 90.0, "lng": 180.0}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"lat": 26.2}, "needs both 'lat' and 'lng'"),
        ({"lng": 50.5}, "needs both 'lat' and 'lng'"),
        ((26.2,), r"\(lat, lng\) pair"),
        ((1.0, 2.0, 3.0), r"\(lat, lng\) pair"),
        ({"lat": 90.0001, "lng": 0}, "lat must be between -90 and 90"),
        ({"lat": 0, "lng": -180.5}, "lng must be between -180 and 180"),
        ({"lat": float("nan"), "lng": 0}, "lat must be a finite number"),
        ({"lat": 0, "lng": float("inf")}, "lng must be a finite number"),
        ({"lat": True, "lng": 0}, "lat must be a finite number"),
        ({"lat": "26.2", "lng": 0}, "lat must be a finite number"),
    ],
)
def test_encode_location_refuses_bad_values(bad: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        args.encode_location(bad)  # type: ignore[arg-type]


def test_encode_location_refuses_other_containers() -> None:
    with pytest.raises(TypeError, match="location must be"):
        args.encode_location([26.2, 50.5])  # type: ignore[arg-type]


# --- check_base_url ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api-dev.skiplino.com/external/v1", "https://api-dev.skiplino.com/external/v1"),
        ("https://api-dev.skiplino.com/external/v1/", "https://api-dev.skiplino.com/external/v1"),
        ("http://127.0.0.1:8080/external/v1", "http://127.0.0.1:8080/external/v1"),
        ("http://127.0.0.2:8080/external/v1", "http://127.0.0.2:8080/external/v1"),
        ("http://localhost:9/external/v1/", "http://localhost:9/external/v1"),
        ("http://[::1]:9/external/v1", "http://[::1]:9/external/v1"),
    ],
)
def test_check_base_url_accepts(url: str, expected: str) -> None:
    assert p.check_base_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://api-dev.skiplino.com/external/v1",
        "http://10.0.0.5/external/v1",
        "http://example.com:80/",
    ],
)
def test_check_base_url_refuses_plain_http_to_other_hosts(url: str) -> None:
    with pytest.raises(ValueError, match="refusing plain-http base_url"):
        p.check_base_url(url)
    # Unless the caller insists.
    assert p.check_base_url(url, allow_insecure_http=True) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1.evil.example/v1",
        "http://127.attacker.test/",
        "http://localhost.evil.example/",
        "http://[::2]/v1",
    ],
)
def test_check_base_url_refuses_dns_names_that_look_like_loopback(url: str) -> None:
    with pytest.raises(ValueError, match="refusing plain-http base_url"):
        p.check_base_url(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("api-dev.skiplino.com/external/v1", "absolute http"),
        ("ftp://api-dev.skiplino.com/v1", "absolute http"),
        ("https:///external/v1", "absolute http"),
        ("https://api-dev.skiplino.com/v1?x=1", "query string or fragment"),
        ("https://api-dev.skiplino.com/v1#top", "query string or fragment"),
    ],
)
def test_check_base_url_refuses_malformed(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        p.check_base_url(url)


def test_key_hint_shows_only_the_key_kind() -> None:
    assert key_hint("sk_test_0123456789abcdef") == "sk_***"
    assert key_hint("pk_live_0123456789abcdef") == "pk_***"
    assert key_hint("0123456789abcdef") == "***"


# --- decode_success / load_json ---------------------------------------------------------------


def test_decode_success_unwraps_envelope() -> None:
    body = orjson.dumps(
        {
            "message": "Customers fetched successfully.",
            "data": [{"_id": "x"}],
            "pagination": {"total": 1},
        }
    )
    env = p.decode_success(200, JSON, body)
    assert env.status == 200
    assert env.message == "Customers fetched successfully."
    assert env.data == [{"_id": "x"}]
    assert env.pagination == {"total": 1}
    assert env.body == body
    assert env.headers == JSON


def test_decode_success_null_data_and_missing_message() -> None:
    env = p.decode_success(200, JSON, b'{"data": null}')
    assert env.data is None
    assert env.message is None
    assert env.pagination is None


@pytest.mark.parametrize(
    "body",
    [b'{"message": "ok"}', b"[1, 2]", b'"data"', b"null", b"<html>ok</html>", b"", b'{"data":'],
)
def test_decode_success_refuses_non_envelopes(body: bytes) -> None:
    with pytest.raises(APIResponseValidationError) as info:
        p.decode_success(201, {"Content-Type": "text/html"}, body)
    assert info.value.status_code == 201
    assert info.value.body == body
    assert info.value.headers == {"Content-Type": "text/html"}


def test_load_json_names_content_type() -> None:
    with pytest.raises(
        APIResponseValidationError, match=r"HTTP 502 .*not valid JSON \(text/html\)"
    ):
        p.load_json(502, {"Content-Type": "text/html"}, b"<h1>Bad gateway</h1>")


# --- status_error ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (599, InternalServerError),
    ],
)
def test_status_error_maps_status_to_class(status: int, cls: type[APIStatusError]) -> None:
    body = orjson.dumps({"message": "Something.", "error": None})
    exc = p.status_error(status, JSON, body, now=NOW)
    assert type(exc) is cls
    assert exc.status_code == status
    assert exc.message == "Something."
    assert exc.error is None
    assert exc.body == {"message": "Something.", "error": None}
    assert str(exc) == f"{status}: Something."


@pytest.mark.parametrize("status", [402, 405, 408, 410, 418, 451])
def test_status_error_other_4xx_is_the_base_class(status: int) -> None:
    exc = p.status_error(status, JSON, b'{"message": "Nope."}', now=NOW)
    assert type(exc) is APIStatusError
    assert exc.status_code == status


def test_status_error_redirect_names_location() -> None:
    headers = {"Location": "https://elsewhere.example/external/v1/branches"}
    exc = p.status_error(301, headers, b"", now=NOW)
    assert type(exc) is APIStatusError
    assert exc.status_code == 301
    assert "https://elsewhere.example/external/v1/branches" in exc.message
    assert "not followed" in exc.message
    exc = p.status_error(307, {}, b"", now=NOW)
    assert "<no Location header>" in exc.message


def test_status_error_400_prefers_the_error_reason() -> None:
    body = orjson.dumps(
        {"message": "Booking failed.", "error": "This service is currently closed."}
    )
    exc = p.status_error(400, JSON, body, now=NOW)
    assert isinstance(exc, BadRequestError)
    assert exc.message == "This service is currently closed."
    assert exc.error == "This service is currently closed."


def test_status_error_string_error_without_message() -> None:
    exc = p.status_error(404, JSON, b'{"error": "Ticket not found."}', now=NOW)
    assert exc.message == "Ticket not found."
    assert exc.error == "Ticket not found."


def test_status_error_422_object_gives_field_errors() -> None:
    body = orjson.dumps(
        {
            "message": "The given data was invalid.",
            "error": {
                "id": "This service does not support appointment booking.",
                "date": ["This value should be today or later.", "Bad format."],
            },
        }
    )
    exc = p.status_error(422, JSON, body, now=NOW)
    assert isinstance(exc, UnprocessableEntityError)
    assert exc.message == "The given data was invalid."
    assert exc.field_errors == {
        "id": "This service does not support appointment booking.",
        "date": "This value should be today or later.; Bad format.",
    }
    assert isinstance(exc.error, dict)


def test_status_error_field_errors_empty_for_string_or_null_error() -> None:
    exc = p.status_error(422, JSON, b'{"message": "Invalid.", "error": "bad"}', now=NOW)
    assert isinstance(exc, UnprocessableEntityError)
    assert exc.field_errors == {}
    exc = p.status_error(422, JSON, b'{"message": "Invalid.", "error": null}', now=NOW)
    assert isinstance(exc, UnprocessableEntityError)
    assert exc.field_errors == {}


def test_status_error_404_with_null_error() -> None:
    exc = p.status_error(404, JSON, b'{"message": "Customer not found.", "error": null}', now=NOW)
    assert isinstance(exc, NotFoundError)
    assert exc.error is None
    assert exc.message == "Customer not found."


def test_status_error_html_body_is_kept_raw() -> None:
    html = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    exc = p.status_error(502, {"Content-Type": "text/html"}, html, now=NOW)
    assert isinstance(exc, InternalServerError)
    assert exc.message == "HTTP 502"
    assert exc.body == html
    assert exc.error is None


def test_status_error_html_without_content_type_is_not_quoted() -> None:
    exc = p.status_error(503, {}, b"  <!DOCTYPE html><p>down</p>", now=NOW)
    assert exc.message == "HTTP 503"


def test_status_error_plain_text_body_is_summarised() -> None:
    exc = p.status_error(503, {"Content-Type": "text/plain"}, b"upstream overloaded\n", now=NOW)
    assert isinstance(exc, InternalServerError)
    assert exc.message == "HTTP 503: upstream overloaded"
    assert exc.body == b"upstream overloaded\n"


def test_status_error_long_text_body_is_cut() -> None:
    exc = p.status_error(500, {"Content-Type": "text/plain"}, b"x" * 10_000, now=NOW)
    assert exc.message == "HTTP 500: " + "x" * 200


@pytest.mark.parametrize("body", [b"", b"[1, 2]", b'"oops"', b"null", b'{"message": 5}'])
def test_status_error_empty_or_odd_json_bodies(body: bytes) -> None:
    exc = p.status_error(500, JSON, body, now=NOW)
    assert isinstance(exc, InternalServerError)
    assert exc.message.startswith("HTTP 500")
    assert exc.error is None


def test_status_error_undecodable_bytes() -> None:
    exc = p.status_error(500, {"Content-Type": "text/plain"}, b"\xff\xfe broken", now=NOW)
    assert exc.message.startswith("HTTP 500: ")
    assert exc.body == b"\xff\xfe broken"


def test_status_error_hint_retry_after_and_attempts() -> None:
    exc = p.status_error(
        401,
        JSON,
        b'{"message": "Unauthorized.", "error": "Unauthorized."}',
        now=NOW,
        hint="Needs a secret key.",
        attempts=3,
    )
    assert exc.message == "Unauthorized. Needs a secret key."
    assert exc.attempts == 3
    exc = p.status_error(429, {"Retry-After": "7"}, b"{}", now=NOW)
    assert isinstance(exc, RateLimitError)
    assert exc.retry_after == 7.0
    assert exc.message == "HTTP 429: {}"


def test_status_error_keeps_request_id() -> None:
    exc = p.status_error(500, {"X-Request-Id": "req-123"}, b"", now=NOW)
    assert exc.request_id == "req-123"
    assert exc.headers == {"X-Request-Id": "req-123"}


# --- parse_retry_after ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), (" 3 ", 3.0), ("0", 0.0), ("1.5", 1.5), ("-5", 0.0)],
)
def test_parse_retry_after_seconds(value: str, expected: float) -> None:
    assert p.parse_retry_after(value, now=NOW) == expected


def test_parse_retry_after_http_date() -> None:
    future = email.utils.formatdate(NOW + 90, usegmt=True)
    assert p.parse_retry_after(future, now=NOW) == pytest.approx(90.0)
    past = email.utils.formatdate(NOW - 90, usegmt=True)
    assert p.parse_retry_after(past, now=NOW) == 0.0


def test_parse_retry_after_date_without_zone_is_utc() -> None:
    when = datetime.fromtimestamp(NOW + 30, UTC).strftime("%a, %d %b %Y %H:%M:%S")
    assert p.parse_retry_after(when, now=NOW) == pytest.approx(30.0)


@pytest.mark.parametrize(
    "value", [None, "", "   ", "soon", "nan", "inf", "-inf", "Wed, 99 Foo 2026", "1e999"]
)
def test_parse_retry_after_garbage_is_none(value: str | None) -> None:
    assert p.parse_retry_after(value, now=NOW) is None


# --- purity ----------------------------------------------------------------------------------

#: What a module of the protocol must not import: I/O, an event loop, a clock of its own.
_IMPURE = {"aiohttp", "asyncio", "os", "socket", "ssl", "time", "yarl"}


def test_the_protocol_modules_import_no_io_and_no_clock() -> None:
    for path in Path(p.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            impure = {name.partition(".")[0] for name in names} & _IMPURE
            assert not impure, f"{path.name} imports {impure}"
