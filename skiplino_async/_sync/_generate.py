"""Writes :mod:`._namespaces`, the blocking namespaces' typed lines, from the table.

Run ``python -m skiplino_async._sync._generate`` after adding an operation or a namespace
method; ``tests/test_sync_generated.py`` fails until the committed file is what this writes.
Python's types cannot map a class's methods, so each blocking method is a line of its own
(``get = mirror(Customers.get)``) that type checkers read; the lines are written from
:data:`~skiplino_async._operations.OPERATIONS` (each row's ``namespace.method``, in the
table's order) and then each async namespace's other public methods (``watch``,
``get_or_create``), for each namespace the async client declares.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from .._client import Skiplino
from .._operations import OPERATIONS, Operation
from ._mirror import public_methods

__all__ = ["TARGET", "methods", "namespaces", "render"]

#: The generated module.
TARGET: Final = Path(__file__).with_name("_namespaces.py")
COMMAND: Final = "python -m skiplino_async._sync._generate"


def namespaces(client: type = Skiplino) -> dict[str, type]:
    """The client's namespaces (``client.customers``) and their async classes, in order."""
    hints = inspect.get_annotations(client, eval_str=True)
    return {name: cls for name, cls in hints.items() if not name.startswith("_")}


def methods(name: str, cls: type, operations: Iterable[Operation[Any]] = OPERATIONS) -> list[str]:
    """The methods of namespace ``name`` to mirror: its operations in the table's order, then
    the class's other public methods. An operation without its method is an error."""
    listed = [op.name.partition(".")[2] for op in operations if op.tag == name]
    public = public_methods(cls)
    missing = [m for m in listed if m not in public]
    if missing:
        method = missing[0]
        raise LookupError(f"the table's {name}.{method} has no method {cls.__name__}.{method}")
    return listed + [m for m in public if m not in listed]


def render(client: type = Skiplino, operations: Iterable[Operation[Any]] = OPERATIONS) -> str:
    """The text of the generated module."""
    spaces = namespaces(client)
    rows = tuple(operations)
    unknown = sorted({op.tag for op in rows} - spaces.keys())
    if unknown:
        raise LookupError(f"the table's namespace {unknown[0]!r} is not one of the client's")
    lines = _header(spaces)
    for name, cls in spaces.items():
        lines += _namespace_class(cls, methods(name, cls, rows))
    return "\n".join(lines) + "\n"


def _header(spaces: dict[str, type]) -> list[str]:
    imports = sorted(
        f"from ..{cls.__module__.removeprefix('skiplino_async.')} import {cls.__name__}"
        for cls in spaces.values()
    )
    exported = sorted(f"Sync{cls.__name__}" for cls in spaces.values())
    return [
        "# Generated from the table of operations and the async namespaces; do not edit.",
        f"# Change the table or an async namespace, then run `{COMMAND}`.",
        '"""The blocking namespaces: one typed line per async method (generated)."""',
        "",
        "from __future__ import annotations",
        "",
        *imports,
        "from ._mirror import SyncResource, mirror",
        "",
        "__all__ = [",
        *(f'    "{name}",' for name in exported),
        "]",
    ]


def _namespace_class(cls: type, names: list[str]) -> list[str]:
    name = cls.__name__
    return [
        "",
        "",
        f"class Sync{name}(SyncResource, mirrors={name}):",
        f"    __doc__ = {name}.__doc__",
        "    __slots__ = ()",
        *(f"    {method} = mirror({name}.{method})" for method in names),
    ]


def main(argv: list[str] | None = None, target: Path = TARGET) -> int:
    """Write the generated module; ``--check``: exit 1 instead when it is out of date."""
    text = render()
    current = target.read_text(encoding="utf-8") if target.exists() else ""
    if current == text:
        return 0
    if "--check" in (sys.argv[1:] if argv is None else argv):
        print(f"{target} is out of date: run {COMMAND}", file=sys.stderr)
        return 1
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
