"""The eligibility projection: per client, the newest screening and each referral's newest fact.

Events may arrive out of order, so every write is a conditional upsert: a row is
inserted if absent, otherwise updated only when the incoming fact is newer. Screenings
are ordered by ``recorded_at`` (then screening id, so ties resolve the same everywhere);
referral facts by ``version``, and at the same version a close beats the open fact it
closes. An older fact therefore never overwrites a newer one, whatever the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from services.scheduling.domain.booking import ClientEligibility, Referral
from services.scheduling.domain.precautions import Restrictions
from services.scheduling.store.appointments import visits_used
from services.scheduling.store.tables import client_referrals, client_screenings, clients
from shared.db import insert_if_absent, utcnow

ACTIVE = "active"


def record_client(connection: Connection, client_id: str, version: int) -> None:
    """Note that the client exists (scheduling keeps no demographics)."""
    row = {"client_id": client_id, "version": version, "updated_at": utcnow()}
    if not insert_if_absent(connection, clients, row):
        connection.execute(
            sa.update(clients)
            .where(clients.c.client_id == client_id, clients.c.version < version)
            .values(version=version, updated_at=row["updated_at"])
        )


def record_screening(connection: Connection, screening: dict[str, Any]) -> None:
    """Keep the screening if it is the client's newest one."""
    values = {
        "screening_id": screening["screening_id"],
        "outcome": screening["outcome"],
        "reason_codes": list(screening["reason_codes"]),
        "restricted_techniques": sorted(screening["restricted_techniques"]),
        "restricted_regions": sorted(screening["restricted_regions"]),
        "pressure_limit": screening["pressure_limit"],
        "screened_on": screening["screened_on"],
        "expires_on": screening["expires_on"],
        "recorded_at": screening["recorded_at"],
    }
    client_id = screening["client_id"]
    if insert_if_absent(connection, client_screenings, {"client_id": client_id, **values}):
        return
    stored = client_screenings.c
    newer = sa.or_(
        stored.recorded_at < values["recorded_at"],
        sa.and_(
            stored.recorded_at == values["recorded_at"],
            stored.screening_id < values["screening_id"],
        ),
    )
    connection.execute(
        sa.update(client_screenings).where(stored.client_id == client_id, newer).values(**values)
    )


def record_referral(connection: Connection, referral: dict[str, Any]) -> None:
    """Keep a recorded or amended referral unless a newer version is already known."""
    values = {
        "client_id": referral["client_id"],
        "version": referral["version"],
        "status": ACTIVE,
        "start_on": referral["start_on"],
        "end_on": referral["end_on"],
        "authorized_visits": referral["authorized_visits"],
        "closed_on": None,
        "updated_at": utcnow(),
    }
    referral_id = referral["referral_id"]
    if insert_if_absent(connection, client_referrals, {"referral_id": referral_id, **values}):
        return
    connection.execute(
        sa.update(client_referrals)
        .where(
            client_referrals.c.referral_id == referral_id,
            client_referrals.c.version < referral["version"],
        )
        .values(**values)
    )


def close_referral(connection: Connection, closed: dict[str, Any], status: str) -> None:
    """Mark a referral revoked or expired unless a newer version is already known.

    A close that arrives before its referral leaves a row without dates; the referral's
    own (older or equal) version then no longer reopens it.
    """
    values = {
        "version": closed["version"],
        "status": status,
        "closed_on": closed["closed_on"],
        "updated_at": utcnow(),
    }
    referral_id = closed["referral_id"]
    row = {"referral_id": referral_id, "client_id": closed["client_id"], **values}
    if insert_if_absent(connection, client_referrals, row):
        return
    stored = client_referrals.c
    connection.execute(
        sa.update(client_referrals)
        .where(
            stored.referral_id == referral_id,
            sa.or_(
                stored.version < closed["version"],
                sa.and_(stored.version == closed["version"], stored.status == ACTIVE),
            ),
        )
        .values(**values)
    )


# Built once: every booking reads these (see store.appointments on prebuilt statements).
_REFERRALS = (
    sa.select(client_referrals)
    .where(client_referrals.c.client_id == sa.bindparam("client_id"))
    .order_by(client_referrals.c.referral_id)
)
_LOCK_REFERRALS = _REFERRALS.with_for_update()
_SCREENING = sa.select(client_screenings).where(
    client_screenings.c.client_id == sa.bindparam("client_id")
)


@dataclass(frozen=True)
class EligibilityView:
    """What the projection holds about a client, as booking and the front desk see it."""

    eligibility: ClientEligibility
    known: bool
    screening: Any
    referrals: list[dict[str, Any]]


def load_eligibility(connection: Connection, client_id: str, lock: bool = False) -> EligibilityView:
    """The client's projection; ``lock`` takes the referral rows' locks (visits are counted)."""
    by_client = {"client_id": client_id}
    referral_rows = connection.execute(_LOCK_REFERRALS if lock else _REFERRALS, by_client).all()
    screening = connection.execute(_SCREENING, by_client).first()
    known = screening is not None or bool(referral_rows) or connection.execute(
        sa.select(clients.c.client_id).where(clients.c.client_id == client_id)
    ).first() is not None
    used = visits_used(connection, [row.referral_id for row in referral_rows])
    referrals = []
    shown = []
    for row in referral_rows:
        count = used.get(row.referral_id, 0)
        shown.append({**row._mapping, "visits_used": count,
                      "visits_left": max((row.authorized_visits or 0) - count, 0)})
        if row.start_on is not None:
            referrals.append(Referral(row.referral_id, row.start_on, row.end_on,
                                      row.authorized_visits, count, row.status))
    eligibility = ClientEligibility(
        client_id=client_id,
        screening_outcome=screening.outcome if screening else None,
        screening_expires_on=screening.expires_on if screening else None,
        restrictions=restrictions_of(screening),
        referrals=tuple(referrals),
    )
    return EligibilityView(eligibility, known, screening, shown)


def restrictions_of(screening: Any) -> Restrictions:
    """The precautions a stored screening imposes (none without a screening)."""
    if screening is None:
        return Restrictions()
    return Restrictions(
        restricted_techniques=frozenset(screening.restricted_techniques),
        restricted_regions=frozenset(screening.restricted_regions),
        pressure_limit=screening.pressure_limit,
    )


def screening_of(connection: Connection, client_id: str) -> Any:
    """The client's newest screening row, or None."""
    return connection.execute(_SCREENING, {"client_id": client_id}).first()

