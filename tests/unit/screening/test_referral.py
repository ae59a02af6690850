"""The physician's referral: what makes one valid, when it is active, when it expires."""

import dataclasses
from datetime import date

import pytest

from services.screening.domain import (
    InvalidReferral,
    ReferralClosed,
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
        ({"physician_name": " "}, "physician_name", "name is required"),
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
