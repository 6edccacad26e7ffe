"""What every resource namespace shares: send a request, structure the ``data``."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from .._converter import structure
from .._protocol import Envelope
from .._transport import Request
from .._types import CallOptions

if TYPE_CHECKING:
    from .._client import Skiplino

T = TypeVar("T")


class Resource:
    """Base of the namespaces (``client.tickets`` ...). Holds no state but its client."""

    __slots__ = ("_client",)

    def __init__(self, client: Skiplino) -> None:
        self._client = client

    async def _send(self, request: Request, options: CallOptions) -> Envelope:
        return await self._client._send(request, options)

    async def _call(self, request: Request, cls: type[T], options: CallOptions) -> T:
        env = await self._client._send(request, options)
        return _structure_data(env, cls)


def _structure_data(env: Envelope, cls: type[T]) -> T:
    return structure(env.data, cls, status=env.status, body=env.body, headers=env.headers)
