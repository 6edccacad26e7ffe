"""skiplino-async: the async Python SDK for the Skiplino external API v1.

>>> async with Skiplino() as client:          # key from $SKIPLINO_API_KEY
...     branches = await client.branches.list()
"""

from typing import TYPE_CHECKING, Final

from ._client import Skiplino
from ._logging import configure_from_env as _configure_logging
from ._response import RawResponse, ResponseCapture, capture_responses
from ._retry import RetryPolicy
from ._types import NOT_GIVEN, CallOptions, NotGiven
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientUsageError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    SkiplinoError,
    UnprocessableEntityError,
)
from .models import (
    Branch,
    BranchStatus,
    BranchTreeGroup,
    Customer,
    Page,
    Pagination,
    Ref,
    Service,
    Slot,
    Ticket,
    TicketStatus,
    TicketType,
)
from .pagination import (
    AsyncPaginator,
    Checkpoint,
    DriftError,
    DriftEvent,
    PaginationError,
    PaginatorStats,
)
from .resources._base import PageOptions

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "Branch",
    "BranchStatus",
    "BranchTreeGroup",
    "CallOptions",
    "Checkpoint",
    "ClientUsageError",
    "ConflictError",
    "Customer",
    "DriftError",
    "DriftEvent",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "Page",
    "PageOptions",
    "Pagination",
    "PaginationError",
    "PaginatorStats",
    "PermissionDeniedError",
    "RawResponse",
    "ResponseCapture",
    "RateLimitError",
    "Ref",
    "RetryPolicy",
    "Service",
    "SkiplinoError",
    "Skiplino",
    "Slot",
    "SyncPaginator",
    "SyncSkiplino",
    "Ticket",
    "TicketStatus",
    "TicketType",
    "UnprocessableEntityError",
    "__version__",
    "capture_responses",
]

if TYPE_CHECKING:
    from ._sync import SyncPaginator, SyncSkiplino

_configure_logging()

#: Loaded on first use: an asyncio program never pays for them.
_LAZY: Final = {"export": ".export", "SyncSkiplino": "._sync", "SyncPaginator": "._sync"}


def __getattr__(name: str) -> object:
    # ``skiplino_async.export`` without importing it first; loaded on first use.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    loaded = importlib.import_module(module, __name__)
    value = loaded if module == ".export" else getattr(loaded, name)
    globals()[name] = value  # later lookups skip this hook
    return value
