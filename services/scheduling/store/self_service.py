"""Self-service as stored: whose email hash is whose, and the sign-in links emailed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from services.scheduling.store.tables import client_contacts, client_sign_in_links
from shared.db import save_if_newer


def save_contact(connection: Connection, row: dict[str, Any]) -> None:
    """Keep the client's email hash unless a newer version of their record is stored."""
    save_if_newer(connection, client_contacts, row,
                  lambda stored, incoming: stored.version < incoming.version)


def client_with_email(connection: Connection, email_key: str) -> str | None:
    """The one client whose email has this hash; None for none, or for a shared address."""
    rows = connection.execute(sa.select(client_contacts.c.client_id).where(
        client_contacts.c.email_key == email_key).limit(2)).all()
    # Two clients sharing an address (a parent and a child, say) cannot be told apart by
    # it: neither signs in by email; each still has their booking code.
    return rows[0].client_id if len(rows) == 1 else None


def latest_link_at(connection: Connection, client_id: str) -> datetime | None:
    """When the client's newest sign-in link was made."""
    return connection.execute(sa.select(sa.func.max(client_sign_in_links.c.created_at)).where(
        client_sign_in_links.c.client_id == client_id)).scalar()


def add_link(connection: Connection, link_hash: str, client_id: str, now: datetime,
             expires_at: datetime) -> None:
    """Store a new sign-in link's hash."""
    connection.execute(sa.insert(client_sign_in_links).values(
        link_hash=link_hash, client_id=client_id, created_at=now, expires_at=expires_at,
        used_at=None))


def use_link(connection: Connection, link_hash: str, now: datetime) -> str | None:
    """Use an unused, unexpired link once; the client it signs in, or None."""
    row = connection.execute(sa.select(client_sign_in_links).where(
        client_sign_in_links.c.link_hash == link_hash)).first()
    if row is None or row.used_at is not None or now >= row.expires_at:
        return None
    # Compare-and-set: of two tabs opening one link, only one signs in.
    used = connection.execute(
        sa.update(client_sign_in_links)
        .where(client_sign_in_links.c.link_hash == link_hash,
               client_sign_in_links.c.used_at.is_(None))
        .values(used_at=now)).rowcount
    return row.client_id if used == 1 else None
