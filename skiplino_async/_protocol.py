"""The Skiplino wire protocol as pure functions: no I/O, no event loop, no session.

The exact wire form, URL rules, envelope decoding, error mapping and Retry-After parsing live
here so that they can be tested (and reasoned about) on their own; a call's arguments are
checked and encoded by :mod:`._arguments`, and what a page means for a walk is decided in
:mod:`.pagination._decide`.
"""

from __future__ import annotations

import email.utils
import ipaddress
import math
import re
from collections.abc import Mapping
from datetime import UTC
from typing import Any, Final
from urllib.parse import quote, urlsplit

import attrs
import orjson

from ._advice import Advice, AdvisedValueError, Instruction, Mention, literal
from ._arguments import require_utf8
from .errors import (
    JSON,
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

DEFAULT_BASE_URL: Final = "https://api-dev.skiplino.com/external/v1"

# --- the exact wire form -------------------------------------------------------------------
#
# Nothing is silently changed on its way out: yarl drops lone surrogates and turns ``+`` into a
# space on some servers, orjson writes NaN as ``null``, aiohttp folds header values. Each
# encoder here either produces exactly what was given or raises ValueError before sending.

_INT64_MIN: Final = -(2**63)
_UINT64_MAX: Final = 2**64 - 1
_MAX_JSON_DEPTH: Final = 128
_TOKEN: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE: Final = re.compile(r"[\t\x20-\x7e]*")
# What percent-encoding leaves as it is: such a name or value is sent without a quote() call.
_UNRESERVED: Final = re.compile(r"[A-Za-z0-9_.~-]*")


def _plain(text: str) -> bool:
    """Whether ``text`` goes out as it is (ASCII letters and digits are checked without a regex)."""
    return (text.isascii() and text.isalnum()) or _UNRESERVED.fullmatch(text) is not None


def encode_query(params: Mapping[str, str | int] | None) -> str:
    """``k=v&...`` with every name and value percent-encoded exactly (``+`` as ``%2B``)."""
    if not params:
        return ""
    parts = []
    for name, value in params.items():
        if type(value) is int:  # page, limit: the common case, tested first
            text = str(value)
        elif isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(
                f"query parameter {name!r} must be a string or an int, not {type(value).__name__}"
            )
        elif isinstance(value, int):
            text = str(value)  # digits (and a sign) never need escaping
        elif _plain(value):
            text = value
        else:
            require_utf8(value, f"query parameter {name!r}")
            text = quote(value, safe="")
        if not _plain(name):
            require_utf8(name, "query parameter name")
            name = quote(name, safe="")
        parts.append(f"{name}={text}")
    return "&".join(parts)


def encode_json(value: Any, name: str = "body") -> bytes:
    """The JSON body, refusing what orjson would change or drop (NaN, surrogates, non-JSON types).

    Allowed: dicts with string keys, lists and tuples, strings, ints that fit 64 bits, finite
    floats, booleans and ``None``.
    """
    _check_json(value, name, 0)
    return orjson.dumps(value)


def _check_json(value: Any, where: str, depth: int) -> None:
    if depth > _MAX_JSON_DEPTH:
        raise ValueError(f"{where} is nested more than {_MAX_JSON_DEPTH} levels deep")
    kind = type(value)
    if kind is str:
        require_utf8(value, where)
    elif value is None or kind is bool:
        return
    elif kind is int:
        if not _INT64_MIN <= value <= _UINT64_MAX:
            raise ValueError(f"{where} = {value} does not fit the 64 bits JSON numbers carry here")
    elif kind is float:
        if not math.isfinite(value):
            raise ValueError(f"{where} = {value!r}: JSON has no NaN or infinity")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where} has a non-string key {key!r}; JSON keys are strings")
            require_utf8(key, f"a key of {where}")
            _check_json(item, f"{where}.{key}", depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]", depth + 1)
    else:
        raise ValueError(
            f"{where} is a {kind.__name__}, which has no exact JSON form; "
            "convert it to a string, number, list or dict first"
        )


_METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
# An already-encoded path: RFC 3986 path characters and %XX escapes only.
_PATH: Final = re.compile(r"(?:/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)+")


def check_method(method: object) -> str:
    """An HTTP method for ``client.request``; upper-cased, one the API can take."""
    if not isinstance(method, str) or method.upper() not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(sorted(_METHODS))}, got {method!r}")
    return method.upper()


def check_path(path: object) -> str:
    """A path for ``client.request``, relative to the base URL and sent exactly as given.

    It must start with ``/`` and be percent-encoded already (use ``params=`` for a query);
    ``.`` and ``..`` segments are refused, since URL normalisation would move them.
    """
    if not isinstance(path, str):
        raise TypeError(f"path must be a string, not {type(path).__name__}")
    if not _PATH.fullmatch(path):
        raise ValueError(
            f"path {path!r} must start with '/' and be percent-encoded, without a query "
            "(pass params= for that)"
        )
    if any(segment in (".", "..") for segment in path.split("/")):
        raise ValueError(f"path {path!r} must not contain '.' or '..' segments")
    return path


def is_header_safe(value: str) -> bool:
    """Whether a string can be a header value exactly: printable ASCII, no line breaks."""
    return _HEADER_VALUE.fullmatch(value) is not None


def check_header(name: str, value: object) -> str:
    """A header sent exactly as given: a token name and a printable-ASCII value, no CR/LF."""
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise ValueError(f"header name {name!r} is not a valid HTTP token")
    if not isinstance(value, str):
        raise TypeError(f"header {name!r} must be a string, not {type(value).__name__}")
    if not _HEADER_VALUE.fullmatch(value):
        raise ValueError(
            f"header {name!r} value {value!r} must be printable ASCII without line breaks"
        )
    return value


def check_base_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """Validate the base URL. A secret key must never travel in clear text to another host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _bad_base_url(f"{{base_url}} must be an absolute http(s) URL, got {literal(url)}")
    if parts.query or parts.fragment:
        raise _bad_base_url("{base_url} must not carry a query string or fragment")
    if parts.path and not _PATH.fullmatch(parts.path.rstrip("/") or "/"):
        # Sent as written: a space or a raw non-ASCII character would make a broken request.
        raise _bad_base_url(f"{{base_url}} path {literal(parts.path)} must be percent-encoded")
    if parts.username is not None or parts.password is not None:
        # Credentials in a URL end up in logs and error messages; the API key is the credential.
        raise _bad_base_url("{base_url} must not contain user:password@")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.hostname):
        raise _bad_base_url(
            f"refusing plain-http {{base_url}} {literal(url)}: the API key would travel "
            "unencrypted. Use https, or {insecure} if you really mean it",
            insecure=Instruction("allow_insecure_http", True),
        )
    return url.rstrip("/")


def _bad_base_url(template: str, **parts: Instruction) -> AdvisedValueError:
    return AdvisedValueError(Advice(template, {"base_url": Mention("base_url"), **parts}))


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP literal; names that merely start with ``127.`` are not."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# --- response side -----------------------------------------------------------------------


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


_STATUS_ERRORS: Final[dict[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


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
    decoded: Any
    try:
        decoded = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        decoded = None
    message: str | None = None
    error: str | dict[str, Any] | None = None
    if isinstance(decoded, dict):
        raw_error = decoded.get("error")
        if isinstance(raw_error, str | dict):
            error = raw_error
        raw_message = decoded.get("message")
        if isinstance(raw_message, str) and raw_message:
            message = raw_message
        # A 400 carries its reason in ``error``; it says more than a generic message. A 401's
        # ``error`` says why ("Invalid or missing API key."): keep both.
        if isinstance(error, str) and error and (message is None or status == 400):
            message = error
        elif isinstance(error, str) and error and status == 401 and error != message:
            message = f"{message} {error}"
    else:
        decoded = body
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


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date).

    ``now`` is the wall-clock time (``time.time()``), needed to turn a date into a delay.
    Garbage gives ``None`` (no instruction); a date in the past gives ``0.0``.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
