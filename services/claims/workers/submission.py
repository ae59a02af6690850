"""Send stored interchanges to the clearinghouse and record its 999; retry what may succeed.

Due interchanges are leased in one short transaction, so a second worker process leaves
them alone; each is then POSTed outside any transaction (an HTTP exchange may take
seconds) and the answer recorded in a unit of work of its own, which releases the lease.
Each attempt sends the text stored when the batch was made, so a retry carries the same
control number and the clearinghouse recognises a resend as a duplicate. Network errors
and 5xx answers are retried with exponential backoff and jitter (the schedule lives in the
database, so a restart keeps it); a 4xx answer is final and rejects the claims inside; an
answer that cannot be read is sent again a few times, then held for a person.
"""

from __future__ import annotations

from typing import Any

from services.claims.commands import interchanges
from services.claims.workers.clearinghouse import Answer, ClearinghouseLoop
from shared.uow import UnitOfWork, unit_of_work


class SubmissionWorker(ClearinghouseLoop):
    """Submits the interchanges the batcher stored, and retries them, until stopped."""

    def run_round(self) -> int:
        """Send every due interchange and record each answer; how many got one."""
        source = self.config.settings.service
        with unit_of_work(self.engine, source) as uow:
            due = interchanges.lease_due(uow, self.config.work_lease)
        for interchange in due:
            answer = self.clearinghouse.submit_837(interchange.x12)
            with unit_of_work(self.engine, source) as uow:
                self.record(uow, interchange, answer)
        return len(due)

    def record(self, uow: UnitOfWork, interchange: Any, answer: Answer) -> None:
        """Every answer counts as an attempt: retried, refused, or read as a TA1/999."""
        config = self.config
        if answer.retryable:
            error = answer.error or f"HTTP {answer.status}"
            interchanges.retry_submission(uow, interchange, error, config.retry)
        elif answer.status is not None and answer.status >= 400:
            interchanges.record_refusal(uow, interchange, answer.status, answer.body)
        else:
            interchanges.record_answer(
                uow, interchange, answer.body, config.retry, config.answer_read_attempts
            )
