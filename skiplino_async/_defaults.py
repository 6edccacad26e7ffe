"""What both clients (async and blocking) show of their defaults, and ``with_options``."""

from __future__ import annotations

from typing import Any, Self

import aiohttp

from ._options import drop_none
from ._request import Settings
from ._types import CallOptions

__all__ = ["ClientDefaults"]


class ClientDefaults:
    """The defaults of a client, read-only, and cheap copies of it with others.

    A subclass sets ``_base_url`` and ``_settings`` and says how it copies itself
    (:meth:`_copy`).
    """

    _base_url: str
    _settings: Settings

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Each client holds these as its own: the API reference (pdoc) shows nothing a class
        # inherits from a private one.
        for name, member in vars(ClientDefaults).items():
            if not name.startswith("_"):
                setattr(cls, name, member)

    @property
    def base_url(self) -> str:
        """The API base URL every path is joined to (no trailing slash)."""
        return self._base_url

    @property
    def locale(self) -> str | None:
        """The default ``X-Locale`` of this client, or ``None`` when none is sent."""
        return self._settings.locale

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt of each call."""
        return self._settings.retry.max_retries

    @property
    def timeout(self) -> aiohttp.ClientTimeout:
        """The per-attempt timeout."""
        return self._settings.timeout

    def with_options(
        self,
        *,
        timeout: float | aiohttp.ClientTimeout | None = None,
        max_retries: int | None = None,
        locale: str | None = None,
        deadline: float | None = None,
    ) -> Self:
        """A cheap copy with other defaults that shares this client's session and pool (and a
        blocking client's loop).

        Closing the copy does nothing; the original owns them.
        """
        return self._copy(
            drop_none(timeout=timeout, max_retries=max_retries, locale=locale, deadline=deadline)
        )

    def _copy(self, options: CallOptions) -> Self:
        """A copy with ``options`` over this client's defaults, owning nothing."""
        raise NotImplementedError
