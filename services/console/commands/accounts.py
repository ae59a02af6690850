"""Accounts: create, sign in (password, second factor), change and reset passwords, unlock.

Each function takes an open write transaction; the console emits no events (it keeps no
clinic data), so a plain connection is its whole unit of work.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import Connection

from services.console.domain import second_factor
from services.console.domain.accounts import (
    Account,
    check_new_password,
    check_roles,
    check_username,
)
from services.console.domain.passwords import (
    hash_password,
    needs_rehash,
    password_matches,
    temporary_password,
)
from services.console.domain.sessions import (
    AWAITING_CODE,
    MUST_CHANGE_PASSWORD,
    MUST_ENROL,
    SIGNED_IN,
    Session,
    new_token,
    token_hash,
)
from services.console.store import accounts as store
from shared.errors import Conflict, InvalidInput, NotFound, Refused


class SignInRefused(Refused):
    """A sign-in the rules refuse; the detail is what the person is told."""

    title = "Sign-in refused"
    slug = "sign-in-refused"


WRONG_CREDENTIALS = "The username or password is wrong."


def create_account(connection: Connection, now: datetime, username: str, display_name: str,
                   roles: list[str], password: str, must_change: bool = False) -> Account:
    """A new account with an Argon2 hash of ``password``."""
    name = check_username(username)
    if store.find_account(connection, name):
        raise Conflict(f"An account named {name} exists already.")
    account = Account(name, display_name.strip() or name, check_roles(roles),
                      hash_password(check_new_password(password, name)),
                      must_change_password=must_change)
    store.add_account(connection, account, now)
    return account


def set_password(connection: Connection, username: str, password: str,
                 must_change: bool = False) -> Account:
    """Give an existing account a new password (ending its sessions and any lock)."""
    account = _existing(connection, username)
    changed = replace(account, password_hash=hash_password(check_new_password(password,
                                                                               username)),
                      must_change_password=must_change, failed_attempts=0, locked_until=None)
    store.save_account(connection, changed)
    store.end_sessions_of(connection, username)
    return changed


def _existing(connection: Connection, username: str) -> Account:
    account = store.find_account(connection, username)
    if account is None:
        raise NotFound(f"No account named {username}.")
    return account


def _locked_message(account: Account) -> str:
    assert account.locked_until is not None
    return (f"This account is locked after repeated failed sign-ins until "
            f"{account.locked_until:%H:%M} UTC ({account.locked_until:%Y-%m-%d}). "
            "Try again then, or ask an administrator to unlock it.")


def _fail(connection: Connection, account: Account, now: datetime, threshold: int,
          period: timedelta, message: str) -> SignInRefused:
    failed = account.after_failure(now, threshold, period)
    store.save_account(connection, failed)
    store.record(connection, now, account.username, "sign_in_failed",
                 {"locked": failed.locked_at(now)})
    locked = failed.locked_at(now)
    return SignInRefused(_locked_message(failed) if locked else message, locked=locked)


def sign_in(connection: Connection, now: datetime, username: str, password: str,
            threshold: int, period: timedelta, totp_required: bool) -> tuple[str, Session]:
    """Check a password; a new session (and its cookie token) at the stage sign-in reached.

    The refusal is the same for an unknown name and a wrong password. A failure is
    recorded on the account and, as the caller raises, must be committed: the caller
    commits the transaction before raising (see ``views/auth.py``).
    """
    name = username.strip().lower()
    account = store.find_account(connection, name)
    if account is None or account.disabled:
        password_matches(None, password)  # the same time as a wrong password
        raise SignInRefused(WRONG_CREDENTIALS)
    if account.locked_at(now):
        raise SignInRefused(_locked_message(account))
    if not password_matches(account.password_hash, password):
        raise _fail(connection, account, now, threshold, period, WRONG_CREDENTIALS)
    if needs_rehash(account.password_hash):
        account = replace(account, password_hash=hash_password(password))
        store.save_account(connection, account)
    if account.totp_secret:
        stage = AWAITING_CODE
    else:
        stage = _after_factors(account, totp_required)
        if stage == SIGNED_IN:
            store.save_account(connection, account.after_success())
            store.record(connection, now, name, "signed_in", {})
    return _open_session(connection, name, stage, now)


def sign_in_through_provider(connection: Connection, now: datetime,
                             username: str) -> tuple[str, Session]:
    """A session for the account the clinic's OpenID provider vouched for.

    The provider checked the person (its own password and factors); the console checks
    only that the account exists, is enabled and is not locked.
    """
    account = store.find_account(connection, username.strip().lower())
    if account is None or account.disabled:
        raise SignInRefused("No console account belongs to the person the clinic's sign-in "
                            "service named; ask an administrator for one.")
    if account.locked_at(now):
        raise SignInRefused(_locked_message(account))
    store.save_account(connection, account.after_success())
    store.record(connection, now, account.username, "signed_in", {"via": "oidc"})
    # The console's own password is not used here, so a pending change does not apply.
    return _open_session(connection, account.username, SIGNED_IN, now)


def _after_factors(account: Account, totp_required: bool) -> str:
    if totp_required and not account.totp_secret:
        return MUST_ENROL
    if account.must_change_password:
        return MUST_CHANGE_PASSWORD
    return SIGNED_IN


def _open_session(connection: Connection, username: str, stage: str,
                  now: datetime) -> tuple[str, Session]:
    token = new_token()
    session = Session(token_hash(token), username, stage, now, now)
    store.add_session(connection, session)
    return token, session


def confirm_code(connection: Connection, now: datetime, session: Session, code: str,
                 threshold: int, period: timedelta, totp_required: bool) -> str:
    """Check the TOTP code of a session awaiting it; the session's next stage."""
    account = _existing(connection, session.username)
    if session.stage != AWAITING_CODE or not account.totp_secret:
        raise SignInRefused("No code is expected now; sign in again.")
    if account.locked_at(now):
        store.end_session(connection, session.token_hash)
        raise SignInRefused(_locked_message(account))
    if not second_factor.code_matches(account.totp_secret, code):
        refusal = _fail(connection, account, now, threshold, period,
                        "The code is wrong or has expired; enter the code your app shows now.")
        if refusal.members["locked"]:
            store.end_session(connection, session.token_hash)
        raise refusal
    stage = _after_factors(account, totp_required)
    store.save_account(connection, account.after_success())
    store.touch_session(connection, session.token_hash, now, stage)
    store.record(connection, now, account.username, "signed_in", {"second_factor": True})
    return stage


def enrol_second_factor(connection: Connection, now: datetime, session: Session, secret: str,
                        code: str, totp_required: bool) -> str:
    """Keep ``secret`` as the account's TOTP secret once ``code`` shows the app has it."""
    account = _existing(connection, session.username)
    if not second_factor.code_matches(secret, code):
        raise InvalidInput("The code does not match", errors={
            "code": ["The code does not match this secret; check the app's clock and the "
                     "secret you typed, then enter the code it shows now."]})
    account = replace(account, totp_secret=secret)
    store.save_account(connection, account)
    stage = SIGNED_IN if session.stage == SIGNED_IN else _after_factors(account, totp_required)
    store.touch_session(connection, session.token_hash, now, stage)
    store.record(connection, now, account.username, "second_factor_enrolled", {})
    return stage


def change_own_password(connection: Connection, now: datetime, session: Session, current: str,
                        new: str, repeated: str) -> None:
    """The signed-in person changes their password; their other sessions end."""
    account = _existing(connection, session.username)
    if not password_matches(account.password_hash, current):
        raise InvalidInput("Wrong password", errors={"current": ["This is not your password."]})
    if new != repeated:
        raise InvalidInput("Passwords differ", errors={"repeated": ["The two new passwords "
                                                                   "differ."]})
    if new == current:
        raise InvalidInput("Same password", errors={"password": ["Choose a new password."]})
    set_password(connection, account.username, new)
    _open_again(connection, session, now)
    store.record(connection, now, account.username, "password_changed", {})


def _open_again(connection: Connection, session: Session, now: datetime) -> None:
    # set_password ended every session; the one in use continues, now fully signed in.
    store.add_session(connection, replace(session, stage=SIGNED_IN, last_seen_at=now))


def reset_password(connection: Connection, now: datetime, admin: str, username: str) -> str:
    """An admin gives an account a temporary password, to be changed at next sign-in."""
    password = temporary_password()
    set_password(connection, username, password, must_change=True)
    store.record(connection, now, admin, "password_reset", {"account": username})
    return password


def unlock(connection: Connection, now: datetime, admin: str, username: str) -> None:
    """An admin ends an account's lock before it ends by itself."""
    store.save_account(connection, _existing(connection, username).after_success())
    store.record(connection, now, admin, "account_unlocked", {"account": username})


def remove_second_factor(connection: Connection, now: datetime, admin: str,
                         username: str) -> None:
    """An admin removes a lost authenticator; the person enrols again (if the clinic asks)."""
    store.save_account(connection, replace(_existing(connection, username), totp_secret=None))
    store.end_sessions_of(connection, username)
    store.record(connection, now, admin, "second_factor_removed", {"account": username})


def current_session(connection: Connection, now: datetime, token: str,
                    idle_timeout: timedelta) -> Session | None:
    """The live session of a cookie token (touched now), or None when absent or idle too long."""
    session = store.find_session(connection, token_hash(token))
    if session is None:
        return None
    if session.idle_at(now, idle_timeout):
        store.end_session(connection, session.token_hash)
        return None
    store.touch_session(connection, session.token_hash, now)
    return session


def sign_out(connection: Connection, token: str) -> None:
    """End the session of a cookie token."""
    store.end_session(connection, token_hash(token))
