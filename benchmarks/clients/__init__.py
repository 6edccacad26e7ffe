"""The clients compared by ``benchmarks/run.py``, behind one small interface.

Each client does the same work for each figure: the same requests, the same connection
limit, the bodies parsed into objects with aware UTC datetimes. ``canon_*`` turn any
client's objects into plain tuples so the harness can check that every client returned the
same data.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, Final

import attrs

#: Secret-looking key sent by every client (the benchmark server does not check it).
API_KEY: Final = "sk_bench_0000000000000000"


@attrs.define
class ExportResult:
    """What an export walk produced: a count and, when checked, a digest of every record."""

    count: int
    digest: str = ""


def canon_time(value: datetime | None) -> str | None:
    """A timestamp as comparable text; refuses naive or non-UTC values."""
    if value is None:
        return None
    offset = value.utcoffset()
    if offset is None or offset.total_seconds() != 0:
        raise AssertionError(f"timestamp is not aware UTC: {value!r}")
    return value.replace(tzinfo=None).isoformat()


def canon_customer(c: Any) -> tuple[Any, ...]:
    """Any client's customer object as a plain tuple (attribute names are shared)."""
    return (
        c.id,
        c.external_id,
        c.company_id,
        c.name,
        c.email,
        c.mobile,
        c.metadata,
        canon_time(c.created_at),
        canon_time(c.updated_at),
    )


def canon_branch(b: Any) -> tuple[Any, ...]:
    return (b.id, b.name, b.branch_status.is_branch_open if b.branch_status else None)


class Digest:
    """Order-sensitive digest of a stream of customers (only used on checked walks)."""

    def __init__(self, canon: Callable[[Any], tuple[Any, ...]] = canon_customer) -> None:
        self._hash = hashlib.blake2b(digest_size=16)
        self._canon = canon

    def add(self, customer: Any) -> None:
        self._hash.update(repr(self._canon(customer)).encode())

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


#: Every figure a client can take part in.
ALL_FIGURES: Final = frozenset({"overhead", "fetch", "export", "memory"})


class BenchClient(ABC):
    """One way of talking to the API. Opened once per figure, inside the running loop."""

    #: Short name used in tables and on the command line.
    name: str = ""
    #: One line saying what it is.
    description: str = ""
    #: The figures it takes part in (a generated client may not cover every endpoint).
    figures: frozenset[str] = ALL_FIGURES

    def __init__(self, base_url: str, *, connection_limit: int) -> None:
        self.base_url = base_url
        self.connection_limit = connection_limit

    def available(self) -> str | None:
        """``None`` when the client can run, else why not (the row is skipped)."""
        return None

    def canon(self, customer: Any) -> tuple[Any, ...]:
        """This client's customer object as the shared plain tuple."""
        return canon_customer(customer)

    @abstractmethod
    async def open(self, *, retries: bool) -> None:
        """Create the session; ``retries=False`` for throughput runs."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def branches(self) -> list[Any]:
        """``GET /branches``: the small response."""

    @abstractmethod
    async def get_customer(self, customer_id: str) -> Any:
        """``GET /customers/getOne?id=...``."""

    @abstractmethod
    def customers(self) -> AsyncIterator[Any]:
        """Every customer with ``limit=100`` pages, in order, the client's usual way."""

    async def warm(self) -> None:
        """One small request: opens a connection, loads lazily imported code."""
        await self.branches()

    async def export(self, *, check: bool) -> ExportResult:
        """Walk every customer; digest them when ``check``."""
        count = 0
        if check:
            digest = Digest(self.canon)
            async for customer in self.customers():
                count += 1
                digest.add(customer)
            return ExportResult(count, digest.hexdigest())
        async for _customer in self.customers():
            count += 1
        return ExportResult(count)


class Decoder(ABC):
    """Turns one ``/customers/getAll`` body into customer objects, the way a client does."""

    name: str = ""
    #: Whether it refuses a wrong shape (a generated client may not check types).
    validates: bool = True

    def available(self) -> str | None:
        return None

    def canon(self, customer: Any) -> tuple[Any, ...]:
        return canon_customer(customer)

    @abstractmethod
    def from_parsed(self, parsed: dict[str, Any]) -> list[Any]:
        """Objects from the already ``orjson.loads``-ed envelope (structuring cost only)."""

    @abstractmethod
    def from_bytes(self, body: bytes) -> list[Any]:
        """Objects from the raw body (parsing + structuring)."""


def registry() -> dict[str, Callable[..., BenchClient]]:
    """Every client by name, in table order (the floors first)."""
    from .floor import FloorClient, FloorPrefetchClient, FloorSequentialClient
    from .httpx_pydantic import HttpxPydanticClient
    from .msgspec_client import MsgspecClient
    from .openapi_client import OpenapiClient
    from .sdk import SdkClient, SdkPrefetchClient

    return {
        cls.name: cls
        for cls in (
            FloorClient,
            FloorSequentialClient,
            FloorPrefetchClient,
            SdkClient,
            SdkPrefetchClient,
            HttpxPydanticClient,
            OpenapiClient,
            MsgspecClient,
        )
    }


def decoders() -> list[Decoder]:
    """The decode-cost contenders, the floor first."""
    from .floor import FloorDecoder
    from .httpx_pydantic import PydanticDecoder
    from .msgspec_client import MsgspecDecoder
    from .openapi_client import OpenapiDecoder
    from .sdk import SdkDecoder

    found = [FloorDecoder(), SdkDecoder(), PydanticDecoder(), OpenapiDecoder(), MsgspecDecoder()]
    return [d for d in found if d.available() is None]
