"""The referral follow-up worker: now and then, announce referrals that need renewing.

Bookings are followed up as they happen (``handlers.on_appointment_booked``); this loop
catches what only the calendar brings (a referral's end drawing near) and anything a
booking's check missed. Announcements are once per referral version and threshold
(``store/follow_up.py``), so running it often, twice, or after a restart is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from services.scheduling.commands.follow_up import follow_up_referrals
from services.scheduling.store.calendar import load_settings
from shared.loops import PeriodicLoop
from shared.uow import unit_of_work

log = logging.getLogger("services.scheduling.workers")


class ReferralFollowUp(PeriodicLoop):
    """Announces expiring and exhausted referrals: once on start, then every interval."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime], notice_days: int,
                 interval_seconds: float, source: str = "scheduling") -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.notice_days = notice_days
        self.idle_seconds = interval_seconds
        self.source = source

    def run_round(self) -> int:
        """Announce what is due; always rest a whole interval after (0: a periodic job)."""
        self.announce_due()
        return 0

    def announce_due(self) -> int:
        """Announce every newly reached threshold; how many were announced."""
        now = self.clock()
        with unit_of_work(self.engine, self.source) as uow:
            # "Today" is the clinic's day, as a referral's dates are.
            today = load_settings(uow.connection).local_day(now)
            announced = follow_up_referrals(uow, today, self.notice_days, now)
        if announced:
            log.info("referral follow-ups announced", extra={"count": announced})
        return announced
