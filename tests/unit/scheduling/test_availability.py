"""Open slots: working hours in the clinic's zone, buffers, notice, horizon, rooms."""

from datetime import UTC, datetime, time, timedelta

import pytest

from services.scheduling.domain.availability import Slot, check_window, open_slots
from services.scheduling.domain.calendar import Interval
from shared.errors import InvalidInput
from tests.unit.scheduling.builders import (
    a_room,
    a_service,
    a_settings,
    a_therapist,
    an_appointment,
    local,
)

SLOTS_IN_A_9_TO_5_DAY = 29  # 60-minute starts every 15 minutes from 9:00 to 16:00


def slots_on(
    day, therapists=None, rooms=None, appointments=(), settings=None, now=None, service=None
):
    """Open slots (60 minutes unless told) on the New York calendar day (year, month, day)."""
    return open_slots(
        service=service or a_service(60),
        therapists=therapists or [a_therapist()],
        rooms=rooms or [a_room()],
        appointments=appointments,
        settings=settings or a_settings(),
        window_from=local(*day),
        window_to=local(*day, 23, 59),
        now=now or local(2026, 3, 1),
    )


def starts(slots, therapist_id="t-1"):
    return [s.start for s in slots if s.therapist_id == therapist_id]


def test_slots_on_a_normal_day_fill_the_working_hours():
    slots = slots_on((2026, 3, 10))
    assert len(slots) == SLOTS_IN_A_9_TO_5_DAY
    assert slots[0] == Slot("t-1", "r-1", local(2026, 3, 10, 9), local(2026, 3, 10, 10))
    assert slots[-1].end == local(2026, 3, 10, 17)


def test_slots_are_utc_and_timezone_aware():
    slots = slots_on((2026, 3, 10))
    assert all(s.start.utcoffset() == timedelta(0) for s in slots)
    assert slots[0].start == datetime(2026, 3, 10, 13, tzinfo=UTC)


def test_slots_on_spring_forward_day_keep_local_working_hours():
    slots = slots_on((2026, 3, 8))
    assert len(slots) == SLOTS_IN_A_9_TO_5_DAY
    # 9:00 EDT is 13:00 UTC; the day before, 9:00 EST was 14:00 UTC.
    assert slots[0].start == datetime(2026, 3, 8, 13, tzinfo=UTC)
    assert slots[-1].end == datetime(2026, 3, 8, 21, tzinfo=UTC)
    assert slots_on((2026, 3, 7))[0].start == datetime(2026, 3, 7, 14, tzinfo=UTC)


def test_slots_on_fall_back_day_keep_local_working_hours():
    slots = slots_on((2026, 11, 1), now=local(2026, 10, 1))
    assert len(slots) == SLOTS_IN_A_9_TO_5_DAY
    # 9:00 EST is 14:00 UTC; the day before, 9:00 EDT was 13:00 UTC.
    assert slots[0].start == datetime(2026, 11, 1, 14, tzinfo=UTC)
    assert slots[-1].end == datetime(2026, 11, 1, 22, tzinfo=UTC)
    assert slots_on((2026, 10, 31), now=local(2026, 10, 1))[0].start == datetime(
        2026, 10, 31, 13, tzinfo=UTC
    )


def test_no_slots_on_a_day_the_therapist_does_not_work():
    weekdays_only = a_therapist(weekdays=range(5))
    assert slots_on((2026, 3, 14), therapists=[weekdays_only]) == []  # a Saturday


def test_split_shift_offers_slots_in_both_blocks_only():
    split = a_therapist(hours=((time(9), time(12)), (time(13), time(17))))
    offered = starts(slots_on((2026, 3, 10), therapists=[split]))
    assert local(2026, 3, 10, 11) in offered
    assert local(2026, 3, 10, 11, 30) not in offered  # would run into lunch
    assert local(2026, 3, 10, 13) in offered


def test_buffer_keeps_the_therapist_free_before_and_after_an_appointment():
    booked = an_appointment(local(2026, 3, 10, 11), room_id="r-other")
    offered = starts(slots_on((2026, 3, 10), appointments=[booked]))
    assert local(2026, 3, 10, 9, 45) in offered  # ends 10:45, 15 minutes before
    assert local(2026, 3, 10, 10) not in offered
    assert local(2026, 3, 10, 12) not in offered
    assert local(2026, 3, 10, 12, 15) in offered  # starts 15 minutes after


def test_buffer_setting_of_zero_allows_back_to_back_appointments():
    booked = an_appointment(local(2026, 3, 10, 11), room_id="r-other")
    offered = starts(
        slots_on((2026, 3, 10), appointments=[booked], settings=a_settings(buffer_minutes=0))
    )
    assert local(2026, 3, 10, 10) in offered
    assert local(2026, 3, 10, 12) in offered


def test_cancelled_appointments_free_their_time():
    cancelled = an_appointment(local(2026, 3, 10, 11), status="cancelled")
    assert len(slots_on((2026, 3, 10), appointments=[cancelled])) == SLOTS_IN_A_9_TO_5_DAY


def test_a_room_in_use_with_another_therapist_is_not_offered():
    other_therapist = an_appointment(local(2026, 3, 10, 11), therapist_id="t-2", room_id="r-1")
    offered = starts(slots_on((2026, 3, 10), appointments=[other_therapist]))
    assert local(2026, 3, 10, 11, 30) not in offered
    assert local(2026, 3, 10, 12) not in offered  # room turnover buffer
    assert local(2026, 3, 10, 12, 15) in offered


def test_a_second_room_is_offered_when_the_first_is_taken():
    other_therapist = an_appointment(local(2026, 3, 10, 11), therapist_id="t-2", room_id="r-1")
    slots = slots_on(
        (2026, 3, 10), rooms=[a_room("r-1"), a_room("r-2")], appointments=[other_therapist]
    )
    at_11 = [s for s in slots if s.start == local(2026, 3, 10, 11)]
    assert at_11 == [Slot("t-1", "r-2", local(2026, 3, 10, 11), local(2026, 3, 10, 12))]


def test_two_therapists_sharing_one_room_never_get_the_same_time():
    slots = slots_on((2026, 3, 10), therapists=[a_therapist("t-1"), a_therapist("t-2")])
    # Both are free, so both are offered; booking one must then block the other.
    assert {s.therapist_id for s in slots if s.start == local(2026, 3, 10, 9)} == {"t-1", "t-2"}
    booked = an_appointment(local(2026, 3, 10, 9), therapist_id="t-1")
    after = slots_on(
        (2026, 3, 10), therapists=[a_therapist("t-1"), a_therapist("t-2")], appointments=[booked]
    )
    assert local(2026, 3, 10, 9) not in starts(after, "t-2")


def test_minimum_notice_hides_slots_starting_too_soon():
    now = local(2026, 3, 10, 9, 50)
    offered = starts(
        slots_on((2026, 3, 10), now=now, settings=a_settings(minimum_notice_minutes=60))
    )
    assert offered[0] == local(2026, 3, 10, 11)  # first 15-minute grid point after 10:50


def test_booking_horizon_hides_slots_too_far_ahead():
    now = local(2026, 3, 9, 12)
    settings = a_settings(booking_horizon_days=1)
    assert starts(slots_on((2026, 3, 10), now=now, settings=settings))[-1] == local(2026, 3, 10, 12)
    assert slots_on((2026, 3, 11), now=now, settings=settings) == []


def test_a_window_wholly_past_or_beyond_the_horizon_is_refused_naming_its_bound():
    now = local(2026, 3, 9, 12)
    settings = a_settings(booking_horizon_days=30)
    check_window(now - timedelta(hours=1), now + timedelta(minutes=1), now, settings)
    check_window(now + timedelta(days=30), now + timedelta(days=31), now, settings)
    with pytest.raises(InvalidInput) as past:
        check_window(now - timedelta(days=2), now, now, settings)
    assert "to" in past.value.errors
    with pytest.raises(InvalidInput) as beyond:
        check_window(now + timedelta(days=30, seconds=1), now + timedelta(days=31), now,
                     settings)
    assert "from" in beyond.value.errors


def test_time_off_blocks_slots_that_overlap_it_without_a_buffer():
    off = Interval(local(2026, 3, 10, 13), local(2026, 3, 10, 15))
    offered = starts(slots_on((2026, 3, 10), therapists=[a_therapist(time_off=(off,))]))
    assert local(2026, 3, 10, 12) in offered
    assert local(2026, 3, 10, 12, 15) not in offered
    assert local(2026, 3, 10, 14, 45) not in offered
    assert local(2026, 3, 10, 15) in offered


def test_slots_lie_wholly_inside_the_requested_window():
    slots = open_slots(
        a_service(60),
        [a_therapist()],
        [a_room()],
        [],
        a_settings(),
        window_from=local(2026, 3, 10, 10, 5),
        window_to=local(2026, 3, 10, 12),
        now=local(2026, 3, 1),
    )
    assert [s.start for s in slots] == [
        local(2026, 3, 10, 10, 15),
        local(2026, 3, 10, 10, 30),
        local(2026, 3, 10, 10, 45),
        local(2026, 3, 10, 11),
    ]


def test_a_90_minute_service_needs_90_free_minutes():
    booked = an_appointment(local(2026, 3, 10, 12), room_id="r-other")
    offered = starts(slots_on((2026, 3, 10), appointments=[booked], service=a_service(90)))
    assert local(2026, 3, 10, 10, 15) in offered  # ends 11:45
    assert local(2026, 3, 10, 10, 30) not in offered


def test_slots_are_sorted_by_start_then_therapist():
    slots = slots_on((2026, 3, 10), therapists=[a_therapist("t-2"), a_therapist("t-1")])
    assert slots == sorted(slots, key=lambda s: (s.start, s.therapist_id))
