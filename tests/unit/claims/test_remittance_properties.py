"""Properties of 835 posting: whatever the payer decides, a built 835 reads back to the cent
and posts a plan in which every line and claim balances and the patient owes the PR sum."""

from __future__ import annotations

from dataclasses import replace
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
from services.claims.domain.remittance_matching import SentClaim
from services.claims.x12.remittance import ClaimPayment, parse_835
from tests.unit.claims.remittance_builder import an_835
from tests.unit.claims.remittance_strategies import cases


def _finder(ours: tuple[SentClaim, ...]):
    return lambda echoed: next(
        (claim for claim in ours if claim.claim_id.upper().startswith(echoed.upper())), None
    )


@settings(max_examples=150)
@given(cases())
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
@given(cases())
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
@given(cases(), st.data())
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
