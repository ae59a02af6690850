"""Booking commands. Each runs in the caller's write transaction and emits its event there.

No double booking, with any number of processes: every command that takes a therapist's
or a room's time first locks the client's referral rows, then the therapist row, then
room rows in the rooms' order (one order everywhere, so two commands cannot deadlock),
and only then re-reads the overlapping appointments (buffer included) and inserts. On
PostgreSQL the locks are SELECT ... FOR UPDATE, and each statement after them sees every
booking committed by whoever held them before (READ COMMITTED). On SQLite the write
transaction is BEGIN IMMEDIATE: one writer at a time holds the whole database, so the
row locks and the re-read after them are skipped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from services.scheduling.domain.availability import Slot, open_slots
from services.scheduling.domain.booking import (
    ClientEligibility,
    can_cancel,
    can_mark_no_show,
    can_reschedule,
    check_eligibility,
    choose_referral,
    plan_series,
)
from services.scheduling.domain.calendar import (
    Appointment,
    ClinicSettings,
    Room,
    Service,
    Therapist,
)
from services.scheduling.domain.errors import (
    ChangeRefused,
    InvalidPlan,
    NotEligible,
    NotFound,
    SeriesRefused,
    SlotNotOffered,
    SlotTaken,
)
from services.scheduling.store.appointments import (
    busy_appointments,
    get_appointment,
    insert_appointment,
    move,
    set_status,
    to_appointment,
)
from services.scheduling.store.calendar import (
    load_rooms,
    load_service,
    load_settings,
    load_therapists,
    lock_room,
    lock_therapist,
    new_id,
    takes_row_locks,
)
from services.scheduling.store.eligibility import load_eligibility
from shared.events.contracts.scheduling import (
    APPOINTMENT_BOOKED,
    APPOINTMENT_CANCELLED,
    APPOINTMENT_NO_SHOW,
    APPOINTMENT_RESCHEDULED,
)
from shared.outbox import emit

SOURCE = "scheduling"
_DAY = timedelta(days=1)


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


def local_day(moment: datetime, settings: ClinicSettings) -> date:
    """The clinic's calendar day of a UTC moment."""
    return moment.astimezone(settings.zone).date()


def available_slots(
    connection: Connection,
    service_id: str,
    window_from: datetime,
    window_to: datetime,
    now: datetime,
    therapist_id: str | None = None,
) -> tuple[list[Slot], dict[str, Therapist]]:
    """Open slots for a service in the window, and the therapists they name."""
    settings = load_settings(connection)
    service = _service(connection, service_id)
    ids = [therapist_id] if therapist_id is not None else None
    therapists = load_therapists(connection, ids, window_from - _DAY, window_to + _DAY)
    if therapist_id is not None and not therapists:
        raise NotFound("therapist")
    buffer = timedelta(minutes=settings.buffer_minutes)
    # Every therapist's visits count: a room taken by anyone is not free.
    busy = busy_appointments(connection, window_from, window_to, buffer)
    slots = open_slots(service, therapists, load_rooms(connection), busy, settings,
                       window_from, window_to, now)
    return slots, {therapist.id: therapist for therapist in therapists}


def book_appointment(
    connection: Connection, request: BookingRequest, now: datetime,
    correlation_id: str | None = None,
) -> str:
    """Book one visit against the client's referral; returns the appointment id."""
    settings = load_settings(connection)
    service = _service(connection, request.service_id)
    day = local_day(request.start, settings)
    eligibility = load_eligibility(connection, request.client_id, lock=True).eligibility
    reasons = check_eligibility(eligibility, day)
    if reasons:
        raise NotEligible(reasons)
    referral = choose_referral(eligibility, day)
    assert referral is not None  # check_eligibility found a usable one
    room_id = _hold_slot(connection, settings, service, request.therapist_id, request.room_id,
                         request.start, now)
    appointment = Appointment(
        id=new_id(),
        therapist_id=request.therapist_id,
        room_id=room_id,
        client_id=request.client_id,
        start=request.start,
        end=request.start + service.duration,
        referral_id=referral.id,
    )
    insert_appointment(connection, appointment, request.service_id, None)
    _emit_booked(connection, appointment, request.service_id, None, correlation_id)
    return appointment.id


def book_series(
    connection: Connection, request: SeriesRequest, now: datetime,
    correlation_id: str | None = None,
) -> list[str]:
    """Book every visit of a plan of care, or none; SeriesRefused lists each refused date."""
    settings = load_settings(connection)
    service = _service(connection, request.service_id)
    try:
        starts = plan_series(request.first_start, request.visits_per_week, request.weeks,
                             request.weekdays, time_zone=settings.time_zone)
    except ValueError as exc:
        raise InvalidPlan(str(exc)) from exc
    eligibility = load_eligibility(connection, request.client_id, lock=True).eligibility
    therapist = _lock_and_load_therapist(connection, request.therapist_id, starts[0],
                                         starts[-1] + service.duration)
    room_ids = _room_ids(connection, request.room_id)
    # A series may land in any room, so it takes every candidate room's lock, in the
    # rooms' order like single bookings do (one order everywhere: no deadlock).
    if takes_row_locks(connection):
        for room_id in room_ids:
            lock_room(connection, room_id)
    planned: list[tuple[datetime, str, str]] = []
    conflicts: list[tuple[datetime, list[str]]] = []
    for start in starts:
        day = local_day(start, settings)
        reasons = check_eligibility(eligibility, day)
        try:
            room_id = _free_room(connection, settings, service, therapist, room_ids, start, now)
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
        raise SeriesRefused(conflicts)
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
        _emit_booked(connection, appointment, request.service_id, series_id, correlation_id)
        booked.append(appointment.id)
    return booked


def cancel_appointment(
    connection: Connection, appointment_id: str, now: datetime,
    correlation_id: str | None = None,
) -> None:
    """Cancel a booked visit (late inside the cancellation window, with the clinic's fee)."""
    row = _locked_appointment(connection, appointment_id)
    decision = can_cancel(to_appointment(row), now, load_settings(connection))
    if not decision.allowed:
        raise ChangeRefused(decision.refusals)
    fee = decision.fee if decision.late else None
    set_status(connection, appointment_id, "cancelled", late=decision.late, fee=fee)
    emit(connection, APPOINTMENT_CANCELLED, source=SOURCE, subject=row.client_id,
         correlation_id=correlation_id,
         data={"appointment_id": row.id, "client_id": row.client_id,
               "referral_id": row.referral_id, "cancelled_at": now, "late": decision.late,
               "fee": fee})


def reschedule_appointment(
    connection: Connection,
    appointment_id: str,
    new_start: datetime,
    now: datetime,
    therapist_id: str | None = None,
    room_id: str | None = None,
    correlation_id: str | None = None,
) -> None:
    """Move a booked visit to another time (and perhaps therapist or room)."""
    # The appointment's lock comes first here; booking never takes appointment locks, and
    # cancel, no-show and completion take nothing else, so no lock cycle can form.
    row = _locked_appointment(connection, appointment_id)
    settings = load_settings(connection)
    appointment = to_appointment(row)
    decision = can_reschedule(appointment, new_start, now, settings)
    if not decision.allowed:
        raise ChangeRefused(decision.refusals)
    eligibility = load_eligibility(connection, row.client_id, lock=True).eligibility
    # The visit keeps its referral; it already counts among that referral's used visits.
    own = tuple(
        dataclasses.replace(referral, visits_used=referral.visits_used - 1)
        for referral in eligibility.referrals
        if referral.id == row.referral_id
    )
    reasons = check_eligibility(dataclasses.replace(eligibility, referrals=own),
                                local_day(new_start, settings))
    if reasons:
        raise NotEligible(reasons)
    service = _service(connection, row.service_id)
    therapist_id = therapist_id or row.therapist_id
    new_room = _hold_slot(connection, settings, service, therapist_id, room_id, new_start, now,
                          excluding=row.id)
    new_end = new_start + service.duration
    move(connection, row.id, therapist_id, new_room, new_start, new_end, decision.late)
    emit(connection, APPOINTMENT_RESCHEDULED, source=SOURCE, subject=row.client_id,
         correlation_id=correlation_id,
         data={"appointment_id": row.id, "client_id": row.client_id,
               "referral_id": row.referral_id, "therapist_id": therapist_id,
               "room_id": new_room, "service": row.service_id, "start": new_start,
               "end": new_end, "series_id": row.series_id, "previous_start": row.start,
               "late": decision.late})


def mark_no_show(
    connection: Connection, appointment_id: str, now: datetime,
    correlation_id: str | None = None,
) -> None:
    """Record that the client did not come (the clinic's no-show fee applies)."""
    row = _locked_appointment(connection, appointment_id)
    decision = can_mark_no_show(to_appointment(row), now, load_settings(connection))
    if not decision.allowed:
        raise ChangeRefused(decision.refusals)
    set_status(connection, appointment_id, "no_show", fee=decision.fee)
    emit(connection, APPOINTMENT_NO_SHOW, source=SOURCE, subject=row.client_id,
         correlation_id=correlation_id,
         data={"appointment_id": row.id, "client_id": row.client_id,
               "referral_id": row.referral_id, "recorded_at": now, "fee": decision.fee})


# -- holding a slot ----------------------------------------------------------------------------


def _hold_slot(
    connection: Connection,
    settings: ClinicSettings,
    service: Service,
    therapist_id: str,
    room_id: str | None,
    start: datetime,
    now: datetime,
    excluding: str | None = None,
) -> str:
    """Lock the therapist and a free room for [start, start + duration); return the room."""
    therapist = _lock_and_load_therapist(connection, therapist_id, start, start + service.duration)
    candidates = _room_ids(connection, room_id)
    while True:
        chosen = _free_room(connection, settings, service, therapist, candidates, start, now,
                            excluding)
        if not takes_row_locks(connection):
            return chosen  # SQLite: nobody else has written since this transaction began
        # The room was chosen without its lock: lock it and look again, someone with
        # another therapist may have taken it in between.
        lock_room(connection, chosen)
        try:
            return _free_room(connection, settings, service, therapist, [chosen], start, now,
                              excluding)
        except SlotTaken:
            # Only rooms after this one: room locks are always taken in the rooms' order.
            candidates = candidates[candidates.index(chosen) + 1:]
            if not candidates:
                raise


def _free_room(
    connection: Connection,
    settings: ClinicSettings,
    service: Service,
    therapist: Therapist,
    room_ids: Sequence[str],
    start: datetime,
    now: datetime,
    excluding: str | None = None,
) -> str:
    """The first of `room_ids` in which the therapist can give the service at `start`."""
    end = start + service.duration
    buffer = timedelta(minutes=settings.buffer_minutes)
    busy = busy_appointments(connection, start, end, buffer, [therapist.id], room_ids, excluding)
    rooms = [Room(id=room_id, name=room_id) for room_id in room_ids]
    for slot in open_slots(service, [therapist], rooms, busy, settings, start, end, now):
        if slot.start == start:
            return slot.room_id
    # Offered on an empty calendar but not now: someone holds the time.
    if rooms and open_slots(service, [therapist], rooms[:1], [], settings, start, end, now):
        raise SlotTaken
    raise SlotNotOffered


def _lock_and_load_therapist(
    connection: Connection, therapist_id: str, start: datetime, end: datetime
) -> Therapist:
    if takes_row_locks(connection) and not lock_therapist(connection, therapist_id):
        raise NotFound("therapist")
    found = load_therapists(connection, [therapist_id], start - _DAY, end + _DAY)
    if not found:
        raise NotFound("therapist")
    return found[0]


def _room_ids(connection: Connection, room_id: str | None) -> list[str]:
    rooms = [room.id for room in load_rooms(connection)]
    if room_id is None:
        return rooms
    if room_id not in rooms:
        raise NotFound("room")
    return [room_id]


def _service(connection: Connection, service_id: str) -> Service:
    service = load_service(connection, service_id)
    if service is None:
        raise NotFound("service")
    return service


def _locked_appointment(connection: Connection, appointment_id: str):  # type: ignore[no-untyped-def]
    row = get_appointment(connection, appointment_id, lock=True)
    if row is None:
        raise NotFound("appointment")
    return row


def _one_more_visit(eligibility: ClientEligibility, referral_id: str) -> ClientEligibility:
    referrals = tuple(
        dataclasses.replace(r, visits_used=r.visits_used + 1) if r.id == referral_id else r
        for r in eligibility.referrals
    )
    return dataclasses.replace(eligibility, referrals=referrals)


def _emit_booked(
    connection: Connection, appointment: Appointment, service_id: str, series_id: str | None,
    correlation_id: str | None,
) -> None:
    emit(connection, APPOINTMENT_BOOKED, source=SOURCE, subject=appointment.client_id,
         correlation_id=correlation_id,
         data={"appointment_id": appointment.id, "client_id": appointment.client_id,
               "referral_id": appointment.referral_id, "therapist_id": appointment.therapist_id,
               "room_id": appointment.room_id, "service": service_id,
               "start": appointment.start, "end": appointment.end, "series_id": series_id})
