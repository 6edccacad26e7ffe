"""Keeping the API key (and proxy passwords) out of everything that can be shown.

Error messages, logs and ``repr`` are easy; the rest is where keys leak in practice: traceback
reporters that print every local of every frame (``capture_locals``, loguru, Sentry), and
servers or proxies that echo the request back. So the key lives only in a :class:`Secret`, the
headers that carry it in a :class:`RedactedHeaders`, and whatever a server sends back goes
through :meth:`Scrubber.bytes` before it is parsed, logged or attached to an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from multidict import CIMultiDict

__all__ = ["REDACTED", "RedactedHeaders", "Scrubber", "Secret", "hide_userinfo", "key_hint"]

REDACTED: Final = "<redacted>"
_SECRET_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
_USERINFO: Final = re.compile(r"(?<=://)[^/@\s]*@")


def key_hint(key: str) -> str:
    """What may be shown of a key: its kind prefix only (``sk_***``)."""
    prefix = key.split("_", 1)[0] if "_" in key[:4] else ""
    return f"{prefix}_***" if prefix else "***"


class Secret(str):
    """A string whose ``repr`` never shows it: safe as a local, a dict value or an attribute.

    ``str()`` and formatting still give the value (aiohttp writes it to the wire), so only
    code that means to send it uses it.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(REDACTED)


class RedactedHeaders(dict[str, str]):
    """Request headers whose ``repr`` hides credentials (they sit in SDK frames' locals)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(redacted(self))


def redacted(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers safe to show: credentials replaced by ``<redacted>``."""
    return {k: (REDACTED if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}


def hide_userinfo(text: str) -> str:
    """``http://user:pass@proxy`` becomes ``http://***@proxy`` wherever it appears."""
    return _USERINFO.sub("***@", text)


class Scrubber:
    """Removes the key from what a server sends back (a body, a header, a message)."""

    __slots__ = ("_hint", "_key", "_key_bytes")

    def __init__(self, key: str) -> None:
        self._key = Secret(key)
        self._key_bytes = key.encode()
        self._hint = key_hint(key)

    def bytes(self, data: bytes) -> bytes:
        # One C-level search per body; the replace only runs for a server that echoes.
        if self._key_bytes in data:
            return data.replace(self._key_bytes, self._hint.encode())
        return data

    def text(self, text: str) -> str:
        return hide_userinfo(text.replace(self._key, self._hint) if self._key in text else text)

    def headers(self, headers: Mapping[str, str]) -> Mapping[str, str]:
        """The same headers, or a copy with the key replaced where a value carries it."""
        key = self._key
        for value in headers.values():  # a plain loop: no generator per answer
            if key in value:
                return CIMultiDict((k, v.replace(key, self._hint)) for k, v in headers.items())
        return headers
