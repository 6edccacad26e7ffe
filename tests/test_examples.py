"""The example programs compile, explain themselves, and are all run by examples/run_all.py.

Running them is run_all.py's job (CI calls it): each starts its own fake server and some take
seconds, which does not belong in the unit suite.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))


def _load_run_all() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_all", EXAMPLES / "run_all.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("run_all", module)  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_there_are_examples_for_each_kind_of_user() -> None:
    names = {p.name for p in SCRIPTS}
    assert {
        "quickstart.py",
        "queue_service.py",
        "export_customers.py",
        "aiohttp_app.py",
        "fastapi_app.py",
        "run_all.py",
    } <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_example_compiles_and_is_a_documented_program(script: Path) -> None:
    source = script.read_text(encoding="utf-8")
    tree = ast.parse(source, str(script))
    compile(tree, str(script), "exec")
    assert ast.get_docstring(tree), f"{script.name} needs a docstring saying what it shows"
    assert 'if __name__ == "__main__":' in source


def test_run_all_runs_every_example(tmp_path: Path) -> None:
    run_all = _load_run_all()
    covered = {run.script for run in run_all.runs(tmp_path)}
    assert covered == {p.name for p in SCRIPTS} - {"run_all.py"}
