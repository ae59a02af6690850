"""Referral follow-up as stored: one row per referral version and threshold announced.

The primary key is what makes each announcement happen once, across restarts and
processes: the row and the event's outbox row commit together, and a second insert of
the same key does nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy import Connection

from services.scheduling.domain.booking import Referral
from services.scheduling.store.appointments import visits_used
from services.scheduling.store.tables import client_referrals
from services.scheduling.store.tables import referral_notices as notices
from shared.db import insert_if_absent


class TrackedReferral(NamedTuple):
    """A referral as follow-up sees it: the booking view, its client and its version."""

    referral: Referral
    client_id: str
    version: int


def active_referrals(connection: Connection,
                     referral_id: str | None = None) -> list[TrackedReferral]:
    """Active referrals with dates and authorized visits (or just the one named)."""
    columns = client_referrals.c
    query = sa.select(client_referrals).where(
        columns.status == "active", columns.start_on.is_not(None),
        columns.authorized_visits.is_not(None)).order_by(columns.referral_id)
    if referral_id is not None:
        query = query.where(columns.referral_id == referral_id)
    rows = connection.execute(query).all()
    used = visits_used(connection, [row.referral_id for row in rows])
    return [
        TrackedReferral(Referral(row.referral_id, row.start_on, row.end_on,
                                 row.authorized_visits, used.get(row.referral_id, 0),
                                 row.status), row.client_id, row.version)
        for row in rows
    ]


def record_notice(connection: Connection, tracked: TrackedReferral, threshold: str,
                  at: datetime) -> bool:
    """Note an announcement; False when this version and threshold were announced before."""
    return insert_if_absent(connection, notices, {
        "referral_id": tracked.referral.id, "version": tracked.version,
        "threshold": threshold, "client_id": tracked.client_id, "noticed_at": at})
