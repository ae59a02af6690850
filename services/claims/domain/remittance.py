"""Posting rules for an 835: what each claim payment means for our claim, or why to hold it.

docs/DOMAIN.md §Acknowledgements. A claim payment is posted only when it is readable, answers
our claim (``remittance_matching``), balances (``remittance_balancing``) and bills what we
billed; otherwise it is refused with the reason and held for a person. A posting plan says, per
line, what was paid, each adjustment by group and reason (in words from the CARC/RARC lists)
and what the patient owes, then the claim totals and one outcome:

- reversal: CLP02 = 22, the payer takes back an earlier payment (amounts are negative);
- denied: CLP02 = 4, or every line denied (nothing paid and nothing owed by the patient:
  the whole charge adjusted away by CO/OA/PI), or no lines and nothing paid or owed;
- partially paid: some lines denied, or the payer allowed (paid + patient share) less than our
  fee schedule expected;
- patient balance: the patient owes something (PR adjustments);
- paid in full: none of the above.
The first that applies wins; the patient responsibility is in every plan whatever the outcome.
Nothing here rounds: amounts are the 835's, exact to the cent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from services.claims.domain.codes import describe_adjustment, describe_remark
from services.claims.domain.records import Reason
from services.claims.domain.remittance_amounts import two_places
from services.claims.domain.remittance_balancing import (
    REMITTANCE_UNBALANCED,
    ZERO,
    claim_imbalances,
    every_adjustment,
    patient_share,
    remittance_imbalance,
    total,
)
from services.claims.domain.remittance_matching import (
    LineMatch,
    SentClaim,
    SentLine,
    claim_id_matches,
    match_lines,
)
from services.claims.x12.remittance import (
    Adjustment,
    ClaimPayment,
    ClaimPaymentStatus,
    ProviderAdjustment,
    Remark,
    Remittance,
    ServicePayment,
    UnreadableClaim,
)

PRIOR_PAYER_IMPACT = "23"  # CARC 23, with group OA on a secondary payer's 835
RARC_QUALIFIER = "HE"  # LQ01: remark codes from the RARC list (RX would be NCPDP reject reasons)


class Outcome(StrEnum):
    """What a posted claim payment means for the claim (see the module docstring)."""

    PAID_IN_FULL = "paid_in_full"
    PARTIALLY_PAID = "partially_paid"
    DENIED = "denied"
    PATIENT_BALANCE = "patient_balance"
    REVERSAL = "reversal"


class RefusalKind(StrEnum):
    """Why a claim payment is held for a person instead of posted."""

    UNREADABLE = "unreadable"  # a malformed segment in its loop
    UNMATCHED = "unmatched"  # not our claim, or its lines/charges are not what we billed
    UNBALANCED = "unbalanced"  # its amounts (or the remittance's) do not add up


# Slots, as the 835 reader's values (x12/remittance.py): made per line and adjustment.
@dataclass(frozen=True, slots=True)
class PostedAdjustment:
    """One CAS adjustment as posted, with its meaning in words."""

    group: str
    reason: str
    amount: Decimal
    description: str  # "CO-45: Charge exceeds fee schedule/..."


@dataclass(frozen=True, slots=True)
class PostedRemark:
    """A remark code (LQ, MOA) as posted, with its meaning in words."""

    code: str
    description: str  # "N130: Consult plan benefit documents/..."


@dataclass(frozen=True, slots=True)
class LinePosting:
    """What the payer did with one of our lines."""

    line_number: int  # 1-based position of our line on the claim
    code: str
    modifiers: tuple[str, ...]
    units: int
    charge: Decimal  # as the 835 states it (negative in a reversal)
    paid: Decimal
    adjustments: tuple[PostedAdjustment, ...]
    patient_responsibility: Decimal  # the line's PR adjustments
    allowed: Decimal  # AMT*B6 when sent, else paid + patient responsibility
    expected_allowed: Decimal  # from our fee schedule
    denied: bool
    remarks: tuple[PostedRemark, ...]


@dataclass(frozen=True, slots=True)
class PostingPlan:
    """A claim payment that can be posted: per line, claim-level, totals and the outcome."""

    claim_id: str  # ours
    echoed_claim_id: str  # CLP01
    payer_claim_control_number: str | None  # CLP07: what a replacement claim's REF*F8 quotes
    status: ClaimPaymentStatus
    outcome: Outcome
    lines: tuple[LinePosting, ...]
    claim_adjustments: tuple[PostedAdjustment, ...]  # claim-level CAS
    claim_remarks: tuple[PostedRemark, ...]  # MOA
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    adjusted: Decimal  # every adjustment, claim and lines
    patient_responsibility: Decimal  # CLP05 = every PR adjustment
    reasons: tuple[Reason, ...]  # the outcome, then each adjustment and remark, in words


@dataclass(frozen=True, slots=True)
class PostingRefusal:
    """A claim payment held for a person, and why."""

    kind: RefusalKind
    echoed_claim_id: str | None
    reasons: tuple[Reason, ...]


Posting = PostingPlan | PostingRefusal


@dataclass(frozen=True, slots=True)
class RemittancePosting:
    """Every claim payment of one 835 transaction, posted or refused, in file order."""

    postings: tuple[Posting, ...]
    provider_adjustments: tuple[Reason, ...]  # PLB in words
    problems: tuple[Reason, ...]  # the remittance's own: its total does not (or cannot) add up


def post_remittance(
    remittance: Remittance, find_claim: Callable[[str], SentClaim | None]
) -> RemittancePosting:
    """Post every claim payment; ``find_claim`` looks our claim up by the echoed CLP01.

    When the payment total does not add up, the money cannot be trusted, so every claim is
    refused; when it cannot be checked (an unreadable claim hides its amount) the readable
    claims are still posted and the problem is reported.
    """
    problem = remittance_imbalance(remittance)
    return RemittancePosting(
        postings=tuple(each_posting(remittance, find_claim, problem)),
        provider_adjustments=provider_adjustments_in_words(remittance),
        problems=(problem,) if problem is not None else (),
    )


def each_posting(
    remittance: Remittance,
    find_claim: Callable[[str], SentClaim | None],
    problem: Reason | None,
) -> Iterator[Posting]:
    """``post_remittance``'s postings one at a time, in file order, given the remittance's own
    ``problem`` (``remittance_imbalance``): a poster of a large 835 need not hold them all."""
    for payment in remittance.claims:
        if problem is not None and problem.code == REMITTANCE_UNBALANCED:
            yield _refusal(RefusalKind.UNBALANCED, payment.claim_id, problem)
        elif isinstance(payment, UnreadableClaim):
            yield _unreadable(payment)
        elif (claim := find_claim(payment.claim_id)) is None:
            yield _refusal(
                RefusalKind.UNMATCHED,
                payment.claim_id,
                Reason("claim_unknown", f"no claim of ours has id {payment.claim_id}"),
            )
        else:
            yield post_claim(payment, claim)


def provider_adjustments_in_words(remittance: Remittance) -> tuple[Reason, ...]:
    """The PLB adjustments of a remittance, each in words."""
    return tuple(_provider_adjustment(a) for a in remittance.provider_adjustments)


def post_claim(payment: ClaimPayment | UnreadableClaim, claim: SentClaim) -> Posting:
    """The posting plan for ``payment`` against our ``claim``, or the refusal to post it."""
    if isinstance(payment, UnreadableClaim):
        return _unreadable(payment)
    if not claim_id_matches(claim.claim_id, payment.claim_id):
        return _refusal(
            RefusalKind.UNMATCHED,
            payment.claim_id,
            Reason(
                "claim_unmatched",
                f"the payment answers claim {payment.claim_id}, not {claim.claim_id}",
            ),
        )
    imbalances = claim_imbalances(payment)
    if imbalances:
        return PostingRefusal(RefusalKind.UNBALANCED, payment.claim_id, imbalances)
    sign = Decimal(-1) if payment.status is ClaimPaymentStatus.REVERSAL else Decimal(1)
    match = match_lines(payment.services, claim.lines)
    mismatches = _mismatches(payment, claim, sign)
    if payment.services:
        mismatches += _line_mismatches(match, claim.lines, sign)
    if mismatches:
        return PostingRefusal(RefusalKind.UNMATCHED, payment.claim_id, mismatches)
    lines = tuple([_line(service, i + 1, claim.lines[i]) for service, i in match.pairs])
    outcome = _outcome(payment, lines, claim.expected_allowed)
    claim_adjustments = tuple([_posted(a) for a in payment.adjustments])
    claim_remarks = tuple([_remark(r) for r in payment.remarks])
    return PostingPlan(
        claim_id=claim.claim_id,
        echoed_claim_id=payment.claim_id,
        payer_claim_control_number=payment.payer_claim_control_number,
        status=payment.status,
        outcome=outcome,
        lines=lines,
        claim_adjustments=claim_adjustments,
        claim_remarks=claim_remarks,
        charge=payment.charge,
        paid=payment.paid,
        adjusted=total(every_adjustment(payment)),
        patient_responsibility=payment.patient_responsibility,
        reasons=_reasons(
            outcome, payment, claim.expected_allowed, claim_adjustments, claim_remarks, lines
        ),
    )


def _outcome(payment: ClaimPayment, lines: tuple[LinePosting, ...], expected: Decimal) -> Outcome:
    owed = payment.patient_responsibility
    if payment.status is ClaimPaymentStatus.REVERSAL:
        return Outcome.REVERSAL
    if payment.status is ClaimPaymentStatus.DENIED:
        return Outcome.DENIED
    if all(line.denied for line in lines) and (lines or payment.paid == owed == ZERO):
        return Outcome.DENIED
    if any(line.denied for line in lines) or payment.paid + owed < expected:
        return Outcome.PARTIALLY_PAID
    if owed > ZERO:
        return Outcome.PATIENT_BALANCE
    return Outcome.PAID_IN_FULL


def _line(service: ServicePayment, number: int, ours: SentLine) -> LinePosting:
    owed = patient_share(service.adjustments)
    return LinePosting(
        line_number=number,
        code=ours.code,
        modifiers=ours.modifiers,
        units=ours.units,
        charge=service.charge,
        paid=service.paid,
        adjustments=tuple([_posted(a) for a in service.adjustments]),
        patient_responsibility=owed,
        allowed=service.allowed if service.allowed is not None else service.paid + owed,
        expected_allowed=ours.expected_allowed,
        denied=service.charge != ZERO and service.paid == owed == ZERO
        and not _settled_by_prior_payer(service.adjustments),
        remarks=tuple([_remark(r) for r in service.remarks]),
    )


def _settled_by_prior_payer(adjustments: tuple[Adjustment, ...]) -> bool:
    # OA-23, "the impact of prior payer(s) adjudication": a secondary payer's answer to a line
    # the primary settled in full (domain/coordination.py) - nothing to pay, not a denial.
    return bool(adjustments) and all(
        a.group.value == "OA" and a.reason == PRIOR_PAYER_IMPACT for a in adjustments
    )


def _mismatches(payment: ClaimPayment, claim: SentClaim, sign: Decimal) -> tuple[Reason, ...]:
    if payment.charge == sign * claim.total_charge:
        return ()
    return (
        Reason(
            "charge_differs",
            f"the payment is for a charge of {payment.charge:.2f}; the claim billed "
            f"{claim.total_charge:.2f}",
        ),
    )


def _line_mismatches(
    match: LineMatch, lines: tuple[SentLine, ...], sign: Decimal
) -> tuple[Reason, ...]:
    reasons = [
        Reason(
            "line_unmatched",
            f"the payer answers a {s.billed_procedure.code} line of {s.billed_units} unit(s) "
            "that the claim does not bill",
        )
        for s in match.unmatched_services
    ]
    reasons += [
        Reason("line_missing", f"line {i + 1} ({lines[i].code}) is not in the remittance")
        for i in match.unmatched_lines
    ]
    reasons += [
        Reason(
            "line_charge_differs",
            f"line {i + 1} ({lines[i].code}): the payment is for {s.charge:.2f}, "
            f"the line billed {lines[i].charge:.2f}",
        )
        for s, i in match.pairs
        if s.charge != sign * lines[i].charge
    ]
    return tuple(reasons)


def _reasons(
    outcome: Outcome,
    payment: ClaimPayment,
    expected: Decimal,
    claim_adjustments: tuple[PostedAdjustment, ...],
    claim_remarks: tuple[PostedRemark, ...],
    lines: tuple[LinePosting, ...],
) -> tuple[Reason, ...]:
    if outcome is Outcome.REVERSAL:
        words = f"reversal: the payer takes back {two_places(-payment.paid)} it paid on this claim"
    else:
        words = (
            f"{outcome.value.replace('_', ' ')}: paid {two_places(payment.paid)} of "
            f"{two_places(payment.charge)} billed ({two_places(expected)} expected); patient owes "
            f"{two_places(payment.patient_responsibility)}"
        )
    reasons = [Reason(outcome._value_, words)]
    reasons += [_adjustment_reason("claim", a) for a in claim_adjustments]
    reasons += [_remark_reason("claim", r) for r in claim_remarks]
    for line in lines:
        where = f"line {line.line_number} ({line.code})"
        reasons += [_adjustment_reason(where, a) for a in line.adjustments]
        reasons += [_remark_reason(where, r) for r in line.remarks]
    return tuple(reasons)


def _adjustment_reason(where: str, adjustment: PostedAdjustment) -> Reason:
    return Reason(
        f"{adjustment.group}-{adjustment.reason}",
        f"{where}: {two_places(adjustment.amount)} {adjustment.description}",
    )


def _remark_reason(where: str, remark: PostedRemark) -> Reason:
    return Reason(remark.code, f"{where}: {remark.description}")


def _remark(remark: Remark) -> PostedRemark:
    if remark.qualifier == RARC_QUALIFIER:
        return PostedRemark(remark.code, describe_remark(remark.code))
    return PostedRemark(remark.code, f"{remark.code}: NCPDP reject reason")


def _posted(adjustment: Adjustment) -> PostedAdjustment:
    group = adjustment.group._value_  # the code itself: .value is a descriptor call, per CAS
    return PostedAdjustment(
        group, adjustment.reason, adjustment.amount, describe_adjustment(group, adjustment.reason)
    )


def _provider_adjustment(adjustment: ProviderAdjustment) -> Reason:
    # PLB amounts: positive takes money from the payment, negative adds to it.
    direction = "taken from" if adjustment.amount > ZERO else "added to"
    reference = f" ({adjustment.reference})" if adjustment.reference else ""
    return Reason(
        f"PLB-{adjustment.reason}",
        f"{abs(adjustment.amount):.2f} {direction} this payment: {adjustment.reason}{reference}",
    )


def _unreadable(payment: UnreadableClaim) -> PostingRefusal:
    return _refusal(
        RefusalKind.UNREADABLE,
        payment.claim_id,
        Reason("claim_unreadable", f"the payer's answer cannot be read: {payment.reason}"),
    )


def _refusal(kind: RefusalKind, echoed: str | None, reason: Reason) -> PostingRefusal:
    return PostingRefusal(kind, echoed, (reason,))
