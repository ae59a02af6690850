"""The plan of care as a proposed series: every date checked before anything is booked.

``propose_series`` turns the referral's frequency (or one the front desk types) into
dates and checks each one as booking would (screening, referral window and visits left,
the therapist's hours and a free room), explaining every refused date; it books nothing.
``book_dates`` then books the dates the client or front desk accepted **all or nothing**:
a plan of care is one prescription, and a half-booked plan leaves gaps nobody notices.
The proposal already showed the refused dates, so the dates sent are the ones meant; if
one was taken in between, nothing is booked, the answer says which date and why, and a
fresh proposal shows what is free now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from services.scheduling.commands.booking import _emit_booked, _one_more_visit
from services.scheduling.commands.slots import (
    candidate_rooms,
    free_room,
    lock_and_load_therapist,
    lock_rooms,
)
from services.scheduling.domain.booking import (
    ClientEligibility,
    check_eligibility,
    choose_referral,
    overlaps_a_visit,
)
from services.scheduling.domain.calendar import Appointment, ClinicSettings, Service, Therapist
from services.scheduling.domain.errors import NotFound, SeriesRefusal, SlotNotOffered, SlotTaken
from services.scheduling.domain.frequency import parse_frequency, plan_of_care_starts
from services.scheduling.store.appointments import client_bookings, insert_appointment
from services.scheduling.store.calendar import (
    load_settings,
    load_therapists,
    new_id,
    require_service,
)
from services.scheduling.store.eligibility import eligibility_for_booking, load_eligibility
from shared.errors import InvalidInput
from shared.uow import UnitOfWork

MAX_DATES = 200
_DAY = timedelta(days=1)


@dataclass
class DateCheck:
    """One date of a series: bookable (room and referral chosen) or refused with reasons."""

    start: datetime
    reasons: list[str] = field(default_factory=list)
    room_id: str | None = None
    referral_id: str | None = None


def check_dates(connection: Connection, settings: ClinicSettings, service: Service,
                therapist: Therapist, room_ids: Sequence[str], eligibility: ClientEligibility,
                starts: Sequence[datetime], now: datetime) -> list[DateCheck]:
    """Check each date as a booking would, counting the earlier bookable dates' visits."""
    checks = []
    ordered = sorted(starts)
    booked_already = client_bookings(connection, eligibility.client_id, ordered[0],
                                     ordered[-1] + service.duration)
    for start in ordered:
        check = DateCheck(start, check_eligibility(eligibility, settings.local_day(start)))
        if overlaps_a_visit(start, start + service.duration, booked_already):
            check.reasons.append("client_busy")
        try:
            check.room_id = free_room(connection, settings, service, therapist, room_ids,
                                      start, now)
        except SlotTaken:
            check.reasons.append("slot_taken")
        except SlotNotOffered:
            check.reasons.append("slot_not_offered")
        if not check.reasons:
            referral = choose_referral(eligibility, settings.local_day(start))
            assert referral is not None  # check_eligibility found a usable one
            check.referral_id = referral.id
            eligibility = _one_more_visit(eligibility, referral.id)
        checks.append(check)
    return checks


def propose_series(connection: Connection, client_id: str, service_id: str, therapist_id: str,
                   first_start: datetime, frequency: str | None, weekdays: Sequence[int] | None,
                   now: datetime) -> dict[str, Any]:
    """The plan's dates from ``first_start``, each checked; nothing is booked."""
    settings = load_settings(connection)
    service = require_service(connection, service_id)
    view = load_eligibility(connection, client_id)
    if frequency is None:
        frequency = _prescribed_frequency(view.referrals, settings.local_day(first_start))
    phases = parse_frequency(frequency)
    starts = plan_of_care_starts(first_start, phases, settings.time_zone, weekdays)
    therapists = load_therapists(connection, [therapist_id], starts[0] - _DAY,
                                 starts[-1] + service.duration + _DAY)
    if not therapists:
        raise NotFound("therapist")
    checks = check_dates(connection, settings, service, therapists[0],
                         candidate_rooms(connection, None), view.eligibility, starts, now)
    return {"frequency": ", then ".join(str(phase) for phase in phases),
            "dates": [{"start": c.start, "end": c.start + service.duration,
                       "bookable": not c.reasons, "reasons": c.reasons} for c in checks]}


def _prescribed_frequency(referrals: list[dict[str, Any]], day: date) -> str:
    # The active referral covering the first visit's day (the one ending soonest, as
    # booking chooses), even with no visits left: the proposal then says so per date.
    covering = sorted((r for r in referrals if r["status"] == "active" and r["start_on"]
                       and r["start_on"] <= day <= r["end_on"]),
                      key=lambda r: (r["end_on"], r["referral_id"]))
    prescribed = covering[0]["frequency"] if covering else None
    if not prescribed:
        raise InvalidInput.field("frequency", "No prescribed frequency is known for that "
                                 "date; give one, e.g. 2x/week for 4 weeks.")
    return prescribed


def book_dates(uow: UnitOfWork, client_id: str, service_id: str, therapist_id: str,
               starts: Sequence[datetime], now: datetime) -> list[str]:
    """Book every date or none (the refusal lists each refused date and why)."""
    if not 1 <= len(starts) <= MAX_DATES or len(set(starts)) != len(starts):
        raise InvalidInput.field("starts", f"Give 1 to {MAX_DATES} different dates.")
    connection = uow.connection
    settings = load_settings(connection)
    service = require_service(connection, service_id)
    # The lock order of commands/slots.py: referrals, therapist, then rooms in order.
    eligibility = eligibility_for_booking(connection, client_id)
    ordered = sorted(starts)
    therapist = lock_and_load_therapist(connection, therapist_id, ordered[0],
                                        ordered[-1] + service.duration)
    room_ids = candidate_rooms(connection, None)
    lock_rooms(connection, room_ids)
    checks = check_dates(connection, settings, service, therapist, room_ids, eligibility,
                         ordered, now)
    refused = [(c.start, c.reasons) for c in checks if c.reasons]
    if refused:
        raise SeriesRefusal.of(refused)
    series_id = new_id()
    booked = []
    for check in checks:
        assert check.room_id is not None and check.referral_id is not None
        appointment = Appointment(id=new_id(), therapist_id=therapist.id, room_id=check.room_id,
                                  client_id=client_id, start=check.start,
                                  end=check.start + service.duration,
                                  referral_id=check.referral_id)
        insert_appointment(connection, appointment, service_id, series_id)
        _emit_booked(uow, appointment, service_id, series_id, therapist.staff_subject)
        booked.append(appointment.id)
    return booked
