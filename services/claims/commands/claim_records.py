"""Storing a new claim and announcing it: what making a claim and billing a secondary share.

Both commands/claims.py (a session's claim, a corrected or replacing one) and
commands/coordination.py (the secondary payer's claim) end here, so neither imports the
other's module for it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.claims.domain import lifecycle
from services.claims.domain.claim import READY, PreparedClaim
from services.claims.domain.lifecycle import Step
from services.claims.domain.records import Reason, Session
from services.claims.store import claims as claim_store
from shared.db import utcnow
from shared.events.contracts.claims import CLAIM_CREATED, CLAIM_NEEDS_REVIEW
from shared.json_text import dumps
from shared.uow import UnitOfWork

log = logging.getLogger("services.claims")

X12_INVALID = Reason(
    "x12_invalid",
    "some claim data cannot be written as an 837P; check names, addresses and ids",
)


@dataclass(frozen=True)
class Evaluation:
    """A prepared claim and what it was built from (kept with the claim, as billed)."""

    prepared: PreparedClaim
    snapshot: dict[str, Any]


def insert(
    uow: UnitOfWork,
    claim_id: str,
    session: Session,
    session_data: Mapping[str, Any],
    evaluation: Evaluation,
    attempt: int,
    replaces: str | None = None,
) -> bool:
    """Store a new claim and announce it (created; needs_review when parked).

    False when the session already has a claim of this attempt.
    """
    prepared = evaluation.prepared
    step = Step.CREATE if prepared.status == READY else Step.CREATE_FOR_REVIEW
    status = lifecycle.apply(None, step)
    frequency = evaluation.snapshot["frequency"]
    inserted = claim_store.insert_claim(
        uow.connection,
        {
            "claim_id": claim_id,
            "session_id": session.session_id,
            "attempt": attempt,
            "client_id": session.client_id,
            "referral_id": session.referral_id,
            "payer_id": prepared.payer_id,
            "status": status.value,
            "transition": step.value,
            "date_of_service": session.date_of_service,
            "total_charge": prepared.total_charge,
            "expected_allowed": prepared.expected_allowed,
            "reasons": claim_store.reasons_json(prepared.reasons),
            # The same text as json.dumps, without an encoder made per call (shared/json_text.py).
            "session": dumps(dict(session_data)),
            "snapshot": dumps(evaluation.snapshot),
            "corrections": dumps(evaluation.snapshot["corrections"]),
            "frequency": frequency,
            "replaces_claim_id": replaces,
            "correlation_id": uow.correlation_id,
            "ready_at": utcnow() if status == READY else None,
        },
        prepared.lines,
    )
    if not inserted:
        return False
    log.info(
        "claim created",
        extra={"claim_id": claim_id, "session_id": session.session_id, "status": status},
    )
    announcements = {
        CLAIM_CREATED.topic: (CLAIM_CREATED, {
            **priced_data(claim_id, session, prepared), "status": status.value,
            "frequency": frequency, "replaces_claim_id": replaces,
        }),
        CLAIM_NEEDS_REVIEW.topic: (CLAIM_NEEDS_REVIEW, review_data(claim_id, session, prepared)),
    }
    for topic in lifecycle.events_of(step):
        event_type, data = announcements[topic]
        uow.emit(event_type, session.client_id, data)
    return True


def priced_data(claim_id: str, session: Session, prepared: PreparedClaim) -> dict[str, Any]:
    """What claim.created and claim.ready both say: whose claim, for whom, and its amounts."""
    return {
        "claim_id": claim_id,
        "client_id": session.client_id,
        "session_id": session.session_id,
        "payer_id": prepared.payer_id,
        "total_charge": prepared.total_charge,
        "expected_allowed": prepared.expected_allowed,
    }


def review_data(claim_id: str, session: Session, prepared: PreparedClaim) -> dict[str, Any]:
    """What claim.needs_review says: the claim and every reason it is parked."""
    return {
        "claim_id": claim_id,
        "client_id": session.client_id,
        "session_id": session.session_id,
        "reasons": [{"code": r.code, "text": r.text} for r in prepared.reasons],
    }
