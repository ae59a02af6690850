"""The care team: which therapist (by staff login) has an appointment with which client.

Fed by scheduling's appointment events, one row per appointment. Each write is one
atomic conditional upsert (``shared.db.save_if_newer``): a booking or move applies only
if newer than what is stored and the appointment is not cancelled; a cancellation always
applies and is final. A redelivered or late event therefore never reopens a cancelled
appointment nor brings back a therapist it moved away from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from services.screening.store.tables import care_team
from shared.db import save_if_newer

_TREATS = (
    sa.select(care_team.c.appointment_id)
    .where(care_team.c.staff_subject == sa.bindparam("staff_subject"),
           care_team.c.client_id == sa.bindparam("client_id"),
           care_team.c.cancelled.is_(False))
    .limit(1)
)


def save_appointment(
    connection: Connection, appointment_id: str, client_id: str, staff_subject: str | None,
    as_of: datetime,
) -> None:
    """The appointment is (now) with the therapist holding ``staff_subject``."""
    save_if_newer(connection, care_team, {
        "appointment_id": appointment_id, "client_id": client_id,
        "staff_subject": staff_subject, "cancelled": False, "as_of": as_of,
    }, _newer_and_open)


def save_cancellation(
    connection: Connection, appointment_id: str, client_id: str, as_of: datetime
) -> None:
    """The appointment was cancelled: it no longer makes its therapist the client's."""
    save_if_newer(connection, care_team, {
        "appointment_id": appointment_id, "client_id": client_id, "cancelled": True,
        "as_of": as_of,
    }, _still_open)


def treats(connection: Connection, staff_subject: str, client_id: str) -> bool:
    """Whether the therapist with this login has an appointment with the client."""
    found = connection.execute(_TREATS, {"staff_subject": staff_subject, "client_id": client_id})
    return found.first() is not None


def _newer_and_open(stored: Any, incoming: Any) -> sa.ColumnElement[bool]:
    return sa.and_(stored.cancelled.is_(False), stored.as_of < incoming.as_of)


def _still_open(stored: Any, incoming: Any) -> sa.ColumnElement[bool]:
    return stored.cancelled.is_(False)
