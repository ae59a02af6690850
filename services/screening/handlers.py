"""Scheduling's appointment events -> the care team (who may read a client's records).

Screening is where client facts start; the one thing it learns from others is which
therapist treats which client, so that a therapist reads their own clients' screenings
and referrals and no one else's (``domain/care_team.py``).
"""

from __future__ import annotations

from typing import Any

from services.screening.commands.care_team import record_appointment, record_cancellation
from shared.events.contracts.scheduling import (
    APPOINTMENT_BOOKED,
    APPOINTMENT_CANCELLED,
    APPOINTMENT_RESCHEDULED,
)
from shared.events.envelope import Event
from shared.kafka.consumer import Subscription
from shared.uow import UnitOfWork


def on_appointment_booked(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """The booked appointment's therapist treats the client."""
    record_appointment(uow, payload, event.time)


def on_appointment_rescheduled(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """A moved appointment may have changed therapist: the new one treats the client."""
    record_appointment(uow, payload, event.time)


def on_appointment_cancelled(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """A cancelled appointment no longer counts."""
    record_cancellation(uow, payload, event.time)


SUBSCRIPTIONS = [
    Subscription(APPOINTMENT_BOOKED, on_appointment_booked),
    Subscription(APPOINTMENT_RESCHEDULED, on_appointment_rescheduled),
    Subscription(APPOINTMENT_CANCELLED, on_appointment_cancelled),
]
