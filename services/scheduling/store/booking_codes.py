"""Booking codes as stored: a lookup id, a hash of the secret, expiry, misses, revocation."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from services.scheduling.domain.booking_codes import StoredCode
from services.scheduling.store.tables import booking_codes


def lookup_taken(connection: Connection, lookup: str) -> bool:
    """Whether any stored code has this lookup id."""
    found = sa.select(booking_codes.c.client_id).where(booking_codes.c.lookup == lookup)
    return connection.execute(found).first() is not None


def replace_code(
    connection: Connection, client_id: str, lookup: str, secret_hash: str, issued_at: datetime,
    expires_at: datetime,
) -> None:
    """Store the client's new code in place of any earlier one (which stops working)."""
    connection.execute(sa.delete(booking_codes).where(booking_codes.c.client_id == client_id))
    connection.execute(sa.insert(booking_codes).values(
        client_id=client_id, lookup=lookup, secret_hash=secret_hash, issued_at=issued_at,
        expires_at=expires_at, misses=0, revoked_at=None))


def code_by_lookup(connection: Connection, lookup: str) -> StoredCode | None:
    """The code with this lookup id, its row locked until the transaction ends."""
    row = connection.execute(
        sa.select(booking_codes).where(booking_codes.c.lookup == lookup).with_for_update()
    ).first()
    if row is None:
        return None
    return StoredCode(client_id=row.client_id, lookup=row.lookup, secret_hash=row.secret_hash,
                      expires_at=row.expires_at, misses=row.misses,
                      revoked=row.revoked_at is not None)


def set_misses(connection: Connection, lookup: str, misses: int,
               revoked_at: datetime | None = None) -> None:
    """Record the wrong secrets the code was presented with (and its revocation, if now)."""
    changes: dict[str, object] = {"misses": misses}
    if revoked_at is not None:
        changes["revoked_at"] = revoked_at
    connection.execute(
        sa.update(booking_codes).where(booking_codes.c.lookup == lookup).values(**changes)
    )


def revoke(connection: Connection, client_id: str, at: datetime) -> bool:
    """Revoke the client's active code; False when they have none."""
    result = connection.execute(
        sa.update(booking_codes)
        .where(booking_codes.c.client_id == client_id, booking_codes.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return result.rowcount > 0
