"""The namespaces and their methods, named in a client class's docstring (``help()``, pdoc)."""

from __future__ import annotations

import inspect

__all__ = ["with_namespaces"]


def with_namespaces(cls: type) -> type:
    """Append to ``cls``'s docstring the namespaces it annotates and their public methods."""
    lines = ["", "", "    The namespaces and their methods:", ""]
    for name, namespace in inspect.get_annotations(cls, eval_str=True).items():
        methods = [m for m, _ in inspect.getmembers(namespace, inspect.isfunction)]
        listed = ", ".join(f"``{m}``" for m in methods if not m.startswith("_"))
        lines.append(f"    - ``client.{name}``: {listed}")
    cls.__doc__ = (cls.__doc__ or "").rstrip() + "\n".join(lines) + "\n"
    return cls
