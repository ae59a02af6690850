"""Referral follow-up: when the clinic should ask the physician for a renewal.

Two reasons (docs/DOMAIN.md §Referral: visits are booked only inside the referral's
dates and authorized visits): the referral ends within the clinic's notice days, or its
visits are used up or down to one. Each is announced once per referral version and
threshold; an amended referral (a new version) starts afresh.
"""

from __future__ import annotations

from datetime import date

from services.scheduling.domain.booking import Referral

EXPIRING, ONE_LEFT, USED_UP = "expiring", "one_left", "used_up"


def due_notices(referral: Referral, today: date | None, notice_days: int) -> list[str]:
    """The thresholds the referral has reached; without ``today`` only the visit counts.

    Used up wins over one left: a referral that jumps from two left to none is announced
    once, as used up. Visits counted are booked and completed ones (``visits_used``).
    """
    if referral.status != "active":
        return []
    due = []
    if today is not None and 0 <= (referral.end - today).days <= notice_days:
        due.append(EXPIRING)
    if referral.authorized_visits >= 1:
        if referral.visits_left == 0:
            due.append(USED_UP)
        elif referral.visits_left == 1:
            due.append(ONE_LEFT)
    return due
