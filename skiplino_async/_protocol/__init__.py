"""The Skiplino wire protocol as pure functions: no I/O, no event loop, no session.

Each concern is a module of its own, tested (and reasoned about) on its own: :mod:`._encode`
writes the query string and JSON body exactly, :mod:`._head` checks the method, path, headers
and base URL, :mod:`._answers` decodes a success envelope, :mod:`._statuses` maps an error
status to its exception and :mod:`._retry_after` reads ``Retry-After`` (the clock is passed
in). A call's arguments are checked and encoded by :mod:`.._arguments`, and what a page means
for a walk is decided in :mod:`..pagination._decide`.
"""

from ._answers import Envelope, decode_success, interpret, load_json
from ._encode import encode_json, encode_query
from ._head import (
    DEFAULT_BASE_URL,
    check_base_url,
    check_header,
    check_method,
    check_path,
    is_header_safe,
    is_loopback,
)
from ._retry_after import parse_retry_after
from ._statuses import API_PREFIX, SECRET_HINT, status_error, status_hint

__all__ = [
    "API_PREFIX",
    "DEFAULT_BASE_URL",
    "SECRET_HINT",
    "Envelope",
    "check_base_url",
    "check_header",
    "check_method",
    "check_path",
    "decode_success",
    "encode_json",
    "encode_query",
    "interpret",
    "is_header_safe",
    "is_loopback",
    "load_json",
    "parse_retry_after",
    "status_error",
    "status_hint",
]
