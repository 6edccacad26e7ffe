"""What one API call is, before any I/O: the request, and the settings it is sent with.

A :class:`Request` is built by a resource method from its row of the table of operations (or
by ``client.request``); :class:`Settings` are the client's defaults with the call's overrides.
:meth:`._wire.WireFormat.build` turns the two into the bytes on the wire, refusing anything
it cannot send exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
import attrs

from ._retry import RetryPolicy

__all__ = ["Request", "Settings"]


@attrs.frozen
class Request:
    """One API call: what to send and how it may be retried."""

    method: str
    path: str  # already percent-encoded, relative to the base URL
    params: Mapping[str, str | int] | None = None
    json: Any = None
    #: Safe to send twice (GET/PUT/DELETE, or a create keyed by an external id).
    idempotent: bool = True
    #: Shown on 401: the operation needs a secret key.
    secret_only: bool = False


@attrs.frozen
class Settings:
    """Per-call settings: the client's defaults, possibly overridden for one call."""

    timeout: aiohttp.ClientTimeout
    retry: RetryPolicy
    locale: str | None = None
    deadline: float | None = None
    #: Seconds the call may spend waiting on the server's throttling (429s).
    max_throttle_wait: float = 600.0
    #: Merged last into the request (``extra_headers=`` ... on any call).
    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, str | int] | None = None
    extra_body: Mapping[str, Any] | None = None
