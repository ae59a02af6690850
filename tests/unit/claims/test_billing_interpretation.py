"""Issue #13: what each claim line says and why — units, codes, regions, modifiers, fees.

Each test here pins one finding of the issue; on the code before it each one failed.
"""

from dataclasses import replace
from datetime import date

from services.claims.domain.claim import prepare_claim
from services.claims.domain.event_data import referral_from_state, session_from_data
from services.claims.domain.records import CodingEdit
from services.claims.domain.units import UnitLimit
from tests.unit.claims.domain_builders import (
    DEFAULT_EDIT,
    RENDERING_NPI,
    VISIT_DAY,
    a_code,
    a_payer,
    a_referral,
    a_session,
    fee,
    inputs,
)

# Low back pain covers the lower back; cervicalgia the neck; spasm of back both backs.
MAPPED = a_referral(
    diagnoses=("M54.50", "M54.2", "M62.830"),
    diagnosis_regions=(
        ("M54.50", frozenset({"lower_back"})),
        ("M54.2", frozenset({"neck"})),
        ("M62.830", frozenset({"lower_back", "upper_back"})),
    ),
)
BACK_AND_NECK = a_session(a_code("97140", 30, 2, "lower_back"), a_code("97124", 15, 1, "neck"))


def reason_codes(claim) -> set[str]:  # type: ignore[no-untyped-def]
    return {reason.code for reason in claim.reasons}


def lines(claim) -> dict:  # type: ignore[no-untyped-def]
    return {line.code: line for line in claim.lines}


# -- units: claims always recounts ------------------------------------------------------------


def test_a_30_minute_session_carrying_5_units_bills_2_and_is_held_for_review():
    claim = prepare_claim(inputs(session=a_session(a_code("97140", 30, 5))))

    assert lines(claim)["97140"].units == 2
    assert claim.status == "needs_review"
    [miscount] = [r for r in claim.reasons if r.code == "units_miscounted"]
    assert "5 units of 97140 for 30 minutes" in miscount.text and "gives 2" in miscount.text


def test_units_that_match_the_count_are_billed_without_a_reason():
    claim = prepare_claim(inputs(session=a_session(a_code("97140", 30, 2))))

    assert lines(claim)["97140"].units == 2
    assert claim.status == "ready"


# -- codes: claims never maps techniques itself ---------------------------------------------


def v2_data(**overrides) -> dict:  # type: ignore[no-untyped-def]
    data = {
        "session_id": "s-1", "appointment_id": "a-1", "client_id": "client-1",
        "referral_id": "referral-1",
        "rendering_provider": {"name": "Sam Lee", "npi": RENDERING_NPI},
        "date_of_service": "2024-03-04", "place_of_service": "11", "counting_method": "cms",
        "lines": [
            # This clinic maps deep tissue to 97140 (the default map says 97124).
            {"code": "97140", "technique": "deep_tissue", "minutes": 30, "units": 2,
             "body_regions": ["lower_back"]},
            {"code": "97124", "technique": "swedish", "minutes": 15, "units": 1,
             "body_regions": ["neck"]},
        ],
        "regions_outside_referral": [], "outside_referral_reason": None,
        "completed_at": "2024-03-04T15:00:00+00:00",
    }
    return data | overrides


def test_a_v2_session_bills_the_code_the_clinics_own_map_gave_each_technique():
    session = session_from_data(v2_data())

    by_code = {code.code: code for code in session.codes}
    assert by_code["97140"].techniques == ("deep_tissue",)
    assert by_code["97140"].body_regions == frozenset({"lower_back"})
    claim = prepare_claim(inputs(session=session))
    assert lines(claim)["97124"].modifiers == ("XS",)
    assert claim.status == "ready"


def test_a_v1_session_is_read_without_the_default_technique_map():
    # The clinic mapped deep tissue to 97140: the default map would put the neck on 97124
    # and leave 97140 without a region, so the pair would look "not distinct".
    data = v2_data(
        codes=[{"code": "97124", "minutes": 15, "units": 1},
               {"code": "97140", "minutes": 30, "units": 2}],
        techniques=[{"technique": "deep_tissue", "minutes": 30, "body_regions": ["lower_back"]},
                    {"technique": "swedish", "minutes": 15, "body_regions": ["neck"]}],
    )
    del data["lines"]

    session = session_from_data(data)

    by_code = {code.code: code.body_regions for code in session.codes}
    assert by_code == {"97140": frozenset({"lower_back"}), "97124": frozenset({"neck"})}


def test_a_v1_session_whose_minutes_do_not_say_which_technique_is_which_goes_to_a_person():
    data = v2_data(
        codes=[{"code": "97124", "minutes": 15, "units": 1},
               {"code": "97140", "minutes": 15, "units": 1}],
        techniques=[{"technique": "deep_tissue", "minutes": 15, "body_regions": ["neck"]},
                    {"technique": "swedish", "minutes": 15, "body_regions": ["lower_back"]}],
    )
    del data["lines"]

    claim = prepare_claim(inputs(session=session_from_data(data)))

    assert "coding_edit_same_region" in reason_codes(claim)


# -- codes tied to the body -----------------------------------------------------------------


def test_each_line_points_at_the_diagnoses_of_its_own_regions():
    claim = prepare_claim(inputs(session=BACK_AND_NECK, referral=MAPPED))

    assert lines(claim)["97140"].diagnosis_pointers == (1, 3)  # low back pain, spasm of back
    assert lines(claim)["97124"].diagnosis_pointers == (2,)  # cervicalgia
    assert claim.status == "ready"


def test_the_xs_line_points_away_from_its_column_one_lines_diagnoses():
    session = a_session(a_code("97140", 30, 2, "lower_back"),
                        a_code("97124", 15, 1, "upper_back", "neck"))

    claim = prepare_claim(inputs(session=session, referral=MAPPED))

    # Spasm of back covers both, but XS says "a separate structure": the line leaves it out.
    assert lines(claim)["97124"].modifiers == ("XS",)
    assert lines(claim)["97124"].diagnosis_pointers == (2,)
    assert lines(claim)["97140"].diagnosis_pointers == (1, 3)


def test_a_referral_without_the_map_points_every_line_at_every_diagnosis_as_before():
    claim = prepare_claim(inputs(session=BACK_AND_NECK))

    assert {line.diagnosis_pointers for line in claim.lines} == {(1, 2)}


def test_a_line_on_a_region_no_diagnosis_covers_is_held_for_review():
    session = a_session(a_code("97140", 30, 2, "left_knee"))

    claim = prepare_claim(inputs(session=session, referral=MAPPED))

    assert "diagnosis_for_region_missing" in reason_codes(claim)


def test_a_code_the_referral_did_not_prescribe_is_held_for_review():
    claim = prepare_claim(inputs(session=BACK_AND_NECK, referral=a_referral(codes=("97140",))))

    [reason] = [r for r in claim.reasons if r.code == "code_not_prescribed"]
    assert "97124" in reason.text


def test_regions_treated_outside_the_referral_flag_the_claim_without_the_therapists_words():
    session = replace(BACK_AND_NECK, regions_outside_referral=("left_knee",),
                      outside_referral_reason="Client asked; knee pain after a fall")

    claim = prepare_claim(inputs(session=session))

    [reason] = [r for r in claim.reasons if r.code == "regions_outside_referral"]
    assert "left_knee" in reason.text and "fall" not in reason.text


# -- daily unit limits ----------------------------------------------------------------------


def test_units_past_the_daily_limit_are_held_for_review():
    session = a_session(a_code("97140", 120, 8))

    claim = prepare_claim(inputs(session=session))

    [reason] = [r for r in claim.reasons if r.code == "unit_limit_exceeded"]
    assert "8 units of 97140" in reason.text and "at most 6" in reason.text


def test_the_daily_limit_counts_the_clients_other_claims_that_day():
    claim = prepare_claim(inputs(session=a_session(a_code("97124", 30, 2)),
                                 units_same_day={"97124": 3}))

    assert "unit_limit_exceeded" in reason_codes(claim)


def test_a_limit_applies_only_between_its_effective_dates():
    limits = (UnitLimit("97140", 1, date(2025, 1, 1)), UnitLimit("97140", 9, date(2015, 1, 1)))

    in_2024 = prepare_claim(inputs(unit_limits=limits))
    in_2025 = prepare_claim(inputs(unit_limits=limits,
                                   session=a_session(date_of_service=date(2025, 2, 3)),
                                   today=date(2025, 2, 4),
                                   referral=a_referral(end_on=date(2025, 12, 31)),
                                   fees=(fee("97140", "45.00", "31.17"),)))

    assert "unit_limit_exceeded" not in reason_codes(in_2024)
    assert "unit_limit_exceeded" in reason_codes(in_2025)


# -- modifiers: payer settings, never stacked ------------------------------------------------


def test_59_and_xs_are_never_stacked_on_one_line():
    edits = (DEFAULT_EDIT, replace(DEFAULT_EDIT, modifier="59", effective_from=date(2016, 1, 1)))

    claim = prepare_claim(inputs(session=BACK_AND_NECK, edits=edits))

    assert lines(claim)["97124"].modifiers == ("XS",)


def test_a_payer_that_takes_59_gets_59_where_the_edit_row_says_xs():
    claim = prepare_claim(inputs(session=BACK_AND_NECK, payer=a_payer(distinct_modifier="59")))

    assert lines(claim)["97124"].modifiers == ("59",)


def test_the_edit_table_can_differ_by_payer():
    own = CodingEdit("97140", "97124", False, "XS", date(2020, 1, 1), payer_id="ACME01")
    other = CodingEdit("97140", "97124", False, "XS", date(2020, 1, 1), payer_id="OTHER")

    for_acme = prepare_claim(inputs(session=BACK_AND_NECK, edits=(DEFAULT_EDIT, own)))
    for_others = prepare_claim(inputs(session=BACK_AND_NECK, edits=(DEFAULT_EDIT, other)))

    assert "coding_edit_not_billable" in reason_codes(for_acme)
    assert lines(for_others)["97124"].modifiers == ("XS",)
    assert for_others.status == "ready"


# -- fees, place, date ----------------------------------------------------------------------


def test_a_zero_fee_is_held_for_review_not_ready():
    claim = prepare_claim(inputs(fees=(fee("97140", "0.00", "0.00"),)))

    assert claim.status == "needs_review"
    assert "fee_not_positive" in reason_codes(claim)


def test_a_negative_fee_is_held_for_review_not_ready():
    claim = prepare_claim(inputs(fees=(fee("97140", "-45.00", "31.17"),)))

    assert claim.status == "needs_review"
    assert "fee_not_positive" in reason_codes(claim)


def test_place_of_service_00_is_held_for_review():
    claim = prepare_claim(inputs(session=a_session(place_of_service="00")))

    assert "place_of_service_invalid" in reason_codes(claim)


def test_a_date_of_service_in_the_future_is_held_for_review():
    claim = prepare_claim(inputs(today=VISIT_DAY.replace(day=VISIT_DAY.day - 1)))

    assert "date_of_service_in_future" in reason_codes(claim)


def test_a_payer_wanting_the_rendering_taxonomy_holds_a_claim_without_one():
    payer = a_payer(rendering_taxonomy_required=True)

    without = prepare_claim(inputs(payer=payer))
    with_one = prepare_claim(inputs(payer=payer,
                                    session=a_session(rendering_taxonomy="225700000X")))

    assert "rendering_taxonomy_missing" in reason_codes(without)
    assert with_one.status == "ready"


def test_the_referral_projection_reads_the_structured_physician_and_the_region_map():
    details = {
        "referral_id": "r-1", "client_id": "c-1",
        "physician": {"name": "Anna Smith MD", "npi": "1234567893", "last_name": "Smith",
                      "first_name": "Anna", "credential": "MD"},
        "diagnoses": ["M54.50"], "codes": ["97140"], "body_regions": ["lower_back"],
        "diagnosis_regions": [{"diagnosis": "M54.50", "body_regions": ["lower_back"]}],
        "authorized_visits": 8, "start_on": "2024-02-01", "end_on": "2024-05-31",
    }

    referral = referral_from_state({"details": details})

    assert (referral.physician_last_name, referral.physician_first_name) == ("Smith", "Anna")
    assert referral.diagnosis_regions == (("M54.50", frozenset({"lower_back"})),)
    assert referral.codes == ("97140",)
