"""``client.tickets``: book (walk-in or appointment), fetch, cancel, reschedule, watch."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Mapping
from datetime import datetime
from typing import Any, Final, Unpack

from .._checks import check_seconds
from .._protocol import (
    at_most_one,
    encode_location,
    encode_time,
    exactly_one,
    path_segment,
    require_str,
)
from .._request import Request
from .._types import CallOptions
from ..errors import APIConnectionError, InternalServerError, RateLimitError
from ..models import Ticket, TicketStatus
from ._base import Resource

logger: Final = logging.getLogger("skiplino_async")

#: Polling faster than this only loads the API: positions change in minutes, not milliseconds.
MIN_WATCH_INTERVAL: Final = 0.5
#: Longest wait between polls after repeated transient errors.
MAX_WATCH_BACKOFF: Final = 60.0
_FINAL_STATUSES: Final = frozenset({TicketStatus.SERVED, TicketStatus.CANCELLED})

Location = Mapping[str, float] | tuple[float, float]

# Looked up at call time so that tests can drive a watch without real waits.
_sleep = asyncio.sleep


class Tickets(Resource):
    """Queue tickets and appointments.

    Booking, cancelling and rescheduling are not idempotent: they are retried only when the
    request certainly never reached the server. Otherwise the error says
    ``request_sent=True``: fetch the customer's tickets before trying again.
    """

    __slots__ = ()

    async def book(
        self,
        *,
        service_id: str,
        group_of_service_id: str,
        time: datetime | str | None = None,
        customer_id: str | None = None,
        customer_external_id: str | None = None,
        options: Mapping[str, Any] | None = None,
        location: Location | None = None,
        **call: Unpack[CallOptions],
    ) -> Ticket:
        """``POST /tickets/book``: a walk-in (no ``time``) or an appointment (``time`` given).

        An appointment needs exactly one of ``customer_id`` / ``customer_external_id``; a
        walk-in takes at most one. ``time`` is an aware datetime or a slot's time string.
        ``options`` is passed through as is; ``location`` is ``{"lat", "lng"}`` or a pair.
        A closed branch or service, or a slot gone full, is a :class:`BadRequestError`.
        """
        require_str(service_id, "service_id")
        require_str(group_of_service_id, "group_of_service_id")
        body: dict[str, Any] = {"serviceId": service_id, "groupOfServiceId": group_of_service_id}
        if time is not None:
            exactly_one("customer_id", customer_id, "customer_external_id", customer_external_id)
            body["time"] = encode_time(time)
        else:
            at_most_one("customer_id", customer_id, "customer_external_id", customer_external_id)
        _put_customer(body, customer_id, customer_external_id)
        if options is not None:
            if not isinstance(options, Mapping):
                raise TypeError("options must be a mapping (a JSON object)")
            body["options"] = dict(options)
        if location is not None:
            body["location"] = encode_location(location)
        request = Request("POST", "/tickets/book", json=body, idempotent=False)
        return await self._call(request, Ticket, call)

    async def book_walk_in(
        self,
        *,
        service_id: str,
        group_of_service_id: str,
        customer_id: str | None = None,
        customer_external_id: str | None = None,
        options: Mapping[str, Any] | None = None,
        location: Location | None = None,
        **call: Unpack[CallOptions],
    ) -> Ticket:
        """A walk-in: a place in the live queue now (``book`` without ``time``)."""
        return await self.book(
            service_id=service_id,
            group_of_service_id=group_of_service_id,
            customer_id=customer_id,
            customer_external_id=customer_external_id,
            options=options,
            location=location,
            **call,
        )

    async def book_appointment(
        self,
        *,
        service_id: str,
        group_of_service_id: str,
        time: datetime | str,
        customer_id: str | None = None,
        customer_external_id: str | None = None,
        options: Mapping[str, Any] | None = None,
        location: Location | None = None,
        **call: Unpack[CallOptions],
    ) -> Ticket:
        """An appointment at a slot ``time`` for exactly one identified customer."""
        if time is None:
            raise ValueError("time is required for an appointment")
        return await self.book(
            service_id=service_id,
            group_of_service_id=group_of_service_id,
            time=time,
            customer_id=customer_id,
            customer_external_id=customer_external_id,
            options=options,
            location=location,
            **call,
        )

    async def get(self, ticket_id: str, **call: Unpack[CallOptions]) -> Ticket:
        """``GET /tickets/{id}``: the ticket now; ``queue_size``/``waiting_time`` while waiting."""
        path = f"/tickets/{path_segment(ticket_id, 'ticket_id')}"
        return await self._call(Request("GET", path), Ticket, call)

    async def cancel(self, ticket_id: str, **call: Unpack[CallOptions]) -> Ticket:
        """``POST /tickets/{id}/cancel``: cancel a waiting or upcoming ticket.

        Any other status is a :class:`ConflictError` (409), including a second cancel.
        """
        path = f"/tickets/{path_segment(ticket_id, 'ticket_id')}/cancel"
        return await self._call(Request("POST", path, idempotent=False), Ticket, call)

    async def reschedule(
        self,
        ticket_id: str,
        *,
        time: datetime | str,
        customer_id: str | None = None,
        customer_external_id: str | None = None,
        **call: Unpack[CallOptions],
    ) -> Ticket:
        """``POST /tickets/{id}/change-time``: move an appointment to another slot ``time``.

        Exactly one of ``customer_id`` / ``customer_external_id`` must name the ticket's
        customer.
        """
        path = f"/tickets/{path_segment(ticket_id, 'ticket_id')}/change-time"
        exactly_one("customer_id", customer_id, "customer_external_id", customer_external_id)
        body: dict[str, Any] = {"time": encode_time(time)}
        _put_customer(body, customer_id, customer_external_id)
        request = Request("POST", path, json=body, idempotent=False)
        return await self._call(request, Ticket, call)

    async def watch(
        self,
        ticket_id: str,
        *,
        interval: float = 5.0,
        max_errors: int = 5,
        **call: Unpack[CallOptions],
    ) -> AsyncGenerator[Ticket, None]:
        """Poll a ticket, yielding it whenever its status, queue size or waiting time changes.

        The first poll is always yielded; the iteration ends after yielding a ``served`` or
        ``cancelled`` ticket (break out of it, or cancel the task, to stop earlier).
        ``interval`` is floored at 0.5 s. Transient errors (network, 5xx, 429) are retried
        after a backoff (``2 * interval``, doubling, at most 60 s, at least the server's
        ``Retry-After``), up to ``max_errors`` in a row; other errors (e.g. 404) are raised,
        and so is a 429 whose ``Retry-After`` exceeds the retry policy's ``max_retry_after``.

        >>> async for ticket in client.tickets.watch(ticket_id, interval=10):
        ...     print(ticket.status, ticket.queue_size, ticket.waiting_time)
        """
        path_segment(ticket_id, "ticket_id")  # a bad id fails here, not after the first wait
        check_seconds(interval, "interval", zero=True)
        if isinstance(max_errors, bool) or not isinstance(max_errors, int) or max_errors < 0:
            raise ValueError(f"max_errors must be an int >= 0, got {max_errors!r}")
        pause = max(float(interval), MIN_WATCH_INTERVAL)
        # A server's Retry-After is obeyed only up to the retry policy's cap, as in any call.
        longest_wait = self._client._resolve(call).retry.max_retry_after
        last: tuple[Any, ...] | None = None
        errors = 0
        while True:
            try:
                ticket = await self.get(ticket_id, **call)
            except (APIConnectionError, InternalServerError, RateLimitError) as exc:
                errors += 1
                if errors > max_errors:
                    raise
                wait = min(pause * 2**errors, MAX_WATCH_BACKOFF)
                if isinstance(exc, RateLimitError) and exc.retry_after is not None:
                    if exc.retry_after > longest_wait:
                        raise
                    wait = max(wait, exc.retry_after)
                # INFO like the client's own retries: the caller decides what is worth a warning.
                logger.info(
                    "watching ticket %s failed (%s); polling again in %.1fs",
                    ticket_id,
                    exc,
                    wait,
                )
                await _sleep(wait)
                continue
            errors = 0
            state = (ticket.status, ticket.queue_size, ticket.waiting_time)
            if state != last:
                last = state
                yield ticket
            if ticket.status in _FINAL_STATUSES:
                return
            await _sleep(pause)


def _put_customer(body: dict[str, Any], customer_id: str | None, external_id: str | None) -> None:
    if customer_id is not None:
        require_str(customer_id, "customer_id")
        body["customerId"] = customer_id
    if external_id is not None:
        require_str(external_id, "customer_external_id")
        body["customerExternalId"] = external_id
