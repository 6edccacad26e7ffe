"""Raw response metadata, for callers who need more than the parsed model.

Capturing uses a context variable, so concurrent tasks sharing one client never see each
other's responses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final

import attrs

__all__ = ["RawResponse", "ResponseCapture", "capture_responses"]


@attrs.frozen
class RawResponse:
    """What the HTTP exchange of one successful call looked like."""

    method: str
    path: str
    status_code: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    #: Attempts the call took: 1 means no retry.
    attempts: int
    #: Seconds from the first attempt to the decoded answer, waits included.
    elapsed: float

    @property
    def retries(self) -> int:
        return self.attempts - 1

    @property
    def request_id(self) -> str | None:
        """The server's ``X-Request-Id``, when it sends one."""
        return self.headers.get("X-Request-Id")


@attrs.define
class ResponseCapture:
    """The responses of the calls made inside a :func:`capture_responses` block."""

    responses: list[RawResponse] = attrs.field(factory=list)

    @property
    def last(self) -> RawResponse | None:
        return self.responses[-1] if self.responses else None


_sink: Final[ContextVar[list[RawResponse] | None]] = ContextVar(
    "skiplino_async_capture", default=None
)


@contextmanager
def capture_responses() -> Iterator[ResponseCapture]:
    """Record the raw responses of the calls made in this block (this task only).

    >>> with capture_responses() as captured:
    ...     ticket = await client.tickets.get("k7m2p9x4q1")
    >>> captured.last.status_code, captured.last.request_id, captured.last.retries
    """
    capture = ResponseCapture()
    token = _sink.set(capture.responses)
    try:
        yield capture
    finally:
        _sink.reset(token)


def record(raw: RawResponse) -> None:
    sink = _sink.get()
    if sink is not None:
        sink.append(raw)


def capturing() -> bool:
    return _sink.get() is not None
