"""SDK-level telemetry: which operation a request belongs to, its spans, metrics and log fields.

Every SDK operation runs in a :class:`Call` scope (a context variable): the transport's
attempts, waits and answers are accounted to it, and its log records carry its name. With
OpenTelemetry in use, a call is a span ``skiplino {namespace}.{method}`` with one child span
per attempt (HTTP client conventions), a walk is a span counting its pages and items, and
calls feed three instruments (duration, attempts, throttled answers).

OpenTelemetry is never imported here: it is used once the application has imported it (an
application that has not cannot have configured a provider, so there would be nothing to
record). Without it a call costs one context variable set and reset. No key reaches a span
or a metric: URLs carry none, errors are the SDK's own (which never show it).
"""

from __future__ import annotations

import functools
import sys
import time
import weakref
from collections.abc import Callable, Coroutine, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final, TypeVar

from .errors import APIStatusError, SkiplinoError

if TYPE_CHECKING:
    from ._backend import Answer, Broken
    from ._wire import Wire

__all__ = ["Call", "attempt", "log_fields", "operation", "traced", "waited", "walk_ended"]

T = TypeVar("T")
Fn = TypeVar("Fn", bound=Callable[..., Coroutine[Any, Any, Any]])

#: Answers that say the server is pushing back.
THROTTLED: Final = frozenset({429, 503})

_scope: ContextVar[Call | None] = ContextVar("skiplino_async_call", default=None)


class _Otel:
    """The OpenTelemetry objects the SDK records with, made once."""

    def __init__(self) -> None:
        from opentelemetry import context, metrics, trace

        from ._version import __version__

        self.context = context
        self.trace = trace
        self.tracer = trace.get_tracer("skiplino_async", __version__)
        meter = metrics.get_meter("skiplino_async", __version__)
        self.duration = meter.create_histogram(
            "skiplino.client.operation.duration", unit="s", description="Duration of SDK calls"
        )
        self.attempts = meter.create_counter(
            "skiplino.client.attempts", unit="{attempt}", description="HTTP attempts of SDK calls"
        )
        self.throttled = meter.create_counter(
            "skiplino.client.throttled",
            unit="{response}",
            description="Answers that pushed back (429, 503 or Retry-After)",
        )


_otel_made: list[_Otel] = []


def _otel() -> _Otel | None:
    if _otel_made:
        return _otel_made[0]
    if "opentelemetry.trace" not in sys.modules:  # a dict lookup: free when never imported
        return None
    _otel_made.append(_Otel())
    return _otel_made[0]


class Call:
    """One SDK operation: what its requests came to, and its span when traced."""

    __slots__ = (
        "_otel_token",
        "_token",
        "attempts",
        "name",
        "request_id",
        "retry_wait",
        "span",
        "started",
        "throttle_wait",
        "throttled",
    )

    def __init__(self, name: str, parent: Any = None) -> None:
        self.name = name
        self.started = 0.0
        self.attempts = 0
        self.throttled = 0
        self.retry_wait = 0.0
        self.throttle_wait = 0.0
        self.request_id: str | None = None
        self.span: Any = None
        self._otel_token: object = None
        otel = _otel()
        if otel is not None:
            self.started = time.monotonic()
            context = otel.trace.set_span_in_context(parent) if parent is not None else None
            self.span = otel.tracer.start_span(
                f"skiplino {name}", context=context, attributes={"skiplino.operation": name}
            )
            self._otel_token = otel.context.attach(otel.trace.set_span_in_context(self.span))
        self._token = _scope.set(self)

    def close(self, exc: BaseException | None) -> None:
        _scope.reset(self._token)
        if not self.started:  # not traced when it began
            return
        otel = _otel_made[0]
        elapsed = time.monotonic() - self.started
        labels: dict[str, str] = {"skiplino.operation": self.name}
        if isinstance(exc, Exception):
            labels["error.type"] = _error_type(exc)
        otel.duration.record(elapsed, labels)
        otel.attempts.add(self.attempts, {"skiplino.operation": self.name})
        if self.throttled:
            otel.throttled.add(self.throttled, {"skiplino.operation": self.name})
        if self.span is not None:
            otel.context.detach(self._otel_token)
            self._finish_span(otel, exc)

    def _finish_span(self, otel: _Otel, exc: BaseException | None) -> None:
        span = self.span
        span.set_attribute("skiplino.attempts", self.attempts)
        span.set_attribute("skiplino.retry_wait_s", self.retry_wait)
        span.set_attribute("skiplino.throttle_wait_s", self.throttle_wait)
        if self.request_id is not None:
            span.set_attribute("skiplino.request_id", self.request_id)
        if isinstance(exc, Exception):
            span.set_attribute("error.type", _error_type(exc))
            span.record_exception(exc)
            span.set_status(otel.trace.Status(otel.trace.StatusCode.ERROR, str(exc)))
        span.end()


def operation(name: str, parent: Any = None) -> Call:
    """Open the scope of one call named ``name`` (close it with :meth:`Call.close`)."""
    return Call(name, parent)


def traced(name: str, method: Fn) -> Fn:
    """``method`` (a coroutine function) run as the call ``name``."""

    @functools.wraps(method)
    async def call(*args: Any, **kwargs: Any) -> Any:
        scope = Call(name)
        try:
            result = await method(*args, **kwargs)
        except BaseException as exc:
            scope.close(exc)
            raise
        scope.close(None)
        return result

    return call  # type: ignore[return-value]


# -- what the transport reports ----------------------------------------------------------------


class _Attempt:
    """One attempt's span (the HTTP client conventions), as a context manager."""

    __slots__ = ("_span", "_token", "_wire")

    def __init__(self, wire: Wire) -> None:
        self._wire = wire
        self._span: Any = None
        self._token: object = None

    def __enter__(self) -> _Attempt:
        otel = _otel()
        if otel is not None:
            wire, call = self._wire, _scope.get()
            url = wire.url
            attributes: dict[str, Any] = {
                "http.request.method": wire.method,
                "url.full": str(url.with_user(None)),
                "server.address": url.host or "",
                "server.port": url.port or 0,
            }
            if call is not None and call.attempts:
                attributes["http.request.resend_count"] = call.attempts
            self._span = otel.tracer.start_span(
                wire.method, kind=otel.trace.SpanKind.CLIENT, attributes=attributes
            )
            self._token = otel.context.attach(otel.trace.set_span_in_context(self._span))
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._span is not None:
            _otel_made[0].context.detach(self._token)
            self._span.end()

    def ended(self, result: Answer | Broken | SkiplinoError) -> None:
        """Account the attempt's result to the call, and to the attempt's span."""
        status, headers, failure = _result_parts(result)
        request_id = headers.get("X-Request-Id")
        call = _scope.get()
        if call is not None:
            call.attempts += 1
            if request_id is not None:
                call.request_id = request_id
            if status in THROTTLED or "Retry-After" in headers:
                call.throttled += 1
        span = self._span
        if span is None:
            return
        if status is not None:
            span.set_attribute("http.response.status_code", status)
        if request_id is not None:
            span.set_attribute("skiplino.request_id", request_id)
        if failure is not None or (status is not None and status >= 400):
            span.set_attribute("error.type", failure or str(status))
            trace = _otel_made[0].trace
            span.set_status(trace.Status(trace.StatusCode.ERROR))


def _result_parts(
    result: Answer | Broken | SkiplinoError,
) -> tuple[int | None, Mapping[str, str], str | None]:
    """Status, headers and failure type of an attempt's result (an answer, a failed exchange,
    or an answer whose body could not be read)."""
    if isinstance(result, SkiplinoError):
        status = getattr(result, "status_code", None)
        return status, getattr(result, "headers", {}), type(result).__name__
    exc = getattr(result, "exc", None)
    if exc is not None:
        return None, {}, type(exc).__name__
    answer: Answer = result  # type: ignore[assignment]
    return answer.status, answer.headers, None


def attempt(wire: Wire) -> _Attempt:
    return _Attempt(wire)


def waited(kind: str, seconds: float) -> None:
    """Account a wait before an attempt: ``"retry"`` (backoff, Retry-After) or ``"throttle"``
    (the client's rate limit)."""
    call = _scope.get()
    if call is None:
        return
    if kind == "retry":
        call.retry_wait += seconds
    else:
        call.throttle_wait += seconds
    # An event for each retry, and for each real wait of the rate limit (not its free passes).
    if call.span is not None and (kind == "retry" or seconds >= 0.001):
        call.span.add_event(f"skiplino.{kind}_wait", {"skiplino.wait_s": seconds})


# -- walks ----------------------------------------------------------------------------------

_walks: weakref.WeakKeyDictionary[object, Any] = weakref.WeakKeyDictionary()


def walk_started(paginator: object, name: str) -> None:
    """A walk begins: with tracing, a span its page requests become children of."""
    otel = _otel()
    if otel is not None:
        span = otel.tracer.start_span(f"skiplino {name}", attributes={"skiplino.operation": name})
        _walks[paginator] = span


def walk_ended(paginator: object, pages: int, items: int) -> None:
    span = _walks.pop(paginator, None)
    if span is not None:
        span.set_attribute("skiplino.pages", pages)
        span.set_attribute("skiplino.items", items)
        span.end()


def page_call(paginator: object, name: str, page: int) -> Call:
    """The scope of one page request of a walk (a child of the walk's span)."""
    call = Call(name, _walks.get(paginator))
    if call.span is not None:
        call.span.set_attribute("skiplino.page", page)
    return call


# -- logs -----------------------------------------------------------------------------------


def log_fields(
    method: str,
    path: str,
    status: int | None = None,
    attempts: int | None = None,
    request_id: str | None = None,
    elapsed_ms: float | None = None,
) -> dict[str, Any]:
    """The structured fields of a call's log record (``extra=``)."""
    call = _scope.get()
    return {
        "skiplino_operation": call.name if call is not None else None,
        "http_method": method,
        "http_path": path,
        "http_status": status,
        "attempts": attempts if attempts is not None else (call.attempts if call else None),
        "request_id": request_id if request_id is not None else (call and call.request_id),
        "elapsed_ms": elapsed_ms,
    }


def _error_type(exc: Exception) -> str:
    if isinstance(exc, APIStatusError):
        return str(exc.status_code)
    return type(exc).__name__
