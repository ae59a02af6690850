"""The eligibility projection: per client, the newest screening and each referral's newest fact.

Events may arrive out of order, so every write is one atomic conditional upsert
(``shared.db.save_if_newer``): a row is inserted if absent, otherwise overwritten only
when the incoming fact is newer. Screenings are ordered by ``recorded_at`` (then
screening id, so ties resolve the same everywhere); referral facts by ``version``, and at
the same version a close beats the open fact it closes. An older fact therefore never
overwrites a newer one, whatever the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from services.scheduling.domain.booking import ClientEligibility, Referral
from services.scheduling.domain.precautions import Restrictions
from services.scheduling.store.appointments import USING_A_VISIT, status_is_one_of
from services.scheduling.store.calendar import takes_row_locks
from services.scheduling.store.tables import (
    appointments,
    client_referrals,
    client_screenings,
    clients,
)
from shared.db import save_if_newer

ACTIVE = "active"


def save_client(connection: Connection, row: dict[str, Any]) -> None:
    """Keep the client's row unless a newer version is already stored."""
    save_if_newer(connection, clients, row, _newer_version)


def save_screening(connection: Connection, row: dict[str, Any]) -> None:
    """Keep the screening if it is the client's newest one (by recorded_at, then id)."""
    save_if_newer(connection, client_screenings, row, _newer_screening)


def save_referral(connection: Connection, row: dict[str, Any]) -> None:
    """Keep a referral's window unless a newer version, or its close, is already stored."""
    save_if_newer(connection, client_referrals, row, _newer_or_closing)


def _newer_version(stored: Any, incoming: Any) -> sa.ColumnElement[bool]:
    return stored.version < incoming.version


def _newer_screening(stored: Any, incoming: Any) -> sa.ColumnElement[bool]:
    return sa.or_(
        stored.recorded_at < incoming.recorded_at,
        sa.and_(stored.recorded_at == incoming.recorded_at,
                stored.screening_id < incoming.screening_id),
    )


def _newer_or_closing(stored: Any, incoming: Any) -> sa.ColumnElement[bool]:
    # At the same version a close beats the open window it closes (never the reverse).
    return sa.or_(
        stored.version < incoming.version,
        sa.and_(stored.version == incoming.version, stored.status == ACTIVE,
                incoming.status != ACTIVE),
    )


# Built once: every booking reads these (see store.appointments on prebuilt statements).
# Each referral with the visits it has used, counted in the same statement.
_USED = (
    sa.select(sa.func.count())
    .where(appointments.c.referral_id == client_referrals.c.referral_id,
           status_is_one_of(USING_A_VISIT))
    .scalar_subquery()
)
REFERRALS = (
    sa.select(client_referrals, _USED.label("used"))
    .where(client_referrals.c.client_id == sa.bindparam("client_id"))
    .order_by(client_referrals.c.referral_id)
)
SCREENING = sa.select(client_screenings).where(
    client_screenings.c.client_id == sa.bindparam("client_id")
)
# Booking reads only the columns it decides on (``eligibility_from``): on PostgreSQL every
# column of a result costs the driver a description object, statement after statement.
# The front desk's views (``load_eligibility``) read the full rows.
_DECIDED_ON = client_screenings.c["screening_id", "outcome", "expires_on",
                                  "restricted_techniques", "restricted_regions",
                                  "pressure_limit"]
BOOKING_REFERRALS = (
    sa.select(*client_referrals.c["referral_id", "start_on", "end_on", "authorized_visits",
                                  "status"], _USED.label("used"))
    .where(client_referrals.c.client_id == sa.bindparam("client_id"))
    .order_by(client_referrals.c.referral_id)
)
BOOKING_SCREENING = sa.select(*_DECIDED_ON).where(
    client_screenings.c.client_id == sa.bindparam("client_id")
)
# Taken first, in a statement of its own: on PostgreSQL a statement that waited for a lock
# still counts from the snapshot it started with, so the count comes from the next one,
# which sees the visits booked by whoever held the lock before (READ COMMITTED). The
# screening rides along (a round trip fewer): the referral locks do not guard it (the
# projection writes it without them), so a snapshot from before the wait is as good as one
# from after, and it does not hold up anyone else's lock (FOR UPDATE OF the referrals only).
LOCK_REFERRALS_WITH_SCREENING = (
    sa.select(client_referrals.c.referral_id.label("locked_referral_id"), *_DECIDED_ON)
    .select_from(client_referrals.outerjoin(
        client_screenings, client_screenings.c.client_id == client_referrals.c.client_id))
    .where(client_referrals.c.client_id == sa.bindparam("client_id"))
    .order_by(client_referrals.c.referral_id)
    .with_for_update(of=client_referrals)
)
_KNOWN = sa.select(clients.c.client_id).where(clients.c.client_id == sa.bindparam("client_id"))


@dataclass(frozen=True)
class EligibilityView:
    """What the projection holds about a client, as booking and the front desk see it."""

    eligibility: ClientEligibility
    known: bool
    screening: Any
    referrals: list[dict[str, Any]]


def load_eligibility(connection: Connection, client_id: str) -> EligibilityView:
    """The client's projection, full rows (the front desk's views)."""
    by_client = {"client_id": client_id}
    referral_rows = connection.execute(REFERRALS, by_client).all()
    screening = connection.execute(SCREENING, by_client).first()
    known = screening is not None or bool(referral_rows) or connection.execute(
        _KNOWN, by_client).first() is not None
    shown = []
    for row in referral_rows:
        count = int(row.used)
        shown.append({**_without_count(row._mapping), "visits_used": count,
                      "visits_left": max((row.authorized_visits or 0) - count, 0)})
    eligibility = eligibility_from(client_id, referral_rows, screening)
    return EligibilityView(eligibility, known, screening, shown)


def eligibility_for_booking(connection: Connection, client_id: str) -> ClientEligibility:
    """What booking decides on, the referral rows locked first (their visits are counted)."""
    by_client = {"client_id": client_id}
    locked = []
    if takes_row_locks(connection):
        locked = connection.execute(LOCK_REFERRALS_WITH_SCREENING, by_client).all()
    referral_rows = connection.execute(BOOKING_REFERRALS, by_client).all()
    if locked:  # each locked row carries the screening's columns (all NULL without one)
        screening = locked[0] if locked[0].screening_id is not None else None
    else:
        screening = connection.execute(BOOKING_SCREENING, by_client).first()
    return eligibility_from(client_id, referral_rows, screening)


def eligibility_from(
    client_id: str, referral_rows: Sequence[Any], screening: Any
) -> ClientEligibility:
    """What booking decides on, from rows of ``BOOKING_REFERRALS`` or ``REFERRALS`` and
    of ``BOOKING_SCREENING`` or ``SCREENING`` (or None)."""
    return ClientEligibility(
        client_id=client_id,
        screening_outcome=screening.outcome if screening else None,
        screening_expires_on=screening.expires_on if screening else None,
        restrictions=restrictions_of(screening),
        referrals=tuple(Referral(row.referral_id, row.start_on, row.end_on,
                                 row.authorized_visits, int(row.used), row.status)
                        for row in referral_rows if row.start_on is not None),
    )


def _without_count(stored: Any) -> dict[str, Any]:
    return {key: value for key, value in stored.items() if key != "used"}


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
    return connection.execute(SCREENING, {"client_id": client_id}).first()

