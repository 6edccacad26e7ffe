"""This SDK, used as its README shows: with defaults, and tuned with ``prefetch``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from skiplino_async import Customer, Pagination, Skiplino
from skiplino_async._converter import structure

from . import API_KEY, BenchClient, Decoder

_Customers = list[Customer]


class SdkDecoder(Decoder):
    """What a ``customers.list()`` page costs the SDK once the body is in memory."""

    name = "sdk"

    def from_parsed(self, parsed: dict[str, Any]) -> list[Any]:
        # What ``customers.list()`` does with each page's envelope.
        structure(parsed["pagination"], Pagination)
        items: list[Any] = structure(parsed["data"], _Customers)
        return items

    def from_bytes(self, body: bytes) -> list[Any]:
        return self.from_parsed(orjson.loads(body))


class SdkClient(BenchClient):
    name = "sdk"
    description = "skiplino_async.Skiplino with defaults"
    #: ``customers.list(prefetch=...)`` for exports; ``None`` leaves the default.
    prefetch: int | None = None

    def __init__(self, base_url: str, *, connection_limit: int) -> None:
        super().__init__(base_url, connection_limit=connection_limit)
        self._client: Skiplino | None = None

    async def open(self, *, retries: bool) -> None:
        options: dict[str, Any] = {} if retries else {"max_retries": 0}
        self._client = Skiplino(
            api_key=API_KEY,
            base_url=self.base_url,
            connection_limit=self.connection_limit,
            **options,
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def branches(self) -> list[Any]:
        assert self._client is not None
        return list(await self._client.branches.list())

    async def get_customer(self, customer_id: str) -> Any:
        assert self._client is not None
        return await self._client.customers.get(id=customer_id)

    def customers(self) -> AsyncIterator[Any]:
        # The paginator itself, as a user's ``async for`` gets it: re-yielding it from a
        # generator of our own would charge the SDK a second generator step per customer.
        assert self._client is not None
        options: dict[str, Any] = {} if self.prefetch is None else {"prefetch": self.prefetch}
        return aiter(self._client.customers.list(limit=100, **options))


class SdkPrefetchClient(SdkClient):
    name = "sdk-prefetch"
    description = "skiplino_async.Skiplino, customers.list(limit=100, prefetch=4)"
    prefetch = 4
