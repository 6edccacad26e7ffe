"""``client.services``: appointment slots of a service."""

from __future__ import annotations

from datetime import date as Date
from typing import Unpack

from .._protocol import encode_date, path_segment
from .._request import Request
from .._types import CallOptions
from ..models import Slot
from ._base import Resource

_Slots = list[Slot]


class Services(Resource):
    """Services of the company's branches."""

    __slots__ = ()

    async def slots(
        self, service_id: str, *, date: Date | str | None = None, **options: Unpack[CallOptions]
    ) -> _Slots:
        """``GET /services/{id}/slots``: bookable slots of an appointment service for a day.

        ``date`` is a ``datetime.date`` or ``"YYYY-MM-DD"`` in the company's timezone (default:
        today there); past days are a 422. An empty list means nothing is free that day. A
        service that takes no appointments is a 422 with ``field_errors["id"]``.
        """
        path = f"/services/{path_segment(service_id, 'service_id')}/slots"
        day = encode_date(date)
        params = {"date": day} if day is not None else None
        return await self._call(Request("GET", path, params=params), _Slots, options)
