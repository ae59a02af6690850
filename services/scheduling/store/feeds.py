"""Therapists' feed secrets as stored: one hash per therapist, or none (no feed)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from services.scheduling.store.tables import therapist_feeds as feeds


def replace_feed(connection: Connection, therapist_id: str, secret_hash: str,
                 at: datetime) -> None:
    """Store the therapist's new feed secret in place of any earlier one."""
    connection.execute(sa.delete(feeds).where(feeds.c.therapist_id == therapist_id))
    connection.execute(sa.insert(feeds).values(therapist_id=therapist_id,
                                               secret_hash=secret_hash, created_at=at))


def delete_feed(connection: Connection, therapist_id: str) -> bool:
    """Revoke the therapist's feed; False when they had none."""
    result = connection.execute(sa.delete(feeds).where(feeds.c.therapist_id == therapist_id))
    return result.rowcount > 0


def therapist_of_feed(connection: Connection, secret_hash: str) -> str | None:
    """The therapist whose feed secret has this hash, or None."""
    return connection.execute(
        sa.select(feeds.c.therapist_id).where(feeds.c.secret_hash == secret_hash)
    ).scalar()
