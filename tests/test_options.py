"""``client.with_options(...)``: a cheap copy with other defaults sharing the session and pool."""

from __future__ import annotations

import aiohttp
import pytest

import skiplino_async as sk
from skiplino_async.testing import FakeSkiplino

FAST_RETRIES = sk.RetryPolicy(initial_delay=0.001, max_delay=0.01)


class SessionSpy:
    """A trace config recording which session sent each request and when a pooled
    connection was reused: what a copy shares is observed on the wire side, not assumed."""

    def __init__(self) -> None:
        self.sessions: list[aiohttp.ClientSession] = []
        self.reused = 0
        self.created = 0
        self.config = aiohttp.TraceConfig()
        self.config.on_request_start.append(self._start)
        self.config.on_connection_reuseconn.append(self._reuse)
        self.config.on_connection_create_end.append(self._create)

    async def _start(self, session: aiohttp.ClientSession, *_: object) -> None:
        self.sessions.append(session)

    async def _reuse(self, *_: object) -> None:
        self.reused += 1

    async def _create(self, *_: object) -> None:
        self.created += 1


def _client(fake: FakeSkiplino, spy: SessionSpy | None = None, **kwargs: object) -> sk.Skiplino:
    return sk.Skiplino(
        api_key=fake.secret_key,
        base_url=fake.url,
        retry_policy=FAST_RETRIES,
        trace_configs=[spy.config] if spy is not None else None,
        **kwargs,  # type: ignore[arg-type]
    )


async def test_a_copy_shares_the_session_and_the_pool(fake: FakeSkiplino) -> None:
    spy = SessionSpy()
    async with _client(fake, spy) as client:
        copy = client.with_options(timeout=5, max_retries=0, locale="ar")
        await client.branches.list()
        await copy.branches.list()
        await copy.with_options(locale="en").branches.list()
    assert len(spy.sessions) == 3
    assert spy.sessions[0] is spy.sessions[1] is spy.sessions[2]
    # One connection, opened by the original and reused by both copies.
    assert (spy.created, spy.reused) == (1, 2)


async def test_per_copy_settings_apply_to_the_copy_only(fake: FakeSkiplino) -> None:
    async with _client(fake, timeout=30.0, max_retries=2) as client:
        copy = client.with_options(timeout=1.5, max_retries=0, locale="ar")
        assert (copy.timeout.total, copy.max_retries, copy.locale) == (1.5, 0, "ar")
        assert (client.timeout.total, client.max_retries, client.locale) == (30.0, 2, None)
        assert copy.base_url == client.base_url
        # Unchanged settings are inherited; a copy of a copy keeps the earlier overrides.
        again = copy.with_options(locale="en")
        assert (again.timeout.total, again.max_retries, again.locale) == (1.5, 0, "en")


async def test_locale_of_a_copy_goes_on_the_wire(fake: FakeSkiplino) -> None:
    async with _client(fake) as client:
        arabic = client.with_options(locale="ar")
        ar_branches = await arabic.branches.list()
        en_branches = await client.branches.list()
        await arabic.branches.list(locale="en")  # a per-call override beats the copy's default
    locales = [r.headers.get("X-Locale") for r in fake.requests]
    assert locales == ["ar", None, "en"]
    assert ar_branches[0].id == en_branches[0].id
    assert ar_branches[0].name != en_branches[0].name


async def test_max_retries_of_a_copy(fake: FakeSkiplino) -> None:
    async with _client(fake, max_retries=2) as client:
        fake.faults.status(503, path="/branches", times=1)
        with pytest.raises(sk.InternalServerError) as info:
            await client.with_options(max_retries=0).branches.list()
        assert info.value.attempts == 1
        fake.faults.status(503, path="/branches", times=2)
        with client.capture_responses() as captured:
            await client.branches.list()  # the original still retries twice
        assert captured.last is not None
        assert captured.last.retries == 2


async def test_timeout_of_a_copy(fake: FakeSkiplino) -> None:
    async with _client(fake, timeout=10.0) as client:
        fake.faults.delay(2.0, path="/branches", times=1)
        impatient = client.with_options(timeout=0.1, max_retries=0)
        with pytest.raises(sk.APITimeoutError):
            await impatient.branches.list()
        assert await client.branches.list()


async def test_closing_a_copy_leaves_the_original_working(fake: FakeSkiplino) -> None:
    spy = SessionSpy()
    async with _client(fake, spy) as client:
        async with client.with_options(locale="ar") as copy:
            await copy.branches.list()
        await copy.aclose()  # explicitly too: still a no-op
        await client.branches.list()
        assert spy.sessions[0] is spy.sessions[1]
    # Closing the original ends the copies' use of the shared session as well.
    with pytest.raises(RuntimeError, match="closed"):
        await copy.branches.list()


async def test_a_copy_hides_the_key_and_warns_about_nothing(fake: FakeSkiplino) -> None:
    async with _client(fake) as client:
        copy = client.with_options(max_retries=1)
        assert fake.secret_key not in repr(copy)
        await copy.branches.list()
        del copy  # a copy owns nothing, so dropping it unclosed is fine (warnings are errors)


@pytest.mark.parametrize(
    "options",
    [{"max_retries": -1}, {"max_retries": 1.5}, {"timeout": 0}, {"timeout": -2.0}, {"deadline": 0}],
)
async def test_invalid_options_are_refused_at_once(
    client: sk.Skiplino, options: dict[str, object]
) -> None:
    name = next(iter(options))
    with pytest.raises(ValueError, match=name):
        client.with_options(**options)  # type: ignore[arg-type]
