"""pytest fixtures for testing code that uses skiplino-async, against the fake Skiplino server.

Installing ``skiplino-async`` registers this plugin with pytest (entry point ``pytest11``
named ``skiplino``), so a test of your own code needs nothing but a fixture argument::

    async def test_lists_branches(skiplino_client):
        branches = await skiplino_client.branches.list()
        assert branches

Fixtures (each test gets its own server, with fresh state):

``skiplino_fake``
    A running :class:`~skiplino_async.testing.FakeSkiplino` on 127.0.0.1. Arrange data and
    faults through ``skiplino_fake.state`` and ``skiplino_fake.faults``; inspect what was sent
    in ``skiplino_fake.requests``.
``skiplino_client``
    A :class:`~skiplino_async.Skiplino` with the fake's secret key, closed after the test.
    Retries wait milliseconds instead of seconds, so injected faults do not slow tests down.
``skiplino_public_client``
    The same with the fake's public (read-only) key.
``skiplino_env``
    Sets ``SKIPLINO_API_KEY`` and ``SKIPLINO_BASE_URL`` to the fake's secret key and URL for
    the test (restored afterwards), for code that builds its own ``Skiplino()``; gives the
    fake server.

The marker ``@pytest.mark.skiplino(customers=..., seed=..., latency=...)`` on a test, class or
module passes those arguments to the fake server.

The fixtures are asynchronous. With pytest-asyncio they work in ``auto`` mode and in
``strict`` mode (mark the tests ``@pytest.mark.asyncio``), on the loop scope set by
``asyncio_default_fixture_loop_scope``; use them from async tests. Where pytest-asyncio is not
installed they are plain async fixtures, which anyio's pytest plugin runs for tests marked
``@pytest.mark.anyio`` (asyncio backend). This module imports neither the fake server nor the
client until a fixture is used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

import pytest

if TYPE_CHECKING:
    from skiplino_async import Skiplino
    from skiplino_async.testing import FakeSkiplino

__all__ = [
    "skiplino_client",
    "skiplino_env",
    "skiplino_fake",
    "skiplino_public_client",
]

MARKER: Final = "skiplino"

_F = TypeVar("_F", bound=Callable[..., Any])

_fixture: Any
try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - without pytest-asyncio, e.g. under anyio's plugin
    _fixture = pytest.fixture
else:
    # Handled by pytest-asyncio in strict mode as well as in auto mode.
    _fixture = pytest_asyncio.fixture


def _async_fixture(function: _F) -> _F:
    return cast(_F, _fixture(function))


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``skiplino`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(customers=137, seed=0, latency=0.0): "
        "arguments for the fake Skiplino server of the skiplino_* fixtures",
    )


def _fake_arguments(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return {}
    if marker.args:
        raise TypeError(f"@pytest.mark.{MARKER}(...) takes keyword arguments only")
    return dict(marker.kwargs)


@_async_fixture
async def skiplino_fake(request: pytest.FixtureRequest) -> AsyncIterator[FakeSkiplino]:
    """A running fake Skiplino server with fresh state, stopped after the test."""
    from skiplino_async.testing import FakeSkiplino

    async with FakeSkiplino(**_fake_arguments(request)) as fake:
        yield fake


def _client(fake: FakeSkiplino, key: str) -> Skiplino:
    from skiplino_async import RetryPolicy, Skiplino

    return Skiplino(
        api_key=key,
        base_url=fake.url,
        timeout=10.0,
        # Same retry rules as production, with waits in milliseconds.
        retry_policy=RetryPolicy(initial_delay=0.001, max_delay=0.01),
    )


@_async_fixture
async def skiplino_client(skiplino_fake: FakeSkiplino) -> AsyncIterator[Skiplino]:
    """A client with the fake's secret key; closed after the test."""
    async with _client(skiplino_fake, skiplino_fake.secret_key) as client:
        yield client


@_async_fixture
async def skiplino_public_client(skiplino_fake: FakeSkiplino) -> AsyncIterator[Skiplino]:
    """A client with the fake's public (read-only) key; closed after the test."""
    async with _client(skiplino_fake, skiplino_fake.public_key) as client:
        yield client


@pytest.fixture
def skiplino_env(skiplino_fake: FakeSkiplino, monkeypatch: pytest.MonkeyPatch) -> FakeSkiplino:
    """Point ``SKIPLINO_API_KEY`` / ``SKIPLINO_BASE_URL`` at the fake server for this test."""
    monkeypatch.setenv("SKIPLINO_API_KEY", skiplino_fake.secret_key)
    monkeypatch.setenv("SKIPLINO_BASE_URL", skiplino_fake.url)
    return skiplino_fake
