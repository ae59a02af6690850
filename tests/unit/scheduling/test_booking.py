"""Booking decisions: eligibility, referral choice, cancel, reschedule, no-show, series."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.scheduling.domain.booking import (
    ClientEligibility,
    can_cancel,
    can_mark_no_show,
    can_reschedule,
    check_eligibility,
    choose_referral,
    overlaps_a_visit,
    plan_series,
)
from services.scheduling.domain.calendar import NoShowPolicy
from tests.unit.scheduling.builders import (
    NEW_YORK,
    a_referral,
    a_settings,
    an_appointment,
    an_eligible_client,
    local,
)

VISIT_DAY = date(2026, 3, 10)

# --- eligibility ------------------------------------------------------------------------


def test_screened_client_with_an_active_referral_can_be_booked():
    assert check_eligibility(an_eligible_client(), VISIT_DAY) == []


def test_client_without_a_screening_cannot_be_booked():
    client = ClientEligibility(client_id="c-1", referrals=(a_referral(),))
    assert check_eligibility(client, VISIT_DAY) == ["no_screening"]


def test_expired_screening_blocks_booking_from_its_expiry_day():
    client = an_eligible_client(screening_expires_on=VISIT_DAY)
    assert check_eligibility(client, date(2026, 3, 9)) == []
    assert check_eligibility(client, VISIT_DAY) == ["screening_expired"]


def test_client_needing_physician_clearance_cannot_be_booked():
    client = an_eligible_client(screening_outcome="needs_clearance")
    assert check_eligibility(client, VISIT_DAY) == ["needs_clearance"]


def test_dvt_client_cannot_be_booked():
    client = an_eligible_client(screening_outcome="not_eligible")
    assert check_eligibility(client, VISIT_DAY) == ["not_eligible"]


def test_client_cleared_with_precautions_can_be_booked():
    client = an_eligible_client(screening_outcome="cleared_with_precautions")
    assert check_eligibility(client, VISIT_DAY) == []


def test_client_without_an_active_referral_cannot_be_booked():
    client = an_eligible_client(referrals=(a_referral(status="expired"),))
    assert check_eligibility(client, VISIT_DAY) == ["no_active_referral"]


def test_referral_with_no_visits_left_blocks_booking():
    client = an_eligible_client(referrals=(a_referral(authorized_visits=8, visits_used=8),))
    assert check_eligibility(client, VISIT_DAY) == ["no_visits_left"]


def test_visit_outside_the_referral_dates_cannot_be_booked():
    client = an_eligible_client(referrals=(a_referral(end=date(2026, 3, 9)),))
    assert check_eligibility(client, VISIT_DAY) == ["outside_referral_dates"]


def test_screening_and_referral_problems_are_reported_together():
    client = ClientEligibility(client_id="c-1")
    assert check_eligibility(client, VISIT_DAY) == ["no_screening", "no_active_referral"]


def test_a_screening_outcome_without_an_expiry_is_refused():
    with pytest.raises(ValueError, match="expiry"):
        ClientEligibility(client_id="c-1", screening_outcome="cleared")


def test_visit_is_booked_against_the_referral_that_ends_soonest():
    later = a_referral("ref-later", end=date(2026, 9, 30))
    sooner = a_referral("ref-sooner", end=date(2026, 4, 30))
    used_up = a_referral("ref-used-up", end=date(2026, 3, 31), visits_used=8)
    client = an_eligible_client(referrals=(later, used_up, sooner))
    assert choose_referral(client, VISIT_DAY) == sooner


def test_no_referral_is_chosen_when_none_covers_the_day():
    client = an_eligible_client(referrals=(a_referral(start=date(2026, 4, 1)),))
    assert choose_referral(client, VISIT_DAY) is None


# --- cancellation, reschedule, no-show --------------------------------------------------

APPOINTMENT_START = local(2026, 3, 10, 10)


def test_cancelling_more_than_24_hours_ahead_is_on_time():
    decision = can_cancel(
        an_appointment(APPOINTMENT_START), APPOINTMENT_START - timedelta(hours=25), a_settings()
    )
    assert decision.allowed
    assert not decision.late


def test_cancelling_inside_24_hours_is_allowed_but_late_and_charged_per_policy():
    settings = a_settings(no_show_policy=NoShowPolicy(late_cancellation_fee=Decimal("40.00")))
    decision = can_cancel(
        an_appointment(APPOINTMENT_START), APPOINTMENT_START - timedelta(hours=23), settings
    )
    assert decision.allowed
    assert decision.late
    assert decision.fee == Decimal("40.00")


def test_cancellation_window_follows_the_clinic_setting():
    settings = a_settings(cancellation_window_hours=48)
    decision = can_cancel(
        an_appointment(APPOINTMENT_START), APPOINTMENT_START - timedelta(hours=30), settings
    )
    assert decision.late


def test_an_appointment_cannot_be_cancelled_after_it_started():
    decision = can_cancel(an_appointment(APPOINTMENT_START), APPOINTMENT_START, a_settings())
    assert decision.refusals == ("already_started",)


def test_an_appointment_cannot_be_cancelled_twice():
    cancelled = an_appointment(APPOINTMENT_START, status="cancelled")
    decision = can_cancel(cancelled, APPOINTMENT_START - timedelta(days=3), a_settings())
    assert decision.refusals == ("not_booked",)


def test_rescheduling_ahead_of_the_window_is_on_time():
    now = APPOINTMENT_START - timedelta(days=3)
    decision = can_reschedule(
        an_appointment(APPOINTMENT_START), APPOINTMENT_START + timedelta(days=2), now, a_settings()
    )
    assert decision.allowed
    assert not decision.late


def test_rescheduling_inside_the_cancellation_window_counts_as_late():
    now = APPOINTMENT_START - timedelta(hours=2)
    decision = can_reschedule(
        an_appointment(APPOINTMENT_START), APPOINTMENT_START + timedelta(days=2), now, a_settings()
    )
    assert decision.allowed
    assert decision.late


def test_rescheduling_to_a_time_inside_the_minimum_notice_is_refused():
    now = APPOINTMENT_START - timedelta(days=3)
    settings = a_settings(minimum_notice_minutes=120)
    decision = can_reschedule(
        an_appointment(APPOINTMENT_START), now + timedelta(minutes=60), now, settings
    )
    assert decision.refusals == ("inside_minimum_notice",)


def test_rescheduling_beyond_the_booking_horizon_is_refused():
    now = APPOINTMENT_START - timedelta(days=3)
    settings = a_settings(booking_horizon_days=30)
    decision = can_reschedule(
        an_appointment(APPOINTMENT_START), now + timedelta(days=31), now, settings
    )
    assert decision.refusals == ("beyond_booking_horizon",)


def test_a_started_appointment_cannot_be_rescheduled():
    decision = can_reschedule(
        an_appointment(APPOINTMENT_START),
        APPOINTMENT_START + timedelta(days=1),
        APPOINTMENT_START + timedelta(minutes=5),
        a_settings(),
    )
    assert decision.refusals == ("already_started",)


def test_no_show_cannot_be_marked_before_the_start_time():
    decision = can_mark_no_show(
        an_appointment(APPOINTMENT_START), APPOINTMENT_START - timedelta(minutes=1), a_settings()
    )
    assert decision.refusals == ("not_started",)


def test_no_show_can_be_marked_from_the_start_time_with_the_policy_fee():
    settings = a_settings(no_show_policy=NoShowPolicy(no_show_fee=Decimal("60.00")))
    decision = can_mark_no_show(an_appointment(APPOINTMENT_START), APPOINTMENT_START, settings)
    assert decision.allowed
    assert decision.fee == Decimal("60.00")


def test_a_completed_visit_cannot_be_marked_a_no_show():
    completed = an_appointment(APPOINTMENT_START, status="completed")
    decision = can_mark_no_show(completed, APPOINTMENT_START + timedelta(hours=2), a_settings())
    assert decision.refusals == ("not_booked",)


# --- series for a plan of care ------------------------------------------------------------


def test_twice_weekly_for_four_weeks_gives_eight_visits_spread_through_each_week():
    first = local(2026, 3, 2, 10)  # a Monday
    starts = plan_series(first, visits_per_week=2, weeks=4, time_zone=NEW_YORK)
    assert len(starts) == 8
    assert starts[0] == first
    # Monday and Thursday each week.
    assert [s.astimezone(ZoneInfo(NEW_YORK)).day for s in starts] == [2, 5, 9, 12, 16, 19, 23, 26]


def test_series_keeps_the_local_time_across_the_spring_dst_change():
    starts = plan_series(local(2026, 3, 2, 10), visits_per_week=1, weeks=2, time_zone=NEW_YORK)
    assert starts == [
        datetime(2026, 3, 2, 15, tzinfo=UTC),  # 10:00 EST
        datetime(2026, 3, 9, 14, tzinfo=UTC),  # 10:00 EDT
    ]


def test_series_on_chosen_weekdays():
    first = local(2026, 3, 3, 16)  # a Tuesday
    starts = plan_series(first, 3, 1, weekdays=[1, 3, 4], time_zone=NEW_YORK)
    assert starts == [local(2026, 3, 3, 16), local(2026, 3, 5, 16), local(2026, 3, 6, 16)]


def test_series_must_start_on_one_of_its_weekdays():
    with pytest.raises(ValueError, match="first visit"):
        plan_series(local(2026, 3, 3, 16), 2, 4, weekdays=[0, 3], time_zone=NEW_YORK)


def test_series_needs_as_many_weekdays_as_visits_per_week():
    with pytest.raises(ValueError, match="weekdays"):
        plan_series(local(2026, 3, 2, 16), 2, 4, weekdays=[0], time_zone=NEW_YORK)


def test_twice_weekly_then_weekly_plans_chain_into_one_plan_of_care():
    # Arch Intern Med 2006;166:2533-8: 2x/week for 4 weeks, then weekly for 4 weeks.
    twice = plan_series(local(2026, 3, 2, 10), 2, 4, time_zone=NEW_YORK)
    weekly = plan_series(local(2026, 3, 30, 10), 1, 4, time_zone=NEW_YORK)
    plan = twice + weekly
    assert len(plan) == 12
    assert plan == sorted(plan)


def test_a_client_is_busy_only_when_a_visit_overlaps_not_when_it_touches() -> None:
    ten, eleven = datetime(2026, 3, 3, 15, tzinfo=UTC), datetime(2026, 3, 3, 16, tzinfo=UTC)
    booked = [(ten, eleven)]
    half_past = datetime(2026, 3, 3, 15, 30, tzinfo=UTC)
    noon = datetime(2026, 3, 3, 17, tzinfo=UTC)

    assert overlaps_a_visit(half_past, noon, booked)
    assert overlaps_a_visit(datetime(2026, 3, 3, 14, 30, tzinfo=UTC), half_past, booked)
    assert not overlaps_a_visit(eleven, noon, booked)  # back to back
    assert not overlaps_a_visit(datetime(2026, 3, 3, 14, tzinfo=UTC), ten, booked)
    assert not overlaps_a_visit(ten, eleven, [])
