"""What the clearinghouse said about a stored interchange, and what it means for its claims.

The workers talk to the clearinghouse outside any transaction and record each answer
here, in a unit of work of its own (docs/DOMAIN.md §Acknowledgements): the 999 submits
or rejects every claim of the interchange; the 277CA later accepts or rejects each one.
A retry sends the same stored text, so the clearinghouse recognises it as a duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from services.claims.domain.answers import refusal_reason, rejection_reasons, syntax_reasons
from services.claims.domain.records import Reason
from services.claims.store import claims as claim_store
from services.claims.store import interchanges
from services.claims.x12.acknowledgements import ClaimAcknowledgement, parse_277ca, parse_999
from services.claims.x12.syntax import X12SyntaxError
from shared.db import utcnow
from shared.events.contracts.claims import CLAIM_ACCEPTED, CLAIM_REJECTED, CLAIM_SUBMITTED
from shared.kafka.retry import RetryPolicy
from shared.outbox import Emission
from shared.uow import UnitOfWork

log = logging.getLogger("services.claims.interchanges")


def lease_due(uow: UnitOfWork, status: str, lease: timedelta) -> list[Any]:
    """Interchanges in ``status`` whose next attempt is due, held by this worker for ``lease``."""
    return interchanges.lease_due(uow.connection, status, lease)


def retry_submission(uow: UnitOfWork, interchange: Any, error: str, retry: RetryPolicy) -> None:
    """Count a failed attempt and schedule the next one by the retry policy's backoff."""
    attempt = interchange.attempts + 1
    delay = retry.backoff(attempt)
    interchanges.retry_later(
        uow.connection, interchange.control_number, utcnow() + timedelta(seconds=delay), error
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


def record_refusal(uow: UnitOfWork, control_number: int, status: int, body: str) -> None:
    """The clearinghouse refused the request for good: the interchange's claims are rejected."""
    interchanges.update_interchange(
        uow.connection, control_number, status=interchanges.REFUSED, last_error=body[:500]
    )
    _reject_all(uow, control_number, [refusal_reason(control_number, status)])
    log.warning("interchange refused", extra={"interchange": control_number, "status": status})


def record_999(uow: UnitOfWork, interchange: Any, text: str, retry: RetryPolicy) -> None:
    """The 999 submits every claim of the interchange or rejects them all; not a 999: retry."""
    number = interchange.control_number
    try:
        functional_ack = parse_999(text)
    except X12SyntaxError:
        retry_submission(uow, interchange, "the answer was not a 999", retry)
        return
    if not functional_ack.accepted:
        interchanges.update_interchange(
            uow.connection, number, status=interchanges.REJECTED, functional_ack=text
        )
        _reject_all(uow, number, syntax_reasons(functional_ack))
        log.warning("interchange rejected by 999", extra={"interchange": number})
        return
    now = utcnow()
    interchanges.update_interchange(
        uow.connection,
        number,
        status=interchanges.ACCEPTED,
        functional_ack=text,
        submitted_at=now,
        next_attempt_at=now,
    )
    members = claim_store.claims_in_interchange(uow.connection, number)
    claim_store.settle_claims(
        uow.connection,
        "submitted",
        [{"claim_id": claim.claim_id, "reasons": "[]"} for claim in members],
        f"999 accepted interchange {number:09d}",
    )
    uow.emit_all(CLAIM_SUBMITTED, [
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
    ])
    log.info("interchange accepted by 999", extra={"interchange": number})


def record_277ca(uow: UnitOfWork, control_number: int, text: str, poll_interval: float) -> bool:
    """Settle each submitted claim the 277CA answers for; False when it cannot be read.

    Claims it does not answer for yet keep the interchange polled.
    """
    try:
        report = parse_277ca(text)
    except X12SyntaxError:
        log.warning("unreadable 277CA", extra={"interchange": control_number})
        return False
    now = utcnow()
    open_claims = 0
    accepted: list[tuple[Any, ClaimAcknowledgement]] = []
    rejected: list[tuple[Any, list[Reason]]] = []
    for claim in claim_store.claims_in_interchange(uow.connection, control_number):
        if claim.status != "submitted":
            continue
        verdict = report.for_claim(claim.claim_id)
        if verdict is None:
            open_claims += 1
        elif verdict.accepted:
            accepted.append((claim, verdict))
        else:
            rejected.append((claim, rejection_reasons(verdict)))
    _accept(uow, accepted, now)
    _reject(uow, rejected, "277CA rejected")
    interchanges.update_interchange(
        uow.connection,
        control_number,
        status=interchanges.ACCEPTED if open_claims else interchanges.ACKNOWLEDGED,
        claim_ack=text,
        acknowledged_at=now,
        next_attempt_at=now + timedelta(seconds=poll_interval),
    )
    log.info("277CA recorded", extra={"interchange": control_number, "unanswered": open_claims})
    return True


def poll_later(uow: UnitOfWork, control_number: int, poll_interval: float) -> None:
    """No 277CA to record yet: look again after ``poll_interval`` seconds."""
    later = utcnow() + timedelta(seconds=poll_interval)
    interchanges.update_interchange(uow.connection, control_number, next_attempt_at=later)


def _accept(
    uow: UnitOfWork, accepted: Sequence[tuple[Any, ClaimAcknowledgement]], now: datetime
) -> None:
    claim_store.settle_claims(
        uow.connection,
        "accepted",
        [
            {
                "claim_id": claim.claim_id,
                "reasons": "[]",
                "payer_claim_control_number": verdict.payer_claim_control_number,
            }
            for claim, verdict in accepted
        ],
        "277CA accepted",
    )
    uow.emit_all(CLAIM_ACCEPTED, [
        Emission(
            subject=claim.client_id,
            data={
                "claim_id": claim.claim_id,
                "client_id": claim.client_id,
                "payer_claim_control_number": verdict.payer_claim_control_number,
                "accepted_at": now,
            },
            correlation_id=claim.correlation_id,
        )
        for claim, verdict in accepted
    ])


def _reject_all(uow: UnitOfWork, control_number: int, reasons: list[Reason]) -> None:
    """Reject every claim of an interchange with the same reasons."""
    members = claim_store.claims_in_interchange(uow.connection, control_number)
    _reject(uow, [(claim, reasons) for claim in members], f"interchange {control_number:09d}")


def _reject(uow: UnitOfWork, rejected: Sequence[tuple[Any, list[Reason]]], note: str) -> None:
    """Mark claims rejected, keep why, and tell the other services."""
    now = utcnow()
    claim_store.settle_claims(
        uow.connection,
        "rejected",
        [
            {"claim_id": claim.claim_id, "reasons": claim_store.reasons_json(reasons)}
            for claim, reasons in rejected
        ],
        note,
    )
    uow.emit_all(CLAIM_REJECTED, [
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
    ])
