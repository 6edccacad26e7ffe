"""A request as it goes on the wire: the URL and the headers, built once per call.

Pure: no I/O. Anything that cannot be sent exactly as given is a ``ValueError`` here, before
anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, NamedTuple

from yarl import URL

from . import _protocol
from ._decode import ACCEPT_ENCODING
from ._redact import RedactedHeaders, Secret
from ._request import Request, Settings

__all__ = ["Wire", "WireFormat"]


class Wire(NamedTuple):
    """A request as it goes on the wire; built once per call, before anything is sent."""

    method: str
    path: str  # as the request named it, for log lines
    url: URL
    headers: RedactedHeaders
    body: bytes | None


class WireFormat:
    """Turns a :class:`Request` and its :class:`Settings` into a :class:`Wire` for one API."""

    __slots__ = ("_base_headers", "_base_url", "_url_parts")

    def __init__(self, base_url: str, api_key: Secret, user_agent: str) -> None:
        self._base_url = base_url
        self._url_parts = _url_parts(base_url)
        self._base_headers: Final = RedactedHeaders(
            {
                "Authorization": Secret(f"Bearer {api_key}"),
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
                "User-Agent": user_agent,
            }
        )

    def build(self, request: Request, settings: Settings) -> Wire:
        """The exact bytes to send; ValueError for anything that cannot be sent as given."""
        params = request.params
        if settings.extra_query:
            params = {**(params or {}), **settings.extra_query}
        query = _protocol.encode_query(params)
        url = self.url(request.path, query)
        payload = request.json
        if settings.extra_body:
            if payload is None and request.method in ("GET", "DELETE", "HEAD"):
                raise ValueError(f"extra_body= does not apply to a {request.method} request")
            if payload is not None and not isinstance(payload, Mapping):
                raise ValueError("extra_body= needs a request whose body is a JSON object")
            payload = {**(payload or {}), **settings.extra_body}
        body = _protocol.encode_json(payload) if payload is not None else None
        headers = self._base_headers
        if settings.locale or body is not None or settings.extra_headers:
            # Only then a copy: aiohttp copies what it is given, so the plain case shares one.
            headers = RedactedHeaders(headers)
            if settings.locale:
                headers["X-Locale"] = settings.locale
            if body is not None:
                headers["Content-Type"] = "application/json"
            if settings.extra_headers:
                headers.update(settings.extra_headers)
        return Wire(request.method, request.path, url, headers, body)

    def url(self, path: str, query: str) -> URL:
        """``base_url + path + ?query``, all already percent-encoded, sent as they are."""
        parts = self._url_parts
        if parts is None:
            return URL(self._base_url + path + (f"?{query}" if query else ""), encoded=True)
        scheme, authority, base_path = parts
        # From parts, not from one string: yarl then has nothing to parse (a few µs a call).
        return URL.build(
            scheme=scheme,
            authority=authority,
            path=base_path + path,
            query_string=query,
            encoded=True,
        )


def _url_parts(base_url: str) -> tuple[str, str, str] | None:
    """``(scheme, authority, path)`` of the base URL, or ``None`` if building a URL from them
    would not give back exactly ``base_url`` (then each URL is parsed from its string)."""
    url = URL(base_url, encoded=True)
    parts = (url.scheme, url.raw_authority, url.raw_path.rstrip("/"))
    built = URL.build(scheme=parts[0], authority=parts[1], path=parts[2], encoded=True)
    return parts if str(built) == base_url else None
