"""The package's shape: no import cycles between its modules, and no private name (``_x``)
imported from another subpackage (the export does not reach into the converter's helpers).
Imports only for type checkers do not count: they never run."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "skiplino_async"


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _subpackage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (ROOT / parts[1]).is_dir()) else ""


def _imports(module: str) -> list[tuple[str, str]]:
    """``(module imported from, name)`` of each ``from ... import`` that runs."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            out += [(source, alias.name) for alias in node.names]
    return out


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for module in MODULES:
        for source, name in _imports(module):
            target = f"{source}.{name}" if f"{source}.{name}" in MODULES else source
            if target in MODULES and target != module:
                edges.setdefault(module, set()).add(target)
    return edges


def _cycle_from(start: str, edges: dict[str, set[str]]) -> list[str] | None:
    path: list[str] = []
    seen: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in seen:
            return None
        seen.add(node)
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            # A package importing its own submodules (lazy re-exports) is not a cycle.
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue
            found = visit(nxt)
            if found:
                return found
        path.pop()
        return None

    return visit(start)


def test_no_import_cycles() -> None:
    edges = _edges()
    cycles = [c for m in MODULES if (c := _cycle_from(m, edges))]
    assert cycles == []


def test_no_private_names_across_subpackages() -> None:
    found = [
        f"{module} imports {source}.{name}"
        for module in MODULES
        for source, name in _imports(module)
        if source.startswith("skiplino_async")
        and name.startswith("_")
        and not name.startswith("__")
        and f"{source}.{name}" not in MODULES
        and _subpackage(source) != _subpackage(module)
    ]
    assert found == []
