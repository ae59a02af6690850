"""The round the submission worker and the 277CA poller share: lease, ask, record.

Due interchanges are leased in one short transaction, so a second worker process leaves
them alone; each is then taken to the clearinghouse outside any transaction (an HTTP
exchange may take seconds) and the answer is recorded in a unit of work of its own,
which releases the lease.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from services.claims.commands import interchanges
from services.claims.config import ClaimsConfig
from services.claims.workers.clearinghouse import Answer, Clearinghouse
from shared.loops import PeriodicLoop
from shared.uow import UnitOfWork, unit_of_work


class InterchangeWorker(PeriodicLoop):
    """Works through the interchanges in ``status`` whose next attempt is due."""

    status: str

    def __init__(
        self, engine: Engine, config: ClaimsConfig, clearinghouse: Clearinghouse | None = None
    ) -> None:
        super().__init__()
        self.engine = engine
        self.config = config
        self.clearinghouse = clearinghouse or Clearinghouse(config)
        self.idle_seconds = config.idle_sleep

    def run_round(self) -> int:
        """Ask about every due interchange and record each answer; how many got one."""
        source = self.config.settings.service
        with unit_of_work(self.engine, source) as uow:
            due = interchanges.lease_due(uow, self.status, self.config.work_lease)
        done = 0
        for interchange in due:
            answer = self.ask(interchange)
            with unit_of_work(self.engine, source) as uow:
                done += self.record(uow, interchange, answer)
        return done

    def ask(self, interchange: Any) -> Answer:
        """The clearinghouse's answer about one interchange."""
        raise NotImplementedError

    def record(self, uow: UnitOfWork, interchange: Any, answer: Answer) -> int:
        """Record the answer; 1 when it counts as work done, else 0."""
        raise NotImplementedError
