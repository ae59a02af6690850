"""Builders for scheduling tests: a valid object by default, override what the test is about."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from services.scheduling.domain.booking import ClientEligibility, Referral
from services.scheduling.domain.calendar import (
    Appointment,
    ClinicSettings,
    Interval,
    Room,
    Service,
    Therapist,
)

NEW_YORK = "America/New_York"
_ids = count(1)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A New York wall-clock time as a UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(NEW_YORK)).astimezone(UTC)


def a_settings(**overrides) -> ClinicSettings:
    values = {"time_zone": NEW_YORK, "minimum_notice_minutes": 0}
    return ClinicSettings(**(values | overrides))


def a_therapist(
    therapist_id: str = "t-1",
    hours: tuple[tuple[time, time], ...] = ((time(9), time(17)),),
    weekdays: range = range(7),
    time_off: tuple[Interval, ...] = (),
) -> Therapist:
    return Therapist(
        id=therapist_id,
        name=f"Therapist {therapist_id}",
        npi="1234567893",
        credentials="LMT",
        weekly_hours={day: hours for day in weekdays},
        time_off=time_off,
    )


def a_room(room_id: str = "r-1") -> Room:
    return Room(id=room_id, name=f"Room {room_id}")


def a_service(duration_minutes: int = 60) -> Service:
    return Service(
        name=f"Medical massage {duration_minutes} min",
        duration_minutes=duration_minutes,
        default_techniques=("myofascial_release", "swedish"),
    )


def an_appointment(
    start: datetime,
    minutes: int = 60,
    therapist_id: str = "t-1",
    room_id: str = "r-1",
    status: str = "booked",
    client_id: str = "c0ffee00-1234-4bcd-9abc-0123456789ab",
    appointment_id: str | None = None,
) -> Appointment:
    return Appointment(
        id=appointment_id or f"a-{next(_ids)}",
        therapist_id=therapist_id,
        room_id=room_id,
        client_id=client_id,
        start=start,
        end=start + timedelta(minutes=minutes),
        status=status,
    )


def a_referral(
    referral_id: str = "ref-1",
    start: date = date(2026, 3, 1),
    end: date = date(2026, 6, 30),
    authorized_visits: int = 8,
    visits_used: int = 0,
    status: str = "active",
) -> Referral:
    return Referral(referral_id, start, end, authorized_visits, visits_used, status)


def an_eligible_client(**overrides) -> ClientEligibility:
    values = {
        "client_id": "c-1",
        "screening_outcome": "cleared",
        "screening_expires_on": date(2027, 1, 31),
        "referrals": (a_referral(),),
    }
    return ClientEligibility(**(values | overrides))
