"""Screening's events -> the eligibility projection booking decides with.

Scheduling reads no PHI it does not book with: of a client it learns only that they exist
(``screening.client.enrolled``), never the names, birth dates, addresses and member ids
of ``client.registered``/``updated``; of a referral only its window (``referral.window``:
dates, authorized visits, status, and the prescribed body regions the therapist treats),
never the diagnoses, physician, prescribed codes and authorization number of
``referral.recorded``/``amended``/``revoked``/``expired`` (those are for claims).
"""

from __future__ import annotations

from typing import Any

from services.scheduling.commands.eligibility import (
    record_client,
    record_referral,
    record_screening,
)
from services.scheduling.commands.follow_up import follow_up_booking
from services.scheduling.commands.self_service import record_sign_in_key
from shared.events.contracts.scheduling import APPOINTMENT_BOOKED
from shared.events.contracts.screening import (
    CLIENT_ENROLLED,
    CLIENT_SIGN_IN_KEY,
    REFERRAL_WINDOW,
    SCREENING_COMPLETED,
)
from shared.events.envelope import Event
from shared.kafka.consumer import Subscription
from shared.uow import UnitOfWork


def on_client_enrolled(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """A client exists (at this version of their record); the id is all scheduling keeps."""
    record_client(uow, payload["client_id"], payload["version"])


def on_screening_completed(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """Keep the client's newest screening: outcome, expiry and precautions."""
    record_screening(uow, payload)


def on_referral_window(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """A referral to book against, at its newest version: open, or revoked or expired."""
    record_referral(uow, payload)


def on_client_sign_in_key(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """Whose email address is whose, as a hash only: for the client's sign-in link."""
    record_sign_in_key(uow, payload)
def on_appointment_booked(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """A visit was booked: announce its referral's visits used up or down to one, once."""
    follow_up_booking(uow, payload["referral_id"])


SUBSCRIPTIONS = [
    Subscription(CLIENT_ENROLLED, on_client_enrolled),
    Subscription(SCREENING_COMPLETED, on_screening_completed),
    Subscription(REFERRAL_WINDOW, on_referral_window),
    Subscription(CLIENT_SIGN_IN_KEY, on_client_sign_in_key),
    Subscription(APPOINTMENT_BOOKED, on_appointment_booked),
]
