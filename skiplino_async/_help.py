"""The namespaces and their methods, named in a client class's docstring (``help()``, pdoc)."""

from __future__ import annotations

import inspect

__all__ = ["with_namespaces"]


def with_namespaces(cls: type) -> type:
    """Append to ``cls``'s docstring the namespaces it (or a base) annotates and their public
    methods."""
    lines = ["", "", "    The namespaces and their methods:", ""]
    for name, namespace in _namespaces(cls).items():
        methods = [m for m, _ in inspect.getmembers(namespace, inspect.isfunction)]
        listed = ", ".join(f"``{m}``" for m in methods if not m.startswith("_"))
        lines.append(f"    - ``client.{name}``: {listed}")
    cls.__doc__ = (cls.__doc__ or "").rstrip() + "\n".join(lines) + "\n"
    return cls


def _namespaces(cls: type) -> dict[str, type]:
    """The public names ``cls`` and its bases annotate (a base may declare the namespaces)."""
    found: dict[str, type] = {}
    for klass in reversed(cls.__mro__):
        hints = inspect.get_annotations(klass, eval_str=True)
        found.update((n, t) for n, t in hints.items() if not n.startswith("_"))
    return found
