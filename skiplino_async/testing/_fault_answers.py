"""The answers a fault sends: error envelopes, a proxy's HTML page, ``Retry-After`` values."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from typing import TYPE_CHECKING

import orjson
from aiohttp import web

if TYPE_CHECKING:
    from ._faults import FaultRule, RetryAfter

__all__ = ["PROXY_ERROR_PAGE", "fault_response", "retry_after_header", "seconds_header"]

PROXY_ERROR_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def fault_response(rule: FaultRule, retry_after: str | None) -> web.Response:
    if rule.kind == "html":
        return web.Response(status=rule.status, text=PROXY_ERROR_PAGE, content_type="text/html")
    if rule.kind == "raw":
        return web.Response(status=rule.status, body=rule.body, headers=rule.headers)
    phrase = _phrase(rule.status)
    message = rule.message or f"{phrase}."
    error = rule.error if rule.error is not None else message
    response = web.Response(
        status=rule.status,
        body=orjson.dumps({"message": message, "error": error}),
        content_type="application/json",
        headers=rule.headers,
    )
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def seconds_header(seconds: float) -> str:
    """Seconds up to the millisecond, without trailing zeros (``"0.02"``, ``"1"``)."""
    # Rounded up: a token due in 0.4 ms is not there "now".
    text = f"{math.ceil(seconds * 1000) / 1000:.3f}"
    return text.rstrip("0").rstrip(".")


def retry_after_header(value: RetryAfter) -> str:
    """The header text of a ``retry_after`` argument (checked when the rule is made)."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("retry_after datetime must be timezone-aware")
        return format_datetime(value.astimezone(UTC), usegmt=True)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"retry_after must be seconds, a datetime or a string, not {value!r}")
    if not (value >= 0 and value != float("inf")):
        raise ValueError("retry_after seconds must be a finite number >= 0")
    # Whole seconds as an integer, the RFC 9110 form; a fraction is kept for hostile tests.
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
