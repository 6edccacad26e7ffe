"""The reference client: httpx.AsyncClient + pydantic v2 models, written the usual way.

This is what most generated or hand-written Python SDKs look like: one ``AsyncClient`` with
base URL and auth headers, pydantic models with a camelCase alias generator and
``extra="allow"``, a generic envelope, and ``model_validate_json`` on the body (pydantic's
fastest path: parsing and validation in one Rust pass). Pagination walks pages one after the
other, following ``hasNextPage``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from . import API_KEY, BenchClient, Decoder

T = TypeVar("T")


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class Customer(_Model):
    id: str = Field(alias="_id")
    external_id: str | None = None
    company_id: str | None = None
    name: str | None = None
    email: str | None = None
    mobile: str | None = None
    metadata: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class BranchStatus(_Model):
    is_branch_open: bool | None = None


class Branch(_Model):
    id: str
    name: str | None = None
    branch_status: BranchStatus | None = None


class Pagination(_Model):
    total: int | None = None
    page: int | None = None
    limit: int | None = None
    total_pages: int | None = None
    has_next_page: bool | None = None
    has_prev_page: bool | None = None


class Envelope(_Model, Generic[T]):
    message: str | None = None
    data: T


class PageEnvelope(_Model, Generic[T]):
    message: str | None = None
    data: list[T]
    pagination: Pagination


CustomerPage = PageEnvelope[Customer]
CustomerEnvelope = Envelope[Customer]
BranchesEnvelope = Envelope[list[Branch]]


class PydanticDecoder(Decoder):
    name = "httpx-pydantic"

    def from_parsed(self, parsed: dict[str, Any]) -> list[Any]:
        return CustomerPage.model_validate(parsed).data

    def from_bytes(self, body: bytes) -> list[Any]:
        return CustomerPage.model_validate_json(body).data


class HttpxPydanticClient(BenchClient):
    name = "httpx-pydantic"
    description = "httpx.AsyncClient + pydantic v2 models (model_validate_json), pages in turn"

    def __init__(self, base_url: str, *, connection_limit: int) -> None:
        super().__init__(base_url, connection_limit=connection_limit)
        self._http: httpx.AsyncClient | None = None

    async def open(self, *, retries: bool) -> None:
        limits = httpx.Limits(
            max_connections=self.connection_limit,
            max_keepalive_connections=self.connection_limit,
        )
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"},
            limits=limits,
            timeout=httpx.Timeout(30.0),
        )  # httpx does not retry by default: nothing to turn off for throughput runs

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        assert self._http is not None
        response = await self._http.get(path, params=params)
        response.raise_for_status()
        return response.content

    async def branches(self) -> list[Any]:
        return BranchesEnvelope.model_validate_json(await self._get("/branches")).data

    async def get_customer(self, customer_id: str) -> Any:
        body = await self._get("/customers/getOne", {"id": customer_id})
        return CustomerEnvelope.model_validate_json(body).data

    async def customers(self) -> AsyncIterator[Customer]:
        """Every customer, one page after the other, as auto-paginating SDKs do."""
        page = 1
        while True:
            body = await self._get("/customers/getAll", {"page": page, "limit": 100})
            envelope = CustomerPage.model_validate_json(body)
            for customer in envelope.data:
                yield customer
            if not envelope.pagination.has_next_page:
                break
            page += 1
