"""What every resource namespace shares: send a request, structure the ``data``, paginate."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from .._arguments import check_int_range, path_segment
from .._converter import structure
from .._operations import Operation
from .._protocol import Envelope
from .._request import Request, Settings
from .._telemetry import page_call, traced
from .._types import CallOptions
from ..models import Page, Pagination
from ..pagination import AsyncPaginator, DriftEvent, PageResult, load_checkpoint

if TYPE_CHECKING:
    from .._client import Skiplino

T = TypeVar("T")

__all__ = ["PageOptions", "Resource"]

_PAGING = ("prefetch", "resume_from", "on_page", "on_drift", "strict", "max_items")


class PageOptions(CallOptions, Generic[T], total=False):
    """Keyword options of every paginated call (besides the per-call options).

    ``prefetch``: page requests kept in flight (default adaptive; ``1``: one at a time);
    ``resume_from``: a ``paginator.checkpoint()`` of an earlier walk of the same call (it
    restores the call's parameters, ``limit`` included); ``on_page``: called (sync or async)
    with each raw page as it is taken, in order; ``on_drift``: called with each
    :class:`~skiplino_async.pagination.DriftEvent`; ``strict``: raise
    :class:`~skiplino_async.pagination.DriftError` on drift instead; ``max_items``: stop
    after this many items.
    """

    prefetch: int | None
    resume_from: Mapping[str, Any] | None
    on_page: Callable[[Page[T]], object] | None
    on_drift: Callable[[DriftEvent], object] | None
    strict: bool
    max_items: int | None


class Resource:
    """Base of the namespaces (``client.tickets`` ...). Holds no state but its client."""

    __slots__ = ("_client",)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Each operation is a call of its own in logs and traces: "customers.get".
        for name, method in list(vars(cls).items()):
            if not name.startswith("_") and inspect.iscoroutinefunction(method):
                setattr(cls, name, traced(f"{cls.__name__.lower()}.{name}", method))

    def __init__(self, client: Skiplino) -> None:
        self._client = client

    def _send(self, request: Request, options: CallOptions) -> Coroutine[Any, Any, Envelope]:
        return self._client._send(request, options)

    async def _call(self, request: Request, cls: type[T], options: CallOptions) -> T:
        env = await self._client._send(request, options)
        return _structure_data(env, cls)

    async def _run(
        self,
        op: Operation[T],
        options: CallOptions,
        *path: str,
        params: Mapping[str, str | int] | None = None,
        json: Mapping[str, Any] | None = None,
    ) -> T:
        """Call ``op`` with these path arguments, query and body; its ``data`` as its model."""
        request = _request(op, path, params, json)
        if op.response is type(None):
            await self._send(request, options)
            return None
        return await self._call(request, op.response, options)

    def _paginate(
        self,
        op: Operation[list[T]],
        key: Callable[[T], Any],
        *,
        limit: int,
        page: int,
        options: PageOptions[T],
        params: Mapping[str, str | None] | None = None,
        query: Callable[[Mapping[str, str | None]], Mapping[str, str | int]] | None = None,
    ) -> AsyncPaginator[T]:
        """The paginator of list operation ``op``: ``GET path?page=&limit=`` plus ``query``.

        ``params`` are the operation's own arguments (``None``: not given); a checkpoint in
        ``options["resume_from"]`` restores them and ``limit`` (an explicit different value is
        an error). ``query(params)`` turns them into query parameters, checked at once.
        """
        assert op.paging is not None, op.name
        paging, call = _split_options(options)
        # Once for the walk: a bad timeout or deadline fails here, not at page 1.
        settings = self._client._resolve(call)
        given = dict(params or {})
        resume_from = paging.get("resume_from")
        if resume_from is not None:
            limit = _restore(op, resume_from, limit, given, page)
        extra = dict(query(given)) if query is not None else {}
        check_int_range(limit, "limit", 1, op.paging.max_limit)
        check_int_range(page, "page", 1)
        transport = self._client._transport
        limiter = transport.rate_limiter
        throttle = transport.throttle
        rows: Any = op.response

        async def fetch(page_no: int, size: int) -> PageResult[T]:
            request = _page_request(op, extra, page_no, size)
            scope = page_call(paginator, op.name, page_no)
            try:
                result = await self._page(request, rows, settings)
            except BaseException as exc:
                scope.close(exc)
                raise
            scope.close(None)
            return result

        paginator = AsyncPaginator(
            fetch,
            page=page,
            limit=limit,
            key=key,
            operation=op.name,
            # What a checkpoint records of the call: the arguments given, and the page size.
            params={"limit": limit, **{k: v for k, v in given.items() if v is not None}},
            rate_limit=limiter.rate if limiter is not None else None,
            pace=lambda: throttle.rate,
            **paging,
        )
        return paginator

    async def _page(self, request: Request, cls: Any, settings: Settings) -> PageResult[Any]:
        """One page, the attempts it took and whether any met throttling (for the paginator)."""
        env = await self._client._transport.send(request, settings)
        items = _structure_data(env, cls)
        raw = env.pagination
        pagination = (
            Pagination()
            if raw is None
            # Through the converter with the response, so a bad block keeps status and body.
            else structure(raw, Pagination, status=env.status, body=env.body, headers=env.headers)
        )
        # A page that needed a retry met a struggling server (429, 503, 5xx, a dropped
        # connection): fewer requests in flight help it more than more do.
        return PageResult(Page(items, pagination), env.attempts, throttled=env.attempts > 1)


def _page_request(
    op: Operation[Any], query: Mapping[str, str | int], page: int, limit: int
) -> Request:
    """The request of one page of list operation ``op``."""
    params = {**query, "page": page, "limit": limit}
    return Request("GET", op.path, params=params, secret_only=op.secret_only)


def _split_options(options: PageOptions[Any]) -> tuple[dict[str, Any], CallOptions]:
    """A paginated call's options as the walk's own and the per-request ones."""
    rest: dict[str, Any] = dict(options)
    paging = {name: rest.pop(name) for name in _PAGING if name in rest}
    return paging, cast(CallOptions, rest)


def _request(
    op: Operation[Any],
    path: tuple[str, ...],
    params: Mapping[str, str | int] | None,
    json: Mapping[str, Any] | None,
) -> Request:
    """The request of one call of ``op``; path arguments are checked and percent-encoded."""
    url = op.path
    for param, value in zip(op.path_params, path, strict=True):
        url = url.replace(f"{{{param.wire}}}", path_segment(value, param.arg))
    keyed = op.idempotent_with is not None and json is not None and op.idempotent_with in json
    return Request(
        op.method,
        url,
        params=params,
        json=json,
        idempotent=op.idempotent or keyed,
        secret_only=op.secret_only,
    )


def _structure_data(env: Envelope, cls: type[T]) -> T:
    return structure(env.data, cls, status=env.status, body=env.body, headers=env.headers)


def _restore(
    op: Operation[Any], checkpoint: Mapping[str, Any], limit: int, given: dict[str, Any], page: int
) -> int:
    """The call's ``limit`` and parameters (``given``, in place) as the checkpoint recorded."""
    assert op.paging is not None
    recorded = load_checkpoint(checkpoint, op.name)["params"]
    restored: int = _resumed(limit, op.paging.default_limit, recorded.get("limit"), "limit")
    for name, value in given.items():
        given[name] = _resumed(value, None, recorded.get(name), name)
    if page != 1:
        raise ValueError("page cannot be combined with resume_from")
    return restored


def _resumed(given: Any, default: Any, recorded: Any, name: str) -> Any:
    """The checkpoint's value of a parameter; an explicit different value is an error."""
    if given != default and given != recorded:
        raise ValueError(f"{name}={given!r} conflicts with the checkpoint's {name}={recorded!r}")
    return recorded
