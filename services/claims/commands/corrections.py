"""Billing corrects a rejected claim, replaces an adjudicated one, or voids it.

Which frequency and REF*F8 the new claim gets is decided by
services/claims/domain/resubmission.py (docs/DOMAIN.md §Acknowledgements). The new claim
takes the next attempt number of the session (one claim per attempt, so two concurrent
requests cannot both make one) and the old one records which claim took its place.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.claims.commands import coordination
from services.claims.commands.claim_records import Evaluation, insert
from services.claims.commands.claims import evaluate
from services.claims.commands.transitions import supersede
from services.claims.domain import resubmission
from services.claims.domain.claim import PreparedClaim
from services.claims.domain.claim_ids import new_claim_id
from services.claims.domain.errors import CannotResubmit, CannotVoid
from services.claims.domain.event_data import session_from_data
from services.claims.domain.resubmission import Successor
from services.claims.store import claims as claim_store
from services.claims.x12.stored import claim_from_data, claim_to_data
from shared.uow import UnitOfWork

log = logging.getLogger("services.claims.corrections")


def resubmit(uow: UnitOfWork, claim_id: str, corrections: Mapping[str, Any]) -> str:
    """Send a corrected claim in place of a rejected or adjudicated one; the new claim's id.

    Rejected at the front end: the same frequency again (an original stays 1, no REF*F8).
    Adjudicated: a replacement (7) quoting the payer's claim control number in REF*F8.
    """
    row = claim_store.get_claim(uow.connection, claim_id)
    successor = resubmission.resubmission(claim_store.standing_of(row))
    session_data = json.loads(row.session)
    session = session_from_data(session_data)
    merged = {**json.loads(row.corrections or "{}"), **corrections}
    new_id = new_claim_id()
    if row.primary_claim_id is None:
        evaluation = evaluate(
            uow, new_id, session, merged, successor.frequency, successor.original_reference
        )
    else:  # a secondary claim: built again from the primary's adjudication it carries
        evaluation = coordination.evaluate_again(
            uow, row, new_id, successor.frequency, successor.original_reference
        )
    _insert_successor(uow, row, successor, new_id, session_data, evaluation, CannotResubmit)
    if row.primary_claim_id is not None:
        claim_store.update_claim(uow.connection, new_id, primary_claim_id=row.primary_claim_id)
    return new_id


def void(uow: UnitOfWork, claim_id: str) -> str:
    """Ask the payer to void an adjudicated claim (frequency 8); the void claim's id.

    The void repeats the claim as it was sent, so the payer finds the one it cancels.
    """
    row = claim_store.get_claim(uow.connection, claim_id)
    successor = resubmission.void(claim_store.standing_of(row))
    snapshot = json.loads(row.snapshot or "{}")
    if not snapshot.get("x12_claim"):
        raise CannotVoid("the claim as it was sent is not kept")
    new_id = new_claim_id()
    sent = claim_from_data(snapshot["x12_claim"])
    document = replace(
        sent, claim_id=new_id, frequency=successor.frequency,
        original_claim_reference=successor.original_reference,
    )
    prepared = PreparedClaim(
        payer_id=row.payer_id, lines=tuple(claim_store.lines_of(uow.connection, claim_id)),
        reasons=(),
    )
    evaluation = Evaluation(prepared, {
        **snapshot,
        "frequency": successor.frequency.value,
        "original_reference": successor.original_reference,
        "x12_claim": claim_to_data(document),
    })
    session_data = json.loads(row.session)
    _insert_successor(uow, row, successor, new_id, session_data, evaluation, CannotVoid)
    return new_id


def _insert_successor(
    uow: UnitOfWork,
    row: Any,
    successor: Successor,
    new_id: str,
    session_data: Mapping[str, Any],
    evaluation: Evaluation,
    refusal: type[CannotResubmit | CannotVoid],
) -> None:
    # The new claim carries the request's correlation id, else the old claim's.
    caused = replace(uow, correlation_id=uow.correlation_id or row.correlation_id)
    session = session_from_data(session_data)
    try:
        created = insert(
            caused, new_id, session, session_data, evaluation,
            attempt=row.attempt + 1, replaces=row.claim_id,
        )
    except IntegrityError:  # lost a race on PostgreSQL; the transaction is rolled back
        created = False
    if not created:  # a concurrent request made the successor first
        raise refusal("another claim is taking its place already")
    supersede(uow, row, successor.step, new_id)
    log.info(
        "claim superseded",
        extra={"claim_id": row.claim_id, "by": new_id, "frequency": successor.frequency.value},
    )
