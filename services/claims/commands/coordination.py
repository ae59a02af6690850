"""Secondary claims: made when a primary's 835 is posted, scrubbed again like any claim.

The rules (when, with what amounts) are services/claims/domain/coordination.py; the
other-payer loops services/claims/x12/other_payers.py. Remittance posting calls
``bill_secondaries`` once a remittance's payments are written, in the same unit of work: the
secondary claim, the hand-over of the patient's share and the announcement commit with the
primary's posting. The secondary claim then lives the normal life (scrub, batch, 999, 277CA,
835), and its own 835 bills the patient.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from services.claims.commands import transitions
from services.claims.commands.claim_records import X12_INVALID, Evaluation, insert
from services.claims.domain.claim import ClaimLine, PreparedClaim
from services.claims.domain.claim_ids import new_claim_id
from services.claims.domain.coordination import (
    SECONDARY_FIRST_ATTEMPT,
    PrimaryAdjudication,
    other_payer,
    secondary_lines,
    secondary_reasons,
)
from services.claims.domain.event_data import (
    client_from_data,
    referral_from_state,
    session_from_data,
)
from services.claims.domain.remittance import PostingPlan
from services.claims.store import claims as claim_store
from services.claims.store import coordination as store
from services.claims.store import projections, setup
from services.claims.store import remittances as remittance_store
from services.claims.x12.assemble import x12_claim
from services.claims.x12.model import ClaimFrequency
from services.claims.x12.other_payers import (
    OtherPayer,
    other_payer_from_data,
    other_payer_to_data,
)
from services.claims.x12.stored import claim_to_data
from shared.db import utcnow
from shared.events.contracts.claims import CLAIM_SECONDARY_CREATED
from shared.uow import UnitOfWork

log = logging.getLogger("services.claims.coordination")
CENT = Decimal("0.01")
claims_with_a_secondary = store.claims_with_a_secondary


@dataclass(frozen=True)
class PrimaryPosting:
    """A posted payment of a primary claim that leaves the patient a share (domain rule)."""

    plan: PostingPlan
    payer_id: str | None  # the 835's payer (N1*PR), else the claim's
    payer_name: str
    adjudicated_on: date  # BPR16


def bill_secondaries(uow: UnitOfWork, postings: Sequence[PrimaryPosting]) -> list[str]:
    """Make the secondary claim of each posting; the ids of the claims made."""
    made = []
    for posting in postings:
        claim_id = bill_secondary(uow, posting)
        if claim_id is not None:
            made.append(claim_id)
    return made


def bill_secondary(uow: UnitOfWork, posting: PrimaryPosting) -> str | None:
    """Make the secondary claim of one primary claim; None when it has one already."""
    connection = uow.connection
    plan = posting.plan
    primary = claim_store.get_claim(connection, plan.claim_id)
    earlier = store.secondary_of(connection, primary.claim_id)
    if earlier is not None:
        transitions.note(uow, primary, f"835 posted again; secondary claim {earlier.claim_id} "
                                       "was made before")  # fmt: skip
        return None
    client_data = projections.client_payload(connection, primary.client_id) or {}
    other = _other_payer(primary, client_data, posting)
    if other is None:
        transitions.note(uow, primary, "the primary's coverage cannot be read back; no "
                                       "secondary claim made")  # fmt: skip
        return None
    claim_id = new_claim_id()
    lines = secondary_lines(claim_store.lines_of(connection, primary.claim_id), plan)
    evaluation = evaluate_secondary(uow, primary, claim_id, lines, other)
    session_data = json.loads(primary.session)
    session = session_from_data(session_data)
    attempt = store.next_attempt(connection, session.session_id, SECONDARY_FIRST_ATTEMPT)
    insert(uow, claim_id, session, session_data, evaluation, attempt=attempt)
    claim_store.update_claim(connection, claim_id, primary_claim_id=primary.claim_id)
    remittance_store.record_balance_action(
        connection, primary.claim_id, remittance_store.BILL_SECONDARY, plan.patient_responsibility,
        f"billed to the secondary payer on claim {claim_id}", None, utcnow(),
    )  # fmt: skip
    prepared = evaluation.prepared
    transitions.note(
        uow, primary,
        f"the patient's share {plan.patient_responsibility:.2f} is billed to the secondary "
        f"payer {prepared.payer_id} on claim {claim_id}; the patient is billed after its 835",
    )  # fmt: skip
    uow.emit(CLAIM_SECONDARY_CREATED, primary.client_id, {
        "claim_id": claim_id,
        "primary_claim_id": primary.claim_id,
        "client_id": primary.client_id,
        "session_id": primary.session_id,
        "payer_id": prepared.payer_id or "",
        "primary_payer_id": other.payer_id,
        "status": prepared.status,
        "total_charge": prepared.total_charge,
        "primary_paid": plan.paid.quantize(CENT),
        "amount_billed": plan.patient_responsibility.quantize(CENT),
        "created_at": utcnow(),
    })  # fmt: skip
    log.info(
        "secondary claim created",
        extra={"claim_id": claim_id, "primary_claim_id": primary.claim_id},
    )
    return claim_id


def evaluate_secondary(
    uow: UnitOfWork,
    primary: Any,
    claim_id: str,
    lines: Sequence[ClaimLine],
    other: OtherPayer,
    frequency: ClaimFrequency = ClaimFrequency.ORIGINAL,
    original_reference: str | None = None,
) -> Evaluation:
    """Scrub and assemble the secondary claim from the projections as they are now.

    It bills the primary's lines (same codes, units, charges) to the client's secondary
    coverage, with the primary's adjudication in 2320-2430; it waits in needs_review while
    the secondary coverage is missing, names the primary payer again, or its payer is not
    set up (domain.coordination.secondary_reasons).
    """
    connection = uow.connection
    client_data = projections.client_payload(connection, primary.client_id) or {}
    coverage_data = client_data.get("secondary_coverage")
    client = client_from_data({**client_data, "coverage": coverage_data}) if client_data else None
    coverage = client.coverage if client else None
    billing = setup.billing_setup(connection)
    payer = billing.payers.get(coverage.payer_id) if coverage else None
    reasons = list(secondary_reasons(coverage, payer is not None, other.payer_id))
    referral_state = projections.referral_state(connection, primary.referral_id)
    document = None
    if not reasons:
        session = session_from_data(json.loads(primary.session))
        try:
            if referral_state is None or client is None or payer is None:
                raise ValueError("no referral")
            claim = x12_claim(
                claim_id, session, client, referral_from_state(referral_state), payer, lines,
                frequency, original_reference,
            )  # fmt: skip
            if claim.total_charge != other.charge:
                raise ValueError("the primary adjudicated another charge")
            document = claim_to_data(replace(claim, other_payer=other))
        except ValueError:
            log.info("secondary claim cannot be written as 837P", extra={"claim_id": claim_id})
            reasons.append(X12_INVALID)
    prepared = PreparedClaim(
        payer_id=coverage.payer_id if coverage else None, lines=tuple(lines),
        reasons=tuple(reasons),
    )  # fmt: skip
    snapshot = {
        "client": client_data,
        "referral": referral_state,
        "payer": asdict(payer) if payer else None,
        "corrections": {},
        "frequency": frequency.value,
        "original_reference": original_reference,
        "x12_claim": document,
        "other_payer": other_payer_to_data(other),
    }
    return Evaluation(prepared, snapshot)


def evaluate_again(
    uow: UnitOfWork,
    row: Any,
    claim_id: str | None = None,
    frequency: ClaimFrequency | None = None,
    original_reference: str | None = None,
) -> Evaluation:
    """A secondary claim built again from the primary's adjudication it keeps: to scrub it
    again (commands/claims.py ``rescrub_client``) or for the claim that corrects or replaces
    it (commands/corrections.py, under ``claim_id`` with that frequency and REF*F8)."""
    snapshot = json.loads(row.snapshot or "{}")
    other = other_payer_from_data(snapshot.get("other_payer"))
    if other is None:
        raise ValueError(f"secondary claim {row.claim_id} lost its primary's adjudication")
    lines = claim_store.lines_of(uow.connection, row.claim_id)
    if frequency is None:
        frequency = ClaimFrequency(row.frequency)
        original_reference = snapshot.get("original_reference")
    return evaluate_secondary(
        uow, row, claim_id or row.claim_id, lines, other, frequency, original_reference
    )


def _other_payer(
    primary: Any, client_data: dict[str, Any], posting: PrimaryPosting
) -> OtherPayer | None:
    """The primary payer and its adjudication, from the claim as billed and the 835."""
    billed = json.loads(primary.snapshot or "{}")
    billed_client = billed.get("client") or client_data
    if not billed_client or not billed_client.get("coverage"):
        return None
    client = client_from_data(billed_client)
    coverage = client.coverage
    assert coverage is not None
    holder = client.person if coverage.relationship_to_subscriber == "self" else coverage.subscriber
    if holder is None:
        return None
    payer = billed.get("payer") or {}
    return other_payer(PrimaryAdjudication(
        payer_id=primary.payer_id or posting.payer_id or coverage.payer_id,
        payer_name=payer.get("name") or posting.payer_name or coverage.payer_name,
        claim_filing_indicator=payer.get("claim_filing_indicator") or "CI",
        coverage=coverage,
        subscriber_last_name=holder.last_name,
        subscriber_first_name=holder.first_name,
        plan=posting.plan,
        adjudicated_on=posting.adjudicated_on,
    ))  # fmt: skip
