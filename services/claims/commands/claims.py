"""Claims from sessions: make them and scrub them again, announcing each change.

A claim, its lines, its history and its events commit together in the caller's unit of
work (a consumed event or a request). The same session is billed once whatever is
retried or redelivered (docs/DOMAIN.md §Claims): one original claim per session.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import fields, replace
from datetime import date
from typing import Any, Protocol

from sqlalchemy import Connection

from services.claims.commands import coordination
from services.claims.commands.claim_batches import batch_of
from services.claims.commands.claim_records import (
    X12_INVALID,
    Evaluation,
    insert,
    priced_data,
    review_data,
)
from services.claims.commands.transitions import take_step
from services.claims.domain.claim import (
    READY,
    ClaimInputs,
    PreparedClaim,
    corrected_client,
    prepare_claim,
)
from services.claims.domain.claim_ids import new_claim_id
from services.claims.domain.event_data import (
    client_from_data,
    referral_from_state,
    session_from_data,
)
from services.claims.domain.lifecycle import Step
from services.claims.domain.records import Client, Payer, Referral, Session
from services.claims.store import claims as claim_store
from services.claims.store import projections, setup
from services.claims.x12.assemble import x12_claim
from services.claims.x12.model import Claim as X12Claim
from services.claims.x12.model import ClaimFrequency
from services.claims.x12.stored import claim_to_data
from shared.clock import clinic_now
from shared.db import utcnow
from shared.uow import UnitOfWork

log = logging.getLogger("services.claims")

def create_claim(uow: UnitOfWork, session_data: Mapping[str, Any]) -> str | None:
    """Make the one claim of a completed session; None when the session already has one.

    ``session_data`` is the session.completed data as published, kept on the claim to
    scrub it again later. Inside a consumer batch the claim is built from the batch's
    reads and written with the batch (commands/claim_batches.py); the outcome is the same.
    """
    session = session_from_data(session_data)
    claim_id = new_claim_id()
    batch = batch_of(uow)
    if batch is None:
        evaluation = evaluate(uow, claim_id, session, {})
        made = insert(uow, claim_id, session, session_data, evaluation, attempt=1)
    else:
        evaluation = evaluate(uow, claim_id, session, {}, sources=batch)
        made = batch.insert(uow, claim_id, session, dict(session_data), evaluation)
    if not made:
        log.info("session already claimed", extra={"session_id": session.session_id})
        return None
    return claim_id


def rescrub_client(uow: UnitOfWork, client_id: str) -> int:
    """Scrub the client's parked claims again (new projections may fix them); count the ready.

    A claim that is now ready is announced (claim.ready); one still parked but for other
    reasons is announced again with the reasons as they are now (claim.needs_review).
    """
    became_ready = 0
    for row in claim_store.claims_needing_review(uow.connection, client_id):
        session = session_from_data(json.loads(row.session))
        corrections = json.loads(row.corrections or "{}")
        original = json.loads(row.snapshot or "{}").get("original_reference")
        frequency = ClaimFrequency(row.frequency)
        if row.primary_claim_id is None:
            evaluation = evaluate(uow, row.claim_id, session, corrections, frequency, original)
        else:  # a secondary claim bills the primary's lines to the secondary coverage
            evaluation = coordination.evaluate_again(uow, row)
        prepared = evaluation.prepared
        claim_store.write_lines(uow.connection, row.claim_id, prepared.lines)
        claim_store.update_claim(
            uow.connection,
            row.claim_id,
            payer_id=prepared.payer_id,
            total_charge=prepared.total_charge,
            expected_allowed=prepared.expected_allowed,
            snapshot=json.dumps(evaluation.snapshot),
            ready_at=utcnow() if prepared.status == READY else None,
        )
        # The announcement follows the flow that made the claim, not the one that fixed it.
        if prepared.status == READY:
            became_ready += 1
            log.info("claim ready after re-scrub", extra={"claim_id": row.claim_id})
            take_step(uow, row, Step.PASS_RESCRUB, reasons=(), note="scrubbed again",
                      data=priced_data(row.claim_id, session, prepared))
        elif claim_store.reasons_json(prepared.reasons) != row.reasons:
            take_step(uow, row, Step.FAIL_RESCRUB, reasons=prepared.reasons,
                      note="scrubbed again", data=review_data(row.claim_id, session, prepared))
    return became_ready


def rescrub_parked(uow: UnitOfWork) -> tuple[int, int]:
    """Scrub every parked claim again (billing setup changed); (how many, how many ready)."""
    clients = claim_store.clients_with_claims_to_review(uow.connection)
    scrubbed = sum(len(claim_store.claims_needing_review(uow.connection, c)) for c in clients)
    ready = sum(rescrub_client(uow, client_id) for client_id in clients)
    return scrubbed, ready


class ClaimSources(Protocol):
    """Where a claim's inputs are read: the projections and the claims billed so far."""

    def client_payload(self, client_id: str) -> dict[str, Any] | None: ...
    def referral_state(self, referral_id: str) -> dict[str, Any] | None: ...
    def visits_billed(self, referral_id: str, except_session: str) -> int: ...
    def units_billed_on(
        self, client_id: str, day: date, except_session: str
    ) -> dict[str, int]: ...


class StoredSources:
    """Each input read from the store when asked (one statement each)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def client_payload(self, client_id: str) -> dict[str, Any] | None:
        return projections.client_payload(self.connection, client_id)

    def referral_state(self, referral_id: str) -> dict[str, Any] | None:
        return projections.referral_state(self.connection, referral_id)

    def visits_billed(self, referral_id: str, except_session: str) -> int:
        return claim_store.visits_billed(self.connection, referral_id, except_session)

    def units_billed_on(self, client_id: str, day: date, except_session: str) -> dict[str, int]:
        return claim_store.units_billed_on(self.connection, client_id, day, except_session)


def evaluate(
    uow: UnitOfWork,
    claim_id: str,
    session: Session,
    corrections: Mapping[str, Any],
    frequency: ClaimFrequency = ClaimFrequency.ORIGINAL,
    original_reference: str | None = None,
    sources: ClaimSources | None = None,
) -> Evaluation:
    """Build and scrub the claim for ``session`` from the projections as they are now.

    ``frequency`` and ``original_reference`` (REF*F8) say what the claim is to the payer
    (docs/DOMAIN.md §Acknowledgements): an original, a replacement or a void. ``sources``
    is where the inputs are read (a consumer batch's reads); the store by default.
    """
    connection = uow.connection
    read = sources or StoredSources(connection)
    client_data = read.client_payload(session.client_id)
    client = corrected_client(
        client_from_data(client_data) if client_data else None, corrections
    )
    referral_state = read.referral_state(session.referral_id)
    referral = referral_from_state(referral_state) if referral_state else None
    billing = setup.billing_setup(connection)
    payer = None
    if client is not None and client.coverage is not None:
        payer = billing.payers.get(client.coverage.payer_id)
    inputs = ClaimInputs(
        session=session,
        client=client,
        referral=referral,
        payer=payer,
        fees=billing.fees,
        edits=billing.edits,
        billing_npi=billing.provider["npi"] if billing.provider else None,
        visits_used=read.visits_billed(session.referral_id, session.session_id),
        # The clinic's clock (shared/clock.py): a test clock moves it in development only.
        today=clinic_now().date(),
        units_same_day=read.units_billed_on(
            session.client_id, session.date_of_service, session.session_id
        ),
    )
    prepared = prepare_claim(inputs)
    assembled = None
    if prepared.status == READY:
        prepared, assembled = _as_837p(
            claim_id, session, client, referral, payer, prepared, frequency, original_reference
        )
    snapshot = {
        "client": client_data,
        "referral": referral_state,
        "payer": payer_as_billed(payer) if payer else None,
        "corrections": dict(corrections),
        "frequency": frequency.value,
        "original_reference": original_reference,
        "x12_claim": claim_to_data(assembled) if assembled is not None else None,
    }
    return Evaluation(prepared, snapshot, assembled)


_PAYER_FIELDS = tuple(field.name for field in fields(Payer))


def payer_as_billed(payer: Payer) -> dict[str, Any]:
    """The payer as kept in a claim's snapshot: ``asdict(payer)`` without its deep copy of
    every value (a payer's values are strings, numbers and flags, which copy as themselves)."""
    return {name: getattr(payer, name) for name in _PAYER_FIELDS}


def _as_837p(
    claim_id: str,
    session: Session,
    client: Client | None,
    referral: Referral | None,
    payer: Payer | None,
    prepared: PreparedClaim,
    frequency: ClaimFrequency,
    original_reference: str | None,
) -> tuple[PreparedClaim, X12Claim | None]:
    """The last scrub step: assemble the 837P claim (the one the batcher sends), or park it.

    The error may hold patient data, so it goes to the log by claim id only and not into
    the reason.
    """
    assert client is not None and referral is not None and payer is not None
    try:
        claim = x12_claim(
            claim_id, session, client, referral, payer, prepared.lines, frequency,
            original_reference,
        )
    except ValueError:
        log.info("claim cannot be written as 837P", extra={"claim_id": claim_id})
        return replace(prepared, reasons=(*prepared.reasons, X12_INVALID)), None
    return prepared, claim
