"""Open slots from the stored calendar: the read behind GET /availability."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection

from services.scheduling.domain.availability import (
    Openings,
    Slot,
    check_window,
    open_times,
    slots_at,
)
from services.scheduling.domain.calendar import Therapist
from services.scheduling.domain.errors import NotFound
from services.scheduling.store.appointments import busy_appointments
from services.scheduling.store.calendar import (
    load_rooms,
    load_service_and_settings,
    load_therapists,
)
from services.scheduling.store.calendar_versions import calendar_versions

_DAY = timedelta(days=1)


def available_times(
    connection: Connection,
    service_id: str,
    window_from: datetime,
    window_to: datetime,
    now: datetime,
    therapist_id: str | None = None,
) -> tuple[Openings, dict[str, Therapist]]:
    """Open times for a service in the window, and the therapists they name."""
    service, settings = load_service_and_settings(connection, service_id)
    check_window(window_from, window_to, now, settings)
    if service is None:
        raise NotFound("service")
    ids = [therapist_id] if therapist_id is not None else None
    therapists = load_therapists(connection, ids, window_from - _DAY, window_to + _DAY)
    if therapist_id is not None and not therapists:
        raise NotFound("therapist")
    buffer = timedelta(minutes=settings.buffer_minutes)
    # Every therapist's visits count: a room taken by anyone is not free.
    busy = busy_appointments(connection, window_from, window_to, buffer)
    openings = open_times(service, therapists, load_rooms(connection), busy, settings,
                          window_from, window_to, now)
    return openings, {therapist.id: therapist for therapist in therapists}


def available_slots(
    connection: Connection,
    service_id: str,
    window_from: datetime,
    window_to: datetime,
    now: datetime,
    therapist_id: str | None = None,
) -> tuple[list[Slot], dict[str, Therapist]]:
    """Open slots for a service in the window, and the therapists they name."""
    openings, therapists = available_times(connection, service_id, window_from, window_to, now,
                                           therapist_id)
    return slots_at(openings.times), therapists


def run_reads_once(connection: Connection, now: datetime) -> None:
    """Run each of availability's reads once, keeping nothing (a day from ``now``; on an
    empty clinic too).

    SQLAlchemy compiles a statement the first time its engine runs it: ~10-30 ms of CPU
    for these, which each process's first visitor would otherwise wait for.
    """
    calendar_versions(connection)
    load_service_and_settings(connection, "")
    load_therapists(connection, None, now - _DAY, now + _DAY)
    busy_appointments(connection, now, now + _DAY, timedelta(0))
    load_rooms(connection)
