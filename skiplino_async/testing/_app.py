"""aiohttp glue of the fake server: routes, authentication, envelopes, request log, faults."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson
from aiohttp import web
from aiohttp.typedefs import Middleware

from .._operations import OPERATIONS, Operation
from . import _ops as ops
from ._faults import Faults, Handler
from ._i18n import resolve_locale
from ._openapi import openapi_document
from ._state import SHOULD_NOT_BE_BLANK, FakeState

#: Path prefix of every route, as in the real base URL ``https://…/external/v1``.
BASE_PATH: Final = "/external/v1"

#: Where the OpenAPI document is served, relative to the API base and to the server root.
OPENAPI_PATH: Final = "/openapi.json"

#: How many handled requests the log keeps by default (the oldest are dropped).
DEFAULT_REQUEST_LOG_SIZE: Final = 10_000

STATE_KEY: Final = web.AppKey("skiplino_state", FakeState)
FAULTS_KEY: Final = web.AppKey("skiplino_faults", Faults)

#: Request bodies up to this size are accepted (aiohttp's default of 1 MiB is too small for
#: tests that send large metadata on purpose).
CLIENT_MAX_SIZE: Final = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the server handled, for assertions in tests.

    ``path`` is relative to the API base (``"/customers/getAll"``), ``raw_path`` the same as
    sent, percent-encoding kept; ``headers`` is the request's case-insensitive header mapping;
    ``status`` is ``None`` when no response was sent (dropped connection or the client went
    away).
    """

    method: str
    path: str
    query_string: str
    headers: Mapping[str, str]
    body: bytes
    status: int | None
    request_id: str
    raw_path: str = ""

    def json(self) -> Any:
        """The request body parsed as JSON."""
        return orjson.loads(self.body)


REQUESTS_KEY: Final[web.AppKey[list[RecordedRequest]]] = web.AppKey("skiplino_requests")
#: ``(method, route's canonical path)`` -> the operation served there.
ROUTES_KEY: Final[web.AppKey[dict[tuple[str, str], Operation[Any]]]] = web.AppKey("skiplino_routes")


def json_response(status: int, body: Mapping[str, Any]) -> web.Response:
    """A JSON response serialised with orjson."""
    return web.Response(status=status, body=orjson.dumps(body), content_type="application/json")


def _error_response(exc: ops.ApiError) -> web.Response:
    return json_response(exc.status, exc.body())


def relative_path(path: str, base_path: str) -> str:
    """``path`` without the API base prefix (unchanged when it lies outside the base)."""
    if base_path and (path == base_path or path.startswith(base_path + "/")):
        return path[len(base_path) :] or "/"
    return path


def _operation(request: web.Request) -> Operation[Any] | None:
    """The row of the table the request was routed to (``None``: no route matched)."""
    resource = request.match_info.route.resource
    if resource is None:
        return None
    return request.app[ROUTES_KEY].get((request.method, resource.canonical))


def _authenticate(request: web.Request, state: FakeState) -> None:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    kind = state.api_keys.get(key.strip()) if scheme.lower() == "bearer" else None
    if kind is None:
        raise ops.ApiError(401, "Unauthenticated.", "Invalid or missing API key.")
    op = _operation(request)
    if kind != "secret" and op is not None and op.secret_only:
        raise ops.ApiError(
            401, "Unauthenticated.", "This operation requires a secret key (sk_...)."
        )


def _is_openapi(path: str, base_path: str) -> bool:
    return path in (OPENAPI_PATH, base_path + OPENAPI_PATH)


def _locale(request: web.Request) -> str:
    return resolve_locale(request.headers.get("X-Locale"))


async def _json_body(request: web.Request) -> object:
    """The parsed JSON body, which the operations that take one require."""
    raw = await request.read()
    if not raw.strip():
        raise ops.validation_error({"body": SHOULD_NOT_BE_BLANK})
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ops.validation_error({"body": "This value is not valid JSON."}) from None


def _reply(reply: ops.Reply) -> web.Response:
    return json_response(reply.status, reply.body)


# -- handlers --------------------------------------------------------------------------------


def _handler(op: Operation[Any]) -> Handler:
    """The route of one row of the table: parse the request, run the operation, reply."""
    run = ops.HANDLERS[op.name]

    async def handle(request: web.Request) -> web.StreamResponse:
        # An operation without a body accepts and ignores one (cancel).
        body = await _json_body(request) if op.body is not None else None
        call = ops.Call(
            request.app[STATE_KEY], _locale(request), request.match_info, request.query, body
        )
        return _reply(run(call))

    return handle


def _route(op: Operation[Any]) -> str:
    """The aiohttp route of ``op``'s path; a parameter never matches a sibling's literal
    segment (``/tickets/{id}`` is not ``/tickets/book``, so GET /tickets/book is a 405)."""
    parts = op.path.split("/")
    for index, part in enumerate(parts):
        if part.startswith("{"):
            taken = sorted(_literals_at(parts, index))
            if taken:
                alternatives = "|".join(re.escape(word) for word in taken)
                parts[index] = f"{{{part[1:-1]}:(?!(?:{alternatives})$)[^/]+}}"
    return "/".join(parts)


def _literals_at(parts: list[str], index: int) -> set[str]:
    """Literal segments other paths have at ``index`` where they otherwise equal ``parts``."""
    out = set()
    for other in OPERATIONS:
        theirs = other.path.split("/")
        same_elsewhere = len(theirs) == len(parts) and all(
            a == b for i, (a, b) in enumerate(zip(parts, theirs, strict=True)) if i != index
        )
        if same_elsewhere and not theirs[index].startswith("{"):
            out.add(theirs[index])
    return out


def _openapi_handler(base_path: str) -> Handler:
    async def openapi(request: web.Request) -> web.StreamResponse:
        # The fake's own base URL first, so tools pointed at this document test this server.
        server_url = f"{request.scheme}://{request.host}{base_path}"
        return json_response(200, openapi_document(server_url))

    return openapi


# -- middlewares -----------------------------------------------------------------------------


def _envelope_middleware(base_path: str) -> Middleware:
    """Authenticate, then turn every error into the API's JSON error envelope."""

    @web.middleware
    async def envelope(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            if not _is_openapi(request.path, base_path):
                _authenticate(request, request.app[STATE_KEY])
            return await handler(request)
        except ops.ApiError as exc:
            return _error_response(exc)
        except web.HTTPException as exc:
            # Router errors (unknown route, wrong method) and aiohttp's own request errors.
            if exc.status == 404:
                error = f"The route {request.method} {request.path} does not exist."
            else:
                error = exc.reason
            response = json_response(exc.status, {"message": f"{exc.reason}.", "error": error})
            response.headers.extend((k, v) for k, v in exc.headers.items() if k == "Allow")
            return response

    return envelope


def _pipeline_middleware(base_path: str, log_size: int | None) -> Middleware:
    """Number and record every request, and route it through the fault rules."""
    counter = itertools.count(1)

    @web.middleware
    async def pipeline(request: web.Request, handler: Handler) -> web.StreamResponse:
        request_id = f"req_{next(counter):06d}"
        extra_headers = {"X-Request-Id": request_id}
        path = relative_path(request.path, base_path)
        response: web.StreamResponse | None = None
        body = b""
        try:
            try:
                body = await request.read()  # cached: handlers read it again for free
            except web.HTTPException as exc:  # e.g. 413: answer without the handler
                response = json_response(exc.status, {"message": f"{exc.reason}.", "error": None})
            else:
                if _is_openapi(request.path, base_path):
                    response = await handler(request)  # the document is never subject to faults
                else:
                    faults = request.app[FAULTS_KEY]
                    response = await faults.run(request, handler, path, extra_headers)
            if not response.prepared:
                response.headers.update(extra_headers)
            return response
        finally:
            transport = request.transport
            delivered = response is not None and (
                response.prepared or (transport is not None and not transport.is_closing())
            )
            log = request.app[REQUESTS_KEY]
            log.append(
                RecordedRequest(
                    method=request.method,
                    path=path,
                    query_string=request.query_string,
                    headers=request.headers,
                    body=body,
                    status=response.status if delivered and response is not None else None,
                    request_id=request_id,
                    raw_path=relative_path(request.raw_path.partition("?")[0], base_path),
                )
            )
            if log_size is not None and len(log) > log_size:
                del log[: len(log) - log_size]  # bounded, for long-running servers

    return pipeline


def create_app(
    state: FakeState | None = None,
    faults: Faults | None = None,
    *,
    requests: list[RecordedRequest] | None = None,
    request_log_size: int | None = DEFAULT_REQUEST_LOG_SIZE,
    base_path: str = BASE_PATH,
) -> web.Application:
    """The fake Skiplino API as an aiohttp application (routes under ``base_path``).

    Handled requests are appended to ``requests``, keeping the latest ``request_log_size``
    (``None``: all of them).

    Use it with aiohttp's own test utilities, e.g. ``TestServer(create_app())``; the state,
    faults and request log are also reachable as ``app[STATE_KEY]``, ``app[FAULTS_KEY]`` and
    ``app[REQUESTS_KEY]``.
    """
    base_path = base_path.rstrip("/")
    app = web.Application(
        middlewares=[
            _pipeline_middleware(base_path, request_log_size),
            _envelope_middleware(base_path),
        ],
        client_max_size=CLIENT_MAX_SIZE,
    )
    faults = faults if faults is not None else Faults()
    app[STATE_KEY] = state if state is not None else FakeState()
    app[FAULTS_KEY] = faults
    app[REQUESTS_KEY] = requests if requests is not None else []
    routes: dict[tuple[str, str], Operation[Any]] = {}
    for op in OPERATIONS:
        route = app.router.add_route(op.method, base_path + _route(op), _handler(op))
        routes[(op.method, route.resource.canonical if route.resource else "")] = op
    app[ROUTES_KEY] = routes
    openapi = _openapi_handler(base_path)
    app.router.add_get(base_path + OPENAPI_PATH, openapi)
    if base_path:
        app.router.add_get(OPENAPI_PATH, openapi)

    async def on_startup(_: web.Application) -> None:
        faults.open()

    async def on_shutdown(_: web.Application) -> None:
        faults.close()  # wake stalled/delayed handlers so shutdown does not wait for them

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    return app
