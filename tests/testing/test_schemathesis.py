"""Schemathesis against the fake server, with the document the fake serves.

Every phase (documented examples, coverage, fuzzing, stateful via the document's links),
every check except positive_data_acceptance: the fake is fed random ids and times, which a
conforming server answers with documented 4xx errors. So: no 5xx, every response matches
its schema, every status is documented, invalid requests are rejected, auth is enforced,
unsupported methods are a 405 with a correct Allow header.

Takes about a minute, so it only runs when selected: ``pytest -m schemathesis`` (CI does).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest

from skiplino_async.testing import FakeSkiplino

pytestmark = pytest.mark.schemathesis

#: Examples per operation and phase; with a fixed seed the run is reproducible.
MAX_EXAMPLES = 100
SEED = 3
#: Hard bound for the whole run, in seconds.
TIME_LIMIT = 240


async def test_the_fake_server_conforms_to_its_openapi_document(tmp_path: Path) -> None:
    async with FakeSkiplino(customers=50, request_log_size=100) as fake:
        origin = fake.url.removesuffix("/external/v1")
        command = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{origin}/openapi.json",
            "--header",
            f"Authorization: Bearer {fake.secret_key}",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--no-color",
        ]
        started = time.monotonic()
        # A working directory of its own: schemathesis and hypothesis keep state there.
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            async with asyncio.timeout(TIME_LIMIT):
                output, _ = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        elapsed = time.monotonic() - started
    report = output.decode(errors="replace")
    assert process.returncode == 0, report
    assert "13 selected / 13 total" in report, report
    cases = next(line for line in report.splitlines() if " generated, " in line)
    print(f"schemathesis: 13 operations, {cases.strip()} in {elapsed:.0f} s")
