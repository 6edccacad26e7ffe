"""The README's code is true to the SDK: every Python block compiles, and the marked ones run.

Markers are HTML comments on the line before a block (invisible when rendered):

* ``<!-- test: run -->`` runs the block against a fake server, with top-level ``await``, in a
  namespace holding ``sk``, ``client``, ``fake``, ``ticket_id`` (a waiting walk-in),
  ``served_ticket_id``, ``stopped`` (a set ``asyncio.Event``) and ``http_get(app, path)``;
  ``<!-- test: run | <statements> -->`` runs the statements after it, in the same namespace;
* ``<!-- test: program -->`` runs the block as a program in a subprocess, with
  ``SKIPLINO_API_KEY``/``SKIPLINO_BASE_URL`` pointing at a fake server;
* ``<!-- test: pytest -->`` runs the block as a user's test file with the pytest plugin.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.metadata
import inspect
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import skiplino_async as sk
from skiplino_async.testing import FakeSkiplino

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PLUGIN = "skiplino_async.testing.pytest_plugin"

CI_COMMANDS = """\
```
python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/skiplino demo
python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]' && .venv/bin/python -m pytest
```
"""

_FENCE = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)
_MARKER = re.compile(r"<!-- test: (run|program|pytest)(?: \| (.*?))? -->\n$")


@dataclass(frozen=True)
class Block:
    line: int  # of the first line of code, 1-based
    code: str
    mode: str | None
    then: str | None

    def compile(self, extra: str = "") -> Any:
        # Leading newlines keep tracebacks pointing at README.md's own line numbers.
        source = "\n" * (self.line - 1) + self.code + extra
        return compile(source, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def _blocks() -> list[Block]:
    blocks = []
    for match in _FENCE.finditer(README):
        before = README[: match.start()]
        marker = _MARKER.search(before[-200:])
        line = before.count("\n") + 2
        mode, then = (marker.group(1), marker.group(2)) if marker else (None, None)
        blocks.append(Block(line, match.group(1), mode, then))
    return blocks


BLOCKS = _blocks()


def _of(mode: str | None) -> list[Any]:
    return [pytest.param(b, id=f"line{b.line}") for b in BLOCKS if b.mode == mode]


def test_readme_opens_with_the_ci_commands_verbatim() -> None:
    assert README.startswith(CI_COMMANDS)


def test_measured_figures_are_published() -> None:
    assert "What page/limit pagination can and cannot guarantee" in README
    assert "bench_export.py" in README
    assert "benchmarks/run.py" in README


def test_the_client_argument_table_lists_every_argument() -> None:
    table = README.split("The client's arguments", 1)[1].split("\n\n", 2)[1]
    listed = re.findall(r"^\| `(\w+)` \|", table, re.M)
    assert listed
    assert set(listed) == set(inspect.signature(sk.Skiplino).parameters)


def test_blocks_were_found_and_only_optional_dependencies_go_unrun() -> None:
    assert len(BLOCKS) >= 10
    unrun = [b for b in BLOCKS if b.mode is None]
    # FastAPI is an optional extra; examples/fastapi_app.py runs the same pattern.
    assert all("from fastapi import" in b.code for b in unrun), [b.line for b in unrun]


@pytest.mark.parametrize("block", [pytest.param(b, id=f"line{b.line}") for b in BLOCKS])
def test_every_python_block_compiles(block: Block) -> None:
    block.compile()


async def _http_get(app: web.Application, path: str) -> int:
    async with TestClient(TestServer(app)) as http:
        response = await http.get(path)
        await response.read()
        return response.status


@pytest.mark.parametrize("block", _of("run"))
async def test_run_blocks_work_against_the_fake_server(
    block: Block,
    fake: FakeSkiplino,
    client: sk.Skiplino,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("SKIPLINO_API_KEY", fake.secret_key)
    monkeypatch.setenv("SKIPLINO_BASE_URL", fake.url)
    monkeypatch.chdir(tmp_path)
    waiting = await client.tickets.book_walk_in(
        service_id="6fe8fb8b12", group_of_service_id="7c1f9a3b2d"
    )
    served = await client.tickets.book_walk_in(
        service_id="6fe8fb8b12", group_of_service_id="7c1f9a3b2d"
    )
    fake.state.set_ticket_status(served.id, "served")
    stopped = asyncio.Event()
    stopped.set()
    namespace: dict[str, Any] = {
        "__name__": "readme",
        "sk": sk,
        "client": client,
        "fake": fake,
        "ticket_id": waiting.id,
        "served_ticket_id": served.id,
        "stopped": stopped,
        "http_get": _http_get,
    }
    extra = f"\n{block.then}\n" if block.then else ""
    result = eval(block.compile(extra), namespace)
    if inspect.iscoroutine(result):
        await result


@pytest.mark.parametrize("block", _of("program"))
async def test_program_blocks_run_as_programs(
    block: Block, fake: FakeSkiplino, tmp_path: Path
) -> None:
    script = tmp_path / "program.py"
    script.write_text(block.code, encoding="utf-8")
    env = dict(os.environ, SKIPLINO_API_KEY=fake.secret_key, SKIPLINO_BASE_URL=fake.url)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["DLT_DATA_DIR"] = str(tmp_path / "dlt")  # a dlt pipeline's state, as its files: here
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-W",
        "error",
        str(script),
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert err == b""
    assert out.strip()
    assert fake.requests


@pytest.mark.parametrize("fresh", [True, False], ids=["fresh-project", "auto-mode"])
@pytest.mark.parametrize("block", _of("pytest"))
def test_pytest_blocks_pass_as_a_users_test_file(
    block: Block, pytester: pytest.Pytester, fresh: bool
) -> None:
    # Fresh: no configuration at all, pytest-asyncio's defaults (strict mode; its warning
    # about an unset loop scope is its own). Else the configuration the README suggests,
    # with warnings as errors.
    args = ["-p", "no:cacheprovider"]
    if not fresh:
        pytester.makeini(
            "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        )
        args += ["-W", "error"]
    pytester.makepyfile(test_from_readme=block.code)
    installed = any(ep.value == PLUGIN for ep in importlib.metadata.entry_points(group="pytest11"))
    if not installed:
        args += ["-p", PLUGIN]
    # A fresh project runs in a process of its own, so its warnings stay there.
    run = pytester.runpytest_subprocess if fresh else pytester.runpytest
    result = run(*args)
    result.assert_outcomes(passed=len(re.findall(r"^async def test_", block.code, re.M)))
