"""Bearer-token auth at the HTTP edge: staff tokens checked against the service's key set.

Every view declares who may call it: ``@allow("front_desk", "therapist")`` or
``@public``. The app refuses to start with a route that declares neither, so a new
endpoint cannot be open by accident. The admin role (the clinic owner) is allowed
wherever any staff role is. What a valid token is (keys, claims, lifetime) is decided in
``shared/tokens.py``; this module only applies it to requests.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request

from shared.tokens import ROLES, TokenRefused, TokenVerifier
from shared.web.problems import Problem

log = logging.getLogger("shared.web.auth")
VERIFIER = "medmassage.staff_tokens"

View = TypeVar("View", bound=Callable[..., Any])


def use_token_verifier(app: Flask, verifier: TokenVerifier) -> None:
    """Check this app's staff tokens with ``verifier`` (create_service_app installs it)."""
    app.extensions[VERIFIER] = verifier


def _staff_claims() -> Any:
    verifier: TokenVerifier | None = current_app.extensions.get(VERIFIER)
    if verifier is None:
        raise RuntimeError("no staff token verifier: build the app with create_service_app")
    try:
        return verifier.verify(bearer_token())
    except TokenRefused as exc:
        # Why a token was refused helps whoever debugs a login; the caller is told nothing.
        log.info("staff token refused", extra={"reason": str(exc)})
        raise Problem(
            401, "Unauthorized", "The token is invalid or expired.", "unauthorized"
        ) from exc


def bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem(
            401, "Unauthorized", "Send a bearer token in the Authorization header.", "unauthorized"
        )
    return token.strip()


def allow(*roles: str) -> Callable[[View], View]:
    """Let callers holding any of ``roles`` (or admin) use this view."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")
    allowed = frozenset(roles) | {"admin"}

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            claims = _staff_claims()
            held = set(claims.roles)
            # Known before the role check: a refused attempt is audited under who made it.
            g.caller = claims.subject
            g.roles = sorted(held)
            if not held & allowed:
                raise Problem(
                    403,
                    "Forbidden",
                    "Your role may not use this endpoint.",
                    "forbidden",
                    allowed_roles=sorted(allowed),
                )
            return view(*args, **kwargs)

        guarded.allowed_roles = allowed  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def public(view: View) -> View:
    """Mark a view as open to anyone (health checks, the booking widget's public reads)."""
    view.allowed_roles = None  # type: ignore[attr-defined]
    return view


def access_of(view: Callable[..., Any]) -> frozenset[str] | None:
    """The roles a view allows (None = public); raises if it declares nothing."""
    if not hasattr(view, "allowed_roles"):
        raise LookupError(getattr(view, "__name__", repr(view)))
    return view.allowed_roles


def check_every_route_declares_access(app: Flask) -> None:
    """Refuse to start when a route has neither @allow nor @public."""
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        try:
            access_of(app.view_functions[rule.endpoint])
        except LookupError:
            undeclared.append(rule.rule)
    if undeclared:
        raise RuntimeError(f"routes without @allow/@public: {undeclared}")
