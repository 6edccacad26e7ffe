"""What a failed exchange is called, without a socket: a table and the invariants.

``request_sent`` is what the attempt's progress saw, whatever the exception; an error before
sending names its phase; only a failure after sending can be ambiguous for retrying.
"""

from __future__ import annotations

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from skiplino_async import APIConnectionError, APITimeoutError, RetryPolicy
from skiplino_async._failures import connection_error
from skiplino_async._progress import CONNECTING, UNKNOWN, WAITING, Progress
from skiplino_async._redact import Scrubber
from skiplino_async._retry import CallState, Failure

KEY = "sk_test_failuretable"
TIMEOUT = aiohttp.ClientTimeout(total=2.0)
URL_ = URL("https://api.skiplino.test/external/v1/tickets/book")
INFO = aiohttp.RequestInfo(URL_, "CONNECT", CIMultiDictProxy(CIMultiDict()), URL_)


def proxy_refusal() -> aiohttp.ClientHttpProxyError:
    return aiohttp.ClientHttpProxyError(
        INFO, (), status=407, message="Proxy Authentication Required"
    )


def progress(*, sent: bool, phase: str = CONNECTING, reused: bool = False) -> Progress:
    p = Progress(phase)
    p.reused = reused
    p._resent = sent  # as if aiohttp had handed the request's bytes to a connection
    return p


def classify(exc: BaseException, p: Progress) -> tuple[APIConnectionError, Failure]:
    state = CallState.start(RetryPolicy(), idempotent=True, timeout=TIMEOUT, deadline=None, now=0)
    state.attempt_timeout(0.0)
    return connection_error(exc, p, timeout=TIMEOUT, state=state, scrub=Scrubber(KEY))


@pytest.mark.parametrize(
    ("exc", "p", "cls", "failure", "words"),
    [
        (TimeoutError(), progress(sent=False, phase=WAITING), APITimeoutError, Failure.NOT_SENT,
         "timed out waiting for a free connection"),
        (TimeoutError(), progress(sent=False), APITimeoutError, Failure.NOT_SENT,
         "timed out connecting"),
        (TimeoutError(), progress(sent=False, phase=UNKNOWN), APITimeoutError, Failure.NOT_SENT,
         "timed out before the request was sent"),
        (aiohttp.ConnectionTimeoutError("x"), progress(sent=False, phase=UNKNOWN),
         APITimeoutError, Failure.NOT_SENT, "timed out connecting"),
        (proxy_refusal(), progress(sent=False), APIConnectionError, Failure.NOT_SENT,
         "the proxy refused the tunnel: 407"),
        (TimeoutError(), progress(sent=True), APITimeoutError, Failure.TIMEOUT,
         "timed out waiting for the response"),
        (aiohttp.ServerDisconnectedError(), progress(sent=True), APIConnectionError,
         Failure.DISCONNECTED, "connection failed mid-request"),
        (aiohttp.ServerDisconnectedError(), progress(sent=True, reused=True),
         APIConnectionError, Failure.STALE, "connection failed mid-request"),
        (aiohttp.ClientConnectionResetError("closing"), progress(sent=False),
         APIConnectionError, Failure.NOT_SENT, "could not send the request"),
    ],
)  # fmt: skip
def test_failure_table(
    exc: BaseException, p: Progress, cls: type, failure: Failure, words: str
) -> None:
    error, got = classify(exc, p)
    assert type(error) is cls
    assert got is failure
    assert words in str(error)
    assert error.request_sent is p.sent


EXCEPTIONS = st.sampled_from(
    [
        TimeoutError(),
        aiohttp.ConnectionTimeoutError("x"),
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientOSError(104, "Connection reset by peer"),
        aiohttp.ClientPayloadError("cut"),
        aiohttp.ClientConnectionResetError("closing"),
        proxy_refusal(),
        OSError(f"echo {KEY}"),
    ]
)


@given(
    exc=EXCEPTIONS,
    sent=st.booleans(),
    phase=st.sampled_from([WAITING, CONNECTING, UNKNOWN]),
    reused=st.booleans(),
)
def test_invariants(exc: BaseException, sent: bool, phase: str, reused: bool) -> None:
    error, failure = classify(exc, progress(sent=sent, phase=phase, reused=reused))
    assert error.request_sent is sent
    # Only a failure after the bytes went out can be ambiguous; before, it is always safe.
    assert (failure is Failure.NOT_SENT) is not sent
    assert isinstance(error, APITimeoutError) is isinstance(exc, TimeoutError)
    assert KEY not in str(error)


def test_aiohttp_still_gives_a_request_its_response_when_it_sends_it() -> None:
    # What Progress.sent reads; were it gone, every attempt would count as sent (safe, but
    # no unsent booking would be retried any more).
    assert aiohttp.ClientRequest.response is None
    assert progress(sent=False).sent is False
