"""Security headers on every answer: no framing, no sniffing, no referrer, HSTS over TLS.

The services answer JSON (and one printable HTML form), so the default policy lets a
browser load nothing and frame nothing. A view that serves a page sets its own
``Content-Security-Policy``; this hook then keeps it, adds ``frame-ancestors 'none'`` when
the policy says nothing about framing, and sends ``X-Frame-Options: DENY`` only when the
policy's ``frame-ancestors`` is ``'none'``: a page meant to be framed (the booking widget)
says by whom in its own policy, and ``X-Frame-Options`` cannot express that list.
"""

from __future__ import annotations

from flask import Flask, Response, request

# For JSON and problem documents: nothing to load, nothing to submit, never framed.
API_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
NO_FRAMING = "'none'"
# A year; browsers honour it only when it arrives over TLS (RFC 6797 §8.1).
HSTS = "max-age=31536000; includeSubDomains"

# What every answer carries whoever made it: the app, or the HTTP server refusing a request.
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    # The paths hold client ids; nothing the services answer needs to tell anyone where
    # the browser came from.
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": API_POLICY,
    "X-Frame-Options": "DENY",
}


def frame_ancestors(policy: str) -> str | None:
    """The ``frame-ancestors`` sources of a CSP, or None when it has no such directive."""
    for directive in policy.split(";"):
        name, _, sources = directive.strip().partition(" ")
        if name.lower() == "frame-ancestors":
            return sources.strip()
    return None


def secure(response: Response, over_tls: bool) -> Response:
    """Add the security headers ``response`` lacks (a view's own CSP is kept)."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", ALWAYS["X-Content-Type-Options"])
    headers.setdefault("Referrer-Policy", ALWAYS["Referrer-Policy"])
    policy = headers.get("Content-Security-Policy")
    if policy is None:
        headers["Content-Security-Policy"] = API_POLICY
    elif frame_ancestors(policy) is None:
        headers["Content-Security-Policy"] = f"{policy.rstrip('; ')}; frame-ancestors {NO_FRAMING}"
    if frame_ancestors(headers["Content-Security-Policy"]) == NO_FRAMING:
        headers.setdefault("X-Frame-Options", "DENY")
    if over_tls:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def send_security_headers(app: Flask) -> None:
    """Give every answer of ``app`` the security headers (HSTS when the request used TLS)."""

    @app.after_request
    def _secure(response: Response) -> Response:
        # is_secure follows the trusted proxy's X-Forwarded-Proto when one is configured.
        return secure(response, request.is_secure)
