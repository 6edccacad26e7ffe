"""What the caller is told when an exchange fails: aiohttp and OS errors as SDK errors.

Pure: each function takes what went wrong and returns the error to raise. They are called
outside ``except`` blocks, so no aiohttp exception (whose ``request_info`` holds the request
headers) is ever chained to an SDK error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import aiohttp

from ._decode import BodyError, BodyTooLarge
from ._progress import CONNECTING, UNKNOWN, Progress
from ._redact import Scrubber
from ._retry import CallState, Failure
from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientUsageError,
    SkiplinoError,
)

#: OpenSSL's verify codes (X509_V_ERR_*) of the certificate failures told apart in messages.
_NOT_YET_VALID: Final = 9
_EXPIRED: Final = 10
_OTHER_HOST: Final = frozenset({62, 64})  # hostname, IP address mismatch

__all__ = ["body_error", "closed_error", "closed_in_flight", "connection_error", "describe"]


def connection_error(
    exc: BaseException,
    progress: Progress,
    *,
    timeout: aiohttp.ClientTimeout,
    state: CallState,
    scrub: Scrubber,
) -> tuple[APIConnectionError, Failure]:
    """The error for an exchange that ended without a complete answer, and what it means for
    retrying. ``request_sent`` is what ``progress`` saw, whatever the exception."""
    timed_out = isinstance(exc, TimeoutError)
    if progress.sent:
        message, failure = _after_sending(exc, timeout)
        if failure is Failure.DISCONNECTED and progress.reused and not progress.answered:
            failure = Failure.STALE
    elif isinstance(exc, aiohttp.ClientConnectorCertificateError):
        message, failure = _certificate(exc), Failure.CERTIFICATE
    else:
        message, failure = _before_sending(exc, progress.phase, timeout), Failure.NOT_SENT
    message = scrub.text(message)
    if timed_out and state.cut_by_deadline:
        message = f"deadline of {state.deadline:g}s exceeded ({message})"
    cls = APITimeoutError if timed_out else APIConnectionError
    return cls(message, request_sent=progress.sent, attempts=state.attempts), failure


def closed_error(progress: Progress, attempts: int) -> SkiplinoError:
    """The error of a call in flight when its client was closed: true to whether it was sent."""
    if progress.sent:
        return APIConnectionError(
            "the client was closed while this call was in flight, after its request was sent",
            request_sent=True,
            attempts=attempts,
        )
    return closed_in_flight()


def closed_in_flight() -> ClientUsageError:
    """The error of a call whose client was closed before its request (or retry) went out."""
    return ClientUsageError(
        "this Skiplino client was closed while this call was in flight; its request was not sent"
    )


def _before_sending(exc: BaseException, phase: str, timeout: aiohttp.ClientTimeout) -> str:
    """What failed before the request's bytes were written; nothing was sent."""
    if isinstance(exc, TimeoutError):
        if isinstance(exc, aiohttp.ConnectionTimeoutError) and phase == UNKNOWN:
            phase = CONNECTING
        where = phase if phase == UNKNOWN else f"{phase} ({_limits(timeout)})"
        return f"timed out {where}; nothing was sent"
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        return f"the proxy refused the tunnel: {exc.status} {exc.message}; nothing was sent"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"could not connect: {exc}"
    return f"could not send the request: {type(exc).__name__}: {_short(exc)}; nothing was sent"


def _certificate(exc: aiohttp.ClientConnectorCertificateError) -> str:
    """Which way the server's certificate was refused, and whether ``ssl=`` can help."""
    refused = exc.certificate_error
    code = getattr(refused, "verify_code", None)
    detail = getattr(refused, "verify_message", None) or str(refused)
    start = "could not connect: the server's TLS certificate"
    if code in _OTHER_HOST:
        return (
            f"{start} is for another host than {exc.host} ({detail}). ssl= does not help "
            "with that: check base_url"
        )
    if code == _EXPIRED:
        return f"{start} has expired ({detail}); the server's operator must renew it"
    if code == _NOT_YET_VALID:
        return f"{start} is not valid yet ({detail}); check this machine's clock"
    return (
        f"{start} is not signed by a certificate authority this client trusts ({detail}). "
        "For a company CA pass ssl=ssl.create_default_context(cafile=...) or set SSL_CERT_FILE"
    )


def _after_sending(exc: BaseException, timeout: aiohttp.ClientTimeout) -> tuple[str, Failure]:
    if isinstance(exc, TimeoutError):
        return f"timed out waiting for the response ({_limits(timeout)})", Failure.TIMEOUT
    message = f"connection failed mid-request: {type(exc).__name__}: {_short(exc)}"
    return message, Failure.DISCONNECTED


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
