"""``skiplino serve``: clear errors instead of tracebacks, help on every option, an access log."""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import shlex
import signal
import socket
import sys
from collections.abc import Iterator

import aiohttp
import pytest

from skiplino_async.cli import build_parser, main
from skiplino_async.testing import serve

LOG_LINE = re.compile(
    r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} 127\.0\.0\.1 "(?P<request>[^"]+)" (?P<status>\d{3}) '
    r"\d+B [\d.]+s (?P<request_id>req_\d{6})$"
)


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that something else is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def serve_parser() -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    parser: argparse.ArgumentParser = sub.choices["serve"]
    return parser


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "99999"], "argument --port: 99999 is not a TCP port (0-65535"),
        (["--port", "-1"], "argument --port: -1 is not a TCP port"),
        (["--port", "http"], "argument --port: 'http' is not a whole number"),
        (["--customers", "-5"], "argument --customers: -5 is negative"),
        (["--customers", "many"], "argument --customers: 'many' is not a whole number"),
        (["--seed", "1.5"], "argument --seed: '1.5' is not a whole number"),
        (["--latency", "-1"], "argument --latency: -1 is not a finite number of seconds"),
        (["--latency", "nan"], "argument --latency: nan is not a finite number of seconds"),
        (["--latency", "soon"], "argument --latency: 'soon' is not a number of seconds"),
        (["--rate-limit", "0"], "argument --rate-limit: 0 is not a positive number of requests"),
        (["--rate-limit", "inf"], "argument --rate-limit: inf is not a positive number"),
        (["--rate-limit", "x"], "argument --rate-limit: 'x' is not a number of requests"),
    ],
)
def test_bad_arguments_are_usage_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"skiplino serve: error: {message}" in err
    assert "Traceback" not in err


def test_a_port_in_use_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], busy_port: int
) -> None:
    assert main(["serve", "--port", str(busy_port), "--customers", "1"]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        f"skiplino serve: cannot listen on 127.0.0.1:{busy_port}: the port is already in use\n"
    )
    assert "Traceback" not in captured.out


def test_every_option_has_help_text() -> None:
    parser = serve_parser()
    options = [a for a in parser._actions if a.option_strings and a.dest != "help"]
    assert {a.dest for a in options} == {
        "port",
        "host",
        "customers",
        "seed",
        "latency",
        "rate_limit",
    }
    for action in options:
        assert action.help, action.dest
    assert parser.description


async def _banner(out: io.StringIO, last: str) -> tuple[str, dict[str, str]]:
    """The URL and auth headers once the banner's ``last`` line is out."""
    for _ in range(500):
        if last in out.getvalue():
            break
        await asyncio.sleep(0.01)
    match = re.search(r"listening on (\S+)", out.getvalue())
    assert match is not None
    key = re.search(r"secret key: (\S+)", out.getvalue())
    assert key is not None
    return match.group(1), {"Authorization": f"Bearer {key.group(1)}"}


async def test_one_access_log_line_per_request() -> None:
    out, log = io.StringIO(), io.StringIO()
    task = asyncio.create_task(serve(port=0, customers=3, out=out, log=log))
    try:
        url, headers = await _banner(out, "public key")
        async with aiohttp.ClientSession() as session:
            for path, auth in [("/branches", True), ("/openapi.json", False), ("/nope", True)]:
                async with session.get(url + path, headers=headers if auth else None) as resp:
                    await resp.read()
            await asyncio.sleep(0.05)  # the access log is written after the response
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(out.getvalue().splitlines()) == 7  # the banner only
    lines = log.getvalue().splitlines()
    matches = [LOG_LINE.match(line) for line in lines]
    assert all(matches), lines
    assert [(m["request"], m["status"], m["request_id"]) for m in matches if m] == [
        ("GET /external/v1/branches HTTP/1.1", "200", "req_000001"),
        ("GET /external/v1/openapi.json HTTP/1.1", "200", "req_000002"),
        ("GET /external/v1/nope HTTP/1.1", "404", "req_000003"),
    ]


async def test_the_banner_ends_with_the_environment_lines_to_paste() -> None:
    out = io.StringIO()
    task = asyncio.create_task(serve(port=0, customers=3, out=out, log=io.StringIO()))
    try:
        for _ in range(500):
            if "SKIPLINO_API_KEY" in out.getvalue():
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    banner = out.getvalue().splitlines()
    pasted = dict(shlex.split(line)[1].split("=", 1) for line in banner[-2:])
    url = re.search(r"listening on (\S+)", banner[0])
    key = re.search(r"secret key: (\S+)", out.getvalue())
    assert url is not None
    assert key is not None
    assert [line.split()[0] for line in banner[-2:]] == ["export", "export"]
    assert pasted == {"SKIPLINO_BASE_URL": url.group(1), "SKIPLINO_API_KEY": key.group(1)}


async def test_the_command_serves_and_stops_cleanly_on_ctrl_c() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "skiplino_async",
        "serve",
        "--port",
        "0",
        "--customers",
        "2",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        async with asyncio.timeout(30):
            head = [(await process.stdout.readline()).decode() for _ in range(7)]
            url = head[0].split()[-1]
            assert head[1].strip() == f"OpenAPI document: {url}/openapi.json"
            async with aiohttp.ClientSession() as session, session.get(url + "/openapi.json") as r:
                assert r.status == 200
            line = (await process.stderr.readline()).decode()
            assert '"GET /external/v1/openapi.json HTTP/1.1" 200' in line
            process.send_signal(signal.SIGINT)
            assert await process.wait() == 130
            err = (await process.stderr.read()).decode()
            assert (await process.stdout.read()) == b""
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert err == "interrupted\n"


async def test_serve_with_a_rate_limit_answers_429_beyond_it() -> None:
    out = io.StringIO()
    task = asyncio.create_task(serve(port=0, customers=3, out=out, log=io.StringIO(), rate_limit=2))
    try:
        url, headers = await _banner(out, "rate limit")
        assert "rate limit: 2 requests/s" in out.getvalue()
        statuses = []
        async with aiohttp.ClientSession() as session:
            for _ in range(3):
                async with session.get(url + "/branches", headers=headers) as resp:
                    await resp.read()
                    statuses.append((resp.status, "Retry-After" in resp.headers))
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert statuses == [(200, False), (200, False), (429, True)]
