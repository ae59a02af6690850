"""Consumed events -> commands: the client/referral projections and claims from sessions."""

from __future__ import annotations

import logging
from typing import Any

from services.claims.commands import projections
from services.claims.commands.claim_batches import claims_batch
from services.claims.commands.claims import create_claim
from shared.events.contracts.scheduling import SESSION_COMPLETED, SESSION_COMPLETED_V2
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
from shared.uow import UnitOfWork

log = logging.getLogger("services.claims.handlers")


def on_client_changed(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """Keep the newest version of the client; claims parked for want of it are scrubbed again."""
    if not projections.save_client(uow, payload["client_id"], payload["version"], event.data):
        log.info("older client version ignored", extra={"event_id": event.id})


def on_referral_changed(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """Keep the newest version of the referral's details, then re-scrub the client's claims."""
    kept = projections.save_referral_details(
        uow, payload["referral_id"], payload["client_id"], payload["version"], event.data
    )
    if not kept:
        log.info("older referral version ignored", extra={"event_id": event.id})


def on_referral_revoked(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """A revoked referral covers no session after the day it was revoked."""
    _close(uow, event, payload, "revoked")


def on_referral_expired(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """An expired referral covers no session after it ended."""
    _close(uow, event, payload, "expired")


def _close(uow: UnitOfWork, event: Event, payload: dict[str, Any], closed_as: str) -> None:
    kept = projections.close_referral(
        uow,
        payload["referral_id"],
        payload["client_id"],
        payload["version"],
        payload["closed_on"],
        closed_as,
    )
    if not kept:
        log.info("older referral closing ignored", extra={"event_id": event.id})


def on_session_completed(uow: UnitOfWork, event: Event, payload: dict[str, Any]) -> None:
    """Make the session's one claim (a redelivery under a new event id makes none).

    v1 and v2 both read (domain/event_data.py): a session is billed once whichever
    version, or both, arrives."""
    create_claim(uow, event.data)


SUBSCRIPTIONS = [
    Subscription(CLIENT_REGISTERED, on_client_changed),
    Subscription(CLIENT_UPDATED, on_client_changed),
    Subscription(REFERRAL_RECORDED, on_referral_changed),
    Subscription(REFERRAL_AMENDED, on_referral_changed),
    Subscription(REFERRAL_REVOKED, on_referral_revoked),
    Subscription(REFERRAL_EXPIRED, on_referral_expired),
    # A poll batch of sessions reads and writes its claims together (claim_batches.py).
    Subscription(SESSION_COMPLETED, on_session_completed, batch_scope=claims_batch),
    Subscription(SESSION_COMPLETED_V2, on_session_completed, batch_scope=claims_batch),
]
