"""``FakeSkiplino``: the fake API served on a real TCP port, and ``serve`` for the CLI."""

from __future__ import annotations

import asyncio
import logging
import shlex
import sys
from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Self, TextIO

from aiohttp import web

from ._app import BASE_PATH, DEFAULT_REQUEST_LOG_SIZE, RecordedRequest, create_app
from ._faults import Faults
from ._state import FakeState

#: One access-log line per request: client, request line, status, size, time, request id.
ACCESS_LOG_FORMAT = '%a "%r" %s %bB %Tfs %{X-Request-Id}o'

#: Seconds aiohttp waits for in-flight handlers at shutdown (stalls are woken up anyway).
SHUTDOWN_TIMEOUT = 5.0


class FakeSkiplino:
    """A fake Skiplino API server on ``host:port`` (``port=0`` picks a free port).

    ``async with FakeSkiplino() as fake:`` starts it; then point a client at ``fake.url`` with
    ``fake.secret_key`` or ``fake.public_key``. ``fake.state`` is the in-memory data,
    ``fake.faults`` the fault injection and ``fake.requests`` the log of handled requests.
    ``latency`` is added to every request; ``clock`` replaces the real clock;
    ``fake.requests`` keeps the latest ``request_log_size`` requests (``None``: all);
    ``access_log``, if given, gets one INFO line per request (:data:`ACCESS_LOG_FORMAT`).
    """

    def __init__(
        self,
        customers: int = 137,
        seed: int = 0,
        latency: float = 0.0,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        clock: Callable[[], datetime] | None = None,
        request_log_size: int | None = DEFAULT_REQUEST_LOG_SIZE,
        access_log: logging.Logger | None = None,
    ) -> None:
        self.state = FakeState(customers, seed, clock=clock)
        self.faults = Faults(latency=latency)
        self.requests: list[RecordedRequest] = []
        self._request_log_size = request_log_size
        self._access_log = access_log
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """The API base URL, e.g. ``http://127.0.0.1:54321/external/v1``."""
        if self._url is None:
            raise RuntimeError("the fake server is not running")
        return self._url

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._runner is None:
            raise RuntimeError("the fake server is not running")
        return int(self._runner.addresses[0][1])

    @property
    def secret_key(self) -> str:
        """A secret (``sk_test_…``) API key accepted by every operation."""
        return self.state.secret_key

    @property
    def public_key(self) -> str:
        """A public (``pk_test_…``) API key; secret-only operations answer it with 401."""
        return self.state.public_key

    async def start(self) -> None:
        """Start listening (idempotent)."""
        if self._runner is not None:
            return
        app = create_app(
            self.state,
            self.faults,
            requests=self.requests,
            request_log_size=self._request_log_size,
        )
        runner = web.AppRunner(
            app,
            access_log=self._access_log,
            access_log_format=ACCESS_LOG_FORMAT,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host = f"[{self._host}]" if ":" in self._host else self._host
        self._url = f"http://{host}:{self.port}{BASE_PATH}"

    async def close(self) -> None:
        """Stop the server and close its connections (idempotent)."""
        runner, self._runner, self._url = self._runner, None, None
        if runner is not None:
            # One loop turn first: connections accepted but not yet set up would otherwise be
            # left behind as unclosed transports.
            await asyncio.sleep(0)
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<FakeSkiplino url={self._url!r}>"


async def serve(
    port: int = 8080,
    *,
    customers: int = 137,
    seed: int = 0,
    latency: float = 0.0,
    host: str = "127.0.0.1",
    out: TextIO | None = None,
    log: TextIO | None = None,
    rate_limit: float | None = None,
) -> None:
    """Run a fake server until cancelled, printing its URL and both API keys first.

    The banner goes to ``out`` (stdout), one access-log line per request to ``log`` (stderr:
    a reader of the banner that stops reading cannot stall the server). ``rate_limit``
    answers ``429`` beyond that many requests a second (:meth:`Faults.rate_limit`). Raises
    ``OSError`` when it cannot listen (e.g. the port is in use).
    """
    stream = out if out is not None else sys.stdout
    access_log = _stream_logger(log if log is not None else sys.stderr)
    async with FakeSkiplino(
        customers, seed, latency, port, host=host, access_log=access_log
    ) as fake:
        if rate_limit is not None:
            fake.faults.rate_limit(rate_limit)
        print(f"Fake Skiplino API listening on {fake.url}", file=stream)
        print(f"  OpenAPI document: {fake.url}/openapi.json", file=stream)
        print(f"  secret key: {fake.secret_key}", file=stream)
        print(f"  public key: {fake.public_key}", file=stream)
        if rate_limit is not None:
            print(f"  rate limit: {rate_limit:g} requests/s (429 beyond)", file=stream)
        print("Point a client (or skiplino export) at it: paste into your shell", file=stream)
        print(f"  export SKIPLINO_BASE_URL={shlex.quote(fake.url)}", file=stream)
        print(f"  export SKIPLINO_API_KEY={shlex.quote(fake.secret_key)}", file=stream, flush=True)
        await asyncio.get_running_loop().create_future()  # until cancelled


def _stream_logger(stream: TextIO) -> logging.Logger:
    # A logger of its own, outside the logging tree: serving twice adds no second handler,
    # and an application's logging configuration neither silences nor duplicates it.
    logger = logging.Logger("skiplino_async.testing.access", logging.INFO)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger.addHandler(handler)
    return logger
