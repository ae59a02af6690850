"""The waitlist worker: closes offers whose hold ran out, and offers freed time.

Everything it acts on is in the database (open offers with their ``hold_until``, noted
openings), so a restart loses nothing; each step runs in its own unit of work and
re-checks under the row's lock, so running it twice, or in two processes, does each
step once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from services.scheduling.commands.waitlist import OfferPolicy, expire_offer, offer_next_opening
from services.scheduling.store.waitlist import due_offers
from shared.db import read_only
from shared.loops import PeriodicLoop
from shared.uow import unit_of_work

log = logging.getLogger("services.scheduling.workers")


class WaitlistWorker(PeriodicLoop):
    """Each round: expire the offers due, then offer every opening, one per transaction."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime], policy: OfferPolicy,
                 interval_seconds: float, source: str = "scheduling") -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.policy = policy
        self.idle_seconds = interval_seconds
        self.source = source

    def run_round(self) -> int:
        """Expire, then offer; how many steps were taken (0: idle)."""
        return self.expire_due() + self.offer_openings()

    def expire_due(self) -> int:
        """Close every open offer whose hold has run out; how many were closed."""
        now = self.clock()
        with read_only(self.engine) as connection:
            due = due_offers(connection, now)
        expired = 0
        for offer_id in due:
            with unit_of_work(self.engine, self.source) as uow:
                expired += expire_offer(uow, offer_id, now)
        if expired:
            log.info("waitlist offers expired", extra={"count": expired})
        return expired

    def offer_openings(self) -> int:
        """Offer each noted opening to the waitlist; how many openings were handled."""
        handled = 0
        while True:
            with unit_of_work(self.engine, self.source) as uow:
                if not offer_next_opening(uow, self.clock(), self.policy):
                    return handled
            handled += 1
