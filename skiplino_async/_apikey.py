"""The API key: taken from the argument or ``$SKIPLINO_API_KEY``, checked, kept as a secret."""

from __future__ import annotations

import os
from typing import Final

from . import _protocol
from ._advice import Advice, AdvisedValueError, Instruction, Mention
from ._redact import Secret

__all__ = ["check_api_key", "read_key"]

_NO_KEY: Final = Advice(
    "no API key: {api_key}",
    {"api_key": Instruction("api_key", env="SKIPLINO_API_KEY")},
)


def check_api_key(value: str | None) -> None:
    """Refuse a missing or malformed key (``value``, else ``$SKIPLINO_API_KEY``) as the client
    would: an :class:`AdvisedValueError` naming ``api_key``."""
    key, problem = read_key(value)
    if key is None:
        raise AdvisedValueError(problem)


def read_key(value: str | None) -> tuple[Secret | None, Advice]:
    """The API key as a :class:`Secret`, or ``None`` and why not. Never raises: the caller
    drops the key from its locals first (reporters that capture locals would print it)."""
    key = value if value is not None else os.environ.get("SKIPLINO_API_KEY")
    if not key:
        return None, _NO_KEY
    if not isinstance(key, str) or not _protocol.is_header_safe(key):
        return None, Advice(
            "{api_key} must be a single-line string of printable ASCII",
            {"api_key": Mention("api_key")},
        )
    return Secret(key), _NO_KEY
