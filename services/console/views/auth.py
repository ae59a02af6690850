"""Signing in and out: password, TOTP code or enrolment, changing one's password."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from services.console.commands import accounts as commands
from services.console.domain import second_factor
from services.console.domain.sessions import SIGNED_IN
from services.console.guard import SESSION_COOKIE, STEP_PAGE, console_config, page, signing_in
from services.console.views.forms import now, render_form, writing
from shared.errors import DomainError
from shared.web.auth import public

bp = Blueprint("auth", __name__)
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
