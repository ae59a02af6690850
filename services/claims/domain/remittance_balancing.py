"""The amounts an 835 says must add up, checked before anything is posted.

docs/DOMAIN.md §Acknowledgements ("Balancing") and the 835 guide's balancing section:
- a service line: SVC02 charge = SVC03 paid + the sum of its CAS amounts;
- a claim: CLP03 charge = CLP04 paid + the claim-level CAS + every line's CAS, and
  CLP05 patient responsibility = the sum of the PR adjustments (claim and lines);
- a transaction: BPR02 (a debit counts negative) = the sum of CLP04 - the sum of PLB amounts.
Reversals (CLP02 = 22) carry negative amounts and balance the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from services.claims.domain.records import Reason
from services.claims.x12.remittance import (
    Adjustment,
    AdjustmentGroup,
    ClaimPayment,
    Remittance,
    ServicePayment,
    UnreadableClaim,
)

ZERO = Decimal("0.00")
REMITTANCE_UNBALANCED = "remittance_unbalanced"
REMITTANCE_UNVERIFIABLE = "remittance_unverifiable"
_PATIENT = AdjustmentGroup.PATIENT


def total(adjustments: Iterable[Adjustment]) -> Decimal:
    """The sum of the adjustments' amounts."""
    return sum([adjustment.amount for adjustment in adjustments], ZERO)


def patient_share(adjustments: Iterable[Adjustment]) -> Decimal:
    """The sum of the patient-responsibility (PR) adjustments."""
    return sum([a.amount for a in adjustments if a.group is _PATIENT], ZERO)


def every_adjustment(payment: ClaimPayment) -> tuple[Adjustment, ...]:
    """The claim-level adjustments, then each line's, in file order."""
    if not payment.services:
        return payment.adjustments
    return payment.adjustments + tuple([a for s in payment.services for a in s.adjustments])


def claim_imbalances(payment: ClaimPayment) -> tuple[Reason, ...]:
    """Every balancing rule the claim payment breaks, in words; empty when it balances."""
    reasons: list[Reason] = []
    for number, service in enumerate(payment.services, 1):
        line = _line_imbalance(number, service)
        if line is not None:
            reasons.append(line)
    every = every_adjustment(payment)
    adjusted = total(every)
    if payment.charge != payment.paid + adjusted:
        reasons.append(
            Reason(
                "claim_unbalanced",
                f"claim charge {payment.charge:.2f} is not payment {payment.paid:.2f} plus "
                f"adjustments {adjusted:.2f}",
            )
        )
    owed = patient_share(every)
    if payment.patient_responsibility != owed:
        reasons.append(
            Reason(
                "patient_responsibility_unbalanced",
                f"patient responsibility {payment.patient_responsibility:.2f} (CLP05) is not the "
                f"sum of PR adjustments {owed:.2f}",
            )
        )
    return tuple(reasons)


def remittance_imbalance(remittance: Remittance) -> Reason | None:
    """Why the payment total does not match its claims and provider adjustments, or None."""
    unknown = [c for c in remittance.claims if isinstance(c, UnreadableClaim) and c.paid is None]
    if unknown:
        return Reason(
            REMITTANCE_UNVERIFIABLE,
            f"the payment total cannot be checked: {len(unknown)} claim payment(s) unreadable",
        )
    claims_paid = sum((c.paid for c in remittance.claims if c.paid is not None), ZERO)
    provider_adjustments = sum((a.amount for a in remittance.provider_adjustments), ZERO)
    if remittance.payment.signed_amount == claims_paid - provider_adjustments:
        return None
    return Reason(
        REMITTANCE_UNBALANCED,
        f"the payment {remittance.payment.signed_amount:.2f} (BPR02) is not the claims' payments "
        f"{claims_paid:.2f} less provider adjustments {provider_adjustments:.2f}",
    )


def _line_imbalance(number: int, service: ServicePayment) -> Reason | None:
    adjusted = total(service.adjustments)
    if service.charge == service.paid + adjusted:
        return None
    return Reason(
        "line_unbalanced",
        f"line {number} ({service.procedure.code}): charge {service.charge:.2f} is not payment "
        f"{service.paid:.2f} plus adjustments {adjusted:.2f}",
    )
