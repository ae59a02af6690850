"""Send stored interchanges to the clearinghouse and record its 999; retry what may succeed.

Each attempt POSTs the interchange text stored when the batch was made, so a retry
carries the same control number and the clearinghouse recognises a resend as a
duplicate. Network errors and 5xx answers are retried with exponential backoff and
jitter (the schedule lives in the database, so a restart keeps it); a 4xx answer is
final and rejects the claims inside.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from services.claims.clearinghouse import Answer, Clearinghouse
from services.claims.config import ClaimsConfig
from services.claims.domain.records import Reason
from services.claims.store import claims as claim_store
from services.claims.store import interchanges
from services.claims.x12.acknowledgements import FunctionalAcknowledgement, parse_999
from services.claims.x12.syntax import X12SyntaxError
from shared.db import utcnow, write_transaction
from shared.events.contracts.claims import CLAIM_REJECTED, CLAIM_SUBMITTED
from shared.loops import PeriodicLoop
from shared.outbox import Emission, emit_all

log = logging.getLogger("services.claims.submission")
SOURCE = "claims"


class SubmissionWorker(PeriodicLoop):
    """Submits the interchanges the batcher stored, and retries them, until stopped."""

    def __init__(
        self, engine: Engine, config: ClaimsConfig, clearinghouse: Clearinghouse | None = None
    ) -> None:
        self.engine = engine
        self.config = config
        self.clearinghouse = clearinghouse or Clearinghouse(config)
        self._lease = config.work_lease
        self.idle_seconds = config.idle_sleep
        super().__init__()

    def run_round(self) -> int:
        """Submit what is due; how many interchanges were tried."""
        return self.submit_once()

    def submit_once(self) -> int:
        """Try every interchange whose attempt is due; return how many were tried."""
        with write_transaction(self.engine) as connection:
            due = interchanges.lease_due(connection, interchanges.PENDING, self._lease)
        for interchange in due:
            answer = self.clearinghouse.submit_837(interchange.x12)
            with write_transaction(self.engine) as connection:
                self._record(connection, interchange, answer)
        return len(due)

    def _record(self, connection: Connection, interchange: Any, answer: Answer) -> None:
        number = interchange.control_number
        if answer.retryable:
            self._retry(connection, interchange, answer.error or f"HTTP {answer.status}")
            return
        if answer.status is not None and answer.status >= 400:
            reason = Reason(
                "clearinghouse_refused",
                f"the clearinghouse refused interchange {number:09d}: HTTP {answer.status}",
            )
            interchanges.update_interchange(
                connection, number, status=interchanges.REFUSED, last_error=answer.body[:500]
            )
            _reject_all(connection, number, [reason])
            log.warning(
                "interchange refused", extra={"interchange": number, "status": answer.status}
            )
            return
        try:
            functional_ack = parse_999(answer.body)
        except X12SyntaxError:
            self._retry(connection, interchange, "the answer was not a 999")
            return
        now = utcnow()
        if functional_ack.accepted:
            interchanges.update_interchange(
                connection,
                number,
                status=interchanges.ACCEPTED,
                functional_ack=answer.body,
                submitted_at=now,
                next_attempt_at=now,
            )
            members = claim_store.claims_in_interchange(connection, number)
            claim_store.settle_claims(
                connection,
                "submitted",
                [{"claim_id": claim.claim_id, "reasons": "[]"} for claim in members],
                f"999 accepted interchange {number:09d}",
            )
            emit_all(
                connection,
                CLAIM_SUBMITTED,
                source=SOURCE,
                emissions=[
                    Emission(
                        subject=claim.client_id,
                        data={
                            "claim_id": claim.claim_id,
                            "client_id": claim.client_id,
                            "interchange_control_number": f"{number:09d}",
                            "submitted_at": now,
                        },
                        correlation_id=claim.correlation_id,
                    )
                    for claim in members
                ],
            )
            log.info("interchange accepted by 999", extra={"interchange": number})
        else:
            interchanges.update_interchange(
                connection, number, status=interchanges.REJECTED, functional_ack=answer.body
            )
            _reject_all(connection, number, _syntax_reasons(functional_ack))
            log.warning("interchange rejected by 999", extra={"interchange": number})

    def _retry(self, connection: Connection, interchange: Any, error: str) -> None:
        attempt = interchange.attempts + 1
        delay = self.config.retry.backoff(attempt)
        interchanges.retry_later(
            connection, interchange.control_number, utcnow() + timedelta(seconds=delay), error
        )
        log.warning(
            "submission failed; will retry",
            extra={
                "interchange": interchange.control_number,
                "attempt": attempt,
                "retry_in_seconds": round(delay, 3),
                "error": error,
            },
        )


def _syntax_reasons(ack: FunctionalAcknowledgement) -> list[Reason]:
    reasons = [
        Reason(
            "x12_rejected",
            f"999 rejected segment {error.segment_id} at position {error.position}"
            + (f" (error {error.error_code})" if error.error_code else ""),
        )
        for transaction in ack.transaction_sets
        for error in transaction.segment_errors
    ]
    return reasons or [Reason("x12_rejected", f"999 rejected the group ({ack.status.value})")]


def _reject_all(connection: Connection, number: int, reasons: list[Reason]) -> None:
    """Reject every claim of an interchange with the same reasons."""
    members = claim_store.claims_in_interchange(connection, number)
    reject_claims(connection, [(claim, reasons) for claim in members], f"interchange {number:09d}")


def reject_claims(
    connection: Connection, rejected: Sequence[tuple[Any, list[Reason]]], note: str
) -> None:
    """Mark claims rejected, keep why, and tell the other services."""
    now = utcnow()
    claim_store.settle_claims(
        connection,
        "rejected",
        [
            {"claim_id": claim.claim_id, "reasons": claim_store.reasons_json(reasons)}
            for claim, reasons in rejected
        ],
        note,
    )
    emit_all(
        connection,
        CLAIM_REJECTED,
        source=SOURCE,
        emissions=[
            Emission(
                subject=claim.client_id,
                data={
                    "claim_id": claim.claim_id,
                    "client_id": claim.client_id,
                    "reasons": [{"code": r.code, "text": r.text} for r in reasons],
                    "rejected_at": now,
                },
                correlation_id=claim.correlation_id,
            )
            for claim, reasons in rejected
        ],
    )
