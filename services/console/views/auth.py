"""Signing in and out: password, TOTP code or enrolment, changing one's password."""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import urlparse

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from services.console import oidc
from services.console.commands import accounts as commands
from services.console.commands.accounts import SignInRefused
from services.console.domain import second_factor
from services.console.domain.sessions import SIGNED_IN
from services.console.guard import SESSION_COOKIE, STEP_PAGE, console_config, page, signing_in
from services.console.views.forms import now, render_form, writing
from shared.errors import DomainError
from shared.web.auth import public

bp = Blueprint("auth", __name__)
log = logging.getLogger("services.console.auth")
OIDC_COOKIE = "console_oidc"
ENDED = {"idle": "Your session ended after a period without use. Please sign in again.",
         "out": "You are signed out."}


def _safe_next(target: str | None) -> str:
    """Only a path of this console (never another site: an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlparse(target).netloc:
        return target
    return url_for("home.index")


def _next_step(stage: str, target: str | None = None) -> Response:
    step = STEP_PAGE.get(stage)
    return redirect(url_for(step) if step else _safe_next(target))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> Response | tuple[str, int]:
    """The sign-in form; on success a new session cookie."""
    target = request.values.get("next")
    notice = ENDED.get(request.args.get("ended", ""))
    if request.method == "GET":
        return render_form("auth/sign_in.html", next=target, notice=notice, username="")
    config = console_config()
    username = request.form.get("username", "")
    refusal: DomainError | None = None
    with writing() as connection:
        try:
            token, session = commands.sign_in(
                connection, now(), username, request.form.get("password", ""),
                config.lockout_threshold, config.lockout_period, config.totp_required)
        except DomainError as exc:
            # Caught inside the transaction so the failed attempt is committed.
            refusal = exc
    if refusal is not None:
        return render_form("auth/sign_in.html", refusal, status=401, next=target,
                           username=username, notice=None)
    response = _next_step(session.stage, target)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Strict",
                        secure=config.secure_cookies, path="/")
    return response


def _provider() -> oidc.Provider:
    config = console_config()
    if config.oidc is None:
        abort(404)
    return current_app.extensions.setdefault("console.oidc", oidc.Provider(config.oidc))


@bp.get("/sign-in/provider")
@public
def provider_sign_in() -> Response:
    """Send the browser to the clinic's OpenID Connect provider."""
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    try:
        target = _provider().authorization_url(
            url_for("auth.provider_return", _external=True), state, nonce)
    except oidc.ProviderRefused as exc:
        log.warning("OpenID provider unusable", extra={"reason": str(exc)})
        abort(503, description="The clinic's sign-in service cannot be reached; sign in "
                               "with your console password.")
    response = redirect(target)
    # Lax, not Strict: the browser comes back from the provider's site with it.
    response.set_cookie(OIDC_COOKIE, f"{state}.{nonce}", max_age=600, httponly=True,
                        samesite="Lax", secure=console_config().secure_cookies,
                        path="/sign-in/provider")
    return response


@bp.get("/sign-in/provider/return")
@public
def provider_return() -> Response | tuple[str, int]:
    """The provider sends the browser back here with a code to redeem."""
    state, _, nonce = request.cookies.get(OIDC_COOKIE, "").partition(".")
    if not state or not hmac.compare_digest(state, request.args.get("state", "")):
        return render_form("auth/sign_in.html", SignInRefused(
            "The sign-in through the clinic's account expired or was not started here; "
            "try again."), status=400, next=None, username="", notice=None)
    if request.args.get("error") or not request.args.get("code"):
        return render_form("auth/sign_in.html", SignInRefused(
            "The clinic's sign-in service did not sign you in."), status=401, next=None,
            username="", notice=None)
    provider = _provider()
    try:
        claims = provider.identify(url_for("auth.provider_return", _external=True),
                                   request.args["code"], nonce)
    except oidc.ProviderRefused as exc:
        log.warning("OpenID sign-in refused", extra={"reason": str(exc)})
        return render_form("auth/sign_in.html", SignInRefused(
            "The clinic's sign-in service gave an answer the console cannot trust."),
            status=401, next=None, username="", notice=None)
    username = str(claims.get(provider.settings.username_claim) or "")
    refusal: DomainError | None = None
    with writing() as connection:
        try:
            token, _session = commands.sign_in_through_provider(connection, now(), username)
        except DomainError as exc:
            refusal = exc
    if refusal is not None:
        return render_form("auth/sign_in.html", refusal, status=403, next=None, username="",
                           notice=None)
    # A page, not a redirect: the browser arrived from the provider's site, and a Strict
    # session cookie is sent only on a navigation that starts on this site.
    response = Response(render_template("auth/provider_done.html"))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Strict",
                        secure=console_config().secure_cookies, path="/")
    response.delete_cookie(OIDC_COOKIE, path="/sign-in/provider")
    return response


@bp.route("/sign-in/code", methods=["GET", "POST"])
@signing_in
def code() -> Response | tuple[str, int]:
    """The second step: the code of the person's authenticator app."""
    if request.method == "GET":
        return render_form("auth/code.html")
    config = console_config()
    refusal: DomainError | None = None
    with writing() as connection:
        try:
            stage = commands.confirm_code(connection, now(), g.session,
                                          request.form.get("code", ""), config.lockout_threshold,
                                          config.lockout_period, config.totp_required)
        except DomainError as exc:
            refusal = exc
    if refusal is not None:
        return render_form("auth/code.html", refusal, status=401)
    return _next_step(stage)


def _enrolment_page(secret: str, error: DomainError | None = None) -> tuple[str, int]:
    config = console_config()
    return render_form("auth/enrol.html", error, secret=secret,
                       uri=second_factor.provisioning_uri(secret, g.account.username,
                                                          config.clinic_name),
                       required=config.totp_required)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@signing_in
def enrol() -> Response | tuple[str, int]:
    """Set up a TOTP app: the secret (and otpauth URI) to type in, then one code to confirm."""
    if request.method == "GET":
        return _enrolment_page(second_factor.new_secret())
    secret = request.form.get("secret", "")
    try:
        with writing() as connection:
            stage = commands.enrol_second_factor(connection, now(), g.session, secret,
                                                 request.form.get("code", ""),
                                                 console_config().totp_required)
    except DomainError as exc:
        return _enrolment_page(secret, exc)
    return _next_step(stage)


@bp.route("/account/password", methods=["GET", "POST"])
@signing_in
def change_password() -> Response | tuple[str, int]:
    """Change one's own password (required after an admin's reset)."""
    forced = g.session.stage != SIGNED_IN
    if request.method == "GET":
        return render_form("auth/password.html", forced=forced)
    try:
        with writing() as connection:
            commands.change_own_password(connection, now(), g.session,
                                         request.form.get("current", ""),
                                         request.form.get("password", ""),
                                         request.form.get("repeated", ""))
    except DomainError as exc:
        return render_form("auth/password.html", exc, forced=forced)
    return redirect(url_for("home.index"))


@bp.get("/account")
@page()
def account() -> str:
    """The signed-in person's account: roles, second factor, password."""
    return render_template("auth/account.html")


@bp.post("/sign-out")
@public
def sign_out() -> Response:
    """End this session."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with writing() as connection:
            commands.sign_out(connection, token)
    response = redirect(url_for("auth.sign_in", ended="out"))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
