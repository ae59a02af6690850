"""Holding a therapist's and a room's time for a visit: the locks, and the re-check under them.

No double booking, with any number of processes: every command that takes a therapist's
or a room's time first locks the client's referral rows, then the therapist row, then
room rows in the rooms' order (one order everywhere, so two commands cannot deadlock),
and only then re-reads the overlapping appointments (buffer included) and inserts. On
PostgreSQL the locks are SELECT ... FOR UPDATE, and each statement after them sees every
booking committed by whoever held them before (READ COMMITTED). On SQLite the write
transaction is BEGIN IMMEDIATE: one writer at a time holds the whole database, so the
row locks and the re-read after them are skipped. Booking one visit sends these
statements in fewer messages (``store/booking_reads.py``, ``take_room``): the same
statements in the same order, each still with its own snapshot (``shared/read_together.py``).

On SQLite a single visit may also be planned before the write lock
(``commands/booking.py``, ``plan_visit``), so that the lock every writer waits for is
held for fewer statements. The argument then is: the plan decides nothing a concurrent
writer could change without it being noticed under the lock. Under the lock one
statement (``store/booking_inputs.py``) reads back everything the plan decided on (the
service and settings, the client's screening, referrals and visits used, the client's
visits around the time, the therapist and their time off, the rooms) and the plan is
used only if all of it reads the same; anything else is decided afresh under the lock,
exactly as without a plan. The therapist's and rooms' busy time is never taken from the
plan: it is read under the lock and the room chosen there (``free_room``), so a room
taken meanwhile by another therapist's visit means the next free one, and a therapist
taken meanwhile means SlotTaken, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection

from services.scheduling.domain.availability import Busy, open_slots
from services.scheduling.domain.booking import overlaps_a_visit
from services.scheduling.domain.calendar import ClinicSettings, Room, Service, Therapist
from services.scheduling.domain.errors import ClientBusy, NotFound, SlotNotOffered, SlotTaken
from services.scheduling.store.appointments import (
    busy_and_client_visits,
    busy_appointments,
    busy_read,
)
from services.scheduling.store.calendar import (
    LOCK_ROOM,
    load_rooms,
    lock_and_load_one_therapist,
    lock_room,
    takes_row_locks,
)
from shared.read_together import read_together

_DAY = timedelta(days=1)


class Held(NamedTuple):
    """The therapist whose time was taken (loaded under their lock) and the room chosen."""

    therapist: Therapist
    room_id: str


def hold_slot(
    connection: Connection,
    settings: ClinicSettings,
    service: Service,
    therapist_id: str,
    room_id: str | None,
    start: datetime,
    now: datetime,
    excluding: str | None = None,
    client_id: str | None = None,
) -> Held:
    """Lock the therapist and a free room for [start, start + duration).

    With ``client_id`` (a new visit: the client's referral locks are held), ClientBusy
    when the client has a booked visit overlapping it, checked before the slot.
    """
    therapist = lock_and_load_therapist(connection, therapist_id, start, start + service.duration)
    candidates = candidate_rooms(connection, room_id)
    chosen = free_room(connection, settings, service, therapist, candidates, start, now,
                       excluding, client_id)
    return Held(therapist, take_room(connection, settings, service, therapist, candidates,
                                     chosen, start, now, excluding))


def take_room(
    connection: Connection,
    settings: ClinicSettings,
    service: Service,
    therapist: Therapist,
    candidates: Sequence[str],
    chosen: str,
    start: datetime,
    now: datetime,
    excluding: str | None = None,
) -> str:
    """The room for the visit, under its lock: ``chosen`` (free when the busy time was read
    under the therapist's lock), or, when another therapist's visit took it meanwhile, the
    next free one of ``candidates`` after it. SQLite: ``chosen`` (nobody else has written
    since this transaction began)."""
    if not takes_row_locks(connection):
        return chosen
    end = start + service.duration
    buffer = timedelta(minutes=settings.buffer_minutes)
    while True:
        # The room was chosen without its lock: lock it and look again, someone with
        # another therapist may have taken it in between. One round trip: the busy time is
        # read by the statement after the lock's, so it sees what the lock's holder wrote.
        _, busy_rows = read_together(connection, [
            (LOCK_ROOM, {"room_id": chosen}),
            busy_read(start, end, buffer, [therapist.id], [chosen], excluding),
        ])
        busy = [Busy._make(row) for row in busy_rows]
        try:
            return room_from_busy(settings, service, therapist, [chosen], busy, start, now)
        except SlotTaken:
            # Only rooms after this one: room locks are always taken in the rooms' order.
            candidates = candidates[candidates.index(chosen) + 1:]
            if not candidates:
                raise
            chosen = free_room(connection, settings, service, therapist, candidates, start,
                               now, excluding)


def lock_rooms(connection: Connection, room_ids: Sequence[str]) -> None:
    """Take every room's lock at once, in the rooms' order (no-op on SQLite)."""
    if takes_row_locks(connection):
        for room_id in room_ids:
            lock_room(connection, room_id)


def free_room(
    connection: Connection,
    settings: ClinicSettings,
    service: Service,
    therapist: Therapist,
    room_ids: Sequence[str],
    start: datetime,
    now: datetime,
    excluding: str | None = None,
    client_id: str | None = None,
) -> str:
    """The first of ``room_ids`` in which the therapist can give the service at ``start``;
    with ``client_id`` (and no ``excluding``), first ClientBusy if the client is booked then."""
    end = start + service.duration
    buffer = timedelta(minutes=settings.buffer_minutes)
    if client_id is None:
        busy = busy_appointments(connection, start, end, buffer, [therapist.id], room_ids,
                                 excluding)
    else:
        busy, visits = busy_and_client_visits(connection, start, end, buffer, [therapist.id],
                                              room_ids, client_id)
        if overlaps_a_visit(start, end, visits):
            raise ClientBusy()
    return room_from_busy(settings, service, therapist, room_ids, busy, start, now)


def room_from_busy(
    settings: ClinicSettings,
    service: Service,
    therapist: Therapist,
    room_ids: Sequence[str],
    busy: Sequence[Busy],
    start: datetime,
    now: datetime,
) -> str:
    """The first of ``room_ids`` in which the therapist can give the service at ``start``,
    given the busy time around it; SlotTaken when someone holds the time, SlotNotOffered
    when it is not offered at all."""
    end = start + service.duration
    rooms = [Room(id=room_id, name=room_id) for room_id in room_ids]
    for slot in open_slots(service, [therapist], rooms, busy, settings, start, end, now):
        if slot.start == start:
            return slot.room_id
    # Offered on an empty calendar but not now: someone holds the time.
    if rooms and open_slots(service, [therapist], rooms[:1], [], settings, start, end, now):
        raise SlotTaken
    raise SlotNotOffered


def lock_and_load_therapist(
    connection: Connection, therapist_id: str, start: datetime, end: datetime
) -> Therapist:
    """Take the therapist's lock and load them with their time off around [start, end)."""
    therapist = lock_and_load_one_therapist(connection, therapist_id, start - _DAY, end + _DAY)
    if therapist is None:
        raise NotFound("therapist")
    return therapist


def candidate_rooms(connection: Connection, room_id: str | None) -> list[str]:
    """The rooms a visit may go to, in the rooms' order: the one asked for, or all."""
    return rooms_for(room_id, [room.id for room in load_rooms(connection)])


def rooms_for(room_id: str | None, rooms: list[str]) -> list[str]:
    """Of every room (in the rooms' order), those a visit asking for ``room_id`` may use."""
    if room_id is None:
        return rooms
    if room_id not in rooms:
        raise NotFound("room")
    return [room_id]
