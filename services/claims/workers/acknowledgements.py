"""Fetch 277CA acknowledgements for the interchanges a 999 accepted, and settle each claim."""

from __future__ import annotations

from typing import Any

from services.claims.commands import interchanges
from services.claims.store.interchanges import ACCEPTED
from services.claims.workers.clearinghouse import Answer
from services.claims.workers.interchange_worker import InterchangeWorker
from shared.uow import UnitOfWork


class AcknowledgementPoller(InterchangeWorker):
    """Asks the clearinghouse for the 277CA of every interchange its 999 accepted."""

    status = ACCEPTED

    def ask(self, interchange: Any) -> Answer:
        """GET the interchange's 277CA (404 while the payer has not answered)."""
        return self.clearinghouse.claim_acknowledgement(
            interchange.control_number, interchange.sender_id
        )

    def record(self, uow: UnitOfWork, interchange: Any, answer: Answer) -> int:
        """1 when a 277CA was recorded; otherwise look again after the poll interval."""
        number, interval = interchange.control_number, self.config.poll_interval
        if answer.status == 200 and interchanges.record_277ca(uow, number, answer.body, interval):
            return 1
        # Not there yet (404), or the clearinghouse is unwell: look again later.
        interchanges.poll_later(uow, number, interval)
        return 0
