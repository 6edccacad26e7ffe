"""Exact types for users: ``mypy --strict`` of a program outside the checkout works after the
README's install commands (editable included), and the README's snippets type-check as written.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_readme import BLOCKS

pytest.importorskip("mypy")

#: The names the README's ``run`` blocks find in their namespace, with their types.
PRELUDE = textwrap.dedent(
    """\
    import asyncio
    from collections.abc import Awaitable, Callable
    from aiohttp import web
    import skiplino_async as sk
    from skiplino_async.testing import FakeSkiplino
    client: sk.Skiplino
    fake: FakeSkiplino
    ticket_id: str
    served_ticket_id: str
    stopped: asyncio.Event
    http_get: Callable[[web.Application, str], Awaitable[int]]
    """
)

USER_PROGRAM = textwrap.dedent(
    """\
    import asyncio
    import skiplino_async as sk

    async def main() -> None:
        async with sk.Skiplino() as client:
            branches: list[sk.Branch] = await client.branches.list()
            async for customer in client.customers.list(limit=100):
                reveal_type(customer)
            reveal_type(client.with_options(max_retries=0))
            print(branches)

    asyncio.run(main())
    """
)


#: The blocking client's methods are typed from the async ones: results, items, and arguments.
SYNC_PROGRAM = textwrap.dedent(
    """\
    import skiplino_async as sk

    with sk.SyncSkiplino() as client:
        reveal_type(client.customers.get(external_id="crm-7741"))
        for customer in client.customers.list(limit=100, prefetch=2):
            reveal_type(customer)
        reveal_type(client.branches.list())
        for ticket in client.tickets.watch("k7m2p9x4q1"):
            reveal_type(ticket)
        client.customers.get(externalid="crm-7741")
        reveal_type(client.with_options(locale="ar"))
    """
)


def _mypy(*files: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            os.devnull,
            "--disable-error-code",
            "top-level-await",
            *map(str, files),
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_users_program_outside_the_checkout_type_checks(tmp_path: Path) -> None:
    program = tmp_path / "app.py"
    program.write_text(USER_PROGRAM, encoding="utf-8")
    done = _mypy(program, cwd=tmp_path)
    assert 'Revealed type is "skiplino_async.models.Customer"' in done.stdout, done.stdout
    assert 'Revealed type is "skiplino_async._client.Skiplino"' in done.stdout, done.stdout
    assert "error:" not in done.stdout, done.stdout


def test_the_sync_clients_methods_are_typed_precisely(tmp_path: Path) -> None:
    program = tmp_path / "app.py"
    program.write_text(SYNC_PROGRAM, encoding="utf-8")
    out = _mypy(program, cwd=tmp_path).stdout
    revealed = [
        line.split("Revealed type is ")[1] for line in out.splitlines() if "Revealed" in line
    ]
    assert revealed == [
        '"skiplino_async.models.Customer"',
        '"skiplino_async.models.Customer"',
        '"list[skiplino_async.models.Branch]"',
        '"skiplino_async.models.Ticket"',
        '"skiplino_async._sync._client.SyncSkiplino"',
    ], out
    assert 'app.py:10: error: Unexpected keyword argument "externalid"' in out, out


def test_the_readme_snippets_type_check_under_strict(tmp_path: Path) -> None:
    files = []
    for block in BLOCKS:
        if block.mode == "pytest" or "from fastapi import" in block.code:
            continue  # pytest blocks import pytest fixtures; FastAPI is an optional extra
        path = tmp_path / f"readme_line{block.line}.py"
        code = block.code
        if block.mode == "run":  # run with top-level await: type-check it as a coroutine body
            code = PRELUDE + "\n\nasync def _block() -> None:\n" + textwrap.indent(code, "    ")
        path.write_text(code, encoding="utf-8")
        files.append(path)
    done = _mypy(*files, cwd=tmp_path)
    assert done.returncode == 0, done.stdout
