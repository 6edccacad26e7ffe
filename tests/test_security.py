"""Secure defaults: no key in clear text, no key to another host, no key in any output."""

from __future__ import annotations

import logging
import pickle
import traceback
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import skiplino_async as sk
from skiplino_async.testing import FakeSkiplino

FAST_RETRIES = sk.RetryPolicy(initial_delay=0.001, max_delay=0.01)

KEY = "sk_live_0123456789abcdefSECRET"


# --- plain http ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://api.example.com/external/v1",
        "http://10.0.0.7:8080/external/v1",
        "http://192.168.1.10/external/v1",
        "http://[2001:db8::1]/external/v1",
        # Names that merely look like loopback addresses resolve wherever DNS says.
        "http://127.example.com/external/v1",
        "http://127.0.0.1.nip.io/external/v1",
        "http://localhost.attacker.net/external/v1",
    ],
)
def test_plain_http_to_another_host_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="allow_insecure_http") as info:
        sk.Skiplino(api_key=KEY, base_url=url)
    assert KEY not in str(info.value)


def test_plain_http_from_the_environment_is_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKIPLINO_BASE_URL", "http://api.example.com/external/v1")
    with pytest.raises(ValueError, match="unencrypted"):
        sk.Skiplino(api_key=KEY)


async def test_allow_insecure_http_is_an_explicit_opt_in() -> None:
    async with sk.Skiplino(
        api_key=KEY, base_url="http://10.0.0.7:8080/external/v1", allow_insecure_http=True
    ) as client:
        assert client.base_url == "http://10.0.0.7:8080/external/v1"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/external/v1",
        "http://127.4.5.6/external/v1",
        "http://localhost:8080/external/v1",
        "http://[::1]:8080/external/v1",
        "https://api.example.com/external/v1",
    ],
)
async def test_loopback_http_and_any_https_are_allowed(url: str) -> None:
    async with sk.Skiplino(api_key=KEY, base_url=url) as client:
        assert client.base_url == url


# --- redirects -----------------------------------------------------------------------------


class Recorder:
    """A tiny aiohttp.web server that records what it receives."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        self.redirect_to: str | None = None
        self.redirect_status = 302

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(dict(request.headers))
        if self.redirect_to is not None:
            return web.Response(
                status=self.redirect_status, headers={"Location": self.redirect_to}, text="moved"
            )
        return web.json_response({"message": "ok", "data": []})


@pytest.fixture
async def servers() -> AsyncIterator[tuple[Recorder, str, Recorder, str]]:
    """Two servers on different hosts (127.0.0.1 and 127.0.0.2) when the OS allows it."""
    origin, other = Recorder(), Recorder()
    runners: list[web.AppRunner] = []
    urls: list[str] = []
    for recorder, host in ((origin, "127.0.0.1"), (other, "127.0.0.2")):
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", recorder.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        runners.append(runner)
        try:
            await web.TCPSite(runner, host, 0).start()
        except OSError:  # no 127.0.0.2 here: another port is another origin all the same
            host = "127.0.0.1"
            await web.TCPSite(runner, host, 0).start()
        port = runner.addresses[0][1]
        urls.append(f"http://{host}:{port}/external/v1")
    try:
        yield origin, urls[0], other, urls[1]
    finally:
        for runner in runners:
            await runner.cleanup()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirects_are_not_followed_and_the_key_stays_home(
    servers: tuple[Recorder, str, Recorder, str], status: int
) -> None:
    origin, origin_url, other, other_url = servers
    origin.redirect_status = status
    origin.redirect_to = f"{other_url}/branches"
    async with sk.Skiplino(api_key=KEY, base_url=origin_url, retry_policy=FAST_RETRIES) as client:
        with pytest.raises(sk.APIStatusError) as info:
            await client.branches.list()
        # POSTs too: a 307/308 would otherwise resend the body and the header.
        with pytest.raises(sk.APIStatusError):
            await client.tickets.book(service_id="6fe8fb8b12", group_of_service_id="7c1f9a3b2d")
    err = info.value
    assert err.status_code == status
    assert f"{other_url}/branches" in str(err)
    assert "not followed" in str(err)
    assert len(origin.seen) == 2  # redirects are not retried either
    assert origin.seen[0]["Authorization"] == f"Bearer {KEY}"
    assert other.seen == []


async def test_redirects_are_not_followed_on_a_borrowed_session(
    servers: tuple[Recorder, str, Recorder, str],
) -> None:
    origin, origin_url, other, other_url = servers
    origin.redirect_to = f"{other_url}/branches"
    async with (
        aiohttp.ClientSession() as session,
        sk.Skiplino(api_key=KEY, base_url=origin_url, session=session) as client,
    ):
        with pytest.raises(sk.APIStatusError, match="not followed"):
            await client.branches.list()
    assert other.seen == []


# --- the key never shows ----------------------------------------------------------------------


def _texts(exc: BaseException) -> list[str]:
    """Everything an application might print or log about an exception, causes included."""
    out = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    for attr in ("message", "body", "error", "headers"):
        out.append(repr(getattr(exc, attr, None)))
    cause = exc.__cause__ or exc.__context__
    if cause is not None:
        out += [str(cause), repr(cause)]
    return out


async def test_repr_and_str_of_clients_hide_the_key() -> None:
    async with sk.Skiplino(api_key=KEY) as client:
        copy = client.with_options(timeout=3, locale="ar")
        for text in (repr(client), str(client), repr(copy), f"{client}", repr(vars(client))):
            assert KEY not in text
            assert "SECRET" not in text
        assert "sk_***" in repr(client)


async def _errors_of_every_kind(fake: FakeSkiplino, key: str) -> list[BaseException]:
    """Run calls that fail in every way the SDK knows and return the exceptions."""
    errors: list[BaseException] = []
    async with sk.Skiplino(
        api_key=key, base_url=fake.url, retry_policy=FAST_RETRIES, timeout=5
    ) as client:
        calls: list[tuple[Any, ...]] = [
            (client.tickets.get, "zzzzzzzzzz"),  # 404
            (client.customers.get, None),  # 422, or 401 with a wrong key
        ]
        fake.faults.status(503, path="/branches", times=3)  # retried, then raised
        # Unlimited: aiohttp itself resends an idempotent request once on a reused connection.
        drops = fake.faults.drop_before(path="/branches/*/tree")
        fake.faults.truncated(path="/services/*", times=1)
        fake.faults.html(status=502, method="POST", path="/tickets/book", times=1)
        fake.faults.raw(200, b"<html>not json", path="/customers/tickets", times=1)
        for func, arg in calls:
            try:
                if arg is None:
                    await func(id="0" * 32)
                else:
                    await func(arg)
            except sk.SkiplinoError as exc:
                errors.append(exc)
        awaitables: list[Awaitable[object]] = [
            client.branches.list(),
            client.branches.tree("802b33af66"),
            client.services.slots("6fe8fb8b12"),
            client.tickets.book(service_id="6fe8fb8b12", group_of_service_id="7c1f9a3b2d"),
            client.customers.tickets(external_id="crm-7741"),  # a paginator: one page
        ]
        for awaitable in awaitables:
            try:
                await awaitable
            except sk.SkiplinoError as exc:
                errors.append(exc)
        fake.faults.rules.remove(drops)
        fake.faults.delay(2.0, path="/branches", times=1)
        try:
            await client.branches.list(timeout=0.05, max_retries=0)
        except sk.APITimeoutError as exc:
            errors.append(exc)
    return errors


async def test_exceptions_never_contain_the_key(fake: FakeSkiplino) -> None:
    fake.state.api_keys[KEY] = "secret"
    errors = await _errors_of_every_kind(fake, KEY)
    kinds = {type(e) for e in errors}
    assert {
        sk.NotFoundError,
        sk.UnprocessableEntityError,
        sk.InternalServerError,
        sk.APIConnectionError,
        sk.APIResponseValidationError,
        sk.APITimeoutError,
    } <= kinds
    for exc in errors:
        for text in _texts(exc):
            assert KEY not in text, (type(exc).__name__, text)
        assert KEY.encode() not in pickle.dumps(str(exc))


async def test_an_invalid_key_is_not_echoed(fake: FakeSkiplino) -> None:
    errors = await _errors_of_every_kind(fake, KEY)  # the fake does not know this key
    assert any(isinstance(e, sk.AuthenticationError) for e in errors)
    for exc in errors:
        for text in _texts(exc):
            assert KEY not in text


async def test_no_log_line_at_any_level_contains_the_key(
    fake: FakeSkiplino, caplog: pytest.LogCaptureFixture
) -> None:
    fake.state.api_keys[KEY] = "secret"
    caplog.set_level(logging.DEBUG)  # root and every library logger, aiohttp's included
    await _errors_of_every_kind(fake, KEY)
    async with sk.Skiplino(api_key=KEY, base_url=fake.url, retry_policy=FAST_RETRIES) as client:
        customer = await client.customers.create(external_id="log-1", name="Log Test")
        await client.customers.update(id=customer.id, metadata={"note": "x"})
        async for _ in client.customers.list(limit=50):
            pass
        try:
            await client.customers.get(external_id="nobody")
        except sk.UnprocessableEntityError:
            logging.getLogger("app").exception("lookup failed")  # an app logging our error
    records = caplog.records
    sdk = [r for r in records if r.name == "skiplino_async"]
    # The flow did log headers, bodies, retries and failures: the check below means something.
    assert any(r.levelno == logging.DEBUG and "<redacted>" in r.getMessage() for r in sdk)
    assert any(r.levelno >= logging.INFO and "retry 1/2" in r.getMessage() for r in sdk)
    assert any(r.levelno == logging.INFO and "-> 503" in r.getMessage() for r in sdk)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in records:
        line = formatter.format(record)  # includes a formatted traceback, if any
        assert KEY not in line, line
        assert "SECRET" not in line, line
    assert KEY not in caplog.text


# --- public keys on secret-only operations -----------------------------------------------------


async def test_401_on_a_secret_only_call_explains_it_needs_a_secret_key(
    public_client: sk.Skiplino, fake: FakeSkiplino
) -> None:
    customers = public_client.customers
    calls: list[Awaitable[object]] = [
        customers.create(external_id="pk-1"),
        customers.get(external_id="crm-7741"),
        customers.update(external_id="crm-7741", name="x"),
        customers.delete(external_id="crm-7741"),
        customers.list(),
    ]
    for call in calls:
        with pytest.raises(sk.AuthenticationError) as info:
            await call
        assert info.value.status_code == 401
        assert "secret key (sk_...)" in str(info.value)
        assert fake.public_key not in str(info.value)
    # The public key is fine where the API allows it.
    await public_client.branches.list()
    await public_client.customers.tickets(external_id="crm-7741")


async def test_401_with_a_bad_key_on_a_public_call_does_not_blame_the_key_kind(
    fake: FakeSkiplino,
) -> None:
    async with sk.Skiplino(api_key="pk_wrong", base_url=fake.url) as client:
        with pytest.raises(sk.AuthenticationError) as info:
            await client.branches.list()
    assert "secret key" not in str(info.value)


def test_a_key_cannot_smuggle_headers() -> None:
    with pytest.raises(ValueError, match="single-line"):
        sk.Skiplino(api_key="sk_x\r\nX-Evil: 1")
