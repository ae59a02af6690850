"""Who works when, where, for how long: therapists, rooms, services, appointments, settings."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.identifiers import is_valid_npi
from shared.vocabulary import TECHNIQUES

SERVICE_DURATIONS: frozenset[int] = frozenset({30, 45, 60, 90})
APPOINTMENT_STATUSES: frozenset[str] = frozenset({"booked", "cancelled", "completed", "no_show"})
# Shifts per weekday (0 = Monday), each (start, end) in local clinic time.
WeeklyHours = Mapping[int, tuple[tuple[time, time], ...]]


def _require_aware(name: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got {moment!r}")


@dataclass(frozen=True)
class Interval:
    """A span of time [start, end) in UTC, e.g. a therapist's time off."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        if self.end <= self.start:
            raise ValueError(f"interval ends ({self.end}) before it starts ({self.start})")


@dataclass(frozen=True)
class Therapist:
    """A therapist: weekly hours are local clinic time, keyed by weekday (0 = Monday)."""

    id: str
    name: str
    npi: str
    credentials: str
    weekly_hours: WeeklyHours = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    time_off: tuple[Interval, ...] = ()
    # Their staff login (tokens' subject): the sessions they complete, the clients they read.
    staff_subject: str | None = None

    def __post_init__(self) -> None:
        if not is_valid_npi(self.npi):
            raise ValueError(f"not a valid NPI: {self.npi!r}")
        for weekday, shifts in self.weekly_hours.items():
            if weekday not in range(7):
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday}")
            for start, end in shifts:
                if end <= start:
                    raise ValueError(f"working hours {start}-{end} end before they start")
        # Frozen means frozen: a caller's dict must not change the therapist later.
        frozen_hours = {day: tuple(shifts) for day, shifts in self.weekly_hours.items()}
        object.__setattr__(self, "weekly_hours", MappingProxyType(frozen_hours))


@dataclass(frozen=True)
class Room:
    """A treatment room; a slot needs a free therapist and a free room."""

    id: str
    name: str


@dataclass(frozen=True)
class Service:
    """A bookable service, e.g. "Medical massage 60 min"."""

    name: str
    duration_minutes: int
    default_techniques: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.duration_minutes not in SERVICE_DURATIONS:
            raise ValueError(
                f"duration must be one of {sorted(SERVICE_DURATIONS)} minutes, "
                f"got {self.duration_minutes}"
            )
        unknown = sorted(set(self.default_techniques) - TECHNIQUES)
        if unknown:
            raise ValueError(f"unknown techniques {unknown}")

    @property
    def duration(self) -> timedelta:
        """How long the service takes."""
        return timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class NoShowPolicy:
    """What the clinic charges when a client misses or cancels late (default: nothing)."""

    no_show_fee: Decimal = Decimal("0.00")
    late_cancellation_fee: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class ClinicSettings:
    """Per-clinic booking settings; every default is a clinic choice, not a rule."""

    time_zone: str
    buffer_minutes: int = 15
    minimum_notice_minutes: int = 60
    booking_horizon_days: int = 90
    cancellation_window_hours: int = 24
    no_show_policy: NoShowPolicy = field(default_factory=NoShowPolicy)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from error
        for name in (
            "buffer_minutes",
            "minimum_notice_minutes",
            "booking_horizon_days",
            "cancellation_window_hours",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")

    @property
    def zone(self) -> ZoneInfo:
        """The clinic's time zone."""
        return ZoneInfo(self.time_zone)

    def local_day(self, moment: datetime) -> date:
        """The clinic's calendar day of a UTC moment."""
        return moment.astimezone(self.zone).date()


@dataclass(frozen=True)
class Appointment:
    """A client's appointment with a therapist in a room, start and end in UTC."""

    id: str
    therapist_id: str
    room_id: str
    client_id: str
    start: datetime
    end: datetime
    status: str = "booked"
    referral_id: str | None = None

    def __post_init__(self) -> None:
        _require_aware("start", self.start)
        _require_aware("end", self.end)
        if self.end <= self.start:
            raise ValueError("appointment ends before it starts")
        if self.status not in APPOINTMENT_STATUSES:
            raise ValueError(f"unknown appointment status {self.status!r}")

    @property
    def duration_minutes(self) -> int:
        """Length of the appointment in whole minutes."""
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def holds_time(self) -> bool:
        """Whether the appointment keeps its therapist and room busy (all but cancelled)."""
        return self.status != "cancelled"
