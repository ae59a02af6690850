from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from services.claims.domain.claim import ClaimLine
from services.claims.domain.remittance import (
    Outcome,
    PostingPlan,
    PostingRefusal,
    RefusalKind,
    post_claim,
    post_remittance,
)
from services.claims.domain.remittance_balancing import REMITTANCE_UNVERIFIABLE
from services.claims.domain.remittance_matching import (
    SentClaim,
    SentLine,
    claim_id_matches,
    claims_matching,
    match_lines,
    sent_claim,
)
from services.claims.x12.remittance import (
    Adjustment,
    AdjustmentGroup,
    ClaimPayment,
    ClaimPaymentStatus,
    parse_835,
)
from tests.unit.claims.remittance_builder import (
    ClaimDecision,
    LineDecision,
    RemittanceDecision,
    an_835,
)

D = Decimal
CLAIM_ID = "C-3f9a0c1e-5b2d-4c6e-9a41-7d2e8b1c0f01"
MANUAL = SentLine("97140", ("GP",), 2, D("120.00"), D("99.00"))
MASSAGE = SentLine("97124", ("GP", "XS"), 1, D("60.00"), D("47.50"))
CLAIM = SentClaim(CLAIM_ID, (MANUAL, MASSAGE))


def _sample(name: str) -> str:
    return (Path(__file__).parent / "samples" / name).read_text()


def _payment(*lines: LineDecision, **claim: object) -> ClaimPayment:
    decision = ClaimDecision(CLAIM_ID, lines, **claim)  # type: ignore[arg-type]
    (remittance,) = parse_835(an_835(RemittanceDecision((decision,))))
    (payment,) = remittance.claims
    assert isinstance(payment, ClaimPayment)
    return payment


def _manual(paid: str, *adjustments: tuple[str, str, str], **overrides: object) -> LineDecision:
    line = LineDecision("97140", ("GP",), 2, D("120"), D(paid), _cas(adjustments))
    return replace(line, **overrides)  # type: ignore[arg-type]


def _massage(paid: str, *adjustments: tuple[str, str, str], **overrides: object) -> LineDecision:
    line = LineDecision("97124", ("GP", "XS"), 1, D("60"), D(paid), _cas(adjustments))
    return replace(line, **overrides)  # type: ignore[arg-type]


def _cas(adjustments: tuple[tuple[str, str, str], ...]) -> tuple[tuple[str, str, Decimal], ...]:
    return tuple((group, reason, D(amount)) for group, reason, amount in adjustments)


def _plan(payment: ClaimPayment, claim: SentClaim = CLAIM) -> PostingPlan:
    posting = post_claim(payment, claim)
    assert isinstance(posting, PostingPlan), posting
    return posting


def _refusal(payment: ClaimPayment, claim: SentClaim = CLAIM) -> PostingRefusal:
    posting = post_claim(payment, claim)
    assert isinstance(posting, PostingRefusal), posting
    return posting


# Matching the claim ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("echoed", "matches"),
    [
        (CLAIM_ID, True),
        (CLAIM_ID.upper(), True),
        (CLAIM_ID[:20], True),
        (CLAIM_ID[:20].upper(), True),
        (CLAIM_ID[:19], False),
        (CLAIM_ID[:21], False),
        ("C-3f9a0c1e-5b2d-4c6e-9a41-7d2e8b1c0f02", False),
    ],
)
def test_a_claim_id_matches_whole_or_cut_to_twenty_characters(echoed, matches):
    assert claim_id_matches(CLAIM_ID, echoed) is matches


def test_a_truncated_echo_can_stand_for_several_of_our_claims():
    twin = CLAIM_ID[:20] + "-ffff-000000000000"

    assert claims_matching(CLAIM_ID[:20], [CLAIM_ID, twin, "C-other"]) == (CLAIM_ID, twin)


def test_a_payment_for_another_claim_is_refused_as_unmatched():
    other = replace(CLAIM, claim_id="C-0000aaaa-5b2d-4c6e-9a41-7d2e8b1c0f01")

    refusal = _refusal(_payment(_manual("120"), _massage("60")), other)
    assert refusal.kind is RefusalKind.UNMATCHED
    assert refusal.reasons[0].code == "claim_unmatched"


def test_our_claim_posts_from_the_lines_it_was_priced_with():
    lines = [ClaimLine("97140", 2, 30, ("GP",), (1,), D("120.00"), D("99.00"))]

    assert sent_claim(CLAIM_ID, lines) == SentClaim(CLAIM_ID, (MANUAL,))


# Matching the lines -----------------------------------------------------------------------


def test_lines_match_by_code_modifiers_and_units_whatever_the_payers_order():
    payment = _payment(_massage("60", modifiers=("XS", "GP")), _manual("120"))

    plan = _plan(payment)
    assert [(line.line_number, line.code, line.paid) for line in plan.lines] == [
        (1, "97140", D("120")),
        (2, "97124", D("60")),
    ]


def test_two_lines_of_the_same_code_match_in_order_by_units_first():
    one_unit = SentLine("97140", ("GP",), 1, D("60.00"), D("49.50"))
    claim = SentClaim(CLAIM_ID, (MANUAL, one_unit))
    payment = _payment(_manual("60", units=1, charge=D("60")), _manual("120"))

    plan = _plan(payment, claim)
    assert [(line.units, line.charge) for line in plan.lines] == [(2, D("120")), (1, D("60"))]


def test_lines_alike_but_for_their_charge_match_by_charge_before_order():
    dearer = replace(MANUAL, charge=D("130.00"))
    claim = SentClaim(CLAIM_ID, (MANUAL, dearer))
    payment = _payment(_manual("130", charge=D("130")), _manual("120"))

    plan = _plan(payment, claim)
    assert [(line.charge, line.paid) for line in plan.lines] == [
        (D("120"), D("120")),
        (D("130"), D("130")),
    ]


def test_the_line_control_number_wins_over_code_and_units():
    first = replace(MANUAL, line_control_number="1")
    second = replace(MANUAL, line_control_number="2")
    payment = _payment(_manual("99", line_control_number="2"), _manual("120"))

    match = match_lines(payment.services, (first, second))
    assert [(service.paid, index) for service, index in match.pairs] == [
        (D("120"), 0),
        (D("99"), 1),
    ]


def test_a_line_the_payer_dropped_a_modifier_from_still_matches_by_code_and_units():
    plan = _plan(_payment(_manual("120", modifiers=()), _massage("60")))

    assert plan.lines[0].code == "97140" and plan.lines[0].modifiers == ("GP",)


def test_a_line_we_did_not_bill_is_refused_as_unmatched():
    refusal = _refusal(_payment(_manual("120"), _massage("60", code="97110")))

    assert refusal.kind is RefusalKind.UNMATCHED
    assert {r.code for r in refusal.reasons} >= {"line_unmatched", "line_missing"}


def test_a_line_billed_for_another_amount_is_refused_as_unmatched():
    payment = _payment(_manual("120"), _massage("70", charge=D("70")))

    refusal = _refusal(payment)
    assert {r.code for r in refusal.reasons} == {"charge_differs", "line_charge_differs"}


# Balancing --------------------------------------------------------------------------------


def test_a_line_whose_adjustments_do_not_explain_its_charge_is_refused_as_unbalanced():
    payment = _payment(_manual("99", ("CO", "45", "20")), _massage("60"))

    refusal = _refusal(payment)
    assert refusal.kind is RefusalKind.UNBALANCED
    assert [r.code for r in refusal.reasons] == ["line_unbalanced", "claim_unbalanced"]
    assert "charge 120.00 is not payment 99.00 plus adjustments 20.00" in refusal.reasons[0].text


def test_patient_responsibility_must_be_the_sum_of_the_pr_adjustments():
    (remittance,) = parse_835(
        an_835(
            RemittanceDecision((ClaimDecision(CLAIM_ID, (_manual("120"), _massage("60"))),))
        ).replace("*180*180*0*", "*180*180*5*")
    )

    refusal = _refusal(remittance.claims[0])  # type: ignore[arg-type]
    assert [r.code for r in refusal.reasons] == ["patient_responsibility_unbalanced"]


def test_a_remittance_whose_total_does_not_add_up_holds_every_claim():
    text = an_835(RemittanceDecision((ClaimDecision(CLAIM_ID, (_manual("120"), _massage("60"))),)))
    (remittance,) = parse_835(text.replace("BPR*I*180*", "BPR*I*170*"))

    posted = post_remittance(remittance, lambda _: CLAIM)
    assert [p.kind for p in posted.postings] == [RefusalKind.UNBALANCED]  # type: ignore[union-attr]
    assert posted.problems[0].code == "remittance_unbalanced"


def test_the_sample_remittance_balances_with_its_provider_adjustments():
    (remittance,) = parse_835(_sample("three_claims_with_plb.835"))

    posted = post_remittance(remittance, lambda _: None)
    assert posted.problems == ()
    assert [r.text for r in posted.provider_adjustments] == [
        "25.00 taken from this payment: WO (24060000077)",
        "1.20 added to this payment: L6",
        "10.00 taken from this payment: FB (BAL2023Q4)",
    ]


# Outcomes ---------------------------------------------------------------------------------


def test_a_claim_paid_at_the_fee_schedule_with_nothing_for_the_patient_is_paid_in_full():
    plan = _plan(
        _payment(_manual("99", ("CO", "45", "21")), _massage("47.5", ("CO", "45", "12.5")))
    )

    assert plan.outcome is Outcome.PAID_IN_FULL
    assert plan.patient_responsibility == 0
    assert plan.reasons[0].text == (
        "paid in full: paid 146.50 of 180.00 billed (146.50 expected); patient owes 0.00"
    )


def test_coinsurance_copay_and_deductible_leave_a_patient_balance():
    payment = _payment(
        _manual("59.2", ("CO", "45", "21"), ("PR", "1", "20"), ("PR", "2", "19.8")),
        _massage("27.5", ("CO", "45", "12.5"), ("PR", "3", "20")),
    )

    plan = _plan(payment)
    assert plan.outcome is Outcome.PATIENT_BALANCE
    assert plan.patient_responsibility == D("59.80")
    assert [line.patient_responsibility for line in plan.lines] == [D("39.80"), D("20")]
    assert [line.allowed for line in plan.lines] == [D("99.00"), D("47.50")]
    texts = [r.text for r in plan.reasons]
    assert "line 1 (97140): 20.00 PR-1: Deductible Amount" in texts
    assert "line 2 (97124): 20.00 PR-3: Co-payment Amount" in texts


def test_a_claim_level_deductible_counts_toward_what_the_patient_owes():
    payment = _payment(
        _manual("99", ("CO", "45", "21")),
        _massage("47.5", ("CO", "45", "12.5")),
        claim_adjustments=(("PR", "1", D("10")),),
    )

    plan = _plan(payment)
    assert plan.paid == D("136.50") and plan.patient_responsibility == D("10")
    assert plan.outcome is Outcome.PATIENT_BALANCE
    assert plan.claim_adjustments[0].description == "PR-1: Deductible Amount"
    assert "claim: 10.00 PR-1: Deductible Amount" in [r.text for r in plan.reasons]


def test_less_allowed_than_the_fee_schedule_is_a_partial_payment():
    plan = _plan(
        _payment(_manual("90", ("CO", "45", "30")), _massage("47.5", ("CO", "45", "12.5")))
    )

    assert plan.outcome is Outcome.PARTIALLY_PAID
    assert plan.lines[0].allowed == D("90") and plan.lines[0].expected_allowed == D("99.00")


def test_one_denied_line_makes_the_claim_partially_paid():
    payment = _payment(
        _manual("99", ("CO", "45", "21")),
        _massage("0", ("CO", "97", "60"), remarks=("M15",)),
    )

    plan = _plan(payment)
    assert plan.outcome is Outcome.PARTIALLY_PAID
    assert [line.denied for line in plan.lines] == [False, True]
    assert plan.lines[1].remarks[0].description.startswith("M15: Separately billed services")


def test_every_line_denied_contractually_denies_the_claim_even_without_status_4():
    payment = _payment(_manual("0", ("CO", "50", "120")), _massage("0", ("CO", "50", "60")))

    assert _plan(payment).outcome is Outcome.DENIED


def test_status_4_denies_the_claim():
    (remittance, _) = parse_835(_sample("denied_and_truncated_id.835"))
    claim = SentClaim(
        "C-5e0b3d19-7c2a-4e61-a8f4-9d3b6e2c5a04",
        (SentLine("97140", ("GP",), 2, D("120.00"), D("99.00")),),
    )

    plan = _plan(remittance.claims[0], claim)  # type: ignore[arg-type]
    assert plan.outcome is Outcome.DENIED
    assert [r.code for r in plan.reasons] == ["denied", "CO-50", "N115"]
    assert plan.reasons[1].text.startswith(
        "line 1 (97140): 120.00 CO-50: These are non-covered services because this is not "
        "deemed a 'medical necessity' by the payer."
    )


def test_a_claim_denied_at_claim_level_without_lines_posts_the_claim_adjustment():
    payment = ClaimPayment(
        claim_id=CLAIM_ID,
        status=ClaimPaymentStatus.PRIMARY,
        charge=D("180"),
        paid=D("0"),
        patient_responsibility=D("0"),
        filing_indicator="12",
        payer_claim_control_number="24075000101",
        patient=None,
        adjustments=(Adjustment(AdjustmentGroup.CONTRACTUAL, "29", D("180")),),
        remarks=(),
        services=(),
    )

    plan = _plan(payment)
    assert plan.outcome is Outcome.DENIED and plan.lines == ()
    assert plan.reasons[1].text == "claim: 180.00 CO-29: The time limit for filing has expired."


def test_a_denied_line_the_patient_must_pay_is_a_patient_balance_not_a_denial():
    payment = _payment(_manual("0", ("PR", "204", "120")), _massage("0", ("PR", "204", "60")))

    plan = _plan(payment)
    assert plan.outcome is Outcome.PATIENT_BALANCE
    assert not any(line.denied for line in plan.lines)


def test_a_reversal_takes_back_what_was_paid_line_by_line():
    reversal, correction = parse_835(_sample("reversal_and_correction.835"))[0].claims
    claim = SentClaim(
        "C-c42e9f70-1a3b-4d85-8e6f-2b9d0c7a1e03",
        (SentLine("97124", ("GP",), 2, D("90.00"), D("80.00")),),
    )

    taken_back = _plan(reversal, claim)  # type: ignore[arg-type]
    assert taken_back.outcome is Outcome.REVERSAL
    assert taken_back.lines[0].paid == D("-80") and taken_back.adjusted == D("-10")
    assert (
        taken_back.reasons[0].text == "reversal: the payer takes back 80.00 it paid on this claim"
    )
    assert _plan(correction, claim).outcome is Outcome.PATIENT_BALANCE  # type: ignore[arg-type]


def test_a_truncated_upper_cased_echo_posts_to_our_claim():
    _, check = parse_835(_sample("denied_and_truncated_id.835"))
    ours = SentClaim(
        "C-a91f6c2e-3d4b-4a70-9c5e-0f8b2d7e6a05",
        (SentLine("97124", ("GP",), 1, D("60.00"), D("45.00")),),
    )

    posted = post_remittance(
        check, lambda echoed: ours if claim_id_matches(ours.claim_id, echoed) else None
    )
    (plan,) = posted.postings
    assert isinstance(plan, PostingPlan)
    assert (plan.claim_id, plan.echoed_claim_id) == (ours.claim_id, "C-A91F6C2E-3D4B-4A70")
    assert plan.outcome is Outcome.PAID_IN_FULL


# Unreadable parts -------------------------------------------------------------------------


def test_an_unreadable_claim_is_held_and_the_others_still_post():
    text = _sample("three_claims_with_plb.835").replace("CAS*PR*1*10~", "CAS*PR*1*1O~")
    (remittance,) = parse_835(text)
    ours = {
        "C-3f9a0c1e-5b2d-4c6e-9a41-7d2e8b1c0f01": CLAIM,
        "C-c42e9f70-1a3b-4d85-8e6f-2b9d0c7a1e03": SentClaim(
            "C-c42e9f70-1a3b-4d85-8e6f-2b9d0c7a1e03",
            (SentLine("97124", ("GP",), 2, D("90.00"), D("80.00"), "1"),),
        ),
    }

    posted = post_remittance(remittance, ours.get)
    first, second, third = posted.postings
    assert isinstance(first, PostingPlan) and isinstance(third, PostingPlan)
    assert isinstance(second, PostingRefusal) and second.kind is RefusalKind.UNREADABLE
    assert "CAS03" in second.reasons[0].text
    assert posted.problems == ()  # CLP04 was readable, so the total still adds up


def test_an_unreadable_claim_amount_leaves_the_total_unverified_but_posts_the_rest():
    text = _sample("three_claims_with_plb.835").replace("*60*39.5*10*", "*60*39,5*10*")
    (remittance,) = parse_835(text)

    posted = post_remittance(remittance, {CLAIM_ID: CLAIM}.get)
    assert [p.code for p in posted.problems] == [REMITTANCE_UNVERIFIABLE]
    assert isinstance(posted.postings[0], PostingPlan)
    assert posted.postings[2].kind is RefusalKind.UNMATCHED  # type: ignore[union-attr]
