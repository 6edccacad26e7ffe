#!/usr/bin/env bash
# The API reference, generated from the docstrings into docs/api/ (open docs/api/index.html).
# Needs the docs extra: .venv/bin/pip install -q -e '.[docs]'. Any pdoc warning (a type
# annotation it cannot resolve, say) fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf docs/api
exec "${PYTHON:-.venv/bin/python}" -W error -m pdoc --docformat google --output-directory docs/api \
    skiplino_async skiplino_async.pagination skiplino_async.export skiplino_async.testing
