"""What users of the best SDKs expect of the client: errors that explain themselves, an escape
hatch past the 13 operations, and per-call extras, all over TCP against the fake server."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from conftest import Handler

import skiplino_async as sk
from skiplino_async import Customer, Skiplino
from skiplino_async.testing import FakeSkiplino

LAYLA_ID = "9f2c8b7a4e1d6c3f0a5b8e2d7c4f1a9b"


# --- error text ------------------------------------------------------------------------------


async def test_a_422_names_its_field_errors_and_request_id_in_str(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    with pytest.raises(sk.UnprocessableEntityError) as caught:
        await client.tickets.book(service_id="s" * 24, group_of_service_id="nope")
    text = str(caught.value)
    assert text.startswith("422: ")
    for field, message in caught.value.field_errors.items():
        assert f"{field}: {message}" in text
    assert f"(request id {fake.requests[-1].request_id})" in text


async def test_an_invalid_secret_key_gets_the_servers_reason_not_advice(
    fake: FakeSkiplino,
) -> None:
    async with Skiplino(api_key="sk_wrong", base_url=fake.url) as c:
        with pytest.raises(sk.AuthenticationError) as caught:
            await c.customers.get(id=LAYLA_ID)
    assert "secret key" not in str(caught.value)
    assert str(caught.value).startswith("401: Unauthenticated. Invalid or missing API key.")


async def test_the_secret_key_hint_only_for_a_public_key(public_client: Skiplino) -> None:
    with pytest.raises(sk.AuthenticationError, match=r"secret key \(sk_\.\.\.\)") as caught:
        await public_client.customers.get(id=LAYLA_ID)
    # The fake, like the API, says so itself: the advice is not repeated.
    assert str(caught.value).lower().count("secret key") == 1


async def test_the_secret_key_hint_when_the_server_does_not_give_it(
    raw_client: Callable[[Handler], Awaitable[Skiplino]],
) -> None:
    async def unauthenticated(request: web.Request) -> web.Response:
        return web.json_response({"message": "Unauthenticated."}, status=401)

    client = await raw_client(unauthenticated)
    public = Skiplino(api_key="pk_test_raw", base_url=client.base_url, max_retries=0)
    async with public:
        with pytest.raises(sk.AuthenticationError) as caught:
            await public.customers.get(id=LAYLA_ID)
    assert str(caught.value).count("needs a secret key (sk_...)") == 1


async def test_a_base_url_without_the_api_prefix_says_so_on_404(fake: FakeSkiplino) -> None:
    root = fake.url.removesuffix("/external/v1")
    async with Skiplino(api_key=fake.secret_key, base_url=root) as c:
        with pytest.raises(sk.NotFoundError, match=r"does not end in '/external/v1'"):
            await c.branches.list()
    async with Skiplino(api_key=fake.secret_key, base_url=fake.url) as c:
        with pytest.raises(sk.NotFoundError) as caught:
            await c.tickets.get("zzzzzzzzzz")
    assert "external/v1" not in caught.value.message  # a real 404 gets no such advice


# --- one client per loop, thread and process ---------------------------------------------------


def test_a_client_used_from_a_second_event_loop_says_what_to_do(fake_url_key: Any) -> None:
    url, key = fake_url_key
    client = Skiplino(api_key=key, base_url=url)

    async def call() -> None:
        await client.branches.list()

    first = asyncio.new_event_loop()
    first.run_until_complete(call())
    with pytest.raises(sk.ClientUsageError, match="one client per event loop"):
        asyncio.run(call())

    errors: list[BaseException] = []

    def in_thread() -> None:
        try:
            asyncio.run(call())
        except sk.SkiplinoError as exc:
            errors.append(exc)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert isinstance(errors[0], sk.ClientUsageError)
    first.run_until_complete(client.aclose())
    first.close()


@pytest.fixture
def fake_url_key() -> Any:
    """A fake server running in its own thread and loop, for tests that own their loops."""
    ready = threading.Event()
    stop = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        async def main() -> None:
            async with FakeSkiplino() as fake:
                box["url"], box["key"] = fake.url, fake.secret_key
                ready.set()
                await asyncio.get_running_loop().run_in_executor(None, stop.wait)

        asyncio.run(main())

    thread = threading.Thread(target=run)
    thread.start()
    ready.wait(10)
    yield box["url"], box["key"]
    stop.set()
    thread.join()


def test_a_client_used_after_fork_says_so(fake_url_key: Any) -> None:
    url, key = fake_url_key
    code = textwrap.dedent(
        f"""
        import asyncio, os, sys
        import skiplino_async as sk

        async def main():
            client = sk.Skiplino(api_key={key!r}, base_url={url!r})
            await client.branches.list()
            pid = os.fork()
            if pid == 0:
                try:
                    await client.branches.list()
                    os._exit(3)
                except sk.ClientUsageError as exc:
                    os._exit(0 if "another process" in str(exc) else 4)
                except BaseException:
                    os._exit(5)
            _, status = os.waitpid(pid, 0)
            await client.aclose()
            sys.exit(os.waitstatus_to_exitcode(status))

        asyncio.run(main())
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


# --- the escape hatch ---------------------------------------------------------------------------


async def test_request_reaches_any_endpoint_with_the_same_rules(
    client: Skiplino, fake: FakeSkiplino
) -> None:
    raw = await client.request("GET", "/branches", params={"x": "a+b"})
    assert isinstance(raw, list)
    assert fake.requests[-1].headers["Authorization"] == f"Bearer {fake.secret_key}"
    customer = await client.request(
        "GET", "/customers/getOne", params={"id": LAYLA_ID}, cast_to=Customer
    )
    assert customer.id == LAYLA_ID
    many = await client.request("GET", "/customers/getAll", cast_to=list[Customer])
    assert all(isinstance(c, Customer) for c in many)
    with pytest.raises(sk.NotFoundError):
        await client.request("GET", "/nowhere")


async def test_request_never_blindly_resends_a_post(client: Skiplino, fake: FakeSkiplino) -> None:
    fake.faults.status(500, path="/tickets/book", times=1)
    with pytest.raises(sk.InternalServerError):
        await client.request("POST", "/tickets/book", json={"serviceId": "x"})
    assert len(fake.requests) == 1
    fake.faults.status(500, path="/branches", times=1)
    await client.request("GET", "/branches")  # a GET is retried
    assert len(fake.requests) == 3


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "branches"), ("GET", "/a b"), ("GET", "/x?y=1"), ("GET", "/../admin"), ("TRACE", "/")],
)
async def test_request_refuses_what_it_cannot_send_exactly(
    client: Skiplino, fake: FakeSkiplino, method: str, path: str
) -> None:
    with pytest.raises(ValueError, match=r"."):
        await client.request(method, path)
    assert fake.requests == []


# --- extra_headers / extra_query / extra_body ---------------------------------------------


async def test_extras_are_merged_last(client: Skiplino, fake: FakeSkiplino) -> None:
    await client.customers.create(
        external_id="extra-1",
        name="Old",
        extra_headers={"X-Trace": "t-1"},
        extra_query={"dryRun": "no"},
        extra_body={"name": "New", "nickname": "N"},
    )
    sent = fake.requests[-1]
    assert sent.headers["X-Trace"] == "t-1"
    assert "dryRun=no" in sent.query_string
    assert sent.json() == {"externalId": "extra-1", "name": "New", "nickname": "N"}


@pytest.mark.parametrize("name", ["Authorization", "authorization", "Proxy-Authorization"])
async def test_extra_headers_cannot_replace_the_key_by_accident(
    client: Skiplino, fake: FakeSkiplino, name: str
) -> None:
    with pytest.raises(ValueError, match="cannot set"):
        await client.branches.list(extra_headers={name: "Bearer sk_other"})
    assert fake.requests == []


async def test_extra_body_on_a_get_is_refused(client: Skiplino, fake: FakeSkiplino) -> None:
    with pytest.raises(ValueError, match="does not apply to a GET"):
        await client.branches.list(extra_body={"x": 1})
    assert fake.requests == []
