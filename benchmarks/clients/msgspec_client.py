"""The upper bound of Python decoding: the floor's aiohttp walk with msgspec Structs.

``msgspec.json.Decoder(PageEnvelope)`` parses and validates the body in one C pass (typed,
strict about types, aware UTC datetimes). Unlike the SDK it drops unknown fields: msgspec has
no place to keep them. Same transport and the same walk (one page ahead) as ``floor``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from . import Decoder
from .floor import FloorClient

_RENAME = {"id": "_id", "external_id": "externalId", "company_id": "companyId"}
_RENAME |= {"created_at": "createdAt", "updated_at": "updatedAt"}


class Customer(msgspec.Struct, rename=_RENAME):
    id: str
    external_id: str | None = None
    company_id: str | None = None
    name: str | None = None
    email: str | None = None
    mobile: str | None = None
    metadata: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class BranchStatus(msgspec.Struct, rename="camel"):
    is_branch_open: bool | None = None


class Branch(msgspec.Struct, rename="camel"):
    id: str
    name: str | None = None
    branch_status: BranchStatus | None = None


class Pagination(msgspec.Struct, rename="camel"):
    total: int | None = None
    page: int | None = None
    limit: int | None = None
    total_pages: int | None = None
    has_next_page: bool | None = None
    has_prev_page: bool | None = None


class PageEnvelope(msgspec.Struct):
    data: list[Customer]
    pagination: Pagination
    message: str | None = None


class CustomerEnvelope(msgspec.Struct):
    data: Customer
    message: str | None = None


class BranchesEnvelope(msgspec.Struct):
    data: list[Branch]
    message: str | None = None


_page = msgspec.json.Decoder(PageEnvelope)
_one = msgspec.json.Decoder(CustomerEnvelope)
_branches = msgspec.json.Decoder(BranchesEnvelope)


class MsgspecDecoder(Decoder):
    name = "aiohttp-msgspec"

    def from_parsed(self, parsed: dict[str, Any]) -> list[Any]:
        return msgspec.convert(parsed, PageEnvelope).data

    def from_bytes(self, body: bytes) -> list[Any]:
        return _page.decode(body).data


class MsgspecClient(FloorClient):
    name = "aiohttp-msgspec"
    description = "raw aiohttp + msgspec Structs (json.Decoder per envelope), one page ahead"

    async def branches(self) -> list[Any]:
        return _branches.decode(await self._read(self._branches_url)).data

    async def get_customer(self, customer_id: str) -> Any:
        return _one.decode(await self._read(self._one_url, {"id": customer_id})).data

    async def _page(self, page: int) -> tuple[list[Any], Any]:
        envelope = _page.decode(await self._read(self._all_url, {"page": page, "limit": 100}))
        return envelope.data, envelope.pagination
