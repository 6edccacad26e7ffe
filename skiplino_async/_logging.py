"""The ``skiplino_async`` logger: silent by default, ``SKIPLINO_LOG=debug|info`` to switch on.

What is logged, by level:

* ``DEBUG``: every attempt's request line, headers and body, and the response status and body
  (truncated). The ``Authorization`` header is redacted before it is formatted.
* ``INFO``: each retry (the reason and the wait before it), each failed call, and each call
  slower than 5 s: what an application running at INFO wants to see, not every success.
* ``DEBUG`` also gets one line per successful call: method, path, status, duration, attempts.

Nothing logged here ever contains the API key.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Final

logger: Final = logging.getLogger("skiplino_async")
# A library must not print on its own: without this, Python's last-resort handler would write
# retry warnings to stderr in applications that never configured logging.
logger.addHandler(logging.NullHandler())

_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}
_HANDLER_NAME: Final = "skiplino_async.env"


def configure_from_env(environ: Mapping[str, str] = os.environ) -> logging.Handler | None:
    """Attach a stderr handler when ``SKIPLINO_LOG`` is ``debug`` or ``info`` (once).

    Called when :mod:`skiplino_async` is imported. Returns the handler that logs the SDK's
    records (the existing one if already attached), or ``None`` when the variable is unset or
    names another level, in which case the logger is left as the application configured it.
    """
    level = _LEVELS.get(environ.get("SKIPLINO_LOG", "").strip().lower())
    if level is None:
        return None
    logger.setLevel(level)
    for existing in logger.handlers:
        if existing.get_name() == _HANDLER_NAME:
            existing.setLevel(level)
            return existing
    handler = logging.StreamHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    return handler
