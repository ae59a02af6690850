"""The client and referral projections: newest version wins, whatever order events come in."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select

from services.claims.store.tables import clients, referrals
from shared.db import save_if_newer, utcnow

# Built once: every claim reads its client and referral, and building a SELECT costs
# several times what SQLite takes to answer it.
_CLIENT_PAYLOAD = select(clients.c.payload).where(clients.c.client_id == bindparam("client_id"))
_REFERRAL = select(referrals).where(referrals.c.referral_id == bindparam("referral_id"))


def save_client(connection: Connection, client_id: str, version: int, data: dict[str, Any]) -> bool:
    """Keep this version of the client unless a newer one is stored; True when it was kept."""
    values = {
        "client_id": client_id,
        "version": version,
        "payload": json.dumps(data),
        "updated_at": utcnow(),
        "secondary_payer_id": (data.get("secondary_coverage") or {}).get("payer_id"),
    }
    return save_if_newer(
        connection, clients, values, lambda stored, incoming: stored.version < incoming.version
    )


def save_referral_details(
    connection: Connection, referral_id: str, client_id: str, version: int, data: dict[str, Any]
) -> bool:
    """Keep this version of a referral's details unless a newer one is stored."""
    values = {
        "referral_id": referral_id,
        "client_id": client_id,
        "details_version": version,
        "payload": json.dumps(data),
        "updated_at": utcnow(),
    }
    # A closing may have made the row first, without details: then any details are newer.
    return save_if_newer(
        connection, referrals, values,
        lambda stored, incoming: or_(
            stored.details_version.is_(None), stored.details_version < incoming.details_version
        ),
    )


def close_referral(
    connection: Connection,
    referral_id: str,
    client_id: str,
    version: int,
    closed_on: date,
    closed_as: str,
) -> bool:
    """Record that a referral was revoked or expired (the newest closing version wins)."""
    values = {
        "referral_id": referral_id,
        "client_id": client_id,
        "closed_version": version,
        "closed_on": closed_on,
        "closed_as": closed_as,
        "updated_at": utcnow(),
    }
    # The details may have made the row first, without a closing: then any closing is newer.
    return save_if_newer(
        connection, referrals, values,
        lambda stored, incoming: or_(
            stored.closed_version.is_(None), stored.closed_version < incoming.closed_version
        ),
    )


def client_payload(connection: Connection, client_id: str) -> dict[str, Any] | None:
    """The stored client event data (JSON types), or None when no event arrived yet."""
    text = connection.execute(_CLIENT_PAYLOAD, {"client_id": client_id}).scalar()
    return json.loads(text) if text else None


def referral_state(connection: Connection, referral_id: str) -> dict[str, Any] | None:
    """The stored referral details plus its closing date, or None when details are missing."""
    row = connection.execute(_REFERRAL, {"referral_id": referral_id}).first()
    return None if row is None else referral_state_of(row.payload, row.closed_on)


def referral_state_of(payload: str | None, closed_on: date | None) -> dict[str, Any] | None:
    """A referral row's state as ``referral_state`` gives it (None without details)."""
    if payload is None:
        return None
    closed = closed_on.isoformat() if closed_on else None
    return {"details": json.loads(payload), "closed_on": closed}
