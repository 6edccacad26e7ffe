"""The blocking client: the async one run on an event loop in a background thread.

:mod:`._loop` runs coroutines for blocking callers, :mod:`._mirror` derives the blocking
namespaces from the async ones, :mod:`._namespaces` holds their typed lines (written by
:mod:`._generate` from the table of operations), :mod:`._paginator` turns walks into plain
iterators and :mod:`._client` is ``SyncSkiplino`` itself.
"""

from ._client import SyncSkiplino
from ._paginator import SyncPaginator

__all__ = ["SyncPaginator", "SyncSkiplino"]
