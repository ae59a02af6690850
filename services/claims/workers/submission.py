"""Send stored interchanges to the clearinghouse and record its 999; retry what may succeed.

Each attempt POSTs the interchange text stored when the batch was made, so a retry
carries the same control number and the clearinghouse recognises a resend as a
duplicate. Network errors and 5xx answers are retried with exponential backoff and
jitter (the schedule lives in the database, so a restart keeps it); a 4xx answer is
final and rejects the claims inside.
"""

from __future__ import annotations

from typing import Any

from services.claims.commands import interchanges
from services.claims.store.interchanges import PENDING
from services.claims.workers.clearinghouse import Answer
from services.claims.workers.interchange_worker import InterchangeWorker
from shared.uow import UnitOfWork


class SubmissionWorker(InterchangeWorker):
    """Submits the interchanges the batcher stored, and retries them, until stopped."""

    status = PENDING

    def ask(self, interchange: Any) -> Answer:
        """POST the stored interchange text."""
        return self.clearinghouse.submit_837(interchange.x12)

    def record(self, uow: UnitOfWork, interchange: Any, answer: Answer) -> int:
        """Every answer counts as an attempt: retried, refused, or a 999."""
        if answer.retryable:
            error = answer.error or f"HTTP {answer.status}"
            interchanges.retry_submission(uow, interchange, error, self.config.retry)
        elif answer.status is not None and answer.status >= 400:
            interchanges.record_refusal(uow, interchange.control_number, answer.status,
                                        answer.body)
        else:
            interchanges.record_999(uow, interchange, answer.body, self.config.retry)
        return 1
