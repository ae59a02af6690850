"""Bearer-token auth: JWTs signed with the configured key, carrying the caller's roles.

Every view declares who may call it: ``@allow("front_desk", "therapist")`` or
``@public``. The app refuses to start with a route that declares neither, so a new
endpoint cannot be open by accident. The admin role (the clinic owner) is allowed
wherever any staff role is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import jwt
from flask import Flask, current_app, g, request

from shared.web.problems import Problem

ROLES = ("front_desk", "therapist", "billing", "ops", "admin")
ISSUER = "medmassage"
ALGORITHM = "HS256"

View = TypeVar("View", bound=Callable[..., Any])


def issue_token(
    secret: str, subject: str, roles: list[str], ttl: timedelta = timedelta(hours=8)
) -> str:
    """Sign a staff token for ``subject`` with ``roles``."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"roles must be some of {ROLES}; got {roles}")
    now = datetime.now(UTC)
    claims = {"iss": ISSUER, "sub": subject, "roles": roles, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: str) -> dict[str, Any]:
    """Check signature, issuer and expiry; return the claims or raise jwt.InvalidTokenError."""
    return jwt.decode(
        token, secret, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp", "sub"]}
    )


def _bearer_token() -> str:
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
            secret = current_app.config["JWT_SECRET"]
            try:
                claims = verify_token(secret, _bearer_token())
            except jwt.InvalidTokenError as exc:
                raise Problem(
                    401, "Unauthorized", "The token is invalid or expired.", "unauthorized"
                ) from exc
            held = set(claims.get("roles") or [])  # a booking code holds no roles
            if not held & allowed:
                raise Problem(
                    403,
                    "Forbidden",
                    "Your role may not use this endpoint.",
                    "forbidden",
                    allowed_roles=sorted(allowed),
                )
            g.caller = claims["sub"]
            g.roles = sorted(held)
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


BOOKING_SCOPE = "booking"


def issue_booking_token(secret: str, client_id: str, ttl: timedelta = timedelta(days=30)) -> str:
    """A client's booking code for the widget: books for that client only, nothing else."""
    now = datetime.now(UTC)
    claims = {"iss": ISSUER, "sub": client_id, "scope": BOOKING_SCOPE, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def booking_client() -> str:
    """The client id of the request's booking token; 401 problem when it is missing or bad."""
    try:
        claims = verify_token(current_app.config["JWT_SECRET"], _bearer_token())
    except jwt.InvalidTokenError as exc:
        raise Problem(401, "Unauthorized", "The booking code is invalid or expired.",
                      "invalid-booking-code") from exc
    if claims.get("scope") != BOOKING_SCOPE:
        raise Problem(401, "Unauthorized", "Use the client's booking code.", "invalid-booking-code")
    # The client is the caller: the audit trail records their own reads and bookings too.
    g.caller = f"client:{claims['sub']}"
    g.roles = ["client"]
    return claims["sub"]
