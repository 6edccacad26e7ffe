"""``client.customers``: the company's customer directory (secret key, except ``tickets``)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any, Final, Unpack

from .._arguments import at_least_one, require_str
from .._operations import (
    CREATE_CUSTOMER,
    CUSTOMER_TICKETS,
    DELETE_CUSTOMER,
    GET_CUSTOMER,
    LIST_CUSTOMERS,
    UPDATE_CUSTOMER,
)
from .._types import NOT_GIVEN, CallOptions, NotGiven
from ..errors import UnprocessableEntityError
from ..models import Customer, Ticket
from ..pagination import AsyncPaginator
from ._base import PageOptions, Resource

_TAKEN: Final = "already taken"
_GONE: Final = "does not exist"


# C-level getters: the paginator calls them once per row.
_customer_key: Callable[[Customer], str] = operator.attrgetter("id")
_ticket_key: Callable[[Ticket], str] = operator.attrgetter("id")


class Customers(Resource):
    """Customers. Every call but :meth:`tickets` needs a **secret** key (``sk_...``).

    Note the API's asymmetry: an unknown customer id is a 422
    (:class:`UnprocessableEntityError`, "This value does not exist.") on get and delete, not a
    404.
    """

    __slots__ = ()

    async def create(
        self,
        *,
        external_id: str | None = None,
        name: str | None = None,
        email: str | None = None,
        mobile: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        **call: Unpack[CallOptions],
    ) -> Customer:
        """``POST /customers/create``. Only the arguments that are not ``None`` are sent.

        With an ``external_id`` the call is safe to retry: should a retry meet "already taken"
        for that id (the first attempt did land), the customer is fetched and returned.
        """
        body = _fields(external_id=external_id, name=name, email=email, mobile=mobile)
        if metadata is not None:
            body["metadata"] = _metadata(metadata)
        with self._client._deadline_scope(call):
            try:
                return await self._run(CREATE_CUSTOMER, call, json=body)
            except UnprocessableEntityError as exc:
                taken = external_id is not None and _says(exc, "externalId", _TAKEN)
                if not (taken and exc.attempts > 1):
                    raise
            # Outside the except block: the 422 is handled, not the cause of a failed get.
            return await self.get(external_id=external_id, **call)

    async def get_or_create(
        self,
        *,
        external_id: str,
        name: str | None = None,
        email: str | None = None,
        mobile: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        **call: Unpack[CallOptions],
    ) -> Customer:
        """The customer with this ``external_id``, created with the given fields if missing.

        Creates first and falls back to a fetch on "already taken", so two workers racing on
        the same id still end with one customer. An existing customer is returned as is (its
        fields are not updated).
        """
        require_str(external_id, "external_id")
        with self._client._deadline_scope(call):
            try:
                return await self.create(
                    external_id=external_id,
                    name=name,
                    email=email,
                    mobile=mobile,
                    metadata=metadata,
                    **call,
                )
            except UnprocessableEntityError as exc:
                if not _says(exc, "externalId", _TAKEN):
                    raise
            return await self.get(external_id=external_id, **call)

    def list(
        self, *, limit: int = 100, page: int = 1, **options: Unpack[PageOptions[Customer]]
    ) -> AsyncPaginator[Customer]:
        """``GET /customers/getAll``, newest first. ``limit`` is 1-100.

        Returns at once: ``async for`` walks every customer across pages, ``await`` gives the
        one page, ``.pages()`` walks pages. Takes the paginated-call options (``prefetch``,
        ``resume_from``, ``on_page``, ``on_drift``, ``strict``, ``max_items``: see
        :class:`~skiplino_async.PageOptions`) and the per-call options.
        """
        return self._paginate(
            LIST_CUSTOMERS, _customer_key, limit=limit, page=page, options=options
        )

    async def get(
        self,
        *,
        id: str | None = None,
        external_id: str | None = None,
        **call: Unpack[CallOptions],
    ) -> Customer:
        """``GET /customers/getOne`` by ``id`` or ``external_id`` (``id`` wins when both).

        An unknown customer is a 422 (``field_errors`` says "This value does not exist."),
        not a 404.
        """
        return await self._run(GET_CUSTOMER, call, params=_locator(id, external_id))

    async def update(
        self,
        *,
        id: str | None = None,
        external_id: str | None = None,
        name: str | NotGiven | None = NOT_GIVEN,
        email: str | NotGiven | None = NOT_GIVEN,
        mobile: str | NotGiven | None = NOT_GIVEN,
        metadata: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        **call: Unpack[CallOptions],
    ) -> Customer:
        """``PUT /customers/update``: change only the fields passed (a partial update).

        The record is found by ``id``; then ``external_id``, if given, is its **new** external
        id. Without ``id`` it is found by ``external_id``. A field passed as ``None`` is sent
        as ``null`` (cleared); a field left out is not sent. ``metadata`` **replaces** the
        stored object entirely: read, merge and write it back to keep other keys.
        """
        at_least_one("id", id, "external_id", external_id)
        body: dict[str, Any] = _fields(id=id, external_id=external_id)
        for wire, value in (("name", name), ("email", email), ("mobile", mobile)):
            if value is not NOT_GIVEN:
                if value is not None and not isinstance(value, str):
                    raise TypeError(f"{wire} must be a string or None")
                body[wire] = value
        if metadata is not NOT_GIVEN:
            body["metadata"] = None if metadata is None else _metadata(metadata)
        return await self._run(UPDATE_CUSTOMER, call, json=body)

    async def delete(
        self,
        *,
        id: str | None = None,
        external_id: str | None = None,
        **call: Unpack[CallOptions],
    ) -> None:
        """``DELETE /customers/delete``: permanent. The customer's tickets stay."""
        params = _locator(id, external_id)
        try:
            await self._run(DELETE_CUSTOMER, call, params=params)
        except UnprocessableEntityError as exc:
            # A retry after a lost answer finds the customer gone: the first attempt deleted it.
            field = "id" if "id" in params else "externalId"
            if exc.attempts > 1 and _says(exc, field, _GONE):
                return
            raise

    def tickets(
        self,
        *,
        id: str | None = None,
        external_id: str | None = None,
        limit: int = 10,
        page: int = 1,
        **options: Unpack[PageOptions[Ticket]],
    ) -> AsyncPaginator[Ticket]:
        """``GET /customers/tickets``: a customer's tickets, newest first. ``limit`` is 1-10.

        Public or secret key. Same paginator and options as :meth:`list`; a checkpoint
        passed as ``resume_from`` also restores the customer (``id`` or ``external_id``).
        """
        return self._paginate(
            CUSTOMER_TICKETS, _ticket_key, limit=limit, page=page, options=options,
            params={"id": id, "external_id": external_id},
            query=lambda given: _locator(given["id"], given["external_id"]),
        )  # fmt: skip


def _fields(**values: str | None) -> dict[str, Any]:
    """Wire names for the arguments that were given, each checked to be a string."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a string, not {type(value).__name__}")
        out["externalId" if name == "external_id" else name] = value
    return out


def _metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(metadata, Mapping):
        raise TypeError("metadata must be a mapping (a JSON object)")
    return dict(metadata)


def _locator(id: str | None, external_id: str | None) -> dict[str, str | int]:
    """Query parameters naming one customer; ``id`` wins, so only it is sent when both are."""
    at_least_one("id", id, "external_id", external_id)
    if id is not None:
        require_str(id, "id")
        return {"id": id}
    assert external_id is not None
    require_str(external_id, "external_id")
    return {"externalId": external_id}


def _says(exc: UnprocessableEntityError, field: str, phrase: str) -> bool:
    """Whether the 422's message for ``field`` contains ``phrase`` (case-insensitive)."""
    return phrase in exc.field_errors.get(field, "").lower()
