"""Referrals: the physician's prescription, its amendments, and its end."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from services.screening.domain import Referral, ReferralNotFound
from services.screening.domain.referral import OPEN_STATUSES
from services.screening.store.tables import referrals


def new_referral_id() -> str:
    """A fresh referral id."""
    return f"rf_{uuid.uuid4().hex}"


def add(
    connection: Connection, referral: Referral, *, correlation_id: str | None, now: datetime
) -> dict[str, Any]:
    """Store a newly recorded referral as version 1."""
    values = {
        **_prescription_values(referral),
        "referral_id": referral.referral_id,
        "client_id": referral.client_id,
        "version": 1,
        "closed_on": None,
        "revoke_reason": None,
        "correlation_id": correlation_id,
        "recorded_at": now,
        "updated_at": now,
    }
    connection.execute(insert(referrals).values(**values))
    return values


def save(
    connection: Connection,
    referral: Referral,
    expected_version: int,
    *,
    now: datetime,
    closed_on: date | None = None,
    revoke_reason: str | None = None,
) -> dict[str, Any] | None:
    """Store the next version of a referral; None when someone else changed it first."""
    # The version condition makes this a compare-and-set: of two writers (an amendment
    # and the expiry job, say) only the first wins, the other sees no row and backs off.
    changed = connection.execute(
        update(referrals)
        .where(referrals.c.referral_id == referral.referral_id)
        .where(referrals.c.version == expected_version)
        .values(
            **_prescription_values(referral),
            version=expected_version + 1,
            closed_on=closed_on,
            revoke_reason=revoke_reason,
            updated_at=now,
        )
    ).rowcount
    if changed != 1:
        return None
    return get(connection, referral.client_id, referral.referral_id)


def get(connection: Connection, client_id: str, referral_id: str) -> dict[str, Any] | None:
    """One of the client's referrals, or None."""
    row = connection.execute(
        select(referrals).where(
            referrals.c.client_id == client_id, referrals.c.referral_id == referral_id
        )
    ).first()
    return _referral_row(row._mapping) if row else None


def require(connection: Connection, client_id: str, referral_id: str) -> dict[str, Any]:
    """One of the client's referrals, or ReferralNotFound."""
    row = get(connection, client_id, referral_id)
    if row is None:
        raise ReferralNotFound(referral_id)
    return row


def for_client(connection: Connection, client_id: str) -> list[dict[str, Any]]:
    """The client's referrals, most recently recorded first."""
    rows = connection.execute(
        select(referrals)
        .where(referrals.c.client_id == client_id)
        .order_by(referrals.c.recorded_at.desc(), referrals.c.referral_id)
    )
    return [_referral_row(row._mapping) for row in rows]


def open_ending_before(connection: Connection, day: date) -> list[dict[str, Any]]:
    """Open referrals whose last covered day is before ``day``."""
    rows = connection.execute(
        select(referrals)
        .where(referrals.c.status.in_(sorted(OPEN_STATUSES)))
        .where(referrals.c.end_on < day)
        .order_by(referrals.c.end_on, referrals.c.referral_id)
    )
    return [_referral_row(row._mapping) for row in rows]


def referral_of(row: dict[str, Any]) -> Referral:
    """The domain referral a stored row holds."""
    return Referral(
        referral_id=row["referral_id"],
        client_id=row["client_id"],
        physician_name=row["physician_name"],
        physician_last_name=row["physician_last_name"],
        physician_first_name=row["physician_first_name"],
        physician_credential=row["physician_credential"],
        physician_npi=row["physician_npi"],
        diagnoses=tuple(row["diagnoses"]),
        codes=frozenset(row["codes"]),
        techniques=frozenset(row["techniques"]),
        body_regions=frozenset(row["body_regions"]),
        visits_per_week=row["visits_per_week"],
        weeks=row["weeks"],
        authorized_visits=row["authorized_visits"],
        start_on=row["start_on"],
        end_on=row["end_on"],
        authorization_number=row["authorization_number"],
        status=row["status"],
        diagnosis_regions=tuple((entry["diagnosis"], tuple(entry["body_regions"]))
                                for entry in row["diagnosis_regions"] or ()),
    )


def _referral_row(mapping: Any) -> dict[str, Any]:
    row = dict(mapping)
    row["diagnosis_regions"] = row["diagnosis_regions"] or []  # null: recorded before 0003
    return row


def _prescription_values(referral: Referral) -> dict[str, Any]:
    return {
        "status": referral.status,
        "physician_name": referral.physician_name,
        "physician_last_name": referral.physician_last_name,
        "physician_first_name": referral.physician_first_name,
        "physician_credential": referral.physician_credential,
        "physician_npi": referral.physician_npi,
        "diagnoses": list(referral.diagnoses),
        "codes": sorted(referral.codes),
        "techniques": sorted(referral.techniques),
        "body_regions": sorted(referral.body_regions),
        "visits_per_week": referral.visits_per_week,
        "weeks": referral.weeks,
        "authorized_visits": referral.authorized_visits,
        "authorization_number": referral.authorization_number,
        "diagnosis_regions": [{"diagnosis": diagnosis, "body_regions": list(regions)}
                              for diagnosis, regions in referral.diagnosis_regions],
        "start_on": referral.start_on,
        "end_on": referral.end_on,
    }
