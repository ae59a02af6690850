"""The referral-expiry job: announces, once each, the referrals whose end date has passed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from sqlalchemy import Engine

from services.screening.commands.referrals import expire_referral
from services.screening.store import referrals
from shared.db import read_only
from shared.loops import PeriodicLoop
from shared.uow import unit_of_work

log = logging.getLogger("services.screening.workers")


class ReferralExpiry(PeriodicLoop):
    """Expires referrals past their end date: once on start, then every interval."""

    def __init__(
        self,
        engine: Engine,
        today: Callable[[], date],
        interval_seconds: float,
        source: str = "screening",
    ) -> None:
        self.engine = engine
        self.today = today
        self.idle_seconds = interval_seconds
        self.source = source
        super().__init__()

    def run_round(self) -> int:
        """Expire what is due; always rest a whole interval after (0: a daily job)."""
        self.expire_due()
        return 0

    def expire_due(self) -> int:
        """Expire every open referral whose end date has passed; return how many."""
        today = self.today()
        with read_only(self.engine) as connection:
            due = referrals.open_ending_before(connection, today)
        expired = 0
        for candidate in due:
            # One unit of work per referral: the status change and its event commit together,
            # and one referral's trouble does not hold back the others' announcements. No
            # request caused the expiry: it carries on the flow that recorded the referral.
            with unit_of_work(self.engine, self.source,
                              correlation_id=candidate["correlation_id"]) as uow:
                if expire_referral(uow, candidate["client_id"], candidate["referral_id"],
                                   today) is not None:
                    expired += 1
        if expired:
            log.info("referrals expired", extra={"count": expired})
        return expired
