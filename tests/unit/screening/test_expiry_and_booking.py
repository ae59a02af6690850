"""How long a screening lasts, who may be booked, and what a session record must respect."""

from datetime import date

from services.screening.domain import evaluate, is_current, may_be_booked, precaution_breaches
from tests.unit.screening.builders import RULES, a_questionnaire, a_screening, an_injury


def test_a_screening_expires_one_year_after_it_was_done_by_default():
    screening = evaluate(a_questionnaire(), RULES, date(2026, 3, 2))

    assert screening.expires_on == date(2027, 3, 2)


def test_a_screening_done_on_29_february_expires_on_28_february():
    screening = evaluate(a_questionnaire(), RULES, date(2028, 2, 29))

    assert screening.expires_on == date(2029, 2, 28)


def test_a_screening_is_current_from_its_day_until_the_day_before_it_expires():
    screening = evaluate(a_questionnaire(), RULES, date(2026, 3, 2))

    assert is_current(screening, date(2026, 3, 2))
    assert is_current(screening, date(2027, 3, 1))
    assert not is_current(screening, date(2027, 3, 2))
    assert not is_current(screening, date(2026, 3, 1))


def test_a_cleared_client_may_be_booked_while_the_screening_is_current():
    screening = evaluate(a_questionnaire(), RULES, date(2026, 3, 2))

    assert may_be_booked(screening, date(2026, 6, 1))
    assert not may_be_booked(screening, date(2027, 6, 1))


def test_a_client_with_precautions_may_be_booked():
    assert may_be_booked(a_screening(injuries=[an_injury()]), a_screening().screened_on)


def test_a_dvt_client_cannot_be_booked():
    screening = a_screening(conditions={"dvt_suspected"})

    assert not may_be_booked(screening, screening.screened_on)


def test_a_client_waiting_for_clearance_cannot_be_booked():
    screening = a_screening(conditions={"severe_osteoporosis"})

    assert not may_be_booked(screening, screening.screened_on)


def test_a_session_within_the_precautions_breaches_nothing():
    screening = a_screening(medications=["warfarin"], injuries=[an_injury("wound", "left_leg")])

    assert precaution_breaches(screening, ["swedish"], ["lower_back"], "deep") == ()


def test_a_session_using_a_restricted_technique_region_or_pressure_lists_each_breach():
    screening = a_screening(
        conditions={"severe_osteoporosis"},
        medications=["warfarin"],
        injuries=[an_injury("wound", "left_leg")],
    )

    breaches = precaution_breaches(screening, ["deep_tissue", "swedish"], ["left_leg"], "deep")

    assert breaches == (
        "technique deep_tissue is restricted",
        "region left_leg is restricted",
        "pressure deep exceeds the moderate limit",
    )
