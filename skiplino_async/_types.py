"""Small shared types: per-call options and the "argument not given" sentinel."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Final, Literal, TypedDict

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
    #: Seconds the call (a walk: each page) may wait on the server's throttling.
    max_throttle_wait: float
    #: Headers merged last into the request (``Authorization`` cannot be set this way).
    extra_headers: Mapping[str, str]
    #: Query parameters merged last (they win over the SDK's own).
    extra_query: Mapping[str, str | int]
    #: Members merged last into a JSON object body.
    extra_body: Mapping[str, Any]


class NotGiven(enum.Enum):
    """Marks an argument the caller left out (``None`` is a value: it clears a field)."""

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> Literal[False]:
        return False


NOT_GIVEN: Final = NotGiven.NOT_GIVEN
