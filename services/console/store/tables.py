"""The console's tables (created by migrations/console_0001)."""

from sqlalchemy import Boolean, Column, ForeignKey, Integer, MetaData, String, Table, Text

from shared.db import UtcDateTime

metadata = MetaData()

accounts = Table(
    "accounts", metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(120), nullable=False),
    Column("roles", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("totp_secret", String(64)),
    Column("failed_attempts", Integer, nullable=False),
    Column("locked_until", UtcDateTime()),
    Column("must_change_password", Boolean, nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(64), ForeignKey("accounts.username"), nullable=False,
           index=True),
    Column("stage", String(30), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
)

audit = Table(
    "console_audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(60), nullable=False),
    Column("detail", Text, nullable=False),
)
