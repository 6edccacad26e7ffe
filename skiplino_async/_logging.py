"""The ``skiplino_async`` logger: silent by default, ``SKIPLINO_LOG=debug|info`` to switch on.

Nothing logged here ever contains the API key: headers are redacted before they are logged.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Final

logger: Final = logging.getLogger("skiplino_async")
_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}
_HANDLER_NAME: Final = "skiplino_async.env"


def configure_from_env(environ: Mapping[str, str] = os.environ) -> None:
    """Attach a stderr handler when ``SKIPLINO_LOG`` asks for one (once)."""
    level = _LEVELS.get(environ.get("SKIPLINO_LOG", "").strip().lower())
    if level is None:
        return
    logger.setLevel(level)
    if not any(h.get_name() == _HANDLER_NAME for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)


def redacted_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers safe to log: credentials replaced."""
    return {
        k: ("<redacted>" if k.lower() in ("authorization", "cookie", "proxy-authorization") else v)
        for k, v in headers.items()
    }
