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
from services.claims.x12.assembled import ASSEMBLED
from services.claims.x12.model import Claim
from shared.db import utcnow
from shared.events.contracts.claims import CLAIM_CREATED, CLAIM_NEEDS_REVIEW
from shared.events.registry import EventType
from shared.json_text import dumps
from shared.uow import UnitOfWork

log = logging.getLogger("services.claims")

X12_INVALID = Reason(
    "x12_invalid",
    "some claim data cannot be written as an 837P; check names, addresses and ids",
)


@dataclass(frozen=True)
class Evaluation:
    """A prepared claim and what it was built from (kept with the claim, as billed);
    ``assembled``: the 837P claim the snapshot's ``x12_claim`` holds, when it was assembled."""

    prepared: PreparedClaim
    snapshot: dict[str, Any]
    assembled: Claim | None = None


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
    values = claim_values(uow, claim_id, session, session_data, evaluation, attempt, replaces)
    if not claim_store.insert_claim(uow.connection, values, evaluation.prepared.lines):
        return False
    keep_assembled(values, evaluation)
    log_created(values)
    for event_type, data in announcements(values, session, evaluation.prepared):
        uow.emit(event_type, session.client_id, data)
    return True


def claim_values(
    uow: UnitOfWork,
    claim_id: str,
    session: Session,
    session_data: Mapping[str, Any],
    evaluation: Evaluation,
    attempt: int,
    replaces: str | None = None,
) -> dict[str, Any]:
    """A new claim's columns (and its first lifecycle step as ``transition``)."""
    prepared = evaluation.prepared
    step = Step.CREATE if prepared.status == READY else Step.CREATE_FOR_REVIEW
    status = lifecycle.apply(None, step)
    return {
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
        "frequency": evaluation.snapshot["frequency"],
        "replaces_claim_id": replaces,
        "correlation_id": uow.correlation_id,
        "ready_at": utcnow() if status == READY else None,
    }


def keep_assembled(values: Mapping[str, Any], evaluation: Evaluation) -> None:
    """Keep a new claim's 837P for this process's batcher, with the snapshot text stored."""
    if evaluation.assembled is not None:
        ASSEMBLED.keep(values["claim_id"], values["snapshot"], evaluation.assembled)


def log_created(values: Mapping[str, Any]) -> None:
    """The log line of a new claim (ids and state only: no patient data)."""
    log.info(
        "claim created",
        extra={"claim_id": values["claim_id"], "session_id": values["session_id"],
               "status": lifecycle.State(values["status"])},
    )  # fmt: skip


def announcements(
    values: Mapping[str, Any], session: Session, prepared: PreparedClaim
) -> list[tuple[EventType, dict[str, Any]]]:
    """The events a new claim's first step announces, in order, with what each says."""
    claim_id, status = values["claim_id"], values["status"]
    said = {
        CLAIM_CREATED.topic: (CLAIM_CREATED, {
            **priced_data(claim_id, session, prepared), "status": status,
            "frequency": values["frequency"], "replaces_claim_id": values["replaces_claim_id"],
        }),
        CLAIM_NEEDS_REVIEW.topic: (CLAIM_NEEDS_REVIEW, review_data(claim_id, session, prepared)),
    }
    return [said[topic] for topic in lifecycle.events_of(Step(values["transition"]))]


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
