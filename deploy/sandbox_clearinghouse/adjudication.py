"""The sandbox payer's adjudication: price each accepted line, split it into paid and adjusted.

Everything is Decimal and balances by construction, line by line:
charge = paid + CO-45 (over the fee schedule) + PR-1 + PR-2 + PR-3, or charge = the denial.

A secondary claim (SBR01 = S, the prior payer in 2320/2430) is paid on what the prior payer
left the patient: each line's PR adjustments from its 2430 (the claim-level PR of 2320 on the
first line), less this payer's own deductible, copay and coinsurance for the member; the rest
of the charge is OA-23 (the impact of prior payer adjudication), and CLP02 is 2.
"""

from collections.abc import MutableMapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from deploy.sandbox_clearinghouse.rules import CENT, AdjudicationRules, Denial
from deploy.sandbox_clearinghouse.submission import SubmittedClaim, SubmittedLine

ZERO = Decimal("0.00")
HUNDRED = Decimal("100")

# CLP02 claim status codes the sandbox uses.
PROCESSED_AS_PRIMARY = "1"
PROCESSED_AS_SECONDARY = "2"
DENIED = "4"
SECONDARY = "S"  # SBR01 of a claim another payer adjudicated first

# CARCs of the adjustments the sandbox writes itself (denials bring their own).
CHARGE_EXCEEDS_FEE_SCHEDULE = "45"
DEDUCTIBLE = "1"
COINSURANCE = "2"
COPAY = "3"
PRIOR_PAYER = "23"  # OA-23: the impact of prior payer(s) adjudication


@dataclass(frozen=True)
class Adjustment:
    """One CAS triplet: group (CO, PR, OA, PI), reason code (CARC) and amount."""

    group: str
    reason: str
    amount: Decimal


@dataclass(frozen=True)
class LinePayment:
    """How one service line was paid: the 835's SVC with its CAS, AMT*B6 and LQ."""

    line: SubmittedLine
    charge: Decimal
    paid: Decimal
    allowed: Decimal | None  # None for a denied line
    adjustments: tuple[Adjustment, ...]
    remarks: tuple[str, ...] = ()

    @property
    def denied(self) -> bool:
        """True when a denial rule took the whole line."""
        return self.allowed is None


@dataclass(frozen=True)
class ClaimPayment:
    """How one claim was paid: the 835's CLP and its lines."""

    claim: SubmittedClaim
    payer_claim_control_number: str  # CLP07, the REF*1K of the A2 277CA
    charge: Decimal
    lines: tuple[LinePayment, ...]
    claim_adjustments: tuple[Adjustment, ...] = ()

    @property
    def paid(self) -> Decimal:
        """CLP04: what the lines paid."""
        return sum((line.paid for line in self.lines), ZERO)

    @property
    def adjustments(self) -> tuple[Adjustment, ...]:
        """Every adjustment of the claim, claim level first."""
        return self.claim_adjustments + tuple(a for line in self.lines for a in line.adjustments)

    @property
    def patient_responsibility(self) -> Decimal:
        """CLP05: the sum of the PR adjustments."""
        return sum((a.amount for a in self.adjustments if a.group == "PR"), ZERO)

    @property
    def status(self) -> str:
        """CLP02: 4 when every line was denied, else 1 (processed as primary)."""
        if self.lines and all(line.denied for line in self.lines):
            return DENIED
        if self.claim.payer_sequence == SECONDARY:
            return PROCESSED_AS_SECONDARY
        return PROCESSED_AS_PRIMARY

    @property
    def balanced(self) -> bool:
        """Charge = paid + every adjustment, for the claim and for each line."""
        lines_balance = all(
            line.charge == line.paid + sum((a.amount for a in line.adjustments), ZERO)
            for line in self.lines
        )
        total = self.paid + sum((a.amount for a in self.adjustments), ZERO)
        return lines_balance and self.charge == total


def adjudicate(
    claim: SubmittedClaim,
    rules: AdjudicationRules,
    payer_claim_control_number: str,
    deductible_left: MutableMapping[tuple[str, str], Decimal],
) -> ClaimPayment:
    """Price and pay one accepted claim; uses up the member's deductible in `deductible_left`."""
    member = (claim.payer_id, claim.member_id)
    if member not in deductible_left:
        deductible_left[member] = rules.for_member(rules.deductible, claim)
    copay_left = rules.for_member(rules.copay, claim)
    percent = rules.for_member(rules.coinsurance_percent, claim)
    claim_denial = rules.claim_denial(claim)
    lines = []
    for line in claim.lines:
        charge = Decimal(line.charge).quantize(CENT)
        denial = claim_denial or rules.line_denial(claim, line.procedure_code)
        if denial is not None:
            lines.append(_denied(line, charge, denial))
            continue
        if claim.payer_sequence == SECONDARY:
            lines.append(_after_prior_payer(claim, line, charge, percent, member,
                                            deductible_left, copay_left))  # fmt: skip
            copay_left -= sum((a.amount for a in lines[-1].adjustments if a.reason == COPAY),
                              ZERO)  # fmt: skip
            continue
        allowed = _allowed(rules, claim, line, charge)
        deductible = min(deductible_left[member], allowed)
        deductible_left[member] -= deductible
        copay = min(copay_left, allowed - deductible)
        copay_left -= copay
        coinsurance = ((allowed - deductible - copay) * percent / HUNDRED).quantize(
            CENT, ROUND_HALF_UP
        )
        adjustments = [
            Adjustment("CO", CHARGE_EXCEEDS_FEE_SCHEDULE, charge - allowed),
            Adjustment("PR", DEDUCTIBLE, deductible),
            Adjustment("PR", COINSURANCE, coinsurance),
            Adjustment("PR", COPAY, copay),
        ]
        lines.append(
            LinePayment(
                line=line,
                charge=charge,
                paid=allowed - deductible - copay - coinsurance,
                allowed=allowed,
                adjustments=tuple(a for a in adjustments if a.amount),
            )
        )
    payment = ClaimPayment(
        claim=claim,
        payer_claim_control_number=payer_claim_control_number,
        charge=Decimal(claim.charge).quantize(CENT),
        lines=tuple(lines),
    )
    if not payment.balanced:  # the front end refuses claims whose lines miss CLM02
        raise AssertionError(f"claim {claim.claim_id} does not balance: {payment}")
    return payment


def _after_prior_payer(
    claim: SubmittedClaim,
    line: SubmittedLine,
    charge: Decimal,
    percent: Decimal,
    member: tuple[str, str],
    deductible_left: MutableMapping[tuple[str, str], Decimal],
    copay_left: Decimal,
) -> LinePayment:
    """A secondary claim's line: pay what the prior payer left the patient, less our share."""
    left = line.prior_patient_responsibility or ZERO
    if line is claim.lines[0]:
        left += claim.prior_patient_responsibility
    left = min(left, charge)
    deductible = min(deductible_left[member], left)
    deductible_left[member] -= deductible
    copay = min(copay_left, left - deductible)
    coinsurance = ((left - deductible - copay) * percent / HUNDRED).quantize(CENT, ROUND_HALF_UP)
    adjustments = [
        Adjustment("OA", PRIOR_PAYER, charge - left),
        Adjustment("PR", DEDUCTIBLE, deductible),
        Adjustment("PR", COINSURANCE, coinsurance),
        Adjustment("PR", COPAY, copay),
    ]
    return LinePayment(
        line=line,
        charge=charge,
        paid=left - deductible - copay - coinsurance,
        allowed=left,
        adjustments=tuple(a for a in adjustments if a.amount),
    )


def _allowed(
    rules: AdjudicationRules, claim: SubmittedClaim, line: SubmittedLine, charge: Decimal
) -> Decimal:
    # The lesser of the charge and the fee schedule; no fee on file pays the charge.
    fee = rules.fee(claim.payer_id, line.procedure_code)
    if fee is None:
        return charge
    return min(charge, (fee * Decimal(line.units)).quantize(CENT, ROUND_HALF_UP))


def _denied(line: SubmittedLine, charge: Decimal, denial: Denial) -> LinePayment:
    adjustments = (Adjustment(denial.group, denial.reason, charge),) if charge else ()
    remarks = (denial.remark,) if denial.remark else ()
    return LinePayment(line, charge, ZERO, None, adjustments, remarks)
