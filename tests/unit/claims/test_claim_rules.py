"""Pricing, units, coding edits, GP and scrubbing: the claim rules without a database."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from services.claims.domain.claim import prepare_claim
from services.claims.domain.edits import apply_coding_edits
from services.claims.domain.pricing import cents, fee_in_effect, price_line
from services.claims.domain.records import CodingEdit
from tests.unit.claims.domain_builders import (
    DEFAULT_EDIT,
    VISIT_DAY,
    a_client,
    a_code,
    a_payer,
    a_referral,
    a_session,
    fee,
    inputs,
)


def reason_codes(claim) -> list[str]:  # type: ignore[no-untyped-def]
    return [reason.code for reason in claim.reasons]


# -- pricing ---------------------------------------------------------------------------------


def test_a_line_bills_the_clinic_charge_and_expects_the_allowed_amount_per_unit():
    price = price_line(fee("97140", "45.00", "31.17"), 3)

    assert price.charge == Decimal("135.00")
    assert price.expected_allowed == Decimal("93.51")


def test_the_fee_in_effect_on_the_date_of_service_is_used():
    old = fee("97140", "40.00", "30.00", effective_to=date(2024, 2, 29))
    new = fee("97140", "45.00", "31.17", effective_from=date(2024, 3, 1))

    assert fee_in_effect([old, new], "ACME01", "97140", date(2024, 2, 29)) == old
    assert fee_in_effect([old, new], "ACME01", "97140", date(2024, 3, 1)) == new
    assert fee_in_effect([old, new], "OTHER", "97140", date(2024, 3, 1)) is None
    assert fee_in_effect([new], "ACME01", "97140", date(2023, 12, 31)) is None


def test_when_entries_overlap_the_later_start_wins():
    standing = fee("97140", "40.00", "30.00")
    raised = fee("97140", "50.00", "35.00", effective_from=date(2024, 3, 1))

    assert fee_in_effect([raised, standing], "ACME01", "97140", VISIT_DAY) == raised


def test_cents_round_half_up_and_money_stays_decimal():
    assert cents(Decimal("10.005")) == Decimal("10.01")
    assert isinstance(prepare_claim(inputs()).total_charge, Decimal)


def test_a_claim_totals_its_lines():
    session = a_session(a_code("97140", 30, 2, "lower_back"), a_code("97124", 15, 1, "neck"))

    claim = prepare_claim(inputs(session=session))

    assert [(line.code, line.charge) for line in claim.lines] == [
        ("97124", Decimal("40.00")),
        ("97140", Decimal("90.00")),
    ]
    assert claim.total_charge == Decimal("130.00")
    assert claim.expected_allowed == Decimal("28.55") + Decimal("62.34")


# -- units -----------------------------------------------------------------------------------


def test_a_per_code_payer_gets_units_recounted_from_the_minutes():
    # CMS: 33 + 7 = 40 min -> 3 units, 2 x 97140 and 1 x 97124 (Pub 100-04 ch.5 §20.2 ex. 3).
    session = a_session(a_code("97140", 33, 2, "lower_back"), a_code("97124", 7, 1, "neck"))

    cms = prepare_claim(inputs(session=session))
    per_code = prepare_claim(inputs(session=session, payer=a_payer(counting_method="per_code")))

    assert [(line.code, line.units) for line in cms.lines] == [("97124", 1), ("97140", 2)]
    # Per code: 97124 under 8 minutes is not billed; 33 minutes of 97140 is 2 units.
    assert [(line.code, line.units) for line in per_code.lines] == [("97140", 2)]


def test_a_session_that_bills_no_units_needs_review():
    session = a_session(a_code("97140", 7, 0))

    claim = prepare_claim(inputs(session=session, payer=a_payer(counting_method="per_code")))

    assert claim.lines == ()
    assert "no_billable_units" in reason_codes(claim)


# -- coding edits and GP ---------------------------------------------------------------------


def test_massage_and_manual_therapy_on_separate_regions_put_xs_on_the_column_two_code():
    session = a_session(a_code("97140", 30, 2, "lower_back"), a_code("97124", 15, 1, "neck"))

    claim = prepare_claim(inputs(session=session))

    assert {line.code: line.modifiers for line in claim.lines} == {"97124": ("XS",), "97140": ()}
    assert claim.status == "ready"


def test_the_edit_row_chooses_59_instead_of_xs():
    edit = replace(DEFAULT_EDIT, modifier="59")
    session = a_session(a_code("97140", 30, 2, "lower_back"), a_code("97124", 15, 1, "neck"))

    claim = prepare_claim(inputs(session=session, edits=(edit,)))

    assert {line.code: line.modifiers for line in claim.lines}["97124"] == ("59",)


def test_massage_and_manual_therapy_on_the_same_region_need_review():
    session = a_session(
        a_code("97140", 30, 2, "lower_back"), a_code("97124", 15, 1, "lower_back", "neck")
    )

    claim = prepare_claim(inputs(session=session))

    assert claim.status == "needs_review"
    assert reason_codes(claim) == ["coding_edit_same_region"]
    assert all(line.modifiers == () for line in claim.lines)


def test_an_edit_not_in_effect_on_the_date_of_service_is_ignored():
    edit = replace(DEFAULT_EDIT, effective_from=date(2025, 1, 1))

    outcome = apply_coding_edits(
        {"97140": frozenset({"neck"}), "97124": frozenset({"neck"})}, [edit], VISIT_DAY
    )

    assert outcome.modifiers == {} and outcome.reasons == ()


def test_a_pair_that_allows_no_modifier_cannot_be_billed_together():
    edit = CodingEdit("97140", "97124", False, "XS", date(2015, 1, 1))

    outcome = apply_coding_edits(
        {"97140": frozenset({"neck"}), "97124": frozenset({"lower_back"})}, [edit], VISIT_DAY
    )

    assert [r.code for r in outcome.reasons] == ["coding_edit_not_billable"]


def test_gp_is_added_to_every_line_when_the_payer_requires_it():
    session = a_session(a_code("97140", 30, 2, "lower_back"), a_code("97124", 15, 1, "neck"))

    with_gp = prepare_claim(inputs(session=session, payer=a_payer(gp_required=True)))
    without = prepare_claim(inputs(session=session))

    assert {line.code: line.modifiers for line in with_gp.lines} == {
        "97124": ("XS", "GP"),
        "97140": ("GP",),
    }
    assert all("GP" not in line.modifiers for line in without.lines)


# -- scrubbing -------------------------------------------------------------------------------


def test_a_complete_claim_is_ready_and_points_every_line_at_the_diagnoses():
    claim = prepare_claim(inputs())

    assert claim.status == "ready" and claim.reasons == ()
    assert [line.diagnosis_pointers for line in claim.lines] == [(1, 2)]


def test_a_claim_without_a_known_client_waits_with_coverage_unknown():
    claim = prepare_claim(inputs(client=None, payer=None))

    assert claim.status == "needs_review"
    assert reason_codes(claim) == ["coverage_unknown"]
    assert claim.payer_id is None


def test_a_claim_without_its_referral_lists_referral_unknown():
    claim = prepare_claim(inputs(referral=None))

    assert reason_codes(claim) == ["referral_unknown"]


def test_every_failed_check_is_listed_at_once():
    claim = prepare_claim(
        inputs(
            referral=a_referral(diagnoses=(), physician_npi="1234567890", authorized_visits=2),
            payer=a_payer(timely_filing_days=90),
            visits_used=2,
            billing_npi="1245319590",
            today=VISIT_DAY + timedelta(days=91),
            session=a_session(rendering_npi="1679576720"),
        )
    )

    assert sorted(set(reason_codes(claim))) == [
        "diagnoses_missing",
        "diagnosis_pointer_missing",
        "invalid_npi",
        "no_visits_left",
        "timely_filing_expired",
    ]
    assert len([r for r in claim.reasons if r.code == "invalid_npi"]) == 3


def test_a_session_outside_the_referral_dates_or_after_revocation_is_not_covered():
    late = prepare_claim(inputs(referral=a_referral(end_on=VISIT_DAY - timedelta(days=1))))
    revoked = prepare_claim(inputs(referral=a_referral(closed_on=VISIT_DAY - timedelta(days=1))))
    same_day = prepare_claim(inputs(referral=a_referral(closed_on=VISIT_DAY)))

    assert "referral_not_active" in reason_codes(late)
    assert "referral_not_active" in reason_codes(revoked)
    assert same_day.status == "ready"


def test_the_last_authorized_visit_can_still_be_billed():
    claim = prepare_claim(inputs(referral=a_referral(authorized_visits=8), visits_used=7))

    assert claim.status == "ready"


def test_a_payer_that_is_not_set_up_and_a_missing_fee_need_review():
    unknown_payer = prepare_claim(inputs(payer=None))
    no_fee = prepare_claim(inputs(fees=(fee("97124", "40.00", "28.55"),)))

    assert reason_codes(unknown_payer) == ["payer_not_configured"]
    assert reason_codes(no_fee) == ["no_fee_schedule"]
    assert no_fee.total_charge == Decimal("0.00")


def test_a_dependent_without_subscriber_details_needs_review():
    claim = prepare_claim(inputs(client=a_client(relationship_to_subscriber="child")))

    assert reason_codes(claim) == ["subscriber_unknown"]


def test_a_claim_of_another_clients_referral_is_refused():
    claim = prepare_claim(inputs(referral=a_referral(client_id="someone-else")))

    assert reason_codes(claim) == ["referral_mismatch"]


def test_timely_filing_counts_days_from_the_date_of_service():
    payer = a_payer(timely_filing_days=90)

    on_time = prepare_claim(inputs(payer=payer, today=VISIT_DAY + timedelta(days=90)))
    late = prepare_claim(inputs(payer=payer, today=VISIT_DAY + timedelta(days=91)))

    assert on_time.status == "ready"
    assert reason_codes(late) == ["timely_filing_expired"]
