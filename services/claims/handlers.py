"""Consumed events -> effects: the client/referral projections and claims from sessions."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection

from services.claims import claiming
from services.claims.store import projections
from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.events.contracts.screening import (
    CLIENT_REGISTERED,
    CLIENT_UPDATED,
    REFERRAL_AMENDED,
    REFERRAL_EXPIRED,
    REFERRAL_RECORDED,
    REFERRAL_REVOKED,
)
from shared.events.envelope import Event
from shared.kafka.consumer import Subscription

log = logging.getLogger("services.claims.handlers")


def on_client_changed(connection: Connection, event: Event, payload: dict[str, Any]) -> None:
    """Keep the newest version of the client; claims parked for want of it are scrubbed again."""
    client_id = payload["client_id"]
    if projections.save_client(connection, client_id, payload["version"], event.data):
        claiming.rescrub_client(connection, client_id)
    else:
        log.info("older client version ignored", extra={"event_id": event.id})


def on_referral_changed(connection: Connection, event: Event, payload: dict[str, Any]) -> None:
    """Keep the newest version of the referral's details, then re-scrub the client's claims."""
    kept = projections.save_referral_details(
        connection, payload["referral_id"], payload["client_id"], payload["version"], event.data
    )
    if kept:
        claiming.rescrub_client(connection, payload["client_id"])
    else:
        log.info("older referral version ignored", extra={"event_id": event.id})


def on_referral_revoked(connection: Connection, event: Event, payload: dict[str, Any]) -> None:
    """A revoked referral covers no session after the day it was revoked."""
    _close(connection, event, payload, "revoked")


def on_referral_expired(connection: Connection, event: Event, payload: dict[str, Any]) -> None:
    """An expired referral covers no session after it ended."""
    _close(connection, event, payload, "expired")


def _close(connection: Connection, event: Event, payload: dict[str, Any], closed_as: str) -> None:
    kept = projections.close_referral(
        connection,
        payload["referral_id"],
        payload["client_id"],
        payload["version"],
        payload["closed_on"],
        closed_as,
    )
    if kept:
        claiming.rescrub_client(connection, payload["client_id"])
    else:
        log.info("older referral closing ignored", extra={"event_id": event.id})


def on_session_completed(connection: Connection, event: Event, payload: dict[str, Any]) -> None:
    """Make the session's one claim (a redelivery under a new event id makes none)."""
    claiming.create_claim(connection, event.data, payload, event.correlation_id or event.id)


SUBSCRIPTIONS = [
    Subscription(CLIENT_REGISTERED, on_client_changed),
    Subscription(CLIENT_UPDATED, on_client_changed),
    Subscription(REFERRAL_RECORDED, on_referral_changed),
    Subscription(REFERRAL_AMENDED, on_referral_changed),
    Subscription(REFERRAL_REVOKED, on_referral_revoked),
    Subscription(REFERRAL_EXPIRED, on_referral_expired),
    Subscription(SESSION_COMPLETED, on_session_completed),
]
