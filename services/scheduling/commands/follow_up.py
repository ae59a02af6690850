"""Announcing referrals that need renewing: ending soon, or visits used up or down to one."""

from __future__ import annotations

from datetime import date, datetime

from services.scheduling.domain.follow_up import EXPIRING, due_notices
from services.scheduling.store.follow_up import TrackedReferral, active_referrals, record_notice
from shared.db import utcnow
from shared.events.contracts.scheduling import REFERRAL_EXHAUSTED, REFERRAL_EXPIRING
from shared.uow import UnitOfWork


def follow_up_referrals(uow: UnitOfWork, today: date, notice_days: int, now: datetime) -> int:
    """Announce every active referral's newly reached thresholds; how many announced."""
    return sum(_announce(uow, tracked, today, notice_days, now)
               for tracked in active_referrals(uow.connection))


def follow_up_booking(uow: UnitOfWork, referral_id: str) -> int:
    """After a booking: announce the referral's visits used up or down to one."""
    return sum(_announce(uow, tracked, None, 0, utcnow())
               for tracked in active_referrals(uow.connection, referral_id))


def _announce(uow: UnitOfWork, tracked: TrackedReferral, today: date | None,
              notice_days: int, now: datetime) -> int:
    announced = 0
    referral = tracked.referral
    for threshold in due_notices(referral, today, notice_days):
        if not record_notice(uow.connection, tracked, threshold, now):
            continue
        announced += 1
        if threshold == EXPIRING:
            assert today is not None  # due_notices gives EXPIRING only with a day
            uow.emit(REFERRAL_EXPIRING, tracked.client_id, {
                "referral_id": referral.id, "client_id": tracked.client_id,
                "end_on": referral.end, "days_left": (referral.end - today).days})
        else:
            uow.emit(REFERRAL_EXHAUSTED, tracked.client_id, {
                "referral_id": referral.id, "client_id": tracked.client_id,
                "authorized_visits": referral.authorized_visits,
                "visits_used": referral.visits_used, "visits_left": referral.visits_left})
    return announced
