"""Every public error class survives pickle, so a worker process can raise one to its pool.

Keyword-only ``__init__`` arguments and aiohttp's ``CIMultiDictProxy`` headers used to break
``ProcessPoolExecutor`` (``BrokenProcessPool``) and hang ``multiprocessing.Pool``.
"""

from __future__ import annotations

import inspect
import pickle
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import multidict
import pytest

import skiplino_async as sk
from skiplino_async import errors
from skiplino_async.testing import FakeSkiplino

HEADERS = multidict.CIMultiDictProxy(
    multidict.CIMultiDict({"X-Request-Id": "req-42", "Retry-After": "3"})
)
PUBLIC = sorted(
    (
        cls
        for cls in vars(sk).values()
        if inspect.isclass(cls) and issubclass(cls, sk.SkiplinoError)
    ),
    key=lambda cls: cls.__name__,
)


def make(cls: type[sk.SkiplinoError]) -> sk.SkiplinoError:
    if issubclass(cls, sk.APIStatusError):
        return cls(
            "The given data was invalid.",
            status_code=422,
            error={"groupOfServiceId": "This value does not exist."},
            body={"message": "The given data was invalid."},
            headers=HEADERS,
            retry_after=3.0,
            attempts=2,
        )
    if issubclass(cls, sk.APIResponseValidationError):
        return cls("bad shape", status_code=200, body=b"{}", headers=HEADERS)
    if issubclass(cls, sk.APIConnectionError):
        return cls("reset", request_sent=True, attempts=3)
    if cls is sk.PaginationError:
        return cls("pages loop", "stale", 7, {"version": 2})
    if cls is sk.DriftError:
        return cls(sk.DriftEvent(page=3, previous_total=30, total=31), {"version": 1})
    return cls("something")


def fields(error: BaseException) -> dict[str, Any]:
    shown = {k: v for k, v in vars(error).items() if k != "headers"}
    shown["class"] = type(error)
    shown["str"] = str(error)
    shown["args"] = error.args
    for name in ("status_code", "message", "body", "request_id", "request_sent"):
        if hasattr(error, name):
            shown[name] = getattr(error, name)
    if hasattr(error, "headers"):
        shown["headers"] = dict(error.headers)
    return shown


def test_every_public_error_class_is_covered() -> None:
    assert {c.__name__ for c in PUBLIC} >= set(errors.__all__) - {"JSON"}


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
def test_pickle_round_trip_keeps_everything(cls: type[sk.SkiplinoError]) -> None:
    error = make(cls)
    error.checkpoint = {"version": 1, "next_page": 4}
    back = pickle.loads(pickle.dumps(error))
    assert fields(back) == fields(error)
    if isinstance(error, sk.APIStatusError):
        assert isinstance(back, sk.APIStatusError)
        assert back.headers["x-request-id"] == "req-42"  # still case-insensitive
        assert back.request_id == "req-42"


def _raise(name: str) -> None:
    raise make(getattr(sk, name))


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
def test_a_worker_process_can_raise_it(cls: type[sk.SkiplinoError]) -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        future = pool.submit(_raise, cls.__name__)
        with pytest.raises(cls) as caught:
            future.result(timeout=30)
    assert fields(caught.value) == fields(make(cls))


async def test_an_error_from_a_real_response_pickles(
    client: sk.Skiplino, fake: FakeSkiplino
) -> None:
    with pytest.raises(sk.NotFoundError) as caught:
        await client.tickets.get("zzzzzzzzzz")
    back = pickle.loads(pickle.dumps(caught.value))
    assert (back.status_code, back.request_id) == (404, caught.value.request_id)
    assert back.request_id == fake.requests[-1].request_id
