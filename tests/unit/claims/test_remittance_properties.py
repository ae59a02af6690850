"""Properties of 835 posting: whatever the payer decides, a built 835 reads back to the cent
and posts a plan in which every line and claim balances and the patient owes the PR sum."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from services.claims.domain.remittance import (
    Outcome,
    PostingPlan,
    PostingRefusal,
    RefusalKind,
    post_remittance,
)
from services.claims.domain.remittance_matching import SentClaim, SentLine
from services.claims.x12.remittance import ClaimPayment, parse_835
from tests.unit.claims.remittance_builder import (
    ClaimDecision,
    LineDecision,
    RemittanceDecision,
    an_835,
)

ZERO = Decimal("0")


def _cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-2))


@dataclass(frozen=True)
class Case:
    """Our claims and the payer's decisions on them."""

    ours: tuple[SentClaim, ...]
    remittance: RemittanceDecision


@st.composite
def _line(draw: st.DrawFn, number: int) -> tuple[SentLine, LineDecision]:
    code = draw(st.sampled_from(["97124", "97140"]))
    modifiers = tuple(sorted(draw(st.sets(st.sampled_from(["GP", "XS", "59"]), max_size=2))))
    units = draw(st.integers(1, 4))
    per_unit = draw(_cents(1000, 20000))
    charge = per_unit * units
    expected = draw(_cents(0, int(charge * 100)))
    ours = SentLine(code, modifiers, units, charge, expected, str(number))
    if draw(st.booleans()) and draw(st.booleans()):  # a quarter of the lines are denied
        reason = draw(st.sampled_from(["50", "97", "197", "204"]))
        decision = LineDecision(code, modifiers, units, charge, ZERO, (("CO", reason, charge),))
        return ours, decision
    allowed = draw(_cents(1, int(charge * 100)))
    deductible = draw(_cents(0, int(allowed * 100)))
    coinsurance = draw(_cents(0, int((allowed - deductible) * 100)))
    copay = draw(_cents(0, int((allowed - deductible - coinsurance) * 100)))
    adjustments = [
        ("CO", "45", charge - allowed),
        ("PR", "1", deductible),
        ("PR", "2", coinsurance),
        ("PR", "3", copay),
    ]
    decision = LineDecision(
        code,
        # Payers may return modifiers in another order than we sent them.
        tuple(reversed(modifiers)) if draw(st.booleans()) else modifiers,
        units,
        charge,
        allowed - deductible - coinsurance - copay,
        tuple((g, r, a) for g, r, a in adjustments if a),
        remarks=tuple(draw(st.lists(st.sampled_from(["N130", "M80", "N9999"]), max_size=2))),
        allowed=allowed if draw(st.booleans()) else None,
        line_control_number=str(number) if draw(st.booleans()) else None,
    )
    return ours, decision


@st.composite
def _claim(draw: st.DrawFn, number: int) -> tuple[SentClaim, ClaimDecision]:
    claim_id = f"C-{number:08x}-5b2d-4c6e-9a41-7d2e8b1c0f01"
    pairs = [draw(_line(n)) for n in range(1, draw(st.integers(1, 3)) + 1)]
    ours = SentClaim(claim_id, tuple(sent for sent, _ in pairs))
    # The payer may answer the lines in another order and echo only 20 characters.
    decisions = tuple(draw(st.permutations([decision for _, decision in pairs])))
    echoed = claim_id[:20] if draw(st.booleans()) else claim_id
    decision = ClaimDecision(echoed, decisions, status="4" if all(map(_denied, decisions)) else "1")
    lines_paid = sum((d.paid for d in decisions), ZERO)
    if lines_paid and draw(st.booleans()):
        deductible = draw(_cents(1, int(lines_paid * 100)))
        decision = replace(decision, claim_adjustments=(("PR", "1", deductible),))
    return ours, decision


def _denied(line: LineDecision) -> bool:
    # Only a denial adjusts the whole charge away in one CO adjustment: allowed is at least a cent.
    return [(group, amount) for group, _, amount in line.adjustments] == [("CO", line.charge)]


@st.composite
def _cases(draw: st.DrawFn) -> Case:
    pairs = [draw(_claim(n)) for n in range(1, draw(st.integers(1, 3)) + 1)]
    plb = draw(st.lists(st.tuples(st.sampled_from(["WO", "L6", "FB"]), _cents(-5000, 5000)),
                        max_size=3))  # fmt: skip
    remittance = RemittanceDecision(
        tuple(decision for _, decision in pairs), tuple((r, a) for r, a in plb if a)
    )
    return Case(tuple(ours for ours, _ in pairs), remittance)


def _finder(ours: tuple[SentClaim, ...]):
    return lambda echoed: next(
        (claim for claim in ours if claim.claim_id.upper().startswith(echoed.upper())), None
    )


@settings(max_examples=150)
@given(_cases())
def test_an_835_reads_back_every_amount_exactly(case):
    (remittance,) = parse_835(an_835(case.remittance))

    assert remittance.payment.signed_amount == case.remittance.payment
    assert [(a.reason, a.amount) for a in remittance.provider_adjustments] == list(
        case.remittance.provider_adjustments
    )
    for read, written in zip(remittance.claims, case.remittance.claims, strict=True):
        assert isinstance(read, ClaimPayment)
        assert (read.charge, read.paid, read.patient_responsibility) == (
            written.charge,
            written.paid,
            written.patient_responsibility,
        )
        assert [(a.group, a.reason, a.amount) for a in read.adjustments] == list(
            written.claim_adjustments
        )
        for service, line in zip(read.services, written.lines, strict=True):
            assert (service.charge, service.paid, service.units_paid) == (
                line.charge,
                line.paid,
                line.units,
            )
            assert [(a.group, a.reason, a.amount) for a in service.adjustments] == list(
                line.adjustments
            )
            assert service.allowed == line.allowed


@settings(max_examples=150)
@given(_cases())
def test_every_posting_plan_balances_and_the_patient_owes_the_pr_sum(case):
    (remittance,) = parse_835(an_835(case.remittance))

    posted = post_remittance(remittance, _finder(case.ours))

    assert posted.problems == ()
    for plan, ours in zip(posted.postings, case.ours, strict=True):
        assert isinstance(plan, PostingPlan), plan
        assert plan.claim_id == ours.claim_id
        for line in plan.lines:
            assert line.paid + sum(a.amount for a in line.adjustments) == line.charge
            assert line.patient_responsibility == sum(
                a.amount for a in line.adjustments if a.group == "PR"
            )
        every = plan.claim_adjustments + tuple(a for line in plan.lines for a in line.adjustments)
        assert plan.paid + sum(a.amount for a in every) == plan.charge == ours.total_charge
        assert plan.patient_responsibility == sum(a.amount for a in every if a.group == "PR")
        assert [line.line_number for line in plan.lines] == list(range(1, len(ours.lines) + 1))
        _assert_outcome_fits(plan, ours)


def _assert_outcome_fits(plan: PostingPlan, ours: SentClaim) -> None:
    denied = [line.denied for line in plan.lines]
    allowed = plan.paid + plan.patient_responsibility
    if plan.outcome is Outcome.DENIED:
        assert all(denied)
    elif plan.outcome is Outcome.PARTIALLY_PAID:
        assert any(denied) or allowed < ours.expected_allowed
    elif plan.outcome is Outcome.PATIENT_BALANCE:
        assert not any(denied) and plan.patient_responsibility > 0
    else:
        assert plan.outcome is Outcome.PAID_IN_FULL
        assert plan.patient_responsibility == 0 and allowed >= ours.expected_allowed


@settings(max_examples=100)
@given(_cases(), st.data())
def test_a_line_amount_off_by_a_cent_holds_only_its_claim(case, data):
    which = data.draw(st.integers(0, len(case.remittance.claims) - 1))
    claims = list(case.remittance.claims)
    first, *rest = claims[which].lines
    claims[which] = replace(
        claims[which], lines=(replace(first, charge=first.charge + Decimal("0.01")), *rest)
    )
    # The CLP03 follows the lines, so the tampered line no longer balances but the total does.
    (remittance,) = parse_835(an_835(replace(case.remittance, claims=tuple(claims))))

    posted = post_remittance(remittance, _finder(case.ours))

    for index, posting in enumerate(posted.postings):
        if index == which:
            assert isinstance(posting, PostingRefusal)
            assert posting.kind is RefusalKind.UNBALANCED
            assert posting.reasons[0].code == "line_unbalanced"
        else:
            assert isinstance(posting, PostingPlan)
