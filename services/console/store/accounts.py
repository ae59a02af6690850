"""Reading and writing accounts, sessions and the console's audit trail."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from services.console.domain.accounts import Account
from services.console.domain.sessions import Session
from services.console.store.tables import accounts, audit, sessions


def _account(row: Any) -> Account:
    return Account(
        username=row.username, display_name=row.display_name,
        roles=tuple(role for role in row.roles.split(",") if role),
        password_hash=row.password_hash, totp_secret=row.totp_secret,
        failed_attempts=row.failed_attempts, locked_until=row.locked_until,
        must_change_password=row.must_change_password, disabled=row.disabled)


def _values(account: Account) -> dict[str, Any]:
    return {"display_name": account.display_name, "roles": ",".join(account.roles),
            "password_hash": account.password_hash, "totp_secret": account.totp_secret,
            "failed_attempts": account.failed_attempts, "locked_until": account.locked_until,
            "must_change_password": account.must_change_password, "disabled": account.disabled}


def find_account(connection: Connection, username: str) -> Account | None:
    """The account named ``username``, if any."""
    row = connection.execute(select(accounts).where(accounts.c.username == username)).first()
    return _account(row) if row else None


def all_accounts(connection: Connection) -> list[Account]:
    """Every account, by username."""
    return [_account(row) for row in connection.execute(
        select(accounts).order_by(accounts.c.username))]


def add_account(connection: Connection, account: Account, now: datetime) -> None:
    """Store a new account."""
    connection.execute(insert(accounts).values(
        username=account.username, created_at=now, **_values(account)))


def save_account(connection: Connection, account: Account) -> None:
    """Store an account's changed fields."""
    connection.execute(update(accounts).where(accounts.c.username == account.username)
                       .values(**_values(account)))


def find_session(connection: Connection, token_hash: str) -> Session | None:
    """The session whose token hashes to ``token_hash``."""
    row = connection.execute(select(sessions).where(sessions.c.token_hash == token_hash)).first()
    return Session(row.token_hash, row.username, row.stage, row.created_at,
                   row.last_seen_at) if row else None


def add_session(connection: Connection, session: Session) -> None:
    """Store a new session."""
    connection.execute(insert(sessions).values(
        token_hash=session.token_hash, username=session.username, stage=session.stage,
        created_at=session.created_at, last_seen_at=session.last_seen_at))


def touch_session(connection: Connection, token_hash: str, now: datetime,
                  stage: str | None = None) -> None:
    """Record that the session was used now (and move it to ``stage``)."""
    values: dict[str, Any] = {"last_seen_at": now}
    if stage:
        values["stage"] = stage
    connection.execute(update(sessions).where(sessions.c.token_hash == token_hash).values(**values))


def end_session(connection: Connection, token_hash: str) -> None:
    """Forget one session."""
    connection.execute(delete(sessions).where(sessions.c.token_hash == token_hash))


def end_sessions_of(connection: Connection, username: str) -> None:
    """Forget every session of an account (password reset, disabling)."""
    connection.execute(delete(sessions).where(sessions.c.username == username))


def record(connection: Connection, now: datetime, actor: str, action: str,
           detail: dict[str, Any]) -> None:
    """Add a line to the console's audit trail."""
    connection.execute(insert(audit).values(at=now, actor=actor, action=action,
                                            detail=json.dumps(detail, default=str)))


def audit_lines(connection: Connection, action: str | None = None,
                limit: int = 50) -> list[dict[str, Any]]:
    """The newest audit lines (of one action, or of all)."""
    query = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if action:
        query = query.where(audit.c.action == action)
    return [{"at": row.at, "actor": row.actor, "action": row.action,
             "detail": json.loads(row.detail)} for row in connection.execute(query)]
