"""Accounts for admins: create, reset a password, unlock, remove a lost second factor."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from services.console.commands import accounts as commands
from services.console.domain.accounts import ROLE_NAMES
from services.console.domain.passwords import temporary_password
from services.console.guard import page
from services.console.store.accounts import all_accounts, audit_lines
from services.console.views.forms import now, reading, render_form, writing
from shared.errors import DomainError

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _accounts_page(error: DomainError | None = None, notice: str | None = None,
                   temporary: tuple[str, str] | None = None) -> tuple[str, int]:
    with reading() as connection:
        accounts = all_accounts(connection)
        audit = audit_lines(connection, limit=30)
    return render_form("admin/accounts.html", error, accounts=accounts, role_names=ROLE_NAMES,
                       notice=notice, temporary=temporary, audit=audit, when=now(),
                       form=request.form if error else {})


@bp.get("/accounts")
@page("admin")
def accounts() -> tuple[str, int]:
    """Every account, its roles and state."""
    return _accounts_page()


@bp.post("/accounts")
@page("admin")
def create() -> tuple[str, int]:
    """A new account with a temporary password the person changes at first sign-in."""
    password = temporary_password()
    username = request.form.get("username", "")
    try:
        with writing() as connection:
            account = commands.create_account(
                connection, now(), username, request.form.get("display_name", ""),
                request.form.getlist("roles"), password, must_change=True)
    except DomainError as exc:
        return _accounts_page(exc)
    return _accounts_page(notice=f"Account {account.username} created.",
                          temporary=(account.username, password))


@bp.post("/accounts/<username>/reset-password")
@page("admin")
def reset(username: str) -> tuple[str, int]:
    """A temporary password, shown once; the account's sessions end."""
    try:
        with writing() as connection:
            password = commands.reset_password(connection, now(), g.account.username, username)
    except DomainError as exc:
        return _accounts_page(exc)
    return _accounts_page(notice=f"The password of {username} was reset.",
                          temporary=(username, password))


@bp.post("/accounts/<username>/unlock")
@page("admin")
def unlock(username: str) -> tuple[str, int]:
    """End a lockout now."""
    try:
        with writing() as connection:
            commands.unlock(connection, now(), g.account.username, username)
    except DomainError as exc:
        return _accounts_page(exc)
    return _accounts_page(notice=f"{username} is unlocked.")


@bp.post("/accounts/<username>/remove-second-factor")
@page("admin")
def remove_second_factor(username: str) -> tuple[str, int]:
    """Forget a lost authenticator app."""
    try:
        with writing() as connection:
            commands.remove_second_factor(connection, now(), g.account.username, username)
    except DomainError as exc:
        return _accounts_page(exc)
    return _accounts_page(notice=f"The second factor of {username} was removed.")


@bp.get("/audit")
@page("admin")
def audit() -> str:
    """What was done through the console: sign-ins, resets, replays."""
    with reading() as connection:
        lines = audit_lines(connection, limit=200)
    return render_template("admin/audit.html", lines=lines)
