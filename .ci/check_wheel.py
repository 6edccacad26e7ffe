"""The wheel ships the package with its ``py.typed`` marker, and no tests or build leftovers.

python .ci/check_wheel.py dist/skiplino_async-*.whl
"""

from __future__ import annotations

import sys
import zipfile


def main(path: str) -> None:
    names = zipfile.ZipFile(path).namelist()
    if "skiplino_async/py.typed" not in names:
        raise SystemExit(f"{path}: no skiplino_async/py.typed (type checkers would ignore it)")
    stray = [n for n in names if n.startswith("tests/") or n.endswith((".pyc", ".so"))]
    if stray:
        raise SystemExit(f"{path} ships what it should not: {stray}")
    print(f"{path}: {len(names)} files, py.typed included, no tests")


if __name__ == "__main__":
    main(*sys.argv[1:])
