"""``client.services``: appointment slots of a service."""

from __future__ import annotations

from datetime import date as Date
from typing import Unpack

from .._arguments import encode_date, path_segment
from .._operations import SERVICE_SLOTS
from .._types import CallOptions
from ..models import Slot
from ._base import Resource


class Services(Resource):
    """Services of the company's branches."""

    __slots__ = ()

    async def slots(
        self, service_id: str, *, date: Date | str | None = None, **options: Unpack[CallOptions]
    ) -> list[Slot]:
        """``GET /services/{id}/slots``: bookable slots of an appointment service for a day.

        ``date`` is a ``datetime.date`` or ``"YYYY-MM-DD"`` in the company's timezone (default:
        today there); past days are a 422. An empty list means nothing is free that day. A
        service that takes no appointments is a 422 with ``field_errors["id"]``.
        """
        path_segment(service_id, "service_id")  # a bad id is named before a bad date
        day = encode_date(date)
        params = {"date": day} if day is not None else None
        return await self._run(SERVICE_SLOTS, options, service_id, params=params)
