"""Booking a visit or a plan of care, cancelling, rescheduling, recording a no-show.

Each command runs in the caller's unit of work and emits its event there. Taking a
therapist's and a room's time follows the lock order in ``commands/slots.py``; on SQLite
one visit may be planned outside the write lock first (``plan_visit``), see there.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from services.scheduling.commands import openings
from services.scheduling.commands.slots import (
    Held,
    candidate_rooms,
    free_room,
    hold_slot,
    lock_and_load_therapist,
    lock_rooms,
    room_from_busy,
    rooms_for,
    take_room,
)
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
from services.scheduling.domain.calendar import Appointment, ClinicSettings, Service, Therapist
from services.scheduling.domain.errors import (
    ChangeRefused,
    ClientBusy,
    InvalidPlan,
    NotEligible,
    NotFound,
    SeriesRefusal,
    SlotNotOffered,
    SlotTaken,
)
from services.scheduling.store.appointments import (
    client_bookings,
    insert_appointment,
    move,
    require_appointment,
    set_status,
    to_appointment,
)
from services.scheduling.store.booking_inputs import Inputs, booking_inputs, rows_of
from services.scheduling.store.booking_reads import first_look, second_look
from services.scheduling.store.calendar import (
    load_settings,
    new_id,
    require_service,
    service_and_settings_from,
    takes_row_locks,
    therapist_from,
)
from services.scheduling.store.eligibility import eligibility_for_booking, eligibility_from
from shared.db import read_only
from shared.events.contracts.scheduling import (
    APPOINTMENT_BOOKED,
    APPOINTMENT_CANCELLED,
    APPOINTMENT_NO_SHOW,
    APPOINTMENT_RESCHEDULED,
)
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class BookingRequest:
    """One visit: a client, a service, a therapist and a start (room optional)."""

    client_id: str
    service_id: str
    therapist_id: str
    start: datetime
    room_id: str | None = None


@dataclass(frozen=True)
class SeriesRequest:
    """A plan of care: the first visit and how often it repeats (e.g. 2x/week for 4 weeks)."""

    client_id: str
    service_id: str
    therapist_id: str
    first_start: datetime
    visits_per_week: int
    weeks: int
    weekdays: tuple[int, ...] | None = None
    room_id: str | None = None


@dataclass(frozen=True)
class VisitPlan:
    """A visit decided outside the write lock, but for its room, and what it was decided on."""

    request: BookingRequest
    service: Service
    settings: ClinicSettings
    therapist: Therapist
    room_ids: list[str]
    referral_id: str
    inputs: Inputs


def plan_visit(engine: Engine, request: BookingRequest, now: datetime) -> VisitPlan | None:
    """On SQLite, decide a visit in a read outside the write lock, all but its room.

    SQLite has one writer at a time, so every statement inside the write lock makes every
    other booking wait (docs/PERFORMANCE.md, "Booking"). This reads, in one statement, the
    service, settings, the client's eligibility and booked visits, the therapist and the
    rooms (``booking_inputs``), and decides eligibility, the referral and the client's time
    on exactly those rows. ``book_visit`` then re-reads them under the lock and books as
    planned only if they are unchanged; the room is chosen there, on the busy time read
    under the lock. None on PostgreSQL (row locks: reading first would cost round trips
    and save nothing), or when anything here would refuse the booking: the refusal is
    decided under the lock, as without a plan.
    """
    if takes_row_locks(engine):
        return None
    with read_only(engine) as connection:
        inputs = booking_inputs(connection, request.service_id, request.client_id,
                                request.therapist_id, request.start)
        rows = rows_of(connection.dialect, inputs)
    if not rows.service_and_settings or not rows.therapist_with_time_off:
        return None  # no such service or therapist (yet): decided under the lock
    service, settings = service_and_settings_from(rows.service_and_settings[0])
    try:
        room_ids = rooms_for(request.room_id, [room.id for room in rows.rooms])
    except NotFound:
        return None
    end = request.start + service.duration
    day = settings.local_day(request.start)
    eligibility = eligibility_from(request.client_id, rows.referrals,
                                   rows.screening[0] if rows.screening else None)
    referral = choose_referral(eligibility, day)
    if check_eligibility(eligibility, day) or referral is None or overlaps_a_visit(
            request.start, end, [(visit.start, visit.end) for visit in rows.client_booked]):
        return None
    return VisitPlan(request, service, settings, therapist_from(rows.therapist_with_time_off),
                     room_ids, referral.id, inputs)


def book_appointment(uow: UnitOfWork, request: BookingRequest, now: datetime) -> str:
    """Book one visit against the client's referral; returns the appointment id."""
    return book_visit(uow, request, now)["id"]


def book_visit(
    uow: UnitOfWork, request: BookingRequest, now: datetime, plan: VisitPlan | None = None
) -> dict[str, Any]:
    """Book one visit against the client's referral; returns the stored appointment row.

    With a ``plan`` made at the same ``now`` (``plan_visit``), the booking goes ahead as
    planned when what the plan read is unchanged under the write lock; otherwise it is
    decided afresh, under the lock, as without one.
    """
    if plan is not None and plan.request == request:
        stored = _book_as_planned(uow, plan, now)
        if stored is not None:
            return stored
    # Everything but the room's lock is read in two round trips on PostgreSQL
    # (store/booking_reads.py); the checks come in the order they always did.
    connection = uow.connection
    first = first_look(connection, request.service_id, request.client_id)
    if first.service_and_settings is None:
        raise NotFound("service")
    service, settings = first.service_and_settings
    end = request.start + service.duration
    # An unknown room is refused below, in its turn; reading its busy time finds none.
    second = second_look(connection, first, request.client_id, request.therapist_id,
                         request.start, end, timedelta(minutes=settings.buffer_minutes),
                         [request.room_id] if request.room_id else first.room_ids)
    day = settings.local_day(request.start)
    eligibility = eligibility_from(request.client_id, second.referrals, second.screening)
    reasons = check_eligibility(eligibility, day)
    if reasons:
        raise NotEligible(reasons)
    referral = choose_referral(eligibility, day)
    assert referral is not None  # check_eligibility found a usable one
    if second.therapist is None:
        raise NotFound("therapist")
    room_ids = rooms_for(request.room_id, first.room_ids)
    if overlaps_a_visit(request.start, end, second.client_visits):
        raise ClientBusy()
    chosen = room_from_busy(settings, service, second.therapist, room_ids, second.busy,
                            request.start, now)
    room_id = take_room(connection, settings, service, second.therapist, room_ids, chosen,
                        request.start, now)
    return _insert_visit(uow, request, service, Held(second.therapist, room_id), referral.id)


def _book_as_planned(uow: UnitOfWork, plan: VisitPlan, now: datetime) -> dict[str, Any] | None:
    """Book the planned visit under the write lock; None when its inputs changed since.

    SQLite only: the write lock is the whole database's, so nothing changes between these
    statements and the insert. Unchanged inputs mean the checks ``plan_visit`` made would
    come out the same here; the room is chosen now, on the busy time read now (SlotTaken
    or SlotNotOffered exactly as ``hold_slot`` would raise them).
    """
    request = plan.request
    if booking_inputs(uow.connection, request.service_id, request.client_id,
                      request.therapist_id, request.start) != plan.inputs:
        return None
    room_id = free_room(uow.connection, plan.settings, plan.service, plan.therapist,
                        plan.room_ids, request.start, now)
    return _insert_visit(uow, request, plan.service, Held(plan.therapist, room_id),
                         plan.referral_id)


def _insert_visit(
    uow: UnitOfWork, request: BookingRequest, service: Service, held: Held, referral_id: str
) -> dict[str, Any]:
    appointment = Appointment(
        id=new_id(),
        therapist_id=request.therapist_id,
        room_id=held.room_id,
        client_id=request.client_id,
        start=request.start,
        end=request.start + service.duration,
        referral_id=referral_id,
    )
    stored = insert_appointment(uow.connection, appointment, request.service_id, None)
    _emit_booked(uow, appointment, request.service_id, None, held.therapist.staff_subject)
    return stored


def book_series(uow: UnitOfWork, request: SeriesRequest, now: datetime) -> list[str]:
    """Book every visit of a plan of care, or none; the refusal lists each refused date."""
    connection = uow.connection
    settings = load_settings(connection)
    service = require_service(connection, request.service_id)
    try:
        starts = plan_series(request.first_start, request.visits_per_week, request.weeks,
                             request.weekdays, time_zone=settings.time_zone)
    except ValueError as exc:
        raise InvalidPlan(str(exc)) from exc
    eligibility = eligibility_for_booking(connection, request.client_id)
    therapist = lock_and_load_therapist(connection, request.therapist_id, starts[0],
                                        starts[-1] + service.duration)
    room_ids = candidate_rooms(connection, request.room_id)
    # A series may land in any room, so it takes every candidate room's lock, in the
    # rooms' order like single bookings do (one order everywhere: no deadlock).
    lock_rooms(connection, room_ids)
    planned: list[tuple[datetime, str, str]] = []
    conflicts: list[tuple[datetime, list[str]]] = []
    booked_already = client_bookings(connection, request.client_id, starts[0],
                                     starts[-1] + service.duration)
    for start in starts:
        day = settings.local_day(start)
        reasons = check_eligibility(eligibility, day)
        if overlaps_a_visit(start, start + service.duration, booked_already):
            reasons.append("client_busy")
        try:
            room_id = free_room(connection, settings, service, therapist, room_ids, start, now)
        except SlotTaken:
            reasons.append("slot_taken")
        except SlotNotOffered:
            reasons.append("slot_not_offered")
        if reasons:
            conflicts.append((start, reasons))
            continue
        referral = choose_referral(eligibility, day)
        assert referral is not None
        eligibility = _one_more_visit(eligibility, referral.id)
        planned.append((start, room_id, referral.id))
    if conflicts:
        raise SeriesRefusal.of(conflicts)
    series_id = new_id()
    booked = []
    for start, room_id, referral_id in planned:
        appointment = Appointment(
            id=new_id(),
            therapist_id=therapist.id,
            room_id=room_id,
            client_id=request.client_id,
            start=start,
            end=start + service.duration,
            referral_id=referral_id,
        )
        insert_appointment(connection, appointment, request.service_id, series_id)
        _emit_booked(uow, appointment, request.service_id, series_id, therapist.staff_subject)
        booked.append(appointment.id)
    return booked


def cancel_appointment(uow: UnitOfWork, appointment_id: str, now: datetime) -> None:
    """Cancel a booked visit (late inside the cancellation window, with the clinic's fee)."""
    row = require_appointment(uow.connection, appointment_id, lock=True)
    decision = can_cancel(to_appointment(row), now, load_settings(uow.connection))
    if not decision.allowed:
        raise ChangeRefused(decision.refusals)
    fee = decision.fee if decision.late else None
    set_status(uow.connection, appointment_id, "cancelled", late=decision.late, fee=fee)
    uow.emit(APPOINTMENT_CANCELLED, row.client_id, {
        "appointment_id": row.id, "client_id": row.client_id, "referral_id": row.referral_id,
        "cancelled_at": now, "late": decision.late, "fee": fee})
    openings.slot_freed(uow, row.therapist_id, row.start, row.end)


def reschedule_appointment(
    uow: UnitOfWork,
    appointment_id: str,
    new_start: datetime,
    now: datetime,
    therapist_id: str | None = None,
    room_id: str | None = None,
) -> None:
    """Move a booked visit to another time (and perhaps therapist or room)."""
    connection = uow.connection
    # The appointment's lock comes first here; booking never takes appointment locks, and
    # cancel, no-show and completion take nothing else, so no lock cycle can form.
    row = require_appointment(connection, appointment_id, lock=True)
    settings = load_settings(connection)
    decision = can_reschedule(to_appointment(row), new_start, now, settings)
    if not decision.allowed:
        raise ChangeRefused(decision.refusals)
    eligibility = eligibility_for_booking(connection, row.client_id)
    # The visit keeps its referral; it already counts among that referral's used visits.
    own = tuple(
        dataclasses.replace(referral, visits_used=referral.visits_used - 1)
        for referral in eligibility.referrals
        if referral.id == row.referral_id
    )
    reasons = check_eligibility(dataclasses.replace(eligibility, referrals=own),
                                settings.local_day(new_start))
    if reasons:
        raise NotEligible(reasons)
    service = require_service(connection, row.service_id)
    new_end = new_start + service.duration
    if overlaps_a_visit(new_start, new_end, client_bookings(
            connection, row.client_id, new_start, new_end, excluding=row.id)):
        raise ClientBusy()
    therapist_id = therapist_id or row.therapist_id
    held = hold_slot(connection, settings, service, therapist_id, room_id, new_start, now,
                     excluding=row.id)
    move(connection, row.id, therapist_id, held.room_id, new_start, new_end, decision.late)
    uow.emit(APPOINTMENT_RESCHEDULED, row.client_id, {
        "appointment_id": row.id, "client_id": row.client_id, "referral_id": row.referral_id,
        "therapist_id": therapist_id, "room_id": held.room_id, "service": row.service_id,
        "start": new_start, "end": new_end, "series_id": row.series_id,
        "previous_start": row.start, "late": decision.late,
        "therapist_staff_subject": held.therapist.staff_subject})
    openings.slot_freed(uow, row.therapist_id, row.start, row.end)


def mark_no_show(uow: UnitOfWork, appointment_id: str, now: datetime) -> None:
    """Record that the client did not come (the clinic's no-show fee applies)."""
    row = require_appointment(uow.connection, appointment_id, lock=True)
    decision = can_mark_no_show(to_appointment(row), now, load_settings(uow.connection))
    if not decision.allowed:
        raise ChangeRefused(decision.refusals)
    set_status(uow.connection, appointment_id, "no_show", fee=decision.fee)
    uow.emit(APPOINTMENT_NO_SHOW, row.client_id, {
        "appointment_id": row.id, "client_id": row.client_id, "referral_id": row.referral_id,
        "recorded_at": now, "fee": decision.fee})


def _one_more_visit(eligibility: ClientEligibility, referral_id: str) -> ClientEligibility:
    referrals = tuple(
        dataclasses.replace(r, visits_used=r.visits_used + 1) if r.id == referral_id else r
        for r in eligibility.referrals
    )
    return dataclasses.replace(eligibility, referrals=referrals)


def _emit_booked(
    uow: UnitOfWork, appointment: Appointment, service_id: str, series_id: str | None,
    therapist_staff_subject: str | None,
) -> None:
    # The therapist's login travels so that screening knows who treats the client
    # (its care team) without asking scheduling.
    uow.emit(APPOINTMENT_BOOKED, appointment.client_id, {
        "appointment_id": appointment.id, "client_id": appointment.client_id,
        "referral_id": appointment.referral_id, "therapist_id": appointment.therapist_id,
        "room_id": appointment.room_id, "service": service_id, "start": appointment.start,
        "end": appointment.end, "series_id": series_id,
        "therapist_staff_subject": therapist_staff_subject})
