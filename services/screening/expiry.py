"""The referral-expiry job: announces, once each, the referrals whose end date has passed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from sqlalchemy import Connection, Engine

from services.screening.domain import referrals_due_to_expire
from services.screening.publishing import referral_closed_data
from services.screening.store import referrals
from shared.db import read_only, utcnow, write_transaction
from shared.events.contracts.screening import REFERRAL_EXPIRED
from shared.loops import PeriodicLoop
from shared.outbox import emit

log = logging.getLogger("services.screening.expiry")


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
            # One transaction per referral: the status change and its event commit together,
            # and one referral's trouble does not hold back the others' announcements.
            with write_transaction(self.engine) as connection:
                expired += self._expire(connection, candidate["client_id"],
                                        candidate["referral_id"], today)
        if expired:
            log.info("referrals expired", extra={"count": expired})
        return expired

    def _expire(self, connection: Connection, client_id: str, referral_id: str, today: date) -> int:
        # Re-read inside the write transaction: an amendment or revocation (or another
        # process running this job) may have come first.
        row = referrals.get(connection, client_id, referral_id)
        if row is None or not referrals_due_to_expire([referrals.referral_of(row)], today):
            return 0
        expired = referrals.referral_of(row).expire()
        saved = referrals.save(connection, expired, row["version"], now=utcnow(), closed_on=today)
        if saved is None:
            return 0
        event = emit(connection, REFERRAL_EXPIRED, source=self.source, subject=client_id,
                     data=referral_closed_data(saved), correlation_id=row["correlation_id"])
        log.info("referral expired", extra={"referral_id": referral_id, "event_id": event.id})
        return 1
