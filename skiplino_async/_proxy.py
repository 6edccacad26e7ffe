"""Which proxy a request goes through, and the header carrying its credentials."""

from __future__ import annotations

import base64
import urllib.request

from yarl import URL

from ._redact import RedactedHeaders, Secret, hide_userinfo

__all__ = ["proxy_for"]


def proxy_for(base_url: str, proxy: str | None) -> tuple[str | None, RedactedHeaders | None]:
    """The proxy for the API host: the explicit one, else ``HTTPS_PROXY``/``HTTP_PROXY``
    unless ``NO_PROXY`` names the host. Credentials in its URL become a Proxy-Authorization
    header (kept as a :class:`Secret`).

    Resolved here rather than with aiohttp's ``trust_env``, which would also read ``~/.netrc``
    and could replace the bearer key with a netrc password.
    """
    if proxy is None:
        url = URL(base_url)
        bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
        if url.host is None or bypass(url.host):
            return None, None
        proxy = urllib.request.getproxies_environment().get(url.scheme)
        if not proxy:
            return None, None
    parsed = URL(proxy)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"proxy must be an http(s):// URL, got {hide_userinfo(proxy)!r}")
    headers = None
    if parsed.user is not None:
        token = base64.b64encode(f"{parsed.user}:{parsed.password or ''}".encode()).decode()
        headers = RedactedHeaders({"Proxy-Authorization": Secret(f"Basic {token}")})
        parsed = parsed.with_user(None)
    return str(parsed), headers
