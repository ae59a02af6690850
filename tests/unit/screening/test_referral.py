"""The physician's referral: what makes one valid, when it is active, when it expires."""

import dataclasses
from datetime import date

import pytest

from services.screening.domain import (
    InvalidReferral,
    NotBillable,
    ReferralClosed,
    billing_problems,
    referrals_due_to_expire,
    validate_referral,
)
from tests.unit.screening.builders import a_prescription, a_referral


def test_a_complete_referral_has_no_errors():
    assert validate_referral(**a_prescription()) == {}


def test_a_referral_may_prescribe_techniques_without_codes():
    assert validate_referral(**a_prescription(codes=[], techniques=["swedish"])) == {}


def test_a_referral_may_prescribe_codes_without_techniques():
    assert validate_referral(**a_prescription(codes=["97124"], techniques=[])) == {}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"physician_last_name": None, "physician_first_name": None, "physician_name": " "},
         "physician_name", "name is required"),
        ({"physician_last_name": None, "physician_first_name": None}, "physician_last_name",
         "name is required"),
        ({"physician_first_name": " "}, "physician_first_name", "last and first name"),
        ({"physician_name": "Dr. Bob Jones"}, "physician_name", "does not name"),
        ({"diagnosis_regions": [{"diagnosis": "M54.", "body_regions": ["lower_back"]}]},
         "diagnosis_regions", "not an ICD-10-CM code"),
        ({"diagnosis_regions": [{"diagnosis": "M54.50", "body_regions": ["elbow"]}]},
         "diagnosis_regions", "Unknown body region 'elbow'"),
        ({"physician_npi": "1234567890"}, "physician_npi", "not a valid NPI"),
        ({"physician_npi": "12345"}, "physician_npi", "not a valid NPI"),
        ({"diagnoses": []}, "diagnoses", "At least one diagnosis"),
        ({"diagnoses": ["M54.50", "54.50"]}, "diagnoses", "'54.50' is not"),
        ({"diagnoses": ["M54.50", "m5450"]}, "diagnoses", "M54.50 is listed twice"),
        ({"codes": [], "techniques": []}, "codes", "at least one code or technique"),
        ({"codes": ["97110"]}, "codes", "Unknown code '97110'"),
        ({"techniques": ["cupping"]}, "techniques", "Unknown technique 'cupping'"),
        ({"body_regions": []}, "body_regions", "at least one body region"),
        ({"body_regions": ["left_elbow"]}, "body_regions", "Unknown body region 'left_elbow'"),
        ({"visits_per_week": 0}, "visits_per_week", "between 1 and 7"),
        ({"weeks": 0}, "weeks", "at least one week"),
        ({"authorized_visits": 0}, "authorized_visits", "At least one visit"),
        ({"end_on": date(2026, 3, 1)}, "end_on", "before the start date"),
        ({"authorization_number": ""}, "authorization_number", "fill it in"),
    ],
)
def test_each_problem_is_reported_against_its_field(fields, field, message):
    errors = validate_referral(**a_prescription(**fields))

    assert list(errors) == [field]
    assert any(message in text for text in errors[field])


def test_every_problem_of_a_referral_is_reported_at_once():
    errors = validate_referral(
        **a_prescription(physician_npi="1234567890", diagnoses=["M54."], authorized_visits=0)
    )

    assert set(errors) == {"physician_npi", "diagnoses", "authorized_visits"}


def test_a_recorded_referral_keeps_diagnoses_in_canonical_form_principal_first():
    referral = a_referral(diagnoses=["m62830", "M54.50"])

    assert referral.diagnoses == ("M62.830", "M54.50")
    assert referral.status == "recorded"


def test_recording_an_invalid_referral_is_refused_with_its_field_errors():
    with pytest.raises(InvalidReferral) as refusal:
        a_referral(weeks=0)

    assert list(refusal.value.errors) == ["weeks"]


def test_a_referral_is_active_from_its_start_to_its_end_date_inclusive():
    referral = a_referral(start_on=date(2026, 3, 2), end_on=date(2026, 3, 31))

    assert not referral.is_active_on(date(2026, 3, 1))
    assert referral.is_active_on(date(2026, 3, 2))
    assert referral.is_active_on(date(2026, 3, 31))
    assert not referral.is_active_on(date(2026, 4, 1))


def test_a_revoked_referral_is_not_active_within_its_dates():
    assert not a_referral().revoke().is_active_on(date(2026, 3, 10))


def test_an_amended_referral_is_revalidated_and_marked_amended():
    amended = a_referral().amend(authorized_visits=12, end_on=date(2026, 4, 30))

    assert amended.status == "amended"
    assert amended.authorized_visits == 12
    assert amended.is_active_on(date(2026, 4, 15))


def test_an_amendment_that_breaks_the_referral_is_refused():
    with pytest.raises(InvalidReferral):
        a_referral().amend(end_on=date(2026, 1, 1))


def test_a_revoked_referral_cannot_be_amended_or_expired():
    revoked = a_referral().revoke()

    with pytest.raises(ReferralClosed):
        revoked.amend(authorized_visits=12)
    with pytest.raises(ReferralClosed):
        revoked.expire()


def test_only_open_referrals_past_their_end_date_are_due_to_expire():
    ends_today = a_referral("ends-today", end_on=date(2026, 3, 31))
    ended = a_referral("ended", end_on=date(2026, 3, 30))
    amended_and_ended = a_referral("amended", end_on=date(2026, 3, 20)).amend(weeks=3)
    already_expired = a_referral("expired", end_on=date(2026, 3, 20)).expire()
    revoked = a_referral("revoked", end_on=date(2026, 3, 20)).revoke()

    due = referrals_due_to_expire(
        [ends_today, ended, amended_and_ended, already_expired, revoked], date(2026, 3, 31)
    )

    assert [referral.referral_id for referral in due] == ["ended", "amended"]


def test_a_referral_with_an_unknown_status_cannot_exist():
    with pytest.raises(ValueError, match="paused"):
        dataclasses.replace(a_referral(), status="paused")


# -- what a claim could not carry (422) ------------------------------------------------------


def test_a_referral_a_claim_can_carry_has_no_billing_problems():
    assert billing_problems(**a_prescription()) == {}


def test_the_retired_m54_5_is_refused_naming_the_codes_to_pick_from():
    # The finding: M54.5 (a category since FY2022) was accepted on a referral.
    with pytest.raises(NotBillable) as refused:
        a_referral(diagnoses=["M54.5", "M62.830"])

    [message] = refused.value.errors["diagnoses"]
    assert "M54.5 is a category" in message and "M54.50" in message


def test_a_physician_named_in_one_line_is_recorded_in_parts_when_it_splits_one_way():
    # The finding: "Anna Smith MD" became last name "MD".
    referral = a_referral(physician_last_name=None, physician_first_name=None,
                          physician_credential=None, physician_name="Anna Smith MD")

    assert (referral.physician_last_name, referral.physician_first_name,
            referral.physician_credential, referral.physician_name) == (
        "Smith", "Anna", "MD", "Anna Smith MD")


def test_a_one_line_name_that_does_not_split_one_way_is_refused_asking_for_the_parts():
    errors = billing_problems(**a_prescription(physician_last_name=None,
                                               physician_first_name=None,
                                               physician_name="Maria de la Cruz"))

    assert "physician_last_name" in errors["physician_name"][0]


def test_the_display_name_is_composed_from_the_parts_unless_given():
    assert a_referral().physician_name == "Ada Okafor, MD"
    assert a_referral(physician_name="Dr. Ada Okafor").physician_name == "Dr. Ada Okafor"


def test_an_authorization_number_x12_cannot_carry_is_refused_and_a_good_one_kept_in_capitals():
    assert list(billing_problems(**a_prescription(authorization_number="AUTH~1"))) == [
        "authorization_number"]
    assert a_referral(authorization_number="auth-77").authorization_number == "AUTH-77"


def test_with_one_region_every_diagnosis_covers_it():
    referral = a_referral(diagnoses=["M54.50", "M62.830"], body_regions=["lower_back"])

    assert referral.diagnosis_regions == (("M54.50", ("lower_back",)),
                                          ("M62.830", ("lower_back",)))


def test_with_one_diagnosis_it_covers_every_region():
    referral = a_referral(diagnoses=["M62.830"], body_regions=["upper_back", "lower_back"])

    assert referral.diagnosis_regions == (("M62.830", ("lower_back", "upper_back")),)


def test_several_diagnoses_on_several_regions_need_the_map():
    errors = billing_problems(**a_prescription(diagnoses=["M54.50", "M54.2"],
                                               body_regions=["lower_back", "neck"]))

    assert "Say which prescribed body regions" in errors["diagnosis_regions"][0]


def test_the_map_is_kept_in_diagnosis_order_with_canonical_codes():
    referral = a_referral(
        diagnoses=["M54.2", "M54.50", "M62.830"], body_regions=["neck", "lower_back"],
        diagnosis_regions=[{"diagnosis": "m62830", "body_regions": ["neck", "lower_back"]},
                           {"diagnosis": "M54.50", "body_regions": ["lower_back"]},
                           {"diagnosis": "M54.2", "body_regions": ["neck"]}])

    assert referral.diagnosis_regions == (("M54.2", ("neck",)), ("M54.50", ("lower_back",)),
                                          ("M62.830", ("lower_back", "neck")))


@pytest.mark.parametrize(
    ("diagnosis_regions", "message"),
    [
        ([{"diagnosis": "M54.50", "body_regions": ["lower_back"]}],
         "M54.2 covers no prescribed body region"),
        ([{"diagnosis": "M54.50", "body_regions": ["lower_back"]},
          {"diagnosis": "M54.2", "body_regions": ["lower_back"]}],
         "No diagnosis covers the prescribed region neck"),
        ([{"diagnosis": "M54.50", "body_regions": ["lower_back"]},
          {"diagnosis": "M54.2", "body_regions": ["neck", "left_knee"]}],
         "left_knee is not one of the prescribed body regions"),
        ([{"diagnosis": "M54.50", "body_regions": ["lower_back"]},
          {"diagnosis": "M54.2", "body_regions": ["neck"]},
          {"diagnosis": "M17.11", "body_regions": ["neck"]}],
         "M17.11 is not one of the referral's diagnoses"),
        ([{"diagnosis": "M54.50", "body_regions": ["lower_back"]},
          {"diagnosis": "M54.2", "body_regions": ["neck"]},
          {"diagnosis": "M5450", "body_regions": ["lower_back"]}],
         "M54.50 is mapped twice"),
    ],
)
def test_a_map_that_leaves_a_diagnosis_or_region_out_or_adds_one_is_refused(diagnosis_regions,
                                                                            message):
    errors = billing_problems(**a_prescription(diagnoses=["M54.50", "M54.2"],
                                               body_regions=["lower_back", "neck"],
                                               diagnosis_regions=diagnosis_regions))

    assert any(message in text for text in errors["diagnosis_regions"]), errors


def test_an_amendment_keeps_the_physicians_parts_unless_it_names_the_physician_again():
    referral = a_referral(physician_name="Dr. Ada Okafor")

    kept = referral.amend(authorized_visits=12)
    renamed = referral.amend(physician_last_name="Smith", physician_first_name="Anna",
                             physician_credential="DO")

    assert (kept.physician_name, kept.physician_last_name) == ("Dr. Ada Okafor", "Okafor")
    assert (renamed.physician_name, renamed.physician_credential) == ("Anna Smith, DO", "DO")
