"""An error status as its typed exception: message, error body and the advice that applies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import orjson

from ..errors import (
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
from ._retry_after import parse_retry_after

__all__ = ["API_PREFIX", "SECRET_HINT", "status_error", "status_hint"]

_STATUS_ERRORS: Final[dict[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    hint: str | None = None,
    attempts: int = 1,
) -> APIStatusError:
    """Map an error status to its exception, parsing the body defensively.

    Gateways answer with HTML or plain text, so a body that is not a JSON object is kept raw
    and summarised instead of raising a decoding error over the real one.
    """
    decoded, error, message = _read_body(status, body)
    if message is None:
        message = _fallback_message(status, headers, body)
    if 300 <= status < 400:
        location = headers.get("Location", "<no Location header>")
        message = f"redirect to {location} not followed ({message})"
    if hint and not _already_says(message, hint):
        message = f"{message} {hint}"
    cls = _STATUS_ERRORS.get(status)
    if cls is None:
        cls = InternalServerError if status >= 500 else APIStatusError
    return cls(
        message,
        status_code=status,
        error=error,
        body=decoded,
        headers=headers,
        retry_after=parse_retry_after(headers.get("Retry-After"), now=now),
        attempts=attempts,
    )


def _read_body(status: int, body: bytes) -> tuple[Any, str | dict[str, Any] | None, str | None]:
    """The body as the error keeps it (JSON object, else raw bytes), its ``error`` and the
    server's message, if any."""
    try:
        decoded = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        decoded = None
    if not isinstance(decoded, dict):
        return body, None, None
    raw_error, raw_message = decoded.get("error"), decoded.get("message")
    error = raw_error if isinstance(raw_error, str | dict) else None
    message = raw_message if isinstance(raw_message, str) and raw_message else None
    # A 400 carries its reason in ``error``; it says more than a generic message. A 401's
    # ``error`` says why ("Invalid or missing API key."): keep both.
    if isinstance(error, str) and error and (message is None or status == 400):
        message = error
    elif isinstance(error, str) and error and status == 401 and error != message:
        message = f"{message} {error}"
    return decoded, error, message


SECRET_HINT: Final = "This operation needs a secret key (sk_...); public keys are read-only."
API_PREFIX: Final = "/external/v1"


def status_hint(status: int, *, secret_only: bool, public_key: bool, base_url: str) -> str | None:
    """Advice for the status error's message, only where it applies.

    A 401 on a secret-only call made with a public key says so (an invalid secret key gets the
    server's own reason, not this); a 404 under a base URL that lacks ``/external/v1``
    names the likely mistake.
    """
    if status == 401 and secret_only and public_key:
        return SECRET_HINT
    if status == 404 and not urlsplit(base_url).path.rstrip("/").endswith(API_PREFIX):
        return (
            f"(base_url {base_url!r} does not end in {API_PREFIX!r}, where the API lives; "
            f"did you mean {base_url.rstrip('/') + API_PREFIX!r}?)"
        )
    return None


def _already_says(message: str, hint: str) -> bool:
    """Whether the server's own message makes ``hint`` redundant (advice is given once)."""
    said = message.lower()
    return hint.lower() in said or (hint == SECRET_HINT and "secret key" in said)


def _fallback_message(status: int, headers: Mapping[str, str], body: bytes) -> str:
    ctype = headers.get("Content-Type", "")
    text = body[:200].decode("utf-8", "replace").strip()
    if text and "html" not in ctype.lower() and not text.lstrip().startswith("<"):
        return f"HTTP {status}: {text}"
    return f"HTTP {status}"
