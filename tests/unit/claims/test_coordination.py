"""Coordination of benefits: which primary payments make a secondary claim, with what amounts."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from services.claims.domain.claim import ClaimLine
from services.claims.domain.coordination import (
    PrimaryAdjudication,
    crosses_over,
    other_payer,
    primary_decision,
    secondary_lines,
    secondary_reasons,
)
from services.claims.domain.lifecycle import Step
from services.claims.domain.records import Coverage
from services.claims.domain.remittance import Outcome, PostingPlan, post_claim
from services.claims.domain.remittance_matching import SentClaim, SentLine
from services.claims.domain.remittance_steps import PostingDecision, decide
from services.claims.x12.remittance import ClaimPayment, parse_835
from tests.unit.claims.remittance_builder import (
    ClaimDecision,
    LineDecision,
    RemittanceDecision,
    an_835,
)

D = Decimal
CLAIM_ID = "CQ2F6ZJ3M4N5P6R7S8T9"
MANUAL = SentLine("97140", (), 2, D("90.00"), D("62.34"))
MASSAGE = SentLine("97124", ("XS",), 1, D("40.00"), D("28.55"))
ACME = Coverage("ACME01", "Acme Health", "MEM123456", "self", "GRP-77")


def plan_of(*lines: LineDecision, status: str = "1", claim_cas=()) -> PostingPlan:
    decision = ClaimDecision(CLAIM_ID, lines, status, claim_cas)
    (remittance,) = parse_835(an_835(RemittanceDecision((decision,))))
    (payment,) = remittance.claims
    assert isinstance(payment, ClaimPayment)
    plan = post_claim(payment, SentClaim(CLAIM_ID, (MANUAL, MASSAGE)))
    assert isinstance(plan, PostingPlan), plan
    return plan


def at_fee_schedule(line: SentLine, *patient: tuple[str, str]) -> LineDecision:
    owed = tuple(("PR", reason, D(amount)) for reason, amount in patient)
    allowed = line.expected_allowed
    paid = allowed - sum((a for _, _, a in owed), D("0"))
    return LineDecision(line.code, line.modifiers, line.units, line.charge, paid,
                        (("CO", "45", line.charge - allowed), *owed))  # fmt: skip


def denied(line: SentLine, group: str = "CO", reason: str = "50") -> LineDecision:
    return LineDecision(line.code, line.modifiers, line.units, line.charge, D("0"),
                        ((group, reason, line.charge),))  # fmt: skip


def adjudication(plan: PostingPlan) -> PrimaryAdjudication:
    return PrimaryAdjudication("ACME01", "Acme Health", "CI", ACME, "Doe", "Jane", plan,
                               date(2024, 3, 20))  # fmt: skip


def test_coinsurance_left_by_the_primary_makes_a_secondary_claim():
    plan = plan_of(at_fee_schedule(MANUAL, ("2", "12.47")), at_fee_schedule(MASSAGE))

    assert plan.outcome is Outcome.PATIENT_BALANCE
    assert crosses_over(plan)


def test_a_payment_in_full_or_a_contractual_denial_leaves_nothing_to_coordinate():
    paid = plan_of(at_fee_schedule(MANUAL), at_fee_schedule(MASSAGE))
    refused = plan_of(denied(MANUAL), denied(MASSAGE), status="4")

    assert (paid.outcome, refused.outcome) == (Outcome.PAID_IN_FULL, Outcome.DENIED)
    assert not crosses_over(paid) and not crosses_over(refused)


def test_a_denial_the_patient_is_responsible_for_goes_to_the_secondary():
    plan = plan_of(denied(MANUAL, "PR", "96"), denied(MASSAGE, "PR", "96"), status="4")

    assert plan.outcome is Outcome.DENIED and plan.patient_responsibility == D("130.00")
    assert crosses_over(plan)


def test_the_primary_is_paid_not_billed_to_the_patient_while_a_secondary_remains():
    plan = plan_of(at_fee_schedule(MANUAL, ("1", "20.00")), at_fee_schedule(MASSAGE))
    alone = decide(plan.outcome, "accepted", "1")

    assert alone.step is Step.BILL_PATIENT
    assert primary_decision(alone, plan, "accepted").step is Step.PAY
    # Already paid: the money is posted and the claim stays as it is.
    assert primary_decision(decide(plan.outcome, "paid", "1"), plan, "paid") == PostingDecision()


def test_a_short_payment_keeps_its_own_step_for_the_work_queue():
    short = at_fee_schedule(MANUAL, ("2", "5.00"))
    plan = plan_of(LineDecision(short.code, short.modifiers, short.units, short.charge,
                                short.paid - D("10.00"),
                                (*short.adjustments[:1], ("CO", "253", D("10.00")),
                                 *short.adjustments[1:])),
                   at_fee_schedule(MASSAGE))  # fmt: skip

    assert plan.outcome is Outcome.PARTIALLY_PAID
    decision = decide(plan.outcome, "accepted", "1")
    assert primary_decision(decision, plan, "accepted") == decision


def test_the_other_payer_loops_carry_the_primarys_payment_line_by_line():
    plan = plan_of(at_fee_schedule(MANUAL, ("2", "12.47")),
                   at_fee_schedule(MASSAGE, ("3", "10.00")))  # fmt: skip

    other = other_payer(adjudication(plan))

    assert (other.paid, other.patient_responsibility, other.charge) == (
        D("68.42"), D("22.47"), D("130.00"),
    )  # fmt: skip
    assert [(line.line_number, line.procedure_code, line.modifiers, line.paid) for line in
            other.lines] == [(1, "97140", (), D("49.87")), (2, "97124", ("XS",), D("18.55"))]
    assert [(a.group, a.reason, a.amount) for a in other.lines[1].adjustments] == [
        ("CO", "45", D("11.45")), ("PR", "3", D("10.00"))
    ]  # fmt: skip
    assert other.subscriber.member_id == "MEM123456"
    assert other.adjudicated_on == date(2024, 3, 20)


def test_the_secondary_expects_what_the_patient_owed_on_each_line():
    plan = plan_of(at_fee_schedule(MANUAL, ("2", "12.47")), at_fee_schedule(MASSAGE))
    ours = [ClaimLine("97140", 2, 30, (), (1,), D("90.00"), D("62.34")),
            ClaimLine("97124", 1, 15, ("XS",), (2,), D("40.00"), D("28.55"))]  # fmt: skip

    lines = secondary_lines(ours, plan)

    assert [(line.code, line.charge, line.expected_allowed) for line in lines] == [
        ("97140", D("90.00"), D("12.47")), ("97124", D("40.00"), D("0.00"))
    ]  # fmt: skip
    assert sum(line.expected_allowed for line in lines) == plan.patient_responsibility


def test_a_secondary_claim_waits_while_its_coverage_or_payer_is_missing():
    beta = Coverage("BETA02", "Beta Care", "B-1", "spouse")

    assert secondary_reasons(beta, True, "ACME01") == ()
    assert [r.code for r in secondary_reasons(None, True, "ACME01")] == ["no_secondary_coverage"]
    assert [r.code for r in secondary_reasons(beta, False, "ACME01")] == [
        "secondary_payer_not_set_up"
    ]
    again = Coverage("ACME01", "Acme Health", "MEM123456", "self")
    assert [r.code for r in secondary_reasons(again, True, "ACME01")] == ["secondary_is_primary"]


def test_a_secondary_line_the_primary_settled_in_full_is_not_a_denial():
    ours = SentClaim(CLAIM_ID, (replace(MANUAL, expected_allowed=D("12.47")),
                                replace(MASSAGE, expected_allowed=D("0.00"))))  # fmt: skip
    decision = ClaimDecision(CLAIM_ID, (
        LineDecision("97140", (), 2, D("90.00"), D("12.47"), (("OA", "23", D("77.53")),)),
        LineDecision("97124", ("XS",), 1, D("40.00"), D("0"), (("OA", "23", D("40.00")),)),
    ), "2")  # fmt: skip
    (remittance,) = parse_835(an_835(RemittanceDecision((decision,))))

    plan = post_claim(remittance.claims[0], ours)

    assert isinstance(plan, PostingPlan)
    assert [line.denied for line in plan.lines] == [False, False]
    assert plan.outcome is Outcome.PAID_IN_FULL


def test_a_real_denial_on_a_secondary_line_is_still_a_denial():
    ours = SentClaim(CLAIM_ID, (replace(MANUAL, expected_allowed=D("12.47")),
                                replace(MASSAGE, expected_allowed=D("0.00"))))  # fmt: skip
    decision = ClaimDecision(CLAIM_ID, (
        LineDecision("97140", (), 2, D("90.00"), D("12.47"), (("OA", "23", D("77.53")),)),
        LineDecision("97124", ("XS",), 1, D("40.00"), D("0"), (("CO", "50", D("40.00")),)),
    ), "2")  # fmt: skip
    (remittance,) = parse_835(an_835(RemittanceDecision((decision,))))

    plan = post_claim(remittance.claims[0], ours)

    assert isinstance(plan, PostingPlan)
    assert [line.denied for line in plan.lines] == [False, True]
    assert plan.outcome is Outcome.PARTIALLY_PAID
