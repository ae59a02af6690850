"""The calendar's building blocks refuse values a clinic could not mean."""

from datetime import datetime, time, timedelta

import pytest

from services.scheduling.domain.calendar import Appointment, ClinicSettings, Service, Therapist
from tests.unit.scheduling.builders import a_settings, a_therapist, an_appointment, local


@pytest.mark.parametrize("minutes", [30, 45, 60, 90])
def test_medical_massage_services_last_30_45_60_or_90_minutes(minutes):
    assert Service("Medical massage", minutes).duration == timedelta(minutes=minutes)


def test_a_service_of_another_length_is_refused():
    with pytest.raises(ValueError, match="duration"):
        Service("Medical massage", 50)


def test_a_service_with_an_unknown_default_technique_is_refused():
    with pytest.raises(ValueError, match="hot_stone"):
        Service("Medical massage", 60, ("hot_stone",))


def test_settings_default_to_a_15_minute_buffer_and_24_hour_cancellation_window():
    settings = ClinicSettings(time_zone="America/New_York")
    assert settings.buffer_minutes == 15
    assert settings.cancellation_window_hours == 24


def test_settings_with_an_unknown_time_zone_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        a_settings(time_zone="America/Atlantis")


def test_a_therapist_with_an_invalid_npi_is_refused():
    with pytest.raises(ValueError, match="NPI"):
        Therapist("t-1", "Ana", "1234567890", "LMT")


def test_working_hours_that_end_before_they_start_are_refused():
    with pytest.raises(ValueError, match="end before"):
        a_therapist(hours=((time(17), time(9)),))


def test_working_hours_cannot_be_changed_through_the_callers_dict():
    hours = {0: ((time(9), time(17)),)}
    therapist = Therapist("t-1", "Ana", "1234567893", "LMT", hours)
    hours[1] = ((time(9), time(17)),)
    assert list(therapist.weekly_hours) == [0]


def test_appointments_need_timezone_aware_times():
    with pytest.raises(ValueError, match="timezone-aware"):
        Appointment(
            "a-1", "t-1", "r-1", "c-1", datetime(2026, 3, 10, 10), datetime(2026, 3, 10, 11)
        )


def test_appointment_length_and_whether_it_holds_time():
    booked = an_appointment(local(2026, 3, 10, 10), minutes=45)
    assert booked.duration_minutes == 45
    assert booked.holds_time
    assert not an_appointment(local(2026, 3, 10, 10), status="cancelled").holds_time
