"""Screening's events -> the eligibility projection booking decides with."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from services.scheduling.store.eligibility import (
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


def client_registered(connection: Connection, event: Event, payload: dict[str, Any]) -> None:
    """A client exists; scheduling keeps only the id (demographics stay in screening)."""
    record_client(connection, payload["client_id"], payload["version"])


def client_updated(connection: Connection, event: Event, payload: dict[str, Any]) -> None:
    """A client changed; only the version matters here."""
    record_client(connection, payload["client_id"], payload["version"])


def screening_completed(connection: Connection, event: Event, payload: dict[str, Any]) -> None:
    """Keep the client's newest screening: outcome, expiry and precautions."""
    record_screening(connection, payload)


def referral_recorded(connection: Connection, event: Event, payload: dict[str, Any]) -> None:
    """A referral to book against."""
    record_referral(connection, payload)


def referral_amended(connection: Connection, event: Event, payload: dict[str, Any]) -> None:
    """A new version of a referral (newest version wins)."""
    record_referral(connection, payload)


def referral_revoked(connection: Connection, event: Event, payload: dict[str, Any]) -> None:
    """A referral no longer to be booked against."""
    close_referral(connection, payload, "revoked")


def referral_expired(connection: Connection, event: Event, payload: dict[str, Any]) -> None:
    """A referral past its end date."""
    close_referral(connection, payload, "expired")


SUBSCRIPTIONS = [
    Subscription(CLIENT_REGISTERED, client_registered),
    Subscription(CLIENT_UPDATED, client_updated),
    Subscription(SCREENING_COMPLETED, screening_completed),
    Subscription(REFERRAL_RECORDED, referral_recorded),
    Subscription(REFERRAL_AMENDED, referral_amended),
    Subscription(REFERRAL_REVOKED, referral_revoked),
    Subscription(REFERRAL_EXPIRED, referral_expired),
]
