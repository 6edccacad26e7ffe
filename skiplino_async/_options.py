"""A client's settings and the per-call options over them: each value checked, then merged.

A bad value is refused where it is given (the constructor, ``with_options`` or the call), with
the option's name, never later on every request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import aiohttp
import attrs

from . import _protocol
from ._checks import check_count, check_seconds, check_timeout
from ._request import Settings
from ._retry import RetryPolicy
from ._types import CallOptions

__all__ = ["drop_none", "initial_settings", "resolve"]

_FRAMING_HEADERS: Final = frozenset({"content-length", "transfer-encoding", "host", "connection"})


def initial_settings(
    *,
    timeout: float | aiohttp.ClientTimeout,
    max_retries: int | None,
    retry_policy: RetryPolicy | None,
    locale: str | None,
    deadline: float | None,
    max_throttle_wait: float,
) -> Settings:
    """A new client's defaults; an explicit ``max_retries`` overrides the policy's own."""
    policy = retry_policy if retry_policy is not None else RetryPolicy()
    if max_retries is not None:
        policy = policy.with_max_retries(_check_retries(max_retries))
    return Settings(
        timeout=check_timeout(timeout),
        retry=policy,
        locale=_check_locale(locale),
        deadline=_check_deadline(deadline),
        max_throttle_wait=_check_throttle_wait(max_throttle_wait),
    )


def resolve(settings: Settings, options: CallOptions) -> Settings:
    """``settings`` with the call's ``options`` checked and applied."""
    if not options:
        return settings
    changes: dict[str, Any] = {}
    for name, value in options.items():
        rule = _RULES.get(name)
        if rule is None:
            raise TypeError(f"unexpected option {name!r}")
        field, check = rule
        changes[field] = check(settings, value)
    return attrs.evolve(settings, **changes)


def drop_none(**kwargs: Any) -> CallOptions:
    """The options given a value (``with_options``' ``None`` means "keep the default")."""
    return {k: v for k, v in kwargs.items() if v is not None}  # type: ignore[return-value]


def _check_locale(value: object) -> str | None:
    if not value:
        return None
    return _protocol.check_header("X-Locale", value)


def _check_extra_headers(value: object) -> Mapping[str, str]:
    headers = _check_mapping(value, "extra_headers")
    for name, item in headers.items():
        lowered = name.lower() if isinstance(name, str) else ""
        if lowered in ("authorization", "proxy-authorization"):
            raise ValueError(
                f"extra_headers cannot set {name}: the client's api_key is the credential "
                "(create a Skiplino client with the other key instead)"
            )
        if lowered in _FRAMING_HEADERS:
            # aiohttp would send them as given: a body cut to a Content-Length, say.
            raise ValueError(
                f"extra_headers cannot set {name}: the HTTP client frames each request itself"
            )
        _protocol.check_header(name, item)
    return headers


def _check_mapping(value: object, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping, not {type(value).__name__}")
    return dict(value)


def _check_retries(value: object) -> int:
    return check_count(value, "max_retries", low=0)


def _check_deadline(value: object) -> float | None:
    return None if value is None else check_seconds(value, "deadline")


def _check_throttle_wait(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValueError(f"max_throttle_wait must be a number of seconds >= 0, got {value!r}")
    return float(value)


#: Each option: the :class:`Settings` field it sets, and how from the current settings.
_RULES: Final[dict[str, tuple[str, Callable[[Settings, Any], Any]]]] = {
    "timeout": ("timeout", lambda _, value: check_timeout(value)),
    "max_retries": ("retry", lambda s, value: s.retry.with_max_retries(_check_retries(value))),
    "locale": ("locale", lambda _, value: _check_locale(value)),
    "deadline": ("deadline", lambda _, value: _check_deadline(value)),
    "max_throttle_wait": ("max_throttle_wait", lambda _, value: _check_throttle_wait(value)),
    "extra_headers": ("extra_headers", lambda _, value: _check_extra_headers(value)),
    "extra_query": ("extra_query", lambda _, value: _check_mapping(value, "extra_query")),
    "extra_body": ("extra_body", lambda _, value: _check_mapping(value, "extra_body")),
}
