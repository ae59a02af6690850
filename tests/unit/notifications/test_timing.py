"""Reminder times in the client's zone, across the clock changes, and quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.notifications.domain.timing import (
    QuietHours,
    lead_name,
    outside_quiet_hours,
    parse_lead,
    plan_reminder,
    reminder_time,
    zone_of,
)

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
QUIET = QuietHours(time(21, 0), time(8, 0))


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)


def test_a_48_hour_reminder_keeps_the_wall_clock_time_across_spring_forward():
    # 2027-03-14 02:00 EST -> 03:00 EDT. A Monday 10:00 visit: reminder Saturday 10:00 EST.
    visit = local(NEW_YORK, 2027, 3, 15, 10, 0)
    due = reminder_time(visit, timedelta(hours=48), NEW_YORK)
    assert due.astimezone(NEW_YORK) == local(NEW_YORK, 2027, 3, 13, 10, 0)
    assert visit - due == timedelta(hours=47)  # one hour of that Sunday never happened


def test_a_48_hour_reminder_keeps_the_wall_clock_time_across_fall_back():
    # 2027-11-07 02:00 EDT -> 01:00 EST.
    visit = local(NEW_YORK, 2027, 11, 8, 10, 0)
    due = reminder_time(visit, timedelta(hours=48), NEW_YORK)
    assert due.astimezone(NEW_YORK) == local(NEW_YORK, 2027, 11, 6, 10, 0)
    assert visit - due == timedelta(hours=49)


def test_a_2_hour_reminder_is_two_real_hours_even_over_the_change():
    visit = local(NEW_YORK, 2027, 3, 14, 4, 0)  # EDT; 2 h earlier on the wall is 01:00 EST
    due = reminder_time(visit, timedelta(hours=2), NEW_YORK)
    assert visit - due == timedelta(hours=2)
    assert due.astimezone(NEW_YORK).hour == 1


def test_a_reminder_due_inside_quiet_hours_goes_when_they_end_if_that_is_before_the_visit():
    visit = local(NEW_YORK, 2027, 3, 16, 9, 30)
    due = plan_reminder(visit, timedelta(hours=2), NEW_YORK, QUIET)  # 07:30 is quiet
    assert due == local(NEW_YORK, 2027, 3, 16, 8, 0).astimezone(UTC)


def test_a_reminder_that_cannot_wait_for_the_morning_goes_the_evening_before():
    visit = local(NEW_YORK, 2027, 3, 16, 7, 0)  # an early visit: 08:00 would be too late
    due = plan_reminder(visit, timedelta(hours=2), NEW_YORK, QUIET)
    assert due is not None
    assert due.astimezone(NEW_YORK) == local(NEW_YORK, 2027, 3, 15, 20, 59)


def test_quiet_hours_are_the_clients_own_not_the_clinics():
    visit = local(NEW_YORK, 2027, 6, 1, 12, 0)  # 09:00 in Los Angeles
    due = plan_reminder(visit, timedelta(hours=2), LOS_ANGELES, QUIET)  # 07:00 LA: quiet
    assert due is not None
    assert due.astimezone(LOS_ANGELES) == local(LOS_ANGELES, 2027, 6, 1, 8, 0)
    assert plan_reminder(visit, timedelta(hours=2), NEW_YORK, QUIET) == visit - timedelta(hours=2)


def test_quiet_hours_on_the_night_the_clocks_change_still_end_at_eight_local():
    visit = local(NEW_YORK, 2027, 11, 7, 9, 0)  # fall-back night: the night is 11 hours long
    due = plan_reminder(visit, timedelta(hours=2), NEW_YORK, QUIET)
    assert due is not None
    assert due.astimezone(NEW_YORK) == local(NEW_YORK, 2027, 11, 7, 8, 0)


def test_at_send_time_nothing_goes_inside_quiet_hours_when_the_morning_is_too_late():
    now = local(NEW_YORK, 2027, 3, 16, 23, 0)
    deadline = local(NEW_YORK, 2027, 3, 17, 7, 30)
    assert outside_quiet_hours(now, NEW_YORK, QUIET, deadline, not_before=now) is None
    later = outside_quiet_hours(now, NEW_YORK, QUIET, None, not_before=now)
    assert later == local(NEW_YORK, 2027, 3, 17, 8, 0).astimezone(UTC)


def test_quiet_hours_within_one_day_and_none_at_all():
    lunch = QuietHours(time(12, 0), time(13, 0))
    assert lunch.contains(time(12, 30)) and not lunch.contains(time(13, 0))
    assert QUIET.contains(time(21, 0)) and QUIET.contains(time(2, 0))
    assert not QUIET.contains(time(8, 0))
    moment = local(NEW_YORK, 2027, 1, 1, 3, 0)
    assert outside_quiet_hours(moment, NEW_YORK, None, None) == moment


@pytest.mark.parametrize("text", ["21:00-21:00", "9pm-8am", "25:00-08:00x"])
def test_quiet_hours_that_make_no_sense_are_refused(text):
    with pytest.raises(ValueError):
        QuietHours.parse(text)


def test_quiet_hours_and_lead_times_read_from_settings():
    assert QuietHours.parse("21:30-07:00") == QuietHours(time(21, 30), time(7, 0))
    assert QuietHours.parse("") is None
    assert parse_lead("48h") == timedelta(hours=48)
    assert parse_lead("2d") == timedelta(days=2)
    assert lead_name(parse_lead("90m")) == "90m"
    assert lead_name(parse_lead("2d")) == "48h"
    for bad in ("0h", "h", "2w", "-1h"):
        with pytest.raises(ValueError):
            parse_lead(bad)


def test_an_unknown_client_zone_falls_back_to_the_clinics():
    assert zone_of("Mars/Olympus_Mons", "America/New_York") == NEW_YORK
    assert zone_of(None, "America/New_York") == NEW_YORK
    assert zone_of("America/Los_Angeles", "America/New_York") == LOS_ANGELES
