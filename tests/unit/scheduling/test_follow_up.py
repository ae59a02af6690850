"""Referral follow-up thresholds: ending within the notice days, visits down to one or none."""

from datetime import date

from services.scheduling.domain.follow_up import EXPIRING, ONE_LEFT, USED_UP, due_notices
from tests.unit.scheduling.builders import a_referral

TODAY = date(2026, 3, 2)


def test_a_referral_with_time_and_visits_left_needs_no_follow_up():
    assert due_notices(a_referral(), TODAY, 14) == []


def test_a_referral_ending_within_the_notice_days_is_expiring_up_to_its_last_day():
    assert due_notices(a_referral(end=date(2026, 3, 16)), TODAY, 14) == [EXPIRING]
    assert due_notices(a_referral(end=date(2026, 3, 17)), TODAY, 14) == []
    assert due_notices(a_referral(end=TODAY), TODAY, 14) == [EXPIRING]
    assert due_notices(a_referral(end=date(2026, 3, 1)), TODAY, 14) == []


def test_one_visit_left_and_none_left_are_two_thresholds_and_none_wins():
    assert due_notices(a_referral(visits_used=7), TODAY, 14) == [ONE_LEFT]
    assert due_notices(a_referral(visits_used=8), TODAY, 14) == [USED_UP]
    assert due_notices(a_referral(visits_used=9), TODAY, 14) == [USED_UP]


def test_without_a_day_only_the_visits_are_looked_at():
    ending = a_referral(end=TODAY, visits_used=7)
    assert due_notices(ending, None, 14) == [ONE_LEFT]


def test_a_revoked_or_expired_referral_needs_no_follow_up():
    assert due_notices(a_referral(status="revoked", visits_used=8), TODAY, 14) == []
    assert due_notices(a_referral(status="expired", end=TODAY), TODAY, 14) == []
