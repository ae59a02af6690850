"""Screenings: each questionnaire's verdict, and each physician clearance, as its own row."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from services.screening.domain import Clearance, Reason, ScreeningNotFound, ScreeningOutcome
from services.screening.store.tables import screenings


def new_screening_id() -> str:
    """A fresh screening id."""
    return f"sc_{uuid.uuid4().hex}"


def add(
    connection: Connection,
    client_id: str,
    outcome: ScreeningOutcome,
    *,
    questionnaire: dict[str, Any],
    recorded_by: str,
    recorded_at: datetime,
    clears_screening_id: str | None = None,
) -> dict[str, Any]:
    """Store a screening as the client's newest; the caller holds the client's row lock."""
    number = connection.execute(
        select(func.coalesce(func.max(screenings.c.number), 0)).where(
            screenings.c.client_id == client_id
        )
    ).scalar_one()
    clearance = outcome.clearance
    values = {
        "screening_id": new_screening_id(),
        "client_id": client_id,
        "number": number + 1,
        "outcome": outcome.outcome,
        "reasons": [{"code": r.code, "text": r.text} for r in outcome.reasons],
        "restricted_techniques": sorted(outcome.restricted_techniques),
        "restricted_regions": sorted(outcome.restricted_regions),
        "pressure_limit": outcome.pressure_limit,
        "screened_on": outcome.screened_on,
        "expires_on": outcome.expires_on,
        "rules_version": outcome.rules_version,
        "questionnaire": questionnaire,
        "clears_screening_id": clears_screening_id,
        "clearance_physician_name": clearance.physician_name if clearance else None,
        "clearance_physician_npi": clearance.physician_npi if clearance else None,
        "cleared_on": clearance.cleared_on if clearance else None,
        "clearance_note": clearance.note if clearance else None,
        "recorded_at": recorded_at,
        "recorded_by": recorded_by,
    }
    connection.execute(insert(screenings).values(**values))
    return values


def latest(connection: Connection, client_id: str) -> dict[str, Any] | None:
    """The client's current (newest) screening, or None if never screened."""
    row = connection.execute(
        select(screenings)
        .where(screenings.c.client_id == client_id)
        .order_by(screenings.c.number.desc())
        .limit(1)
    ).first()
    return dict(row._mapping) if row else None


def get(connection: Connection, client_id: str, screening_id: str) -> dict[str, Any] | None:
    """One of the client's screenings, or None."""
    row = connection.execute(
        select(screenings).where(
            screenings.c.client_id == client_id, screenings.c.screening_id == screening_id
        )
    ).first()
    return dict(row._mapping) if row else None


def require(connection: Connection, client_id: str, screening_id: str) -> dict[str, Any]:
    """One of the client's screenings, or ScreeningNotFound."""
    row = get(connection, client_id, screening_id)
    if row is None:
        raise ScreeningNotFound(screening_id)
    return row


def history(connection: Connection, client_id: str) -> list[dict[str, Any]]:
    """All of the client's screenings, newest first."""
    rows = connection.execute(
        select(screenings)
        .where(screenings.c.client_id == client_id)
        .order_by(screenings.c.number.desc())
    )
    return [dict(row._mapping) for row in rows]


def outcome_of(row: dict[str, Any]) -> ScreeningOutcome:
    """The domain verdict a stored screening holds."""
    clearance = None
    if row["clearance_physician_npi"]:
        clearance = Clearance(
            physician_name=row["clearance_physician_name"],
            physician_npi=row["clearance_physician_npi"],
            cleared_on=row["cleared_on"],
            note=row["clearance_note"] or "",
        )
    return ScreeningOutcome(
        outcome=row["outcome"],
        reasons=tuple(Reason(r["code"], r["text"]) for r in row["reasons"]),
        restricted_techniques=frozenset(row["restricted_techniques"]),
        restricted_regions=frozenset(row["restricted_regions"]),
        pressure_limit=row["pressure_limit"],
        screened_on=row["screened_on"],
        expires_on=row["expires_on"],
        rules_version=row["rules_version"],
        clearance=clearance,
    )
