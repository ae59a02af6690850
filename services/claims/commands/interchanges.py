"""What the clearinghouse answered to a stored interchange, and what it means for its claims.

The submission worker talks to the clearinghouse outside any transaction and records each
answer here, in a unit of work of its own (docs/DOMAIN.md §Acknowledgements). A 999 whose
IK5 accepts our transaction set submits every claim inside; a rejecting IK5, a TA1 that
rejects the envelope or a refusal (4xx) rejects them, by the clearinghouse. An answer that
cannot be read or matched to what we sent is tried again a few times (the same stored text,
so the clearinghouse sees a duplicate), then the interchange is held for a person.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from services.claims.commands import transitions
from services.claims.commands.batching import TRANSACTION_NUMBER
from services.claims.domain.answers import Outcome, read_submission_answer, refusal_reason
from services.claims.domain.errors import InterchangeNotFound, NotHeld
from services.claims.domain.records import Reason
from services.claims.store import claims as claim_store
from services.claims.store import interchanges
from shared.db import utcnow
from shared.events.contracts.claims import INTERCHANGE_HELD
from shared.kafka.retry import RetryPolicy
from shared.uow import UnitOfWork

log = logging.getLogger("services.claims.interchanges")


def lease_due(uow: UnitOfWork, lease: timedelta) -> list[Any]:
    """Interchanges waiting to be sent whose attempt is due, held by this worker for ``lease``."""
    return interchanges.lease_due(uow.connection, interchanges.PENDING, lease)


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


def record_refusal(uow: UnitOfWork, interchange: Any, status: int, body: str) -> None:
    """The clearinghouse refused the request for good: the claims are rejected by it."""
    number = interchange.control_number
    interchanges.update_interchange(
        uow.connection, number, status=interchanges.REFUSED, last_error=body[:500]
    )
    evidence = {"acknowledgement": "HTTP", "status": status, "body": body[:200]}
    _reject_all(uow, number, (refusal_reason(number, status),), f"HTTP {status}", evidence)
    log.warning("interchange refused", extra={"interchange": number, "status": status})


def record_answer(
    uow: UnitOfWork, interchange: Any, text: str, retry: RetryPolicy, read_attempts: int
) -> None:
    """Record the TA1 or 999 the clearinghouse answered a submission with.

    ``read_attempts``: how many answers in a row may be unreadable before a person decides.
    """
    number = interchange.control_number
    answer = read_submission_answer(text, number, number, f"{TRANSACTION_NUMBER:04d}")
    if answer.outcome is Outcome.UNREADABLE:
        _unreadable(uow, interchange, answer.problem or "unreadable", retry, read_attempts)
        return
    kind = answer.evidence["acknowledgement"]
    evidence = {**answer.evidence, "interchange": f"{number:09d}"}
    if answer.outcome is Outcome.REJECTED:
        interchanges.update_interchange(
            uow.connection, number, status=interchanges.REJECTED, functional_ack=text,
            last_error=answer.reasons[0].text[:500],
        )
        _reject_all(uow, number, answer.reasons, f"{kind} rejected", evidence)
        log.warning("interchange rejected", extra={"interchange": number, "by": kind})
        return
    now = utcnow()
    interchanges.update_interchange(
        uow.connection, number, status=interchanges.ACCEPTED, functional_ack=text,
        submitted_at=now, next_attempt_at=now, unreadable_answers=0, last_error=None,
    )
    # Every claim of the interchange in one compare-and-set, one history insert and one
    # outbox insert (``take_steps``), not three statements a claim.
    members = claim_store.claims_in_interchange(uow.connection, number)
    transitions.take_steps(
        uow, [transitions.submission(claim, number, evidence) for claim in members]
    )
    log.info("interchange accepted by 999", extra={"interchange": number})


def _unreadable(
    uow: UnitOfWork, interchange: Any, problem: str, retry: RetryPolicy, read_attempts: int
) -> None:
    """Try the same interchange again later, or hold it once too many answers were unreadable."""
    number = interchange.control_number
    later = utcnow() + timedelta(seconds=retry.backoff(interchange.attempts + 1))
    count = interchanges.count_unreadable(uow.connection, number, later, problem)
    if count < read_attempts:
        log.warning(
            "answer unreadable; will send again",
            extra={"interchange": number, "unreadable_answers": count, "problem": problem},
        )
        return
    hold(uow, number, f"{count} answers could not be read or matched; last: {problem}")


def hold(uow: UnitOfWork, number: int, reason: str) -> None:
    """Stop sending an interchange; a person decides (an ops alert and a note on its claims)."""
    interchanges.update_interchange(
        uow.connection, number, status=interchanges.HELD, last_error=reason[:500],
        held_at=utcnow(),
    )
    _note_members(uow, number, f"interchange {number:09d} held: {reason}")
    uow.emit(
        INTERCHANGE_HELD,
        f"interchange-{number:09d}",
        {
            "interchange_control_number": f"{number:09d}",
            "report_id": None,
            "acknowledgement": "999",
            "reason": reason,
            "held_at": utcnow(),
        },
    )
    log.error("interchange held for a person", extra={"interchange": number, "reason": reason})


def release(uow: UnitOfWork, number: str) -> None:
    """A person sends a held interchange again (the same text, so a duplicate if it arrived)."""
    control_number = int(number) if number.isdigit() else None
    row = (
        interchanges.find_interchange(uow.connection, control_number)
        if control_number is not None
        else None
    )
    if row is None:
        raise InterchangeNotFound(number)
    if not interchanges.release(uow.connection, row.control_number):
        raise NotHeld(row.control_number, row.status)
    _note_members(
        uow, row.control_number,
        f"interchange {row.control_number:09d} sent again by {uow.actor or 'a person'}",
    )


def _note_members(uow: UnitOfWork, number: int, text: str) -> None:
    """The same note on every claim of an interchange, each in the state it is in."""
    members = claim_store.claims_in_interchange(uow.connection, number)
    for status in sorted({claim.status for claim in members}):
        claim_store.record_notes(
            uow.connection, [c.claim_id for c in members if c.status == status], status, text
        )


def _reject_all(
    uow: UnitOfWork, number: int, reasons: tuple[Reason, ...], note: str,
    evidence: dict[str, Any],
) -> None:
    """Reject every claim of an interchange, by the clearinghouse, with the same reasons."""
    text = f"{note}: interchange {number:09d}"
    members = claim_store.claims_in_interchange(uow.connection, number)
    transitions.take_steps(uow, [
        transitions.clearinghouse_rejection(claim, reasons, text, evidence) for claim in members
    ])  # fmt: skip
