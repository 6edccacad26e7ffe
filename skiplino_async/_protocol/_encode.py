"""A request's query string and JSON body, encoded exactly or refused before sending.

Nothing is silently changed on its way out: yarl drops lone surrogates and turns ``+`` into a
space on some servers, orjson writes NaN as ``null``. Each encoder here either produces exactly
what was given or raises ValueError.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

import orjson

from .._arguments import require_utf8

__all__ = ["encode_json", "encode_query"]

_INT64_MIN: Final = -(2**63)
_UINT64_MAX: Final = 2**64 - 1
_MAX_JSON_DEPTH: Final = 128
# What percent-encoding leaves as it is: such a name or value is sent without a quote() call.
_UNRESERVED: Final = re.compile(r"[A-Za-z0-9_.~-]*")


def _plain(text: str) -> bool:
    """Whether ``text`` goes out as it is (ASCII letters and digits are checked without a regex)."""
    return (text.isascii() and text.isalnum()) or _UNRESERVED.fullmatch(text) is not None


def encode_query(params: Mapping[str, str | int] | None) -> str:
    """``k=v&...`` with every name and value percent-encoded exactly (``+`` as ``%2B``)."""
    if not params:
        return ""
    parts = []
    for name, value in params.items():
        if type(value) is int:  # page, limit: the common case, tested first
            text = str(value)
        elif isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(
                f"query parameter {name!r} must be a string or an int, not {type(value).__name__}"
            )
        elif isinstance(value, int):
            text = str(value)  # digits (and a sign) never need escaping
        elif _plain(value):
            text = value
        else:
            require_utf8(value, f"query parameter {name!r}")
            text = quote(value, safe="")
        if not _plain(name):
            require_utf8(name, "query parameter name")
            name = quote(name, safe="")
        parts.append(f"{name}={text}")
    return "&".join(parts)


def encode_json(value: Any, name: str = "body") -> bytes:
    """The JSON body, refusing what orjson would change or drop (NaN, surrogates, non-JSON types).

    Allowed: dicts with string keys, lists and tuples, strings, ints that fit 64 bits, finite
    floats, booleans and ``None``.
    """
    _check_json(value, name, 0)
    return orjson.dumps(value)


def _check_json(value: Any, where: str, depth: int) -> None:
    if depth > _MAX_JSON_DEPTH:
        raise ValueError(f"{where} is nested more than {_MAX_JSON_DEPTH} levels deep")
    kind = type(value)
    if kind is str:
        require_utf8(value, where)
    elif value is None or kind is bool:
        return
    elif kind is int:
        if not _INT64_MIN <= value <= _UINT64_MAX:
            raise ValueError(f"{where} = {value} does not fit the 64 bits JSON numbers carry here")
    elif kind is float:
        if not math.isfinite(value):
            raise ValueError(f"{where} = {value!r}: JSON has no NaN or infinity")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where} has a non-string key {key!r}; JSON keys are strings")
            require_utf8(key, f"a key of {where}")
            _check_json(item, f"{where}.{key}", depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]", depth + 1)
    else:
        raise ValueError(
            f"{where} is a {kind.__name__}, which has no exact JSON form; "
            "convert it to a string, number, list or dict first"
        )
