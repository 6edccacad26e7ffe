"""A fake Skiplino API server for tests: real HTTP on 127.0.0.1, in-memory state, faults.

Example::

    from skiplino_async.testing import FakeSkiplino

    async with FakeSkiplino(customers=137, seed=0) as fake:
        client = Skiplino(api_key=fake.secret_key, base_url=fake.url)
        fake.faults.status(503, retry_after="1", path="/branches", times=1)
        ...
        assert fake.state.tickets_created == 1

Besides aiohttp, orjson and the standard library, this package reads only the SDK's table of
operations and its models (what the API is: routes, key rules, page limits, fields); it never
imports the SDK client (how the API is called), so it can check the client independently.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import (
        BASE_PATH,
        FAULTS_KEY,
        REQUESTS_KEY,
        STATE_KEY,
        RecordedRequest,
        create_app,
    )
    from ._faults import FaultKind, FaultRule, Faults
    from ._openapi import openapi_document
    from ._records import (
        BranchRecord,
        CustomerRecord,
        GroupRecord,
        ServiceRecord,
        TicketRecord,
    )
    from ._server import FakeSkiplino, serve
    from ._state import BookingRejected, FakeState, InvalidField, NotCancellable, TreeGroup

# Public name -> defining module. Imported on first use (PEP 562) so that importing this
# package, e.g. for its pytest plugin module, stays cheap and loads no aiohttp.
_EXPORTS = {
    "BASE_PATH": "._app",
    "FAULTS_KEY": "._app",
    "REQUESTS_KEY": "._app",
    "STATE_KEY": "._app",
    "RecordedRequest": "._app",
    "create_app": "._app",
    "FaultKind": "._faults",
    "FaultRule": "._faults",
    "Faults": "._faults",
    "openapi_document": "._openapi",
    "BranchRecord": "._records",
    "CustomerRecord": "._records",
    "GroupRecord": "._records",
    "ServiceRecord": "._records",
    "TicketRecord": "._records",
    "FakeSkiplino": "._server",
    "serve": "._server",
    "BookingRejected": "._state",
    "FakeState": "._state",
    "InvalidField": "._state",
    "NotCancellable": "._state",
    "TreeGroup": "._state",
}

__all__ = [
    "BASE_PATH",
    "FAULTS_KEY",
    "REQUESTS_KEY",
    "STATE_KEY",
    "BookingRejected",
    "BranchRecord",
    "CustomerRecord",
    "FakeSkiplino",
    "FakeState",
    "FaultKind",
    "FaultRule",
    "Faults",
    "GroupRecord",
    "InvalidField",
    "NotCancellable",
    "RecordedRequest",
    "ServiceRecord",
    "TicketRecord",
    "TreeGroup",
    "create_app",
    "openapi_document",
    "serve",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
