"""TLS failures that cannot heal are not retried, and the message says which one it was.

An unknown CA (``ssl=`` helps with a company CA), a certificate for another host (``ssl=``
does not help) and an expired certificate fail the same way on every attempt: one handshake,
counted on a local HTTPS server with certificates from a throwaway CA (trustme).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest

import skiplino_async as sk

trustme = pytest.importorskip("trustme")

KEY = "sk_test_tlsfailures"
FAST = sk.RetryPolicy(initial_delay=0.001, max_delay=0.005, max_retries=3)


class TLSServer:
    """An HTTPS port on 127.0.0.1 that counts the TLS connections made to it."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.connections = 0
        self._context = context
        self._server: asyncio.Server | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[int]:
        # Counted in the protocol factory, which asyncio calls on each accept, before the
        # handshake: a failed handshake counts too.
        loop = asyncio.get_running_loop()
        server = await loop.create_server(self._factory, "127.0.0.1", 0, ssl=self._context)
        try:
            yield int(server.sockets[0].getsockname()[1])
        finally:
            server.close()
            await server.wait_closed()

    def _factory(self) -> asyncio.Protocol:
        self.connections += 1
        return asyncio.Protocol()


def server_context(ca: trustme.CA, *names: str, expired: bool = False) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    now = datetime.now(UTC)
    window = {"not_before": now - timedelta(days=30), "not_after": now - timedelta(days=1)}
    ca.issue_cert(*names, **(window if expired else {})).configure_cert(context)
    return context


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


Case = Callable[[trustme.CA], tuple[ssl.SSLContext, ssl.SSLContext | None]]
CASES: dict[str, tuple[Case, str]] = {
    "unknown CA": (
        lambda ca: (server_context(ca, "localhost"), None),
        "not signed by a certificate authority this client trusts",
    ),
    "another host": (
        lambda ca: (server_context(ca, "other.example"), trusting(ca)),
        "is for another host",
    ),
    "expired": (
        lambda ca: (server_context(ca, "localhost", expired=True), trusting(ca)),
        "has expired",
    ),
}


@pytest.mark.parametrize("case", CASES)
async def test_a_certificate_failure_is_not_retried_and_says_which(case: str) -> None:
    make, words = CASES[case]
    served, trusted = make(trustme.CA())
    server = TLSServer(served)
    async with (
        server.running() as port,
        sk.Skiplino(
            api_key=KEY,
            base_url=f"https://localhost:{port}/external/v1",
            ssl=trusted,
            retry_policy=FAST,
        ) as client,
    ):
        with pytest.raises(sk.APIConnectionError) as caught:
            await client.branches.list()
    assert words in str(caught.value)
    assert caught.value.request_sent is False
    assert caught.value.attempts == 1
    assert server.connections == 1


async def test_a_certificate_for_another_host_says_ssl_does_not_help() -> None:
    ca = trustme.CA()
    server = TLSServer(server_context(ca, "other.example"))
    async with (
        server.running() as port,
        sk.Skiplino(
            api_key=KEY, base_url=f"https://localhost:{port}/external/v1", ssl=trusting(ca)
        ) as client,
    ):
        with pytest.raises(sk.APIConnectionError) as caught:
            await client.branches.list()
    assert "ssl= does not help" in str(caught.value)
