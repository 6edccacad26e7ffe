"""What the caller is told when an exchange fails: aiohttp and OS errors as SDK errors.

Pure: each function takes what went wrong and returns the error to raise. They are called
outside ``except`` blocks, so no aiohttp exception (whose ``request_info`` holds the request
headers) is ever chained to an SDK error.
"""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from ._decode import BodyError, BodyTooLarge
from ._redact import Scrubber
from ._retry import CallState, Failure
from .errors import APIConnectionError, APIResponseValidationError, APIStatusError, APITimeoutError

__all__ = ["body_error", "connection_error", "describe", "failure_of"]


def connection_error(
    exc: BaseException, *, timeout: aiohttp.ClientTimeout, state: CallState, scrub: Scrubber
) -> APIConnectionError:
    """The error for an exchange that ended without a complete answer."""
    message, sent, timed_out = _classify(exc, timeout)
    message = scrub.text(message)
    if timed_out and state.cut_by_deadline:
        message = f"deadline of {state.deadline:g}s exceeded ({message})"
    cls = APITimeoutError if timed_out else APIConnectionError
    return cls(message, request_sent=sent, attempts=state.attempts)


def _classify(exc: BaseException, timeout: aiohttp.ClientTimeout) -> tuple[str, bool, bool]:
    """``(message, request_sent, timed_out)`` for one exception of an exchange."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return f"timed out connecting: {exc}", False, True
    if isinstance(exc, TimeoutError):
        return f"timed out waiting for the response ({_limits(timeout)})", True, True
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return (
            f"could not connect: the server's TLS certificate is not trusted ({exc}). For a "
            "company CA pass ssl=ssl.create_default_context(cafile=...) or set SSL_CERT_FILE",
            False,
            False,
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"could not connect: {exc}", False, False
    return f"connection failed mid-request: {type(exc).__name__}: {_short(exc)}", True, False


def body_error(
    status: int,
    exc: BodyError,
    raw: bytes,
    headers: Mapping[str, str],
    scrub: Scrubber,
) -> APIResponseValidationError:
    """A body over the cap or undecodable: sending again would fetch it again."""
    too_large = isinstance(exc, BodyTooLarge)
    return APIResponseValidationError(
        f"HTTP {status} response body: {exc}; "
        + ("refusing to buffer it" if too_large else "it cannot be decoded"),
        status_code=status,
        body=b"" if too_large else scrub.bytes(raw),
        headers=headers,
    )


def failure_of(error: APIConnectionError) -> Failure:
    """What a connection error means for retrying."""
    if not error.request_sent:
        return Failure.NOT_SENT
    return Failure.TIMEOUT if isinstance(error, APITimeoutError) else Failure.DISCONNECTED


def describe(error: BaseException | None) -> str:
    """A failure in a few words, for log lines."""
    if isinstance(error, APIStatusError):
        return f"HTTP {error.status_code}"
    return type(error).__name__ if error is not None else "?"


def _short(exc: BaseException) -> str:
    """An aiohttp error's text without its request details (headers hold the key)."""
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"{exc.status}, message={exc.message!r}"
    return str(exc)


def _limits(timeout: aiohttp.ClientTimeout) -> str:
    """The limits of a ClientTimeout that are set, e.g. ``total=30s, sock_read=5s``."""
    parts = [
        f"{name}={value:g}s"
        for name in ("total", "connect", "sock_connect", "sock_read")
        if (value := getattr(timeout, name)) is not None
    ]
    return ", ".join(parts) or "no limit"
