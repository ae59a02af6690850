"""The client and referral projections: newest version wins, whatever order events come in."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from services.claims.domain.records import Address, Client, Coverage, Person, Referral
from services.claims.store.tables import clients, referrals
from shared.db import utcnow

# Built once: every claim reads its client and referral, and building a SELECT costs
# several times what SQLite takes to answer it.
_CLIENT_VERSION = select(clients.c.version).where(clients.c.client_id == bindparam("client_id"))
_CLIENT_PAYLOAD = select(clients.c.payload).where(clients.c.client_id == bindparam("client_id"))
_REFERRAL = select(referrals).where(referrals.c.referral_id == bindparam("referral_id"))


def save_client(connection: Connection, client_id: str, version: int, data: dict[str, Any]) -> bool:
    """Keep this version of the client unless a newer one is stored; True when it was kept."""
    stored = connection.execute(_CLIENT_VERSION, {"client_id": client_id}).scalar()
    values = {"version": version, "payload": json.dumps(data), "updated_at": utcnow()}
    if stored is None:
        connection.execute(insert(clients), {"client_id": client_id, **values})
        return True
    if version <= stored:
        return False
    connection.execute(update(clients).where(clients.c.client_id == client_id).values(**values))
    return True


def save_referral_details(
    connection: Connection, referral_id: str, client_id: str, version: int, data: dict[str, Any]
) -> bool:
    """Keep this version of a referral's details unless a newer one is stored."""
    row = _referral_row(connection, referral_id)
    values = {"details_version": version, "payload": json.dumps(data), "updated_at": utcnow()}
    if row is None:
        connection.execute(
            insert(referrals), {"referral_id": referral_id, "client_id": client_id, **values}
        )
        return True
    if row.details_version is not None and version <= row.details_version:
        return False
    connection.execute(
        update(referrals).where(referrals.c.referral_id == referral_id).values(**values)
    )
    return True


def close_referral(
    connection: Connection,
    referral_id: str,
    client_id: str,
    version: int,
    closed_on: date,
    closed_as: str,
) -> bool:
    """Record that a referral was revoked or expired (the newest closing version wins)."""
    row = _referral_row(connection, referral_id)
    values = {
        "closed_version": version,
        "closed_on": closed_on,
        "closed_as": closed_as,
        "updated_at": utcnow(),
    }
    if row is None:
        connection.execute(
            insert(referrals), {"referral_id": referral_id, "client_id": client_id, **values}
        )
        return True
    if row.closed_version is not None and version <= row.closed_version:
        return False
    connection.execute(
        update(referrals).where(referrals.c.referral_id == referral_id).values(**values)
    )
    return True


def _referral_row(connection: Connection, referral_id: str) -> Any:
    return connection.execute(_REFERRAL, {"referral_id": referral_id}).first()


def client_payload(connection: Connection, client_id: str) -> dict[str, Any] | None:
    """The stored client event data (JSON types), or None when no event arrived yet."""
    text = connection.execute(_CLIENT_PAYLOAD, {"client_id": client_id}).scalar()
    return json.loads(text) if text else None


def referral_state(connection: Connection, referral_id: str) -> dict[str, Any] | None:
    """The stored referral details plus its closing date, or None when details are missing."""
    row = _referral_row(connection, referral_id)
    if row is None or row.payload is None:
        return None
    closed_on = row.closed_on.isoformat() if row.closed_on else None
    return {"details": json.loads(row.payload), "closed_on": closed_on}


# The stored data passed its contract schema when the event was consumed; reading it back
# field by field is ten times quicker than loading it through the schema again, and the
# batcher reads every claim's client and referral.


def client_from_data(data: dict[str, Any]) -> Client:
    """A domain Client from stored client event data (JSON types)."""
    coverage = data.get("coverage")
    return Client(
        client_id=data["client_id"],
        person=_person(data),
        coverage=None
        if not coverage
        else Coverage(
            payer_id=coverage["payer_id"],
            payer_name=coverage["payer_name"],
            member_id=coverage["member_id"],
            relationship_to_subscriber=coverage["relationship_to_subscriber"],
            group_number=coverage.get("group_number"),
            subscriber=_person(coverage["subscriber"]) if coverage.get("subscriber") else None,
        ),
    )


def referral_from_state(state: dict[str, Any]) -> Referral:
    """A domain Referral from stored referral details and closing date."""
    details = state["details"]
    closed_on = state.get("closed_on")
    return Referral(
        referral_id=details["referral_id"],
        client_id=details["client_id"],
        physician_name=details["physician"]["name"],
        physician_npi=details["physician"]["npi"],
        diagnoses=tuple(details["diagnoses"]),
        authorized_visits=details["authorized_visits"],
        start_on=date.fromisoformat(details["start_on"]),
        end_on=date.fromisoformat(details["end_on"]),
        authorization_number=details.get("authorization_number"),
        closed_on=date.fromisoformat(closed_on) if closed_on else None,
    )


def _person(data: dict[str, Any]) -> Person:
    address = data["address"]
    return Person(
        first_name=data["first_name"],
        last_name=data["last_name"],
        birth_date=date.fromisoformat(data["birth_date"]),
        sex=data["sex"],
        address=Address(
            line1=address["line1"],
            line2=address.get("line2"),
            city=address["city"],
            state=address["state"],
            postal_code=address["postal_code"],
        ),
    )
