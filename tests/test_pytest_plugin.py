"""The pytest plugin, used the way a user of the package would use it in their own project."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

PLUGIN = "skiplino_async.testing.pytest_plugin"
ROOT = Path(__file__).resolve().parents[1]

# What a user writes: three lines, no setup.
USER_TEST = """
async def test_my_code_lists_branches(skiplino_client):
    branches = await skiplino_client.branches.list()
    assert any(branch.id == "802b33af66" for branch in branches)
"""


def _entry_point_installed() -> bool:
    return any(ep.value == PLUGIN for ep in importlib.metadata.entry_points(group="pytest11"))


def _plugin_args() -> list[str]:
    """Load the plugin as installed (entry point) when it is, else explicitly with ``-p``."""
    args = ["-p", "no:cacheprovider", "-W", "error"]
    return args if _entry_point_installed() else [*args, "-p", PLUGIN]


def _ini(mode: str = "auto", extra: str = "") -> str:
    return (
        f"[pytest]\nasyncio_mode = {mode}\nasyncio_default_fixture_loop_scope = function\n{extra}"
    )


def test_the_entry_point_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["pytest11"] == {"skiplino": PLUGIN}


@pytest.mark.parametrize("mode", ["auto", "strict"])
def test_a_user_test_passes_in_both_asyncio_modes(pytester: pytest.Pytester, mode: str) -> None:
    pytester.makeini(_ini(mode))
    source = USER_TEST
    if mode == "strict":
        source = "import pytest\npytestmark = pytest.mark.asyncio\n" + source
    pytester.makepyfile(test_user=source)
    result = pytester.runpytest(*_plugin_args())
    result.assert_outcomes(passed=1)


def test_every_fixture_and_the_marker(pytester: pytest.Pytester) -> None:
    pytester.makeini(_ini(extra="addopts = --strict-markers\n"))
    pytester.makepyfile(
        test_user=textwrap.dedent(
            """
            import pytest
            import skiplino_async as sk

            pytestmark = pytest.mark.skiplino(customers=12, seed=3)

            async def test_fake_is_configured_by_the_marker(skiplino_fake, skiplino_client):
                page = await skiplino_client.customers.list(limit=100)
                assert page.pagination.total == 12
                assert skiplino_fake.requests[-1].path == "/customers/getAll"

            async def test_public_client_is_read_only(skiplino_public_client):
                await skiplino_public_client.branches.list()
                with pytest.raises(sk.AuthenticationError, match="secret key"):
                    await skiplino_public_client.customers.get(external_id="crm-7741")

            async def test_env_for_code_that_builds_its_own_client(skiplino_env):
                async with sk.Skiplino() as client:
                    assert client.base_url == skiplino_env.url
                    await client.customers.get(external_id="crm-7741")

            async def test_faults_reach_the_client(skiplino_fake, skiplino_client):
                skiplino_fake.faults.status(503, path="/branches", times=1)
                with skiplino_client.capture_responses() as captured:
                    await skiplino_client.branches.list()
                assert captured.last.retries == 1
            """
        )
    )
    result = pytester.runpytest(*_plugin_args())
    result.assert_outcomes(passed=4)


def test_fixture_names_do_not_clash_with_a_projects_own(pytester: pytest.Pytester) -> None:
    # Our own suite (like many projects) defines ``fake`` and ``client``; both sets coexist.
    pytester.makeini(_ini())
    pytester.makeconftest(
        textwrap.dedent(
            """
            import pytest

            @pytest.fixture
            def fake():
                return "the project's fake"

            @pytest.fixture
            def client():
                return "the project's client"
            """
        )
    )
    pytester.makepyfile(
        test_user=textwrap.dedent(
            """
            async def test_both(fake, client, skiplino_fake, skiplino_client):
                assert (fake, client) == ("the project's fake", "the project's client")
                assert skiplino_client.base_url == skiplino_fake.url
                await skiplino_client.branches.list()
            """
        )
    )
    result = pytester.runpytest(*_plugin_args())
    result.assert_outcomes(passed=1)


@pytest.mark.skipif(
    not _entry_point_installed(), reason="skiplino-async is not installed in this environment"
)
def test_installed_package_loads_the_plugin_by_itself(pytester: pytest.Pytester) -> None:
    # A separate interpreter, no -p and no conftest: only the pytest11 entry point.
    pytester.makeini(_ini())
    pytester.makepyfile(test_user=USER_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)


def test_without_pytest_asyncio_the_fixtures_work_under_anyio(pytester: pytest.Pytester) -> None:
    # A project using anyio's pytest plugin instead: pytest-asyncio cannot even be imported.
    pytester.makepyfile(
        block_pytest_asyncio=textwrap.dedent(
            """
            import sys

            class Block:
                def find_spec(self, name, path=None, target=None):
                    if name.split(".")[0] == "pytest_asyncio":
                        raise ImportError("pytest-asyncio is not installed")
                    return None

            sys.meta_path.insert(0, Block())
            """
        ),
        test_user=textwrap.dedent(
            """
            import pytest

            @pytest.fixture
            def anyio_backend():
                return "asyncio"

            @pytest.mark.anyio
            async def test_my_code(skiplino_client):
                assert await skiplino_client.branches.list()
            """
        ),
    )
    args = ["-p", "block_pytest_asyncio", "-p", "no:asyncio", *_plugin_args()]
    result = pytester.runpytest_subprocess(*args)
    result.assert_outcomes(passed=1)


def test_importing_the_plugin_does_not_load_the_fake_server() -> None:
    # pytest imports every installed plugin at startup, used or not: the fake server (and its
    # seed data) must only be loaded by a test that asks for one of the fixtures.
    code = textwrap.dedent(
        f"""
        import sys
        import {PLUGIN}
        print(" ".join(sorted(m for m in sys.modules if m.startswith("skiplino_async.testing._"))))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == []
