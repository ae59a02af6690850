"""Completed sessions: what the therapist did, the units it bills, and the SOAP note."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from services.scheduling.domain.completion import CompletedSession
from services.scheduling.store.tables import client_referrals, sessions


def insert_session(
    connection: Connection,
    session_id: str,
    session: CompletedSession,
    referral_id: str,
    date_of_service: date,
    soap_note: dict[str, str],
    completed_at: datetime,
    completed_by: str | None,
    admin_overrode: tuple[str, ...] = (),
    admin_override_reason: str | None = None,
) -> None:
    """Store a completed session with its SOAP note, who recorded it and any admin override."""
    connection.execute(
        sa.insert(sessions).values(
            id=session_id,
            appointment_id=session.appointment_id,
            client_id=session.client_id,
            referral_id=referral_id,
            therapist_id=session.therapist_id,
            date_of_service=date_of_service,
            techniques=[
                {**asdict(record), "body_regions": list(record.body_regions)}
                for record in session.techniques
            ],
            codes=[asdict(code) for code in session.codes],
            counting_method=session.counting_method,
            overridden=list(session.overridden),
            override_reason=session.override_reason,
            soap_note=soap_note,
            completed_at=completed_at,
            completed_by=completed_by,
            admin_overrode=list(admin_overrode) if admin_overrode else None,
            admin_override_reason=admin_override_reason if admin_overrode else None,
            place_of_service=session.place_of_service,
            regions_outside_referral=list(session.regions_outside_referral) or None,
            outside_referral_reason=session.outside_referral_reason,
        )
    )


def prescribed_regions(connection: Connection, referral_id: str) -> frozenset[str] | None:
    """The referral's prescribed body regions; None when its window did not say."""
    regions = connection.execute(
        sa.select(client_referrals.c.body_regions)
        .where(client_referrals.c.referral_id == referral_id)
    ).scalar()
    return frozenset(regions) if regions is not None else None


def session_for(connection: Connection, appointment_id: str) -> Any:
    """The session recorded for an appointment, or None."""
    return connection.execute(
        sa.select(sessions).where(sessions.c.appointment_id == appointment_id)
    ).first()
