"""The exception hierarchy. Every failure the SDK raises is a :class:`SkiplinoError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

from multidict import CIMultiDict

__all__ = [
    "JSON",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientUsageError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "SkiplinoError",
    "UnprocessableEntityError",
]


#: A decoded JSON value.
JSON: TypeAlias = dict[str, "JSON"] | list["JSON"] | str | int | float | bool | None


class SkiplinoError(Exception):
    """Base class of every error raised by the SDK.

    ``checkpoint`` is set on errors raised while walking a paginated list: the position after
    the last item yielded, to pass as ``resume_from=``; ``None`` otherwise.

    Every SDK error pickles with all its attributes (a worker process can raise one to its
    pool), whatever its ``__init__`` takes.
    """

    checkpoint: dict[str, Any] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, dict(vars(self))))


def _rebuild(cls: type[SkiplinoError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    vars(error).update(state)
    return error


def _headers(headers: Mapping[str, str] | None) -> Mapping[str, str]:
    """A case-insensitive copy that outlives the response and pickles (a proxy does neither)."""
    return CIMultiDict(headers) if headers is not None else CIMultiDict()


class ClientUsageError(SkiplinoError, RuntimeError):
    """The client was used where it cannot work: closed, another event loop, or after ``fork``.

    One client (and its connection pool) belongs to one event loop in one process: create a
    client per loop, or per worker process.
    """


class APIConnectionError(SkiplinoError):
    """The request did not get a complete HTTP answer (refused, reset, truncated, DNS...).

    ``request_sent`` is ``True`` when the server may have received and acted on the request:
    for a booking this means the ticket may exist, so check before booking again.
    """

    def __init__(
        self, message: str = "Connection error.", *, request_sent: bool, attempts: int = 1
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request_sent = request_sent
        self.attempts = attempts


class APITimeoutError(APIConnectionError):
    """An attempt, or the whole call's deadline, ran out of time."""

    def __init__(
        self, message: str = "Request timed out.", *, request_sent: bool, attempts: int = 1
    ) -> None:
        super().__init__(message, request_sent=request_sent, attempts=attempts)


class APIResponseValidationError(SkiplinoError):
    """The server answered, but not with a body of the documented shape.

    Keeps ``status_code``, ``headers`` and the raw ``body`` bytes for diagnosis.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: bytes,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.body = body
        self.headers: Mapping[str, str] = _headers(headers)


class APIStatusError(SkiplinoError):
    """The API answered with a non-success status.

    ``message`` is the envelope's ``message`` (or the ``error`` string when that is all there
    is), ``error`` the raw ``error`` member (``str``, ``dict`` or ``None``), ``body`` the decoded
    body (or the raw bytes when it was not JSON) and ``headers`` the response headers.
    """

    status_code: int

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error: str | dict[str, Any] | None = None,
        body: JSON | bytes = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.error = error
        self.body = body
        self.headers: Mapping[str, str] = _headers(headers)
        #: Seconds the server asked us to wait (Retry-After), when it said so.
        self.retry_after = retry_after
        self.attempts = attempts

    @property
    def request_sent(self) -> bool:
        """Always ``True``: the server answered, so it received the request.

        After a 500/502/504 a booking may exist even though the call failed.
        """
        return True

    @property
    def request_id(self) -> str | None:
        """The server's request id header, when it sent one (quote it in support requests)."""
        return self.headers.get("X-Request-Id")

    def __str__(self) -> str:
        """Status, the server's message, a 422's field errors and the request id."""
        text = f"{self.status_code}: {self.message}"
        details = _field_errors(self.error)
        if details:
            text += " " + "; ".join(f"{k}: {v}" for k, v in details.items())
        request_id = self.request_id
        if request_id:
            text += f" (request id {request_id})"
        return text


class BadRequestError(APIStatusError):
    """400: a booking business rule failed; ``message`` is the (localized) reason."""


class AuthenticationError(APIStatusError):
    """401: the key is missing or invalid, or a public key called a secret-only operation."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404. Note that unknown *customers* are usually a 422 on this API, not a 404."""


class ConflictError(APIStatusError):
    """409: e.g. cancelling a ticket that is no longer waiting or upcoming."""


class UnprocessableEntityError(APIStatusError):
    """422: validation failed. ``field_errors`` maps each offending field to its message."""

    @property
    def field_errors(self) -> dict[str, str]:
        """Field name to message; lists of messages are joined with ``"; "``."""
        return _field_errors(self.error)


class RateLimitError(APIStatusError):
    """429. ``retry_after`` is the server's Retry-After in seconds, when it sent one."""


class InternalServerError(APIStatusError):
    """5xx."""


def _field_errors(error: object) -> dict[str, str]:
    if not isinstance(error, dict):
        return {}
    out: dict[str, str] = {}
    for key, value in error.items():
        if isinstance(value, list):
            out[str(key)] = "; ".join(str(v) for v in value)
        else:
            out[str(key)] = str(value)
    return out
