"""The eligibility projection: what scheduling keeps of screening's events to decide bookings.

Each fact is saved only if it is newer than what is stored (``store/eligibility.py``), so
redelivered and out-of-order events leave the newest facts in place.
"""

from __future__ import annotations

from typing import Any

from services.scheduling.store.eligibility import (
    save_client,
    save_referral,
    save_screening,
)
from shared.db import utcnow
from shared.uow import UnitOfWork


def record_client(uow: UnitOfWork, client_id: str, version: int) -> None:
    """Note that the client exists (scheduling keeps no demographics)."""
    save_client(uow.connection, {"client_id": client_id, "version": version,
                                 "updated_at": utcnow()})


def record_screening(uow: UnitOfWork, screening: dict[str, Any]) -> None:
    """Keep the client's newest screening: outcome, expiry and precautions."""
    save_screening(uow.connection, {
        "client_id": screening["client_id"],
        "screening_id": screening["screening_id"],
        "outcome": screening["outcome"],
        "reason_codes": list(screening["reason_codes"]),
        "restricted_techniques": sorted(screening["restricted_techniques"]),
        "restricted_regions": sorted(screening["restricted_regions"]),
        "pressure_limit": screening["pressure_limit"],
        "screened_on": screening["screened_on"],
        "expires_on": screening["expires_on"],
        "recorded_at": screening["recorded_at"],
    })


def record_referral(uow: UnitOfWork, window: dict[str, Any]) -> None:
    """Keep a referral's window (the newest version wins; at one version a close beats its open)."""
    save_referral(uow.connection, {
        "referral_id": window["referral_id"],
        "client_id": window["client_id"],
        "version": window["version"],
        "status": window["status"],
        "start_on": window["start_on"],
        "end_on": window["end_on"],
        "authorized_visits": window["authorized_visits"],
        "closed_on": window["closed_on"],
        "body_regions": window.get("body_regions"),
        "updated_at": utcnow(),
        "frequency": window.get("frequency"),
    })
