"""Screening's events -> the eligibility projection booking decides with."""

from __future__ import annotations

from typing import Any

from services.scheduling.commands.eligibility import (
    close_referral,
    record_client,
    record_referral,
    record_screening,
)
from shared.events.contracts.screening import (
    CLIENT_REGISTERED,
    CLIENT_UPDATED,
    REFERRAL_AMENDED,
    REFERRAL_EXPIRED,
    REFERRAL_RECORDED,
    REFERRAL_REVOKED,
    SCREENING_COMPLETED,
)
from shared.events.envelope import Event
from shared.kafka.consumer import Subscription
from shared.uow import UnitOfWork


def on_client_registered(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """A client exists; scheduling keeps only the id (demographics stay in screening)."""
    record_client(uow, payload["client_id"], payload["version"])


def on_client_updated(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """A client changed; only the version matters here."""
    record_client(uow, payload["client_id"], payload["version"])


def on_screening_completed(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """Keep the client's newest screening: outcome, expiry and precautions."""
    record_screening(uow, payload)


def on_referral_recorded(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """A referral to book against."""
    record_referral(uow, payload)


def on_referral_amended(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """A new version of a referral (newest version wins)."""
    record_referral(uow, payload)


def on_referral_revoked(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """A referral no longer to be booked against."""
    close_referral(uow, payload, "revoked")


def on_referral_expired(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """A referral past its end date."""
    close_referral(uow, payload, "expired")


SUBSCRIPTIONS = [
    Subscription(CLIENT_REGISTERED, on_client_registered),
    Subscription(CLIENT_UPDATED, on_client_updated),
    Subscription(SCREENING_COMPLETED, on_screening_completed),
    Subscription(REFERRAL_RECORDED, on_referral_recorded),
    Subscription(REFERRAL_AMENDED, on_referral_amended),
    Subscription(REFERRAL_REVOKED, on_referral_revoked),
    Subscription(REFERRAL_EXPIRED, on_referral_expired),
]
