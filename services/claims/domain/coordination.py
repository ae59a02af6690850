"""Coordination of benefits: when a primary's 835 makes a claim to the secondary payer.

docs/DOMAIN.md §Acknowledgements (secondary payer), docs/CLAIM_LIFECYCLE.md §Secondary payers.
The 837P (005010X222A1, 2320 notes) sends a claim to the next payer once the payer before it
adjudicated the claim, with that payer's paid amount and every adjustment; the 835
(005010X221A1) group codes say what each adjustment is:

- **PR** (patient responsibility: deductible PR-1, coinsurance PR-2, copay PR-3, non-covered
  PR-96...) is what the patient owes *under the primary*; this is what a secondary plan
  coordinates (it may pay some or all of it). So a secondary claim is made when the primary's
  posted payment leaves PR > 0, whatever its outcome: paid (with coinsurance or a copay),
  partially paid, or denied with the patient responsible (e.g. PR-96 non-covered, PR-1 a
  whole visit in the deductible);
- **CO** (contractual: CO-45, or a denial such as CO-50/CO-97/CO-197) is the provider's by
  its contract with the primary: it may be billed to no one, the secondary included. A
  payment leaving no PR (paid in full, or denied with CO only) makes no secondary claim; a CO
  denial is corrected or appealed with the primary (billing's work queue);
- a reversal (CLP02 22) takes an adjudication back: nothing to coordinate until the
  corrected one.

While the secondary claim is open, the patient is not billed: the primary claim takes the
step it would take without the PR (``pay`` where it would ``bill_patient``) and what the
patient owed under the primary is handed to the secondary claim (its expected amount).
The patient balance comes from the last payer's 835, the secondary's. Only a primary claim
is coordinated: a secondary claim's own 835 bills the patient (no tertiary payer here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from services.claims.domain import lifecycle
from services.claims.domain.claim import ClaimLine
from services.claims.domain.lifecycle import State, Step
from services.claims.domain.records import Coverage, Reason
from services.claims.domain.remittance import Outcome, PostedAdjustment, PostingPlan
from services.claims.domain.remittance_steps import PostingDecision
from services.claims.x12.other_payers import (
    LineAdjudication,
    OtherAdjustment,
    OtherPayer,
    OtherSubscriber,
)

ZERO = Decimal("0.00")
# Claims of one session are numbered by attempt (unique with the session id): 1, 2... bill
# the primary (corrections and replacements take the next), 1001, 1002... the secondary, so
# the two series never take each other's number.
SECONDARY_FIRST_ATTEMPT = 1001


def crosses_over(plan: PostingPlan) -> bool:
    """Whether this posted payment of a primary claim makes a secondary claim (module doc)."""
    return plan.outcome is not Outcome.REVERSAL and plan.patient_responsibility > ZERO


def primary_decision(
    decision: PostingDecision, plan: PostingPlan, state: State | str
) -> PostingDecision:
    """The step a primary claim with a secondary payer takes: never ``bill_patient``.

    The patient's share waits for the secondary's 835, so the primary is ``paid`` as far as
    its payer goes (the rest is the secondary claim's); a short payment or a denial keeps its
    own step, for billing's work queue. A claim already past ``pay`` (paid again, say) keeps
    its state and the money is posted.
    """
    if decision.step is not Step.BILL_PATIENT or not crosses_over(plan):
        return decision
    if lifecycle.allowed(State(state), Step.PAY):
        return replace(decision, step=Step.PAY)
    return PostingDecision()


@dataclass(frozen=True)
class PrimaryAdjudication:
    """What the secondary claim needs of the primary: its payer, coverage and payment."""

    payer_id: str
    payer_name: str
    claim_filing_indicator: str
    coverage: Coverage
    subscriber_last_name: str
    subscriber_first_name: str
    plan: PostingPlan
    adjudicated_on: date  # the 835's payment date (BPR16)


def other_payer(primary: PrimaryAdjudication) -> OtherPayer:
    """The primary as the secondary claim's 2320-2430 loops state it."""
    plan = primary.plan
    return OtherPayer(
        payer_id=primary.payer_id,
        payer_name=primary.payer_name,
        claim_filing_indicator=primary.claim_filing_indicator,
        subscriber=OtherSubscriber(
            last_name=primary.subscriber_last_name,
            first_name=primary.subscriber_first_name,
            member_id=primary.coverage.member_id,
            relationship=primary.coverage.relationship_to_subscriber,
            group_number=primary.coverage.group_number,
        ),
        paid=plan.paid,
        patient_responsibility=plan.patient_responsibility,
        claim_adjustments=_adjustments(plan.claim_adjustments),
        adjudicated_on=primary.adjudicated_on,
        lines=tuple(
            LineAdjudication(
                line_number=line.line_number,
                procedure_code=line.code,
                modifiers=line.modifiers,
                paid=line.paid,
                units=line.units,
                adjustments=_adjustments(line.adjustments),
                charge=line.charge,
            )
            for line in plan.lines
        ),
        charge=plan.charge,
    )


def secondary_lines(lines: Sequence[ClaimLine], plan: PostingPlan) -> tuple[ClaimLine, ...]:
    """The primary's lines as the secondary bills them: the same codes, units and charges
    (the 2430 loops answer them one for one), each expecting what the patient owed on it
    under the primary; PR the primary stated for the whole claim is expected on the first."""
    owed = {line.line_number: line.patient_responsibility for line in plan.lines}
    claim_level = sum((a.amount for a in plan.claim_adjustments if a.group == "PR"), ZERO)
    return tuple(
        replace(
            line,
            expected_allowed=owed.get(number, ZERO) + (claim_level if number == 1 else ZERO),
        )
        for number, line in enumerate(lines, start=1)
    )


def secondary_reasons(
    secondary: Coverage | None, payer_known: bool, primary_payer_id: str
) -> tuple[Reason, ...]:
    """Why a secondary claim cannot go out yet (it waits in needs_review), if anything."""
    if secondary is None:
        return (Reason("no_secondary_coverage", "the client has no secondary coverage now"),)
    reasons = []
    if secondary.payer_id == primary_payer_id:
        reasons.append(Reason(
            "secondary_is_primary",
            f"the secondary coverage names the primary payer {primary_payer_id} again",
        ))  # fmt: skip
    if not payer_known:
        reasons.append(Reason(
            "secondary_payer_not_set_up",
            f"payer {secondary.payer_id} (secondary) is not in the billing setup",
        ))  # fmt: skip
    return tuple(reasons)


def _adjustments(adjustments: Sequence[PostedAdjustment]) -> tuple[OtherAdjustment, ...]:
    return tuple(OtherAdjustment(a.group, a.reason, a.amount) for a in adjustments)
