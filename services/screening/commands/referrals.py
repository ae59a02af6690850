"""A physician's referral: recorded, amended, revoked, and expired once its end date passes."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from services.screening import domain
from services.screening.commands.events import referral_closed_data, referral_data, window_data
from services.screening.store import clients, referrals
from shared.db import utcnow
from shared.events.contracts.screening import (
    REFERRAL_AMENDED,
    REFERRAL_EXPIRED,
    REFERRAL_RECORDED,
    REFERRAL_REVOKED,
    REFERRAL_WINDOW,
)
from shared.identifiers import ICD10_CM_RELEASE
from shared.uow import UnitOfWork

log = logging.getLogger("services.screening.commands")


def record_referral(
    uow: UnitOfWork, client_id: str, prescription: dict[str, Any]
) -> dict[str, Any]:
    """Record a referral (NPI and ICD-10-CM checked, principal diagnosis first) as version 1."""
    referral = domain.record_referral(
        referral_id=referrals.new_referral_id(), client_id=client_id, **prescription
    )
    clients.require(uow.connection, client_id, lock=True)
    # The flow that recorded the referral is kept: its expiry, caused by no request, carries it.
    row = referrals.add(uow.connection, referral, correlation_id=uow.correlation_id,
                        now=utcnow())
    uow.emit(REFERRAL_RECORDED, client_id, referral_data(row))
    uow.emit(REFERRAL_WINDOW, client_id, window_data(row))
    log.info("referral recorded", extra={"client_id": client_id,
                                         "referral_id": referral.referral_id})
    _warn_if_code_set_not_in_force(referral)
    return row


def amend_referral(
    uow: UnitOfWork, client_id: str, referral_id: str, prescription: dict[str, Any]
) -> dict[str, Any]:
    """Replace the prescription with the physician's amended one; the version goes up."""
    current = _current(uow, client_id, referral_id)
    amended = referrals.referral_of(current).amend(**prescription)
    row = _saved(referrals.save(uow.connection, amended, current["version"], now=utcnow()))
    uow.emit(REFERRAL_AMENDED, client_id, referral_data(row))
    uow.emit(REFERRAL_WINDOW, client_id, window_data(row))
    log.info("referral amended", extra={"referral_id": referral_id, "version": row["version"]})
    _warn_if_code_set_not_in_force(amended)
    return row


def revoke_referral(
    uow: UnitOfWork, client_id: str, referral_id: str, reason: str | None, today: date
) -> dict[str, Any]:
    """Withdraw a referral as of today: nothing more may be booked or billed against it."""
    current = _current(uow, client_id, referral_id)
    revoked = referrals.referral_of(current).revoke()
    row = _saved(referrals.save(uow.connection, revoked, current["version"], now=utcnow(),
                                closed_on=today, revoke_reason=reason))
    uow.emit(REFERRAL_REVOKED, client_id, referral_closed_data(row))
    uow.emit(REFERRAL_WINDOW, client_id, window_data(row))
    log.info("referral revoked", extra={"referral_id": referral_id})
    return row


def expire_referral(
    uow: UnitOfWork, client_id: str, referral_id: str, today: date
) -> dict[str, Any] | None:
    """Expire the referral if it is still open and past its end date; None when it is not."""
    # Read inside this transaction: an amendment or revocation (or another process
    # expiring the same referral) may have come first since the referral was found due.
    row = referrals.get(uow.connection, client_id, referral_id)
    if row is None:
        return None
    referral = referrals.referral_of(row)
    if not domain.referrals_due_to_expire([referral], today):
        return None
    saved = referrals.save(uow.connection, referral.expire(), row["version"], now=utcnow(),
                           closed_on=today)
    if saved is None:
        return None
    event = uow.emit(REFERRAL_EXPIRED, client_id, referral_closed_data(saved))
    uow.emit(REFERRAL_WINDOW, client_id, window_data(saved))
    log.info("referral expired", extra={"referral_id": referral_id, "event_id": event.id})
    return saved


def _warn_if_code_set_not_in_force(referral: domain.Referral) -> None:
    # The package ships one release (docs/DOMAIN.md §Referral): diagnoses were checked
    # against it even for dates of service it does not cover. Ops see that the code set
    # is due for its yearly update; the referral is not refused for it.
    if not ICD10_CM_RELEASE.covers(referral.start_on, referral.end_on):
        log.warning("diagnoses checked against a code set release not in force for all the "
                    "referral's dates", extra={"referral_id": referral.referral_id,
                                               "release": ICD10_CM_RELEASE.name})


def _current(uow: UnitOfWork, client_id: str, referral_id: str) -> dict[str, Any]:
    # The client's row lock serialises every write about the client and its referrals.
    clients.require(uow.connection, client_id, lock=True)
    return referrals.require(uow.connection, client_id, referral_id)


def _saved(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:  # the version moved under us (e.g. the expiry job came first)
        raise domain.ReferralChanged()
    return row
