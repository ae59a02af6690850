"""What every console request goes through: session cookie, CSRF check, CSP, role check.

Pages declare who may open them with ``@page("front_desk")`` (admin may open every page)
or ``shared.web.auth.public``; the app refuses to start with a route that declares neither
(``check_every_route_declares_access``), as every service does.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, abort, current_app, g, redirect, request, url_for

from services.console.commands.accounts import current_session
from services.console.config import ConsoleConfig
from services.console.domain.sessions import AWAITING_CODE, MUST_CHANGE_PASSWORD, MUST_ENROL
from services.console.store.accounts import find_account
from shared.db import utcnow, write_transaction
from shared.tokens import ROLES

View = TypeVar("View", bound=Callable[..., Any])

SESSION_COOKIE = "console_session"
CSRF_COOKIE = "console_csrf"
CSRF_FIELD = "csrf_token"
# No inline script or style anywhere: every script and sheet is a file of static/.
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Where a session that has not finished signing in is sent.
STEP_PAGE = {AWAITING_CODE: "auth.code", MUST_ENROL: "auth.enrol",
             MUST_CHANGE_PASSWORD: "auth.change_password"}


def console_config() -> ConsoleConfig:
    """The app's ConsoleConfig."""
    return current_app.extensions["console.config"]


def csrf_token() -> str:
    """The CSRF token forms carry (the double-submit cookie's value)."""
    token = g.get("csrf_token")
    if token is None:
        token = g.csrf_token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        g.new_csrf = CSRF_COOKIE not in request.cookies
    return token


def _check_csrf() -> None:
    # Double-submit: the form field must equal the cookie, which another site can neither
    # read nor set (HttpOnly, SameSite=Strict); OWASP CSRF Prevention Cheat Sheet.
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token", "")
    if not cookie or not hmac.compare_digest(cookie, sent):
        abort(400, description="This form has expired or did not come from the console. "
                               "Reload the page and send it again.")


def _load_session() -> None:
    g.session = g.account = None
    token = request.cookies.get(SESSION_COOKIE)
    if not token or request.endpoint == "static":
        return
    config = console_config()
    engine = current_app.extensions["console.engine"]
    with write_transaction(engine) as connection:
        session = current_session(connection, utcnow(), token, config.idle_timeout)
        account = find_account(connection, session.username) if session else None
    if session is None or account is None or account.disabled:
        g.session_ended = True
        return
    g.session, g.account = session, account


def _finish(response: Response) -> Response:
    config = console_config()
    response.headers["Content-Security-Policy"] = POLICY
    if request.endpoint != "static":
        # Pages show client records: nothing of them stays in a shared browser's cache.
        response.headers["Cache-Control"] = "no-store"
    if g.get("new_csrf"):
        response.set_cookie(CSRF_COOKIE, g.csrf_token, httponly=True, samesite="Strict",
                            secure=config.secure_cookies, path="/")
    if g.get("session_ended"):
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def install(app: Flask) -> None:
    """Load the session, check CSRF on every unsafe request, send the CSP."""

    @app.before_request
    def _before() -> None:
        if request.method in UNSAFE_METHODS:
            _check_csrf()
        _load_session()

    app.after_request(_finish)
    app.jinja_env.globals["csrf_token"] = csrf_token


def page(*roles: str) -> Callable[[View], View]:
    """A page for signed-in staff holding one of ``roles`` (any role when none is named)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")
    allowed = frozenset(roles or ROLES) | {"admin"}

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            session = g.get("session")
            if session is None:
                reason = "idle" if g.get("session_ended") else None
                return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?"),
                                        ended=reason))
            step = STEP_PAGE.get(session.stage)
            if step:
                return redirect(url_for(step))
            if not set(g.account.roles) & allowed:
                abort(403, description="Your role does not open this page.")
            return view(*args, **kwargs)

        guarded.allowed_roles = allowed  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def signing_in(view: View) -> View:
    """A step of signing in: needs a session, whatever stage it reached."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if g.get("session") is None:
            return redirect(url_for("auth.sign_in", ended="idle" if g.get("session_ended")
                                    else None))
        return view(*args, **kwargs)

    guarded.allowed_roles = frozenset(ROLES)  # type: ignore[attr-defined]
    return guarded  # type: ignore[return-value]
