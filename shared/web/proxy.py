"""The client's address and scheme behind a trusted proxy (MEDMASSAGE_TRUSTED_PROXY_*).

Behind an ingress every request comes from the ingress's address; the client's is in a
header the ingress appends to (``X-Forwarded-For: <client>, <proxy>...``). Anyone can send
that header too, so only the entry the trusted proxies wrote counts: with N proxies in
front of the service, the Nth from the right (what the outermost one saw). Without the
setting the header is ignored, so a client cannot choose its own address.

The chosen address becomes the request's ``remote_addr`` and ``X-Forwarded-Proto`` (read
the same way) its scheme, so rate limits, the audit trail and HSTS all see the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

WSGIApp = Any  # a WSGI callable: (environ, start_response) -> iterable of bytes
WSGIEnvironment = dict[str, Any]


def nth_from_right(value: str | None, hops: int) -> str | None:
    """The entry ``hops`` places from the right of a comma-separated header, if it has one."""
    if not value:
        return None
    entries = [entry.strip() for entry in value.split(",")]
    return entries[-hops] if len(entries) >= hops else None


def _address(value: str | None) -> str | None:
    """``value`` when it is an IP address (a proxy writes one; anything else is ignored)."""
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


class TrustedProxy:
    """WSGI middleware: take REMOTE_ADDR and the scheme from the trusted proxy's headers."""

    def __init__(self, app: WSGIApp, header: str, hops: int) -> None:
        self.app = app
        self.hops = hops
        self.environ_key = "HTTP_" + header.upper().replace("-", "_")

    def __call__(self, environ: WSGIEnvironment, start_response: Any) -> Iterable[bytes]:
        """Rewrite the environ from the proxy's headers, then call the app."""
        address = _address(nth_from_right(environ.get(self.environ_key), self.hops))
        if address is not None:
            environ["REMOTE_ADDR"] = address
        scheme = nth_from_right(environ.get("HTTP_X_FORWARDED_PROTO"), self.hops)
        if scheme in ("http", "https"):
            environ["wsgi.url_scheme"] = scheme
        return self.app(environ, start_response)
