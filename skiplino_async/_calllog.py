"""What a call leaves behind: log lines (see :mod:`._logging`) and ``capture_responses()``.

The backend calls :func:`sending`/:func:`answered` around each exchange, the transport
:func:`retrying` before each wait and :func:`call_ended` once per call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Final

from ._failures import describe
from ._logging import logger
from ._redact import redacted
from ._request import Request
from ._response import RawResponse, capturing, record
from ._retry import CallState
from ._telemetry import log_fields
from ._wire import Wire
from .errors import SkiplinoError

__all__ = ["SLOW_CALL_SECONDS", "answered", "call_ended", "retrying", "sending"]

#: A call slower than this is logged at INFO (successful calls otherwise only at DEBUG).
SLOW_CALL_SECONDS: Final = 5.0


def sending(wire: Wire) -> None:
    """DEBUG: the request line, headers (credentials redacted) and body of one attempt."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "-> %s %s headers=%s body=%s",
            wire.method,
            wire.url,
            redacted(wire.headers),
            wire.body.decode() if wire.body else "",
            extra=log_fields(wire.method, wire.path),
        )


def answered(wire: Wire, status: int, body: bytes, headers: Mapping[str, str]) -> None:
    """DEBUG: the status and (the start of) the body of one answer."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "<- %s %s body=%s",
            status,
            wire.path,
            body[:2000].decode("utf-8", "replace"),
            extra=log_fields(
                wire.method, wire.path, status, request_id=headers.get("X-Request-Id")
            ),
        )


def retrying(request: Request, error: SkiplinoError, state: CallState, delay: float) -> None:
    """INFO: why an attempt failed and how long until the next one."""
    logger.info(
        "%s %s failed (%s); retry %d/%d in %.3fs",
        request.method,
        request.path,
        describe(error),
        state.attempts,
        state.policy.max_retries,
        delay,
        extra=log_fields(
            request.method, request.path, _status(error), state.attempts, _request_id(error)
        ),
    )


def call_ended(
    request: Request,
    state: CallState,
    started: float,
    error: SkiplinoError | None,
    answer: tuple[int, Mapping[str, str]] | None,
) -> None:
    """Log the call's end and record it for ``capture_responses()``.

    ``answer`` is the last answer's status and headers, ``None`` when none came.
    """
    elapsed = time.monotonic() - started
    if capturing():
        record(
            RawResponse(
                method=request.method,
                path=request.path,
                status_code=answer[0] if answer is not None else None,
                headers=answer[1] if answer is not None else {},
                attempts=state.attempts,
                elapsed=elapsed,
                error=error,
            )
        )
    # Failures and slow calls at INFO; every call at DEBUG.
    level = logging.INFO if error is not None or elapsed >= SLOW_CALL_SECONDS else logging.DEBUG
    if not logger.isEnabledFor(level):
        return
    status = answer[0] if answer is not None else None
    request_id = answer[1].get("X-Request-Id") if answer is not None else None
    logger.log(
        level,
        "%s %s -> %s in %.1fms (%d attempt%s%s)",
        request.method,
        request.path,
        str(status) if status is not None else describe(error),
        elapsed * 1000,
        state.attempts,
        "" if state.attempts == 1 else "s",
        f", request id {request_id}" if request_id else "",
        extra=log_fields(
            request.method, request.path, status, state.attempts, request_id, elapsed * 1000
        ),
    )


def _status(error: SkiplinoError) -> int | None:
    status = getattr(error, "status_code", None)
    return status if isinstance(status, int) else None


def _request_id(error: SkiplinoError) -> str | None:
    headers = getattr(error, "headers", None)
    return headers.get("X-Request-Id") if headers is not None else None
