"""Raw response metadata, for callers who need more than the parsed model.

Capturing uses a context variable, so concurrent tasks sharing one client never see each
other's responses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Final

import attrs

if TYPE_CHECKING:
    from .errors import SkiplinoError

__all__ = ["RawResponse", "ResponseCapture", "capture_responses"]


@attrs.frozen
class RawResponse:
    """What the HTTP exchange of one call looked like, successful or not.

    ``status_code`` and ``headers`` are those of the last answer (``None`` and empty when the
    call ended without one, e.g. a connection failure); ``error`` is the exception the call
    raised, ``None`` for a success.
    """

    method: str
    path: str
    status_code: int | None
    headers: Mapping[str, str] = attrs.field(repr=False)
    #: Attempts the call took: 1 means no retry.
    attempts: int
    #: Seconds from the first attempt to the decoded answer, waits included.
    elapsed: float
    error: SkiplinoError | None = attrs.field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.error is None

    @property
    def retries(self) -> int:
        """Retries the call took before this response: ``attempts - 1``."""
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
        """The most recent call recorded, or ``None`` when none has ended yet."""
        return self.responses[-1] if self.responses else None

    def __iter__(self) -> Iterator[RawResponse]:
        return iter(self.responses)

    def __len__(self) -> int:
        return len(self.responses)


_sink: Final[ContextVar[list[RawResponse] | None]] = ContextVar(
    "skiplino_async_capture", default=None
)


@contextmanager
def capture_responses() -> Iterator[ResponseCapture]:
    """Record the raw responses of the calls made in this block, failed ones included.

    Only this task's calls are recorded (and those of tasks it starts inside the block):
    other tasks sharing the client are not seen. A failed call is recorded with its last
    status and headers (if any), its attempts and its ``error``.

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
    """Append ``raw`` to the innermost active capture of this task, if any."""
    sink = _sink.get()
    if sink is not None:
        sink.append(raw)


def capturing() -> bool:
    """Whether a capture is active in this task (the transport skips the work otherwise)."""
    return _sink.get() is not None
