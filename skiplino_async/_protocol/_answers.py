"""What an answer means: the success envelope, or the status error to retry or raise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import orjson

from ..errors import JSON, APIResponseValidationError, APIStatusError
from ._statuses import status_error

__all__ = ["Envelope", "decode_success", "interpret", "load_json"]


@attrs.define(slots=True)
class Envelope:
    """A decoded success body: ``message``, ``data`` and (for lists) ``pagination``."""

    status: int
    message: str | None
    data: JSON
    pagination: JSON
    headers: Mapping[str, str]
    body: bytes = attrs.field(default=b"", repr=False)
    attempts: int = 1


def load_json(status: int, headers: Mapping[str, str], body: bytes) -> Any:
    """Parse a body, turning any decoding failure into :class:`APIResponseValidationError`."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        ctype = headers.get("Content-Type", "unknown content type")
        raise APIResponseValidationError(
            f"HTTP {status} response is not valid JSON ({ctype}): {exc}",
            status_code=status,
            body=body,
            headers=headers,
        ) from None


def decode_success(status: int, headers: Mapping[str, str], body: bytes) -> Envelope:
    """Unwrap ``{"message", "data", "pagination"?}``; anything else is a validation error."""
    parsed = load_json(status, headers, body)
    if type(parsed) is not dict or "data" not in parsed:
        raise APIResponseValidationError(
            f"HTTP {status} response is not a Skiplino envelope (no 'data' member)",
            status_code=status,
            body=body,
            headers=headers,
        )
    message = parsed.get("message")
    return Envelope(
        status=status,
        message=message if isinstance(message, str) else None,
        data=parsed["data"],
        pagination=parsed.get("pagination"),
        headers=headers,
        body=body,
    )


def interpret(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    hint: str | None = None,
    attempts: int = 1,
) -> Envelope | APIStatusError:
    """What an answer means: the success envelope, or the status error to retry or raise.

    A 2xx body that is not an envelope raises :class:`APIResponseValidationError` (not
    retried: sending again would fetch the same body).
    """
    if status == 204:
        # No Content: a delete's success without an envelope (the body is empty by definition).
        return Envelope(status, None, None, None, headers, attempts=attempts)
    if 200 <= status < 300:
        envelope = decode_success(status, headers, body)
        envelope.attempts = attempts
        return envelope
    return status_error(status, headers, body, now=now, hint=hint, attempts=attempts)
