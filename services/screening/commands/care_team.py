"""The care team projection: who treats whom, as scheduling's appointment events tell it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.screening.store import care_team
from shared.uow import UnitOfWork


def record_appointment(uow: UnitOfWork, appointment: dict[str, Any], as_of: datetime) -> None:
    """A booked or moved appointment: its therapist (by staff login) treats the client."""
    care_team.save_appointment(uow.connection, appointment["appointment_id"],
                               appointment["client_id"], appointment["therapist_staff_subject"],
                               as_of)


def record_cancellation(uow: UnitOfWork, cancelled: dict[str, Any], as_of: datetime) -> None:
    """A cancelled appointment no longer makes its therapist the client's."""
    care_team.save_cancellation(uow.connection, cancelled["appointment_id"],
                                cancelled["client_id"], as_of)
