"""Small shared types: per-call options and the "argument not given" sentinel."""

from __future__ import annotations

import enum
from typing import Final, Literal, TypedDict

import aiohttp


class CallOptions(TypedDict, total=False):
    """Keyword options every API call accepts, overriding the client's defaults for one call."""

    #: Sent as ``X-Locale`` (e.g. ``"ar"``): localizes names and business-rule messages.
    locale: str
    #: Seconds per attempt (or an ``aiohttp.ClientTimeout``).
    timeout: float | aiohttp.ClientTimeout
    #: Retries after the first attempt; ``0`` disables retrying.
    max_retries: int
    #: Seconds for the whole call, retries and waits included.
    deadline: float


class NotGiven(enum.Enum):
    """Marks an argument the caller left out (``None`` is a value: it clears a field)."""

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> Literal[False]:
        return False


NOT_GIVEN: Final = NotGiven.NOT_GIVEN
