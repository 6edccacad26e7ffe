"""The networks users live behind, for real over TCP: a local HTTPS server with a certificate
from a throwaway CA (trustme), and a local forward proxy that speaks CONNECT."""

from __future__ import annotations

import asyncio
import base64
import os
import ssl
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

import skiplino_async as sk

trustme = pytest.importorskip("trustme")

KEY = "sk_test_tls0123456789"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def https_url(ca: trustme.CA) -> AsyncIterator[str]:
    """An HTTPS API on 127.0.0.1 whose certificate (for ``localhost``) only ``ca`` vouches for."""

    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"message": "ok", "data": []})

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    app = web.Application()
    app.router.add_get("/external/v1/branches", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    yield f"https://localhost:{port}/external/v1"
    await runner.cleanup()


class ConnectProxy:
    """A forward proxy on 127.0.0.1: tunnels CONNECT requests and remembers them."""

    def __init__(self) -> None:
        self.tunnels: list[str] = []
        self.auth: list[str | None] = []
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> ConnectProxy:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    @property
    def port(self) -> int:
        assert self.server is not None
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        request_line, *lines = head.split("\r\n")
        method, target, _ = request_line.split(" ")
        headers = dict(line.split(": ", 1) for line in lines if ": " in line)
        self.auth.append(headers.get("Proxy-Authorization"))
        if method != "CONNECT":
            writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            writer.close()
            return
        self.tunnels.append(target)
        host, port = target.rsplit(":", 1)
        up_reader, up_writer = await asyncio.open_connection(
            host.replace("localhost", "127.0.0.1"), int(port)
        )
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except ConnectionError:
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def test_an_untrusted_certificate_is_refused_with_a_clear_error(https_url: str) -> None:
    async with sk.Skiplino(api_key=KEY, base_url=https_url, max_retries=0) as client:
        with pytest.raises(sk.APIConnectionError, match="certificate") as caught:
            await client.branches.list()
    assert caught.value.request_sent is False
    assert "ssl=" in str(caught.value)  # says how to trust a company CA


async def test_ssl_takes_a_context_with_the_company_ca(ca: trustme.CA, https_url: str) -> None:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    async with sk.Skiplino(api_key=KEY, base_url=https_url, ssl=context) as client:
        assert await client.branches.list() == []


async def test_ssl_cert_file_is_honoured(ca: trustme.CA, https_url: str, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    code = textwrap.dedent(
        f"""
        import asyncio, skiplino_async as sk
        async def main():
            async with sk.Skiplino(api_key={KEY!r}, base_url={https_url!r}) as c:
                print(await c.branches.list())
        asyncio.run(main())
        """
    )
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SSL_CERT_FILE": str(bundle)},
    )
    assert done.stdout.strip() == "[]", done.stderr[-2000:]


@pytest.fixture
def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


async def test_https_proxy_from_the_environment_is_used(
    https_url: str, trusting: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://user:s3cret@127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with sk.Skiplino(api_key=KEY, base_url=https_url, ssl=trusting) as client:
            assert await client.branches.list() == []
            assert "s3cret" not in repr(client)
    assert proxy.tunnels == [https_url.split("/")[2]]
    assert proxy.auth == ["Basic " + base64.b64encode(b"user:s3cret").decode()]


async def test_no_proxy_hosts_skip_the_proxy(
    https_url: str, trusting: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with ConnectProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv("NO_PROXY", "localhost")
        async with sk.Skiplino(api_key=KEY, base_url=https_url, ssl=trusting) as client:
            assert await client.branches.list() == []
    assert proxy.tunnels == []


async def test_an_explicit_proxy_wins_and_its_password_never_shows(
    https_url: str, trusting: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "*")
    async with ConnectProxy() as proxy:
        url = f"http://ops:hunter2@127.0.0.1:{proxy.port}"
        async with sk.Skiplino(api_key=KEY, base_url=https_url, ssl=trusting, proxy=url) as c:
            assert await c.branches.list() == []
    assert len(proxy.tunnels) == 1
    # A proxy that is gone: the error names it without its password.
    async with sk.Skiplino(
        api_key=KEY, base_url=https_url, ssl=trusting, proxy=url, max_retries=0
    ) as c:
        with pytest.raises(sk.APIConnectionError) as caught:
            await c.branches.list()
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in repr(vars(caught.value))
