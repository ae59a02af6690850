"""Keep the newest client and referral as screening published them; re-scrub what they fix.

Each save is "newest version wins, whatever order events come in"; only when it wrote
anything are the client's parked claims scrubbed again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.claims.commands.claims import rescrub_client
from services.claims.store import projections
from shared.uow import UnitOfWork


def save_client(uow: UnitOfWork, client_id: str, version: int, data: dict[str, Any]) -> bool:
    """Keep this version of the client unless a newer one is stored; True when kept."""
    kept = projections.save_client(uow.connection, client_id, version, data)
    if kept:
        rescrub_client(uow, client_id)
    return kept


def save_referral_details(
    uow: UnitOfWork, referral_id: str, client_id: str, version: int, data: dict[str, Any]
) -> bool:
    """Keep this version of a referral's details unless a newer one is stored; True when kept."""
    kept = projections.save_referral_details(uow.connection, referral_id, client_id, version, data)
    if kept:
        rescrub_client(uow, client_id)
    return kept


def close_referral(
    uow: UnitOfWork,
    referral_id: str,
    client_id: str,
    version: int,
    closed_on: date,
    closed_as: str,
) -> bool:
    """Record that a referral was revoked or expired unless a newer closing is stored.

    A closed referral covers no session after the day it closed (docs/DOMAIN.md §Referral).
    """
    kept = projections.close_referral(
        uow.connection, referral_id, client_id, version, closed_on, closed_as
    )
    if kept:
        rescrub_client(uow, client_id)
    return kept
