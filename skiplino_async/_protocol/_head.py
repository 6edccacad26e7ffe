"""A request's head: method, path, header values and the base URL, checked to go out exactly.

aiohttp folds header values and URL normalisation moves ``..`` segments; what would not be
sent as given is a ``ValueError`` here.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final
from urllib.parse import urlsplit

from .._advice import Advice, AdvisedValueError, Instruction, Mention, literal

__all__ = [
    "DEFAULT_BASE_URL",
    "check_base_url",
    "check_header",
    "check_method",
    "check_path",
    "is_header_safe",
    "is_loopback",
]

DEFAULT_BASE_URL: Final = "https://api-dev.skiplino.com/external/v1"

_TOKEN: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE: Final = re.compile(r"[\t\x20-\x7e]*")
_METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
# An already-encoded path: RFC 3986 path characters and %XX escapes only.
_PATH: Final = re.compile(r"(?:/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)+")


def check_method(method: object) -> str:
    """An HTTP method for ``client.request``; upper-cased, one the API can take."""
    if not isinstance(method, str) or method.upper() not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(sorted(_METHODS))}, got {method!r}")
    return method.upper()


def check_path(path: object) -> str:
    """A path for ``client.request``, relative to the base URL and sent exactly as given.

    It must start with ``/`` and be percent-encoded already (use ``params=`` for a query);
    ``.`` and ``..`` segments are refused, since URL normalisation would move them.
    """
    if not isinstance(path, str):
        raise TypeError(f"path must be a string, not {type(path).__name__}")
    if not _PATH.fullmatch(path):
        raise ValueError(
            f"path {path!r} must start with '/' and be percent-encoded, without a query "
            "(pass params= for that)"
        )
    if any(segment in (".", "..") for segment in path.split("/")):
        raise ValueError(f"path {path!r} must not contain '.' or '..' segments")
    return path


def is_header_safe(value: str) -> bool:
    """Whether a string can be a header value exactly: printable ASCII, no line breaks."""
    return _HEADER_VALUE.fullmatch(value) is not None


def check_header(name: str, value: object) -> str:
    """A header sent exactly as given: a token name and a printable-ASCII value, no CR/LF."""
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise ValueError(f"header name {name!r} is not a valid HTTP token")
    if not isinstance(value, str):
        raise TypeError(f"header {name!r} must be a string, not {type(value).__name__}")
    if not _HEADER_VALUE.fullmatch(value):
        raise ValueError(
            f"header {name!r} value {value!r} must be printable ASCII without line breaks"
        )
    return value


def check_base_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """Validate the base URL. A secret key must never travel in clear text to another host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _bad_base_url(f"{{base_url}} must be an absolute http(s) URL, got {literal(url)}")
    if parts.query or parts.fragment:
        raise _bad_base_url("{base_url} must not carry a query string or fragment")
    if parts.path and not _PATH.fullmatch(parts.path.rstrip("/") or "/"):
        # Sent as written: a space or a raw non-ASCII character would make a broken request.
        raise _bad_base_url(f"{{base_url}} path {literal(parts.path)} must be percent-encoded")
    if parts.username is not None or parts.password is not None:
        # Credentials in a URL end up in logs and error messages; the API key is the credential.
        raise _bad_base_url("{base_url} must not contain user:password@")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.hostname):
        raise _bad_base_url(
            f"refusing plain-http {{base_url}} {literal(url)}: the API key would travel "
            "unencrypted. Use https, or {insecure} if you really mean it",
            insecure=Instruction("allow_insecure_http", True),
        )
    return url.rstrip("/")


def _bad_base_url(template: str, **parts: Instruction) -> AdvisedValueError:
    return AdvisedValueError(Advice(template, {"base_url": Mention("base_url"), **parts}))


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP literal; names that merely start with ``127.`` are not."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
