"""Load the Skiplino API into a warehouse with dlt (the ``[dlt]`` extra).

::

    import dlt
    from skiplino_async.dlt import skiplino_source

    pipeline = dlt.pipeline("skiplino", destination="duckdb", dataset_name="skiplino")
    pipeline.run(skiplino_source())

dlt is imported when :func:`skiplino_source` is first reached, not with this package: the
``skiplino`` command builds its ``load`` subcommand without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._source import skiplino_source

__all__ = ["skiplino_source"]


def __getattr__(name: str) -> Any:
    if name == "skiplino_source":
        from ._source import skiplino_source

        return skiplino_source
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
