"""Booking decisions: may this client book, may this appointment change, plan a series."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from services.scheduling.domain.calendar import Appointment, ClinicSettings
from services.scheduling.domain.precautions import Restrictions
from shared.vocabulary import BOOKABLE_OUTCOMES, SCREENING_OUTCOMES


@dataclass(frozen=True)
class Referral:
    """A physician referral as booking sees it: dates, authorized visits and status."""

    id: str
    start: date
    end: date
    authorized_visits: int
    visits_used: int
    status: str = "active"

    @property
    def visits_left(self) -> int:
        """Authorized visits not yet booked or used."""
        return max(self.authorized_visits - self.visits_used, 0)

    def covers(self, on: date) -> bool:
        """Whether the referral's dates include this day (both ends inclusive)."""
        return self.start <= on <= self.end


@dataclass(frozen=True)
class ClientEligibility:
    """What booking knows about a client, filled from screening and referral events.

    `visits_used` on each referral counts booked as well as completed visits, so a
    series cannot be booked past the authorization. `screening_expires_on` is, as in
    the screening service, the first day the screening is no longer current.
    """

    client_id: str
    screening_outcome: str | None = None
    screening_expires_on: date | None = None
    restrictions: Restrictions = field(default_factory=Restrictions)
    referrals: tuple[Referral, ...] = ()

    def __post_init__(self) -> None:
        if self.screening_outcome is not None and self.screening_outcome not in (
            SCREENING_OUTCOMES
        ):
            raise ValueError(f"unknown screening outcome {self.screening_outcome!r}")
        if self.screening_outcome is not None and self.screening_expires_on is None:
            raise ValueError("a screening outcome needs its expiry date")


@dataclass(frozen=True)
class ChangeDecision:
    """The answer to "may the front desk do this?": refusal reasons, lateness, fee due."""

    refusals: tuple[str, ...] = ()
    late: bool = False
    fee: Decimal = Decimal("0.00")

    @property
    def allowed(self) -> bool:
        """Whether the change may go ahead."""
        return not self.refusals


def check_eligibility(eligibility: ClientEligibility, on: date) -> list[str]:
    """Reasons the client cannot be booked for this day; an empty list means bookable."""
    reasons = []
    if eligibility.screening_outcome is None:
        reasons.append("no_screening")
    elif on >= eligibility.screening_expires_on:
        reasons.append("screening_expired")
    elif eligibility.screening_outcome not in BOOKABLE_OUTCOMES:
        # docs/DOMAIN.md §Screening: only a cleared client books; the outcome is the reason.
        reasons.append(eligibility.screening_outcome)
    # Medical massage is booked only against an active referral (docs/DOMAIN.md §Referral).
    active = [r for r in eligibility.referrals if r.status == "active"]
    current = [r for r in active if r.covers(on)]
    if not active:
        reasons.append("no_active_referral")
    elif not current:
        reasons.append("outside_referral_dates")
    elif not any(r.visits_left for r in current):
        reasons.append("no_visits_left")
    return reasons


def choose_referral(eligibility: ClientEligibility, on: date) -> Referral | None:
    """The referral a visit on this day is booked against: the one that ends soonest."""
    usable = [
        r for r in eligibility.referrals if r.status == "active" and r.covers(on) and r.visits_left
    ]
    # Use up the authorization that lapses first so visits are not lost.
    return min(usable, key=lambda r: (r.end, r.start, r.id), default=None)


def can_cancel(appointment: Appointment, now: datetime, settings: ClinicSettings) -> ChangeDecision:
    """Whether a booked appointment may be cancelled now, and whether that is late."""
    if appointment.status != "booked":
        return ChangeDecision(refusals=("not_booked",))
    if now >= appointment.start:
        # Once the start time has passed the visit is completed or a no-show.
        return ChangeDecision(refusals=("already_started",))
    if _inside_cancellation_window(appointment, now, settings):
        return ChangeDecision(late=True, fee=settings.no_show_policy.late_cancellation_fee)
    return ChangeDecision()


def can_reschedule(
    appointment: Appointment, new_start: datetime, now: datetime, settings: ClinicSettings
) -> ChangeDecision:
    """Whether a booked appointment may move to `new_start`; late like a late cancellation.

    Checks only the rules; whether the new time is free is `open_slots`' question.
    """
    cancellation = can_cancel(appointment, now, settings)
    refusals = list(cancellation.refusals)
    if new_start < now + timedelta(minutes=settings.minimum_notice_minutes):
        refusals.append("inside_minimum_notice")
    if new_start > now + timedelta(days=settings.booking_horizon_days):
        refusals.append("beyond_booking_horizon")
    if refusals:
        return ChangeDecision(refusals=tuple(refusals))
    return cancellation


def can_mark_no_show(
    appointment: Appointment, now: datetime, settings: ClinicSettings
) -> ChangeDecision:
    """Whether the client may be marked a no-show: only a booked visit, after its start."""
    if appointment.status != "booked":
        return ChangeDecision(refusals=("not_booked",))
    if now < appointment.start:
        return ChangeDecision(refusals=("not_started",))
    return ChangeDecision(fee=settings.no_show_policy.no_show_fee)


def plan_series(
    first_start: datetime,
    visits_per_week: int,
    weeks: int,
    weekdays: Sequence[int] | None = None,
    *,
    time_zone: str,
) -> list[datetime]:
    """UTC starts for a plan of care (e.g. 2x/week for 4 weeks) at the same local time.

    `weekdays` (0 = Monday) must include the first visit's weekday; without it the
    visits are spread evenly through each week from the first visit's weekday
    (2x/week from Monday: Monday and Thursday).
    """
    if visits_per_week not in range(1, 8) or weeks < 1:
        raise ValueError("a plan needs 1 to 7 visits a week for at least one week")
    zone = ZoneInfo(time_zone)
    local_first = first_start.astimezone(zone)
    first_weekday = local_first.weekday()
    if weekdays is None:
        weekdays = [(first_weekday + i * 7 // visits_per_week) % 7 for i in range(visits_per_week)]
    if len(set(weekdays)) != visits_per_week:
        raise ValueError(f"{visits_per_week} visits a week need as many different weekdays")
    if first_weekday not in weekdays:
        raise ValueError("the first visit must fall on one of the plan's weekdays")
    starts = []
    day = local_first.date()
    while len(starts) < visits_per_week * weeks:
        if day.weekday() in weekdays:
            # Same wall-clock time every visit, so a DST change does not move the visit.
            local = datetime.combine(day, local_first.time(), tzinfo=zone)
            starts.append(local.astimezone(UTC))
        day += timedelta(days=1)
    return starts


def _inside_cancellation_window(
    appointment: Appointment, now: datetime, settings: ClinicSettings
) -> bool:
    return appointment.start - now < timedelta(hours=settings.cancellation_window_hours)


def overlaps_a_visit(start: datetime, end: datetime,
                     visits: Sequence[tuple[datetime, datetime]]) -> bool:
    """Whether [start, end) overlaps one of the client's booked visits.

    A client is in one place at a time: two therapists or rooms booked for the same person
    at once is a front-desk slip, and the second session could never be delivered (or
    billed). No buffer applies: the buffer is the therapist's and the room's turnover.
    """
    return any(start < booked_end and booked_start < end for booked_start, booked_end in visits)
