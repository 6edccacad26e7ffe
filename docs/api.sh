#!/usr/bin/env bash
# The API reference, generated from the docstrings into docs/api/ (open docs/api/index.html).
# Needs the docs extra: .venv/bin/pip install -q -e '.[docs]'. Any pdoc warning (a type
# annotation it cannot resolve, say) fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf docs/api
exec "${PYTHON:-.venv/bin/python}" -W error - <<'PY'
import importlib
from pathlib import Path

import pdoc

MODULES = [
    "skiplino_async",
    "skiplino_async.pagination",
    "skiplino_async.export",
    "skiplino_async.testing",
    "skiplino_async.dlt",
]
for name in MODULES:
    module = importlib.import_module(name)
    # Names a package loads on first use: pdoc reads a module's namespace, not __getattr__.
    for public in module.__all__:
        module.__dict__.setdefault(public, getattr(module, public))
pdoc.render.configure(docformat="google")
pdoc.pdoc(*MODULES, output_directory=Path("docs/api"))
PY
